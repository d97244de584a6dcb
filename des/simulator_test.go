package des

import (
	"math"
	"slices"
	"testing"
)

// recorder logs the events it handles and runs an optional action.
type recorder struct {
	log    []Event
	times  []float64
	action func(sim *Simulator, e Event)
}

func (r *recorder) Handle(sim *Simulator, e Event) {
	r.log = append(r.log, e)
	r.times = append(r.times, sim.Now())
	if r.action != nil {
		r.action(sim, e)
	}
}

func entities(es []Event) []int {
	out := make([]int, len(es))
	for i, e := range es {
		out[i] = e.Entity
	}
	return out
}

func TestSimulatorFIFOWithinHandler(t *testing.T) {
	// Events 0, 1, 2 at t = 1. Event 0 schedules 10 at t = 1 (delay 0)
	// and 11 at t = 0.5 + 0.5: both come after 1 and 2, in that order.
	r := &recorder{}
	r.action = func(sim *Simulator, e Event) {
		if e.Entity == 0 {
			sim.After(0, Event{Entity: 10})
			sim.Schedule(1, Event{Entity: 11})
		}
	}
	sim := Simulator{Handler: r}
	for i := range 3 {
		sim.Schedule(1, Event{Entity: i})
	}
	sim.Run(math.Inf(1))
	if got, want := entities(r.log), []int{0, 1, 2, 10, 11}; !slices.Equal(got, want) {
		t.Errorf("fired %v, want %v", got, want)
	}
}

func TestSimulatorRunUntil(t *testing.T) {
	r := &recorder{}
	sim := Simulator{Handler: r}
	for _, at := range []float64{0.5, 2, 2, 3, 7} {
		sim.Schedule(at, Event{Entity: int(at * 10)})
	}
	// Run(2) fires events at times ≤ 2 (inclusive) and leaves the clock at 2.
	if n := sim.Run(2); n != 3 || sim.Now() != 2 || sim.Pending() != 2 {
		t.Fatalf("Run(2): fired %d, now %g, pending %d; want 3, 2, 2", n, sim.Now(), sim.Pending())
	}
	// Run(5): one event (t = 3), clock advanced to 5.
	if n := sim.Run(5); n != 1 || sim.Now() != 5 {
		t.Fatalf("Run(5): fired %d, now %g; want 1, 5", n, sim.Now())
	}
	// Run(+Inf): the clock stays at the last event.
	if n := sim.Run(math.Inf(1)); n != 1 || sim.Now() != 7 || sim.Pending() != 0 {
		t.Fatalf("Run(Inf): fired %d, now %g; want 1, 7", n, sim.Now())
	}
	if !slices.Equal(r.times, []float64{0.5, 2, 2, 3, 7}) {
		t.Errorf("fired at %v", r.times)
	}
	// Scheduling in the past panics.
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Schedule before Now did not panic")
			}
		}()
		sim.Schedule(6, Event{})
	}()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("After(-1) did not panic")
			}
		}()
		sim.After(-1, Event{})
	}()
}

func TestSimulatorStopStepNextReset(t *testing.T) {
	// A patient who dies at t = 4: Stop ends Run at the death, with the
	// later events still pending.
	const death = 9
	r := &recorder{action: func(sim *Simulator, e Event) {
		if e.Kind == death {
			sim.Stop()
		}
	}}
	sim := Simulator{Handler: r}
	sim.Schedule(1, Event{Kind: 1})
	sim.Schedule(4, Event{Kind: death})
	sim.Schedule(6, Event{Kind: 1})
	if n := sim.Run(10); n != 2 || sim.Now() != 4 || sim.Pending() != 1 {
		t.Fatalf("Run with Stop: fired %d, now %g, pending %d; want 2, 4, 1", n, sim.Now(), sim.Pending())
	}
	// Step fires the remaining one; then there is nothing left.
	if !sim.Step() || sim.Now() != 6 || sim.Step() {
		t.Fatalf("Step: now %g", sim.Now())
	}

	// Reset: clock 0, calendar empty, handles stale.
	h := sim.Schedule(8, Event{})
	sim.Reset()
	if sim.Now() != 0 || sim.Pending() != 0 || sim.Cancel(h) {
		t.Fatal("Reset left state behind")
	}

	// Next: reverse communication, with Cancel of a pending event.
	sim.Schedule(1, Event{Entity: 1})
	h = sim.Schedule(2, Event{Entity: 2})
	sim.Schedule(3, Event{Entity: 3})
	if at, ok := sim.Scheduled(h); !ok || at != 2 {
		t.Fatalf("Scheduled = %g, %v", at, ok)
	}
	var got []int
	for {
		e, ok := sim.Next(2.5)
		if !ok {
			break
		}
		got = append(got, e.Entity)
		if e.Entity == 1 && !sim.Cancel(h) {
			t.Fatal("Cancel of a pending event failed")
		}
	}
	if !slices.Equal(got, []int{1}) || sim.Now() != 2.5 || sim.Pending() != 1 {
		t.Fatalf("Next: got %v, now %g, pending %d", got, sim.Now(), sim.Pending())
	}
}

func TestSimulatorAllocations(t *testing.T) {
	// Hold model, once warm: no allocations per event.
	h := &hold{}
	sim := Simulator{Handler: h}
	h.init(&sim, 1000, 1)
	sim.Run(math.Inf(1)) // no stop set: runs until budget ends
	allocs := testing.AllocsPerRun(100, func() {
		h.budget = 100
		sim.Run(math.Inf(1))
	})
	if allocs != 0 {
		t.Errorf("%g allocations per 100 events, want 0", allocs)
	}
}
