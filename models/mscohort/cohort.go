package mscohort

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mdtwin/mdtwin/hta"
)

// substeps is the number of Simpson sub-intervals per annual cycle over
// which the cohort integrates occupancy (even). The occupancy is a sum of
// exponentials with rates of at most a few per year, so Simpson's error,
// (h⁴/180)·max|x⁗|, is below 1e-7 of the total with h = 1/12.
const substeps = 12

// cohortKey identifies a cached one-step transition matrix.
type cohortKey struct {
	chain, sex, age, epoch int
	h                      float64
}

// cohortRun holds one strategy's cohort computation.
type cohortRun struct {
	w      *world
	p      *plan
	n      int // alive states
	cache  map[cohortKey][]float64
	epochs []float64 // the switch times, increasing
}

// chain thresholds: the main chain, then the chains in which EDSS >= 6 and
// EDSS >= 7 are absorbing (for the restricted mean time before them).
var chainThreshold = [3]int{NEDSS, 6, 7}

// cohort computes the expected outcomes of every strategy with an
// annual-cycle Markov cohort over the states (course, EDSS, therapy slot)
// and death, one cohort per baseline age and sex, weighted by the baseline
// distribution. The transition matrix of each cycle is the exact one-year
// transition matrix of the patient-level model's rates, expm(Q) (Welton &
// Ades 2005, Med Decis Making 25:633; Jones et al. 2017, Med Decis Making
// 37:779): the competing events — EDSS changes and conversion to SPMS (in
// continuous timing), discontinuation and death — are the entries of the
// generator Q of that cycle (death at the attained age's life-table hazard
// × SMR). Time-specific swaps happen at the cycle boundaries and, in annual
// timing, so do the EDSS assessments, as in the patient-level model.
// Occupancy is integrated within each cycle by Simpson's rule over
// substeps, so costs, QALYs, life-years and relapses (occupancy × rate) are
// the patient-level model's expectations to within 1e-7.
func (w *world) cohort(ctx context.Context) ([]*accum, error) {
	out := make([]*accum, len(w.plans))
	for si := range w.plans {
		p := &w.plans[si]
		cr := &cohortRun{w: w, p: p, n: 2 * NEDSS * len(p.class), cache: map[cohortKey][]float64{}}
		for k, l := range p.s.lines {
			at := l.switchAt
			if k == 0 {
				at = min(at, l.maxYears)
			} else if !math.IsInf(l.maxYears, 1) {
				return nil, fmt.Errorf("strategy %q, line %d: max_years on a line after the first needs the time on the line, which the cohort does not track; use mode = \"des\" or switch_at", p.s.name, k+1)
			}
			if !math.IsInf(at, 1) {
				if at != math.Trunc(at) {
					return nil, fmt.Errorf("strategy %q, line %d: switch at %s years; the annual cohort switches at whole years only", p.s.name, k+1, fmtNum(at))
				}
				cr.epochs = append(cr.epochs, at)
			}
		}
		acc := newAccum(cr.n)
		for sex := range 2 {
			share := w.v.female
			if sex == 1 {
				share = 1 - w.v.female
			}
			for ai, age0 := range w.ageVals {
				weight := share * w.ageProb[ai]
				if weight == 0 {
					continue
				}
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				cr.stratum(sex, float64(age0), weight, acc)
			}
		}
		// Relapses: occupancy × rate.
		for st := range cr.n {
			c, e, slot := cr.decode(st)
			r := w.relapse[c][e] * p.rr[slot]
			acc.relU[st] = acc.occU[st] * r
			acc.relC[st] = acc.occC[st] * r
			acc.relE[st] = acc.occE[st] * r
		}
		acc.patients = 1
		out[si] = acc
	}
	return out, nil
}

func (cr *cohortRun) decode(st int) (Course, int, int) {
	ns := len(cr.p.class)
	slot := st % ns
	ce := st / ns
	return Course(ce / NEDSS), ce % NEDSS, slot
}

// lineEnds reports whether the line in slot ends by a scheduled switch at time t.
func (cr *cohortRun) lineEnds(slot int, t float64) bool {
	l := cr.p.s.lines[slot]
	at := l.switchAt
	if slot == 0 {
		at = min(at, l.maxYears)
	}
	return at == t
}

// stratum adds the cohort of one baseline age and sex, with weight, to acc.
func (cr *cohortRun) stratum(sex int, age0, weight float64, acc *accum) {
	w, p := cr.w, cr.p
	n := cr.n
	T := min(w.horizon, w.maxAge-age0)
	if T <= 0 {
		return
	}
	ns := len(p.class)
	var x [3][]float64
	for ch := range x {
		x[ch] = make([]float64, n+1)
		for e := range NEDSS {
			if e >= chainThreshold[ch] {
				continue
			}
			x[ch][stateIndex(RRMS, e, p.allowed(RRMS, e, 0), ns)] += weight * w.v.baseEDSS[e]
		}
	}
	y := make([]float64, n+1)
	var wts [substeps + 1]float64
	for k := 0; float64(k) < T; k++ {
		span := min(1, T-float64(k))
		h := span / substeps
		for j := range wts {
			switch {
			case j == 0 || j == substeps:
				wts[j] = h / 3
			case j%2 == 1:
				wts[j] = 4 * h / 3
			default:
				wts[j] = 2 * h / 3
			}
		}
		epoch := 0
		for _, t := range cr.epochs {
			if t <= float64(k) {
				epoch++
			}
		}
		for ch := range x {
			E := cr.step(ch, sex, int(age0)+k, epoch, float64(k), h)
			xs := x[ch]
			for j := 0; j <= substeps; j++ {
				if j > 0 {
					vecMat(y, xs, E, n+1)
					xs, y = y, xs
				}
				t := float64(k) + float64(j)*h
				wt := wts[j]
				if ch == 0 {
					dc, de := wt*hta.DiscountFactor(w.v.discC, t), wt*hta.DiscountFactor(w.v.discE, t)
					for st := range n {
						if v := xs[st]; v != 0 {
							acc.occU[st] += wt * v
							acc.occC[st] += dc * v
							acc.occE[st] += de * v
						}
					}
				} else {
					var alive float64
					for st := range n {
						alive += xs[st]
					}
					if ch == 1 {
						acc.to6 += wt * alive
					} else {
						acc.to7 += wt * alive
					}
				}
			}
			x[ch] = xs // the buffers may have swapped; y stays the other one
			end := float64(k + 1)
			if end >= T {
				continue
			}
			cr.boundary(ch, x[ch], y, end)
		}
	}
}

// boundary applies what happens at the integer time end: the scheduled
// switches, then (annual timing) the yearly assessment. y is scratch.
func (cr *cohortRun) boundary(ch int, x, y []float64, end float64) {
	w, p, n := cr.w, cr.p, cr.n
	ns := len(p.class)
	thr := chainThreshold[ch]
	for slot := range p.off {
		if !cr.lineEnds(slot, end) {
			continue
		}
		next := p.nextSlot(slot, end)
		for c := RRMS; c <= SPMS; c++ {
			for e := range NEDSS {
				from := stateIndex(c, e, slot, ns)
				if x[from] == 0 {
					continue
				}
				to := stateIndex(c, e, p.allowed(c, e, next), ns)
				x[to] += x[from]
				x[from] = 0
			}
		}
	}
	if !w.annual {
		return
	}
	clear(y)
	y[n] = x[n]
	for st := range n {
		m := x[st]
		if m == 0 {
			continue
		}
		c, e, slot := cr.decode(st)
		add := func(c Course, e int, mass float64) {
			if e >= thr {
				y[n] += mass
				return
			}
			y[stateIndex(c, e, p.allowed(c, e, slot), ns)] += mass
		}
		stay := m
		if c == RRMS {
			pc := w.convProb[e]
			add(SPMS, min(e+1, NEDSS-1), m*pc)
			stay = m * (1 - pc)
		}
		i := w.idx(c, p.class[slot], e)
		cum := w.probCum[i*NEDSS : (i+1)*NEDSS]
		prev := 0.0
		for j := range NEDSS {
			if q := cum[j] - prev; q != 0 {
				add(c, j, stay*q/cum[NEDSS-1])
			}
			prev = cum[j]
		}
	}
	copy(x, y)
}

// vecMat sets y = x·E for the n×n row-major E.
func vecMat(y, x, E []float64, n int) {
	clear(y)
	for i, xi := range x {
		if xi == 0 {
			continue
		}
		row := E[i*n : (i+1)*n]
		for j, e := range row {
			y[j] += xi * e
		}
	}
}

// step returns expm(Q·h) for the chain, sex, attained age and epoch (the
// number of switch times passed) of the cycle starting at time k.
func (cr *cohortRun) step(ch, sex, age, epoch int, k, h float64) []float64 {
	key := cohortKey{ch, sex, age, epoch, h}
	if E, ok := cr.cache[key]; ok {
		return E
	}
	w, p, n := cr.w, cr.p, cr.n
	ns := len(p.class)
	thr := chainThreshold[ch]
	N := n + 1
	q := mat.NewDense(N, N, nil)
	mid := k + 0.5 // discontinuation leads to the next line still running in this cycle
	mx := w.mort[sex].rate(float64(age))
	for st := range n {
		c, e, slot := cr.decode(st)
		if e >= thr {
			continue // absorbed: never occupied
		}
		var out float64
		add := func(c2 Course, e2, slot2 int, rate float64) {
			if rate <= 0 {
				return
			}
			to := n
			if e2 < thr {
				to = stateIndex(c2, e2, p.allowed(c2, e2, slot2), ns)
			}
			if to == st {
				return
			}
			q.Set(st, to, q.At(st, to)+rate)
			out += rate
		}
		if !w.annual {
			i := w.idx(c, p.class[slot], e)
			cum := w.edssCum[i*NEDSS : (i+1)*NEDSS]
			prev := 0.0
			for j := range NEDSS {
				add(c, j, slot, cum[j]-prev)
				prev = cum[j]
			}
			if c == RRMS {
				add(SPMS, min(e+1, NEDSS-1), slot, w.convRate[e])
			}
		}
		if slot != p.off {
			next := p.off
			if p.s.discNext {
				next = p.nextSlot(slot, mid)
			}
			add(c, e, next, p.disc[slot])
		}
		if r := mx * w.smr[e]; r > 0 {
			q.Set(st, n, q.At(st, n)+r)
			out += r
		}
		q.Set(st, st, -out)
	}
	q.Scale(h, q)
	var E mat.Dense
	E.Exp(q)
	raw := make([]float64, N*N)
	for i := range N {
		for j := range N {
			raw[i*N+j] = max(0, E.At(i, j))
		}
	}
	cr.cache[key] = raw
	return raw
}
