package hta

// Trace is the cohort (Markov trace) engine: the expected occupancy x_t of
// States states at trace points t = 0..Steps, starting at Init and moving by
// one transition matrix per step,
//
//	x_t = x_{t−1} · P_t,   t = 1..Steps,
//
// and what that occupancy is worth (Briggs, Claxton & Sculpher 2006, ch. 2
// and 3). models/statetransition's cohort mode runs it with one step per
// cycle; models/mscohort runs its own state spaces and step patterns
// through it. A step may stand for a whole cycle, part of
// one, or an instantaneous change at a point in time (a P_t that moves
// occupancy without time passing): the caller's Point values and Weights say
// how much each trace point counts.
//
// The suppliers are called once per step or trace point, in order, and the
// slices they return are only read until the next call; Run allocates only
// when the scratch buffers grow, so a Trace reused for many runs of the same
// size does not allocate.
type Trace struct {
	States int       // n
	Init   []float64 // the occupancy at point 0 (length n)
	Steps  int

	// Matrix returns P_t, the n×n row-major matrix of step t = 1..Steps
	// (P[i*n+j] = P(i → j)), or nil when the step moves nobody.
	Matrix func(t int) []float64

	// Rewards: Quantities sums, added to Run's tot.
	Quantities int
	// Point, when not nil, returns the n×Quantities values of occupancy at
	// point t: tot[q] += Σ_i x_t(i)·v[i*Quantities+q].
	Point func(t int) []float64
	// Entry, when not nil, returns the n×Quantities values of entering state
	// j from another state during step t (nil: none in that step):
	// tot[q] += Σ_j (x_t(j) − x_{t−1}(j)·P_t(j, j))·e[j*Quantities+q].
	Entry func(t int) []float64

	// Occupancy by state: Weightings integrals, added to Run's occ.
	Weightings int
	// Weights, when not nil, returns the Weightings weights of point t:
	// occ[r*n+i] += w[r]·x_t(i), e.g. a quadrature weight with and without
	// discounting, so occ holds each state's (discounted) expected time.
	Weights func(t int) []float64

	// Visit, when not nil, is called with the occupancy of every point t,
	// after the point's rewards are added; x must not be kept.
	Visit func(t int, x []float64)

	x, y []float64 // scratch
}

// Run runs the trace, adding the rewards to tot (length Quantities) and the
// weighted occupancy to occ (length Weightings·States).
func (tr *Trace) Run(tot, occ []float64) {
	n, nq := tr.States, tr.Quantities
	if cap(tr.x) < n {
		tr.x, tr.y = make([]float64, n), make([]float64, n)
	}
	x, y := tr.x[:n], tr.y[:n]
	copy(x, tr.Init)
	tr.point(0, x, tot, occ)
	for t := 1; t <= tr.Steps; t++ {
		p := tr.Matrix(t)
		if p == nil {
			tr.point(t, x, tot, occ)
			continue
		}
		clear(y)
		for i, xi := range x {
			if xi == 0 {
				continue
			}
			row := p[i*n : i*n+n]
			for j, pij := range row {
				y[j] += xi * pij
			}
		}
		if tr.Entry != nil {
			if ev := tr.Entry(t); ev != nil {
				for j := range n {
					inflow := y[j] - x[j]*p[j*n+j] // from the other states
					if inflow != 0 {
						v := ev[j*nq:][:nq]
						for q := range nq {
							tot[q] += inflow * v[q]
						}
					}
				}
			}
		}
		x, y = y, x
		tr.point(t, x, tot, occ)
	}
}

// point adds the rewards and weighted occupancy of point t.
func (tr *Trace) point(t int, x, tot, occ []float64) {
	n := tr.States
	if tr.Point != nil {
		nq := tr.Quantities
		pv := tr.Point(t)
		for i, xi := range x {
			if xi == 0 {
				continue
			}
			v := pv[i*nq:][:nq]
			for q := range nq {
				tot[q] += xi * v[q]
			}
		}
	}
	if tr.Weights != nil {
		for r, wr := range tr.Weights(t)[:tr.Weightings] {
			o := occ[r*n:][:n]
			for i, xi := range x {
				if xi != 0 {
					o[i] += wr * xi
				}
			}
		}
	}
	if tr.Visit != nil {
		tr.Visit(t, x)
	}
}
