package des

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestCalendarFIFOTies(t *testing.T) {
	// Events at equal times leave in the order they were pushed, whatever
	// the heap does with them; times interleaved to stir the heap.
	var c Calendar
	for i := range 300 {
		c.Push(float64(i%3), Event{Entity: i})
	}
	last := map[float64]int{0: -1, 1: -1, 2: -1}
	prev := math.Inf(-1)
	for c.Len() > 0 {
		at, e, _ := c.Pop()
		if at < prev {
			t.Fatalf("time %g after %g", at, prev)
		}
		if e.Entity <= last[at] {
			t.Fatalf("at %g: entity %d after %d (not FIFO)", at, e.Entity, last[at])
		}
		last[at], prev = e.Entity, at
	}
}

// refEvent is an event of the reference calendar: a plain list.
type refEvent struct {
	at  float64
	seq int
	ev  Event
	h   Handle
}

func TestCalendarAgainstReference(t *testing.T) {
	// Random pushes, pops and cancels (many ties: integer times 0..19),
	// compared with a list searched linearly for the least (time, sequence).
	rng := rand.New(rand.NewPCG(7, 8))
	var c Calendar
	var ref []refEvent
	var dead []Handle // handles of fired or cancelled events
	seq := 0
	for op := range 20000 {
		switch r := rng.IntN(10); {
		case r < 5:
			at := float64(rng.IntN(20))
			e := Event{Kind: rng.IntN(4), Entity: seq, Arg: op}
			ref = append(ref, refEvent{at, seq, e, c.Push(at, e)})
			seq++
		case r < 8:
			at, e, ok := c.Pop()
			if !ok {
				if len(ref) != 0 {
					t.Fatalf("op %d: Pop empty with %d scheduled", op, len(ref))
				}
				continue
			}
			m := 0
			for i := range ref {
				if ref[i].at < ref[m].at || (ref[i].at == ref[m].at && ref[i].seq < ref[m].seq) {
					m = i
				}
			}
			if at != ref[m].at || e != ref[m].ev {
				t.Fatalf("op %d: Pop = %g %+v, want %g %+v", op, at, e, ref[m].at, ref[m].ev)
			}
			dead = append(dead, ref[m].h)
			ref = append(ref[:m], ref[m+1:]...)
		case r < 9 && len(ref) > 0:
			m := rng.IntN(len(ref))
			if !c.Cancel(ref[m].h) {
				t.Fatalf("op %d: Cancel of a scheduled event returned false", op)
			}
			dead = append(dead, ref[m].h)
			ref = append(ref[:m], ref[m+1:]...)
		case len(dead) > 0:
			h := dead[rng.IntN(len(dead))]
			if c.Cancel(h) {
				t.Fatalf("op %d: Cancel of a fired or cancelled event returned true", op)
			}
			if _, ok := c.Scheduled(h); ok {
				t.Fatalf("op %d: a dead handle is scheduled", op)
			}
		}
		if c.Len() != len(ref) {
			t.Fatalf("op %d: Len %d, want %d", op, c.Len(), len(ref))
		}
		if len(ref) > 0 {
			i := rng.IntN(len(ref))
			if at, ok := c.Scheduled(ref[i].h); !ok || at != ref[i].at {
				t.Fatalf("op %d: Scheduled = %g, %v; want %g", op, at, ok, ref[i].at)
			}
		}
	}
}

func TestCalendarCancel(t *testing.T) {
	var c Calendar
	var hs []Handle
	for i := range 10 {
		hs = append(hs, c.Push(float64(10-i), Event{Entity: i}))
	}
	// Cancel the root, a leaf and one in between; those never come out.
	for _, i := range []int{9, 0, 4} {
		if !c.Cancel(hs[i]) {
			t.Fatalf("Cancel(%d) = false", i)
		}
		if c.Cancel(hs[i]) {
			t.Fatalf("second Cancel(%d) = true", i)
		}
	}
	if c.Cancel(Handle{}) {
		t.Error("Cancel of the zero Handle returned true")
	}
	var got []int
	for c.Len() > 0 {
		_, e, _ := c.Pop()
		got = append(got, e.Entity)
	}
	want := []int{8, 7, 6, 5, 3, 2, 1}
	if len(got) != len(want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fired %v, want %v", got, want)
		}
	}
	// Handles of popped events are dead; slots reused by new events do not
	// revive them.
	h := c.Push(1, Event{Entity: 99})
	for _, old := range hs {
		if c.Cancel(old) {
			t.Fatal("an old handle cancelled a new event")
		}
	}
	if at, ok := c.Scheduled(h); !ok || at != 1 {
		t.Fatalf("Scheduled(new) = %g, %v", at, ok)
	}
}

func TestCalendarReset(t *testing.T) {
	var c Calendar
	h := c.Push(5, Event{Kind: 1})
	c.Push(3, Event{Kind: 2})
	c.Reset()
	if c.Len() != 0 {
		t.Fatalf("Len after Reset = %d", c.Len())
	}
	if _, ok := c.Peek(); ok {
		t.Fatal("Peek after Reset found an event")
	}
	c.Push(7, Event{Kind: 3}) // reuses h's slot
	if c.Cancel(h) {
		t.Fatal("a handle from before Reset cancelled a new event")
	}
	if at, e, ok := c.Pop(); !ok || at != 7 || e.Kind != 3 {
		t.Fatalf("Pop = %g %+v %v", at, e, ok)
	}
	if _, _, ok := c.Pop(); ok {
		t.Fatal("Pop of an empty calendar returned ok")
	}
}

func TestCalendarNaNPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Push(NaN) did not panic")
		}
	}()
	var c Calendar
	c.Push(math.NaN(), Event{})
}

func TestCalendarAllocations(t *testing.T) {
	// Once grown, push/pop/cancel allocate nothing.
	var c Calendar
	for i := range 1000 {
		c.Push(float64(i), Event{})
	}
	rng := rand.New(rand.NewPCG(1, 1))
	allocs := testing.AllocsPerRun(1000, func() {
		at, _, _ := c.Pop()
		h := c.Push(at+rng.ExpFloat64(), Event{Kind: 1})
		c.Cancel(h)
		c.Push(at+rng.ExpFloat64(), Event{Kind: 2})
	})
	if allocs != 0 {
		t.Errorf("%g allocations per hold step, want 0", allocs)
	}
}
