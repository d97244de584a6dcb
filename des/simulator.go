package des

import "math"

// Handler handles the events of a Simulator. Handle runs with the clock at
// the event's time and may schedule and cancel events.
type Handler interface {
	Handle(sim *Simulator, e Event)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(sim *Simulator, e Event)

// Handle calls f(sim, e).
func (f HandlerFunc) Handle(sim *Simulator, e Event) { f(sim, e) }

// Simulator is a discrete-event simulator: a clock and a Calendar of future
// events. Run and Step pop events in time order (ties first in, first
// out), advance the clock to each and pass it to Handler. A model that
// prefers to dispatch itself calls Next in a loop instead (reverse
// communication: the simulator returns the next event, the caller acts on
// it), which also avoids the interface call.
//
// The zero Simulator, with Handler set, is ready at time 0. Reset makes it
// ready for the next replication (the next patient) without allocating.
// Events are values, so scheduling and firing allocate nothing once the
// calendar has reached its largest size.
type Simulator struct {
	// Handler receives the events fired by Run and Step.
	Handler Handler

	cal     Calendar
	now     float64
	stopped bool
}

// Now returns the simulation time.
func (s *Simulator) Now() float64 { return s.now }

// Pending returns the number of scheduled events.
func (s *Simulator) Pending() int { return s.cal.Len() }

// Schedule schedules e at the absolute time at ≥ Now and returns its
// handle. An event scheduled at the current time fires after the events
// already scheduled for that time. Schedule panics if at < Now or at is
// NaN.
func (s *Simulator) Schedule(at float64, e Event) Handle {
	if !(at >= s.now) {
		panic("des: event scheduled before the current time")
	}
	return s.cal.Push(at, e)
}

// After schedules e at Now + delay and returns its handle. After panics if
// delay is negative or NaN.
func (s *Simulator) After(delay float64, e Event) Handle {
	if !(delay >= 0) {
		panic("des: negative or NaN delay")
	}
	return s.cal.Push(s.now+delay, e)
}

// Cancel removes a scheduled event so that it never fires, and reports
// whether it was still scheduled.
func (s *Simulator) Cancel(h Handle) bool { return s.cal.Cancel(h) }

// Scheduled returns the time of a scheduled event and whether it is still
// scheduled.
func (s *Simulator) Scheduled(h Handle) (at float64, ok bool) { return s.cal.Scheduled(h) }

// Next removes the next event if its time is at most until, advances the
// clock to that time and returns the event. Otherwise it returns ok =
// false, leaves the calendar as it is and advances the clock to until
// (unless until is +Inf or before Now).
func (s *Simulator) Next(until float64) (e Event, ok bool) {
	at, ok := s.cal.Peek()
	if !ok || at > until {
		if !math.IsInf(until, 1) && until > s.now {
			s.now = until
		}
		return Event{}, false
	}
	at, e, _ = s.cal.Pop()
	s.now = at
	return e, true
}

// Step fires the next event: it advances the clock to the event's time and
// calls Handler. It returns false, and does nothing, if no event is
// scheduled.
func (s *Simulator) Step() bool {
	at, e, ok := s.cal.Pop()
	if !ok {
		return false
	}
	s.now = at
	s.Handler.Handle(s, e)
	return true
}

// Run fires the events with times up to and including until, in order, and
// returns how many it fired. It ends when no such event is left, with the
// clock advanced to until (if finite), or right after a Handler calls Stop,
// with the clock at that event's time. Run(math.Inf(1)) runs until the
// calendar is empty or Stop is called. Run panics if Handler is nil.
func (s *Simulator) Run(until float64) int {
	if s.Handler == nil {
		panic("des: Run without a Handler")
	}
	s.stopped = false
	n := 0
	for !s.stopped {
		e, ok := s.Next(until)
		if !ok {
			break
		}
		s.Handler.Handle(s, e)
		n++
	}
	s.stopped = false
	return n
}

// Stop makes Run return after the event being handled, e.g. when the
// simulated patient dies. Scheduled events stay in the calendar.
func (s *Simulator) Stop() { s.stopped = true }

// Reset clears the calendar and sets the clock to 0, keeping the memory for
// the next replication. Handles issued before Reset go stale.
func (s *Simulator) Reset() {
	s.cal.Reset()
	s.now = 0
	s.stopped = false
}
