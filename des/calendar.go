package des

import "math"

// Event is what a calendar holds: a small value with a user-defined kind
// (which event: arrival, relapse, death, …), the entity it concerns (a
// patient, a customer) and one free argument (e.g. the target state of a
// transition). A model dispatches on Kind; the values mean nothing to des.
type Event struct {
	Kind   int
	Entity int
	Arg    int
}

// Handle identifies one scheduled event, for Cancel and Scheduled. The zero
// Handle never refers to an event. A handle goes stale once its event has
// fired or been cancelled, and after Reset; a stale handle is never
// mistaken for a later event.
type Handle struct {
	seq  uint64
	slot int32
}

// Calendar is the future-event list: a binary min-heap of events keyed by
// (time, insertion sequence), so events at the same time leave in the order
// they were pushed (FIFO) and every run is deterministic. Push, Pop and
// Cancel take O(log n) time; they allocate only while the calendar grows
// beyond its largest size so far. Each heap node knows its slot and each
// slot its heap position, so Cancel removes an event at once (no lazy
// deletion: a cancelled event is gone and never fires).
//
// The zero Calendar is empty and ready to use. A Calendar is not safe for
// concurrent use; give each goroutine (each simulated patient batch) its own.
type Calendar struct {
	heap  []node
	slots []slot
	free  []int32
	seq   uint64 // last sequence number issued; never reset, so handles stay unique
}

type node struct {
	at   float64
	seq  uint64
	slot int32
}

type slot struct {
	ev  Event
	seq uint64 // 0 when free
	pos int32  // index in heap
}

func (a *node) before(b *node) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// Len returns the number of scheduled events.
func (c *Calendar) Len() int { return len(c.heap) }

// Push schedules e at time at and returns its handle. Push panics if at is
// NaN; +Inf is allowed (an event that is never reached by a finite Run).
func (c *Calendar) Push(at float64, e Event) Handle {
	if math.IsNaN(at) {
		panic("des: event time is NaN")
	}
	var s int32
	if n := len(c.free); n > 0 {
		s = c.free[n-1]
		c.free = c.free[:n-1]
	} else {
		if len(c.slots) == math.MaxInt32 {
			panic("des: calendar full")
		}
		c.slots = append(c.slots, slot{})
		s = int32(len(c.slots) - 1)
	}
	c.seq++
	c.slots[s] = slot{ev: e, seq: c.seq, pos: int32(len(c.heap))}
	c.heap = append(c.heap, node{at: at, seq: c.seq, slot: s})
	c.up(len(c.heap) - 1)
	return Handle{seq: c.seq, slot: s}
}

// Peek returns the time of the next event, or ok = false if the calendar is
// empty.
func (c *Calendar) Peek() (at float64, ok bool) {
	if len(c.heap) == 0 {
		return 0, false
	}
	return c.heap[0].at, true
}

// Pop removes and returns the next event: the earliest, and of equally
// early events the first pushed. ok is false if the calendar is empty.
func (c *Calendar) Pop() (at float64, e Event, ok bool) {
	if len(c.heap) == 0 {
		return 0, Event{}, false
	}
	top := c.heap[0]
	e = c.slots[top.slot].ev
	c.remove(0)
	return top.at, e, true
}

// Cancel removes the event of h from the calendar and reports whether it
// was still scheduled. Cancelling a fired, cancelled or zero handle does
// nothing and returns false.
func (c *Calendar) Cancel(h Handle) bool {
	if !c.live(h) {
		return false
	}
	c.remove(int(c.slots[h.slot].pos))
	return true
}

// Scheduled returns the time of the event of h and whether it is still
// scheduled.
func (c *Calendar) Scheduled(h Handle) (at float64, ok bool) {
	if !c.live(h) {
		return 0, false
	}
	return c.heap[c.slots[h.slot].pos].at, true
}

// Reset empties the calendar, keeping its memory for reuse. Handles issued
// before Reset go stale.
func (c *Calendar) Reset() {
	c.heap = c.heap[:0]
	c.free = c.free[:0]
	for i := len(c.slots) - 1; i >= 0; i-- {
		c.slots[i].seq = 0
		c.free = append(c.free, int32(i))
	}
}

func (c *Calendar) live(h Handle) bool {
	return h.seq != 0 && h.slot >= 0 && int(h.slot) < len(c.slots) && c.slots[h.slot].seq == h.seq
}

// remove deletes the heap node at position i and frees its slot.
func (c *Calendar) remove(i int) {
	s := c.heap[i].slot
	c.slots[s].seq = 0
	c.free = append(c.free, s)
	last := len(c.heap) - 1
	if i != last {
		c.heap[i] = c.heap[last]
		c.slots[c.heap[i].slot].pos = int32(i)
	}
	c.heap = c.heap[:last]
	if i < last {
		if i > 0 && c.heap[i].before(&c.heap[(i-1)/2]) {
			c.up(i)
		} else {
			c.down(i)
		}
	}
}

// up moves the node at i towards the root until its parent is earlier.
func (c *Calendar) up(i int) {
	h := c.heap
	n := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if !n.before(&h[p]) {
			break
		}
		h[i] = h[p]
		c.slots[h[i].slot].pos = int32(i)
		i = p
	}
	h[i] = n
	c.slots[n.slot].pos = int32(i)
}

// down moves the node at i towards the leaves until no child is earlier.
func (c *Calendar) down(i int) {
	h := c.heap
	n := h[i]
	size := len(h)
	for {
		l := 2*i + 1
		if l >= size {
			break
		}
		m := l
		if r := l + 1; r < size && h[r].before(&h[l]) {
			m = r
		}
		if !h[m].before(&n) {
			break
		}
		h[i] = h[m]
		c.slots[h[i].slot].pos = int32(i)
		i = m
	}
	h[i] = n
	c.slots[n.slot].pos = int32(i)
}
