package des

import (
	"math/rand/v2"
	"testing"
)

// hold is the classic hold model of event-list benchmarks (Jones 1986,
// CACM 29:300): each event schedules one successor at an exponential
// delay, so the number of pending events stays constant. It stops after
// budget events.
type hold struct {
	rng    *rand.Rand
	budget int
}

func (h *hold) init(sim *Simulator, pending int, seed uint64) {
	h.rng = Stream(seed, 0, 0)
	for i := range pending {
		sim.After(h.rng.ExpFloat64(), Event{Entity: i})
	}
}

func (h *hold) Handle(sim *Simulator, e Event) {
	sim.After(h.rng.ExpFloat64(), e)
	if h.budget--; h.budget <= 0 {
		sim.Stop()
	}
}

// BenchmarkEvents measures the kernel in events per second: the hold model
// with 1,000 pending events, one pop, one exponential draw, one schedule and
// one Handler call per event.
func BenchmarkEvents(b *testing.B) {
	h := &hold{}
	sim := Simulator{Handler: h}
	h.init(&sim, 1000, 1)
	h.budget = 10000 // warm up
	sim.Run(1e300)
	h.budget = b.N
	b.ReportAllocs()
	b.ResetTimer()
	sim.Run(1e300)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkCalendarHold is the hold model on the bare Calendar (no clock, no
// Handler), with precomputed delays.
func BenchmarkCalendarHold(b *testing.B) {
	var c Calendar
	rng := rand.New(rand.NewPCG(1, 2))
	delays := make([]float64, 4096)
	for i := range delays {
		delays[i] = rng.ExpFloat64()
	}
	for i := range 1000 {
		c.Push(delays[i], Event{Entity: i})
	}
	b.ResetTimer()
	for i := range b.N {
		at, e, _ := c.Pop()
		c.Push(at+delays[i&4095], e)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
