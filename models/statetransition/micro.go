package statetransition

import (
	"context"
	"math"
	"math/rand/v2"
)

// microResult is the outcome of a microsimulation: per strategy, the mean
// and the sample standard deviation over patients of each quantity, and the
// share of patients in each state at each trace point (when asked for).
type microResult struct {
	mean, sd []Totals
	traces   [][][]float64
}

// cumulate fills mv.cum with the cumulative rows of mv.p. The last column
// with a positive probability is set to exactly 1, so that a uniform number
// in [0, 1) always selects a state that can be reached.
func (mv *matrixValue) cumulate(n int) {
	if mv.cum != nil {
		return
	}
	mv.cum = make([]float64, n*n)
	for i := range n {
		var c float64
		last := 0
		for j := range n {
			c += mv.p[i*n+j]
			mv.cum[i*n+j] = c
			if mv.p[i*n+j] > 0 {
				last = j
			}
		}
		for j := last; j < n; j++ {
			mv.cum[i*n+j] = 1
		}
	}
}

// pick returns the first state j with u < cum[j].
func pick(cum []float64, u float64) int {
	for j, c := range cum {
		if u < c {
			return j
		}
	}
	return len(cum) - 1
}

// micro simulates nPatients individuals through every strategy. Patient p
// draws its uniform numbers u_0 (initial state), u_1, …, u_cycles (one per
// cycle) from PCG(seed, p), and uses the same numbers in every strategy
// (common random numbers): in cycle k a patient in state i moves to the
// first state j with u_k < Σ_{l≤j} P_k(i → l). Each patient's outcomes are
// the point and entry values of the states it visits, so the expected
// outcome of a patient is the cohort's.
func (in *instance) micro(ctx context.Context, nPatients int, seed uint64, trace bool) (microResult, error) {
	n, cycles, ns := in.n, in.d.cycles, len(in.plan)
	initCum := (&matrixValue{p: in.init}).cumRow(n)
	for s := range in.plan {
		for _, mv := range in.plan[s] {
			mv.cumulate(n)
		}
	}
	res := microResult{mean: make([]Totals, ns), sd: make([]Totals, ns)}
	var counts [][][]float64
	if trace {
		counts = make([][][]float64, ns)
		for s := range counts {
			counts[s] = make([][]float64, cycles+1)
			for t := range counts[s] {
				counts[s][t] = make([]float64, n)
			}
		}
	}
	m2 := make([]Totals, ns) // Welford's sums of squared deviations
	u := make([]float64, cycles+1)
	pcg := rand.NewPCG(0, 0)
	rng := rand.New(pcg)
	for p := range nPatients {
		if p%1024 == 0 && ctx.Err() != nil {
			return microResult{}, ctx.Err()
		}
		pcg.Seed(seed, uint64(p))
		for t := range u {
			u[t] = rng.Float64()
		}
		for s := range ns {
			var tot Totals
			state := pick(initCum, u[0])
			pv := in.point[s]
			v := pv[state*nq:][:nq]
			for q := range nq {
				tot[q] += v[q]
			}
			if trace {
				counts[s][0][state]++
			}
			plan, entry := in.plan[s], in.entry[s]
			for k := 1; k <= cycles; k++ {
				next := pick(plan[k-1].cum[state*n:state*n+n], u[k])
				if next != state && entry != nil {
					e := entry[((k-1)*n+next)*nq:][:nq]
					for q := range nq {
						tot[q] += e[q]
					}
				}
				state = next
				v := pv[(k*n+state)*nq:][:nq]
				for q := range nq {
					tot[q] += v[q]
				}
				if trace {
					counts[s][k][state]++
				}
			}
			// Welford's update of the mean and the sum of squares.
			mean, ss := &res.mean[s], &m2[s]
			for q := range nq {
				delta := tot[q] - mean[q]
				mean[q] += delta / float64(p+1)
				ss[q] += delta * (tot[q] - mean[q])
			}
		}
	}
	for s := range ns {
		for q := range nq {
			if nPatients > 1 {
				res.sd[s][q] = math.Sqrt(m2[s][q] / float64(nPatients-1))
			}
		}
	}
	if trace {
		for s := range counts {
			for t := range counts[s] {
				for i := range counts[s][t] {
					counts[s][t][i] /= float64(nPatients)
				}
			}
		}
		res.traces = counts
	}
	return res, nil
}

// cumRow returns the cumulative shares of a single row (the initial
// distribution), with the last reachable entry set to 1.
func (mv *matrixValue) cumRow(n int) []float64 {
	cum := make([]float64, n)
	var c float64
	last := 0
	for j := range n {
		c += mv.p[j]
		cum[j] = c
		if mv.p[j] > 0 {
			last = j
		}
	}
	for j := last; j < n; j++ {
		cum[j] = 1
	}
	return cum
}
