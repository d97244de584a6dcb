package des

import (
	"math"
	"math/rand/v2"
	"testing"
)

const (
	arrival = iota
	departure
)

// mm1 is an M/M/1 queue: Poisson arrivals at rate lambda, one server with
// exponential service at rate mu, first come first served.
type mm1 struct {
	lambda, mu      float64
	customers       int // arrivals to generate
	arrivals, serve *rand.Rand

	arrived int
	queue   []float64 // arrival times of the waiting customers
	head    int
	busy    bool

	wait    []float64 // wait in queue, by customer (service order = arrival order)
	service []float64 // service time, by customer
	done    []float64 // departure time, by customer
	served  int
}

func (q *mm1) Handle(sim *Simulator, e Event) {
	switch e.Kind {
	case arrival:
		if q.arrived++; q.arrived < q.customers {
			sim.After(q.arrivals.ExpFloat64()/q.lambda, Event{Kind: arrival})
		}
		if q.busy {
			q.queue = append(q.queue, sim.Now())
			return
		}
		q.start(sim, sim.Now())
	case departure:
		q.done[e.Entity] = sim.Now()
		q.busy = false
		if q.head < len(q.queue) {
			a := q.queue[q.head]
			if q.head++; q.head == len(q.queue) {
				q.queue, q.head = q.queue[:0], 0
			}
			q.start(sim, a)
		}
	}
}

// start begins the service of the next customer, who arrived at a.
func (q *mm1) start(sim *Simulator, a float64) {
	i := q.served
	q.served++
	q.busy = true
	q.wait[i] = sim.Now() - a
	q.service[i] = q.serve.ExpFloat64() / q.mu
	sim.After(q.service[i], Event{Kind: departure, Entity: i})
}

func runMM1(seed uint64, lambda, mu float64, n int) *mm1 {
	q := &mm1{
		lambda: lambda, mu: mu, customers: n,
		arrivals: Stream(seed, 0, arrival), serve: Stream(seed, 0, departure),
		wait: make([]float64, n), service: make([]float64, n), done: make([]float64, n),
	}
	sim := Simulator{Handler: q}
	sim.After(q.arrivals.ExpFloat64()/lambda, Event{Kind: arrival})
	sim.Run(math.Inf(1))
	return q
}

// batchMeans returns the mean of the batch values and its standard error.
func batchMeans(v []float64) (mean, se float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1) / float64(len(v)))
}

func TestMM1(t *testing.T) {
	// λ = 0.8, μ = 1: Wq = λ/(μ(μ−λ)) = 0.8/0.2 = 4, ρ = λ/μ = 0.8
	// (Kleinrock 1975, ch. 3). 10⁶ customers in 20 batches of 50,000
	// customers each; the batches are much longer than the queue's
	// correlation time (order 10² customers at ρ = 0.8), so the batch means
	// are nearly independent. Tolerance: 4 batch-means standard errors.
	const (
		lambda, mu = 0.8, 1.0
		n, batches = 1_000_000, 20
		size       = n / batches
	)
	q := runMM1(2024, lambda, mu, n)
	if q.served != n {
		t.Fatalf("served %d of %d customers", q.served, n)
	}
	wq := make([]float64, batches)
	rho := make([]float64, batches)
	prevDone := 0.0
	for b := range batches {
		var w, busy float64
		for i := b * size; i < (b+1)*size; i++ {
			w += q.wait[i]
			busy += q.service[i]
		}
		wq[b] = w / size
		// FIFO, one server: the customers of batch b are served exactly
		// within (last departure of batch b−1, last departure of batch b].
		end := q.done[(b+1)*size-1]
		rho[b] = busy / (end - prevDone)
		prevDone = end
	}
	wantWq, wantRho := lambda/(mu*(mu-lambda)), lambda/mu
	mw, sew := batchMeans(wq)
	mr, ser := batchMeans(rho)
	t.Logf("Wq = %.4f ± %.4f (want %.4f), ρ = %.5f ± %.5f (want %.5f)", mw, sew, wantWq, mr, ser, wantRho)
	if math.Abs(mw-wantWq) > 4*sew {
		t.Errorf("mean wait in queue %.4f, want %.4f ± 4·%.4f", mw, wantWq, sew)
	}
	if math.Abs(mr-wantRho) > 4*ser {
		t.Errorf("utilisation %.5f, want %.5f ± 4·%.5f", mr, wantRho, ser)
	}
	// The standard errors must be small enough for the test to mean
	// something (this seed gives 0.039 and 0.00095, i.e. 1 % and 0.12 %).
	if sew > 0.2 || ser > 0.01 {
		t.Errorf("standard errors %.4f, %.5f larger than expected", sew, ser)
	}
}

func TestMM1Deterministic(t *testing.T) {
	// The same seed gives the same trajectory; another seed another one.
	a, b, c := runMM1(1, 0.8, 1, 2000), runMM1(1, 0.8, 1, 2000), runMM1(2, 0.8, 1, 2000)
	for i := range a.done {
		if a.done[i] != b.done[i] || a.wait[i] != b.wait[i] {
			t.Fatalf("customer %d differs between two runs with seed 1", i)
		}
	}
	if a.done[1999] == c.done[1999] {
		t.Error("seeds 1 and 2 gave the same last departure")
	}
}
