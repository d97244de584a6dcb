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

// boundaryKey identifies a cached boundary matrix: the chain and the whole
// year at which lines end by a scheduled switch (−1: none).
type boundaryKey struct{ chain, end int }

// pointsPerCycle is the number of trace points per annual cycle: the
// Simpson nodes 0..substeps of the cycle.
const pointsPerCycle = substeps + 1

// cohortRun holds one strategy's cohort computation.
type cohortRun struct {
	w      *world
	p      *plan
	n      int // alive states
	cache  map[cohortKey][]float64
	bound  map[boundaryKey][]float64
	epochs []float64 // the switch times, increasing
	start0 float64   // the start of the first line (world.start0)

	// The trace of the current stratum and chain (see stratum).
	tr       hta.Trace
	sex, ch  int
	age0, T  float64
	cycle    int       // the cycle whose step matrix is in E
	E        []float64 // expm(Q·h) of that cycle
	wts      [substeps + 1]float64
	wbuf     [3]float64
	init     []float64
	occ      []float64 // chain 0: undiscounted, cost- and effect-discounted time per state (3 × (n+1))
	occ6     []float64 // chains 1 and 2: time per state before EDSS 6 and 7 (n+1 each)
	occ7     []float64
	scratchB [2][]float64
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
	if w.d.waning.levels() > 1 {
		return nil, &InputError{Where: "inputs.waning", Msg: `mode = "cohort" cannot wane a therapy's effect: it does not track the time on a line; use mode = "des"`}
	}
	out := make([]*accum, len(w.plans))
	for si := range w.plans {
		p := &w.plans[si]
		cr := newCohortRun(w, p)
		for k, l := range p.s.lines {
			at := l.switchAt
			if k == 0 {
				at = min(at, cr.start0+l.maxYears)
			} else if !math.IsInf(l.maxYears, 1) {
				return nil, fmt.Errorf("strategy %q, line %d: max_years on a line after the first needs the time on the line, which the cohort does not track; use mode = \"des\" or switch_at", p.s.name, k+1)
			}
			if at <= 0 {
				continue // the first line's max_years is used up at the start: nobody is on it (world.initial)
			}
			if !math.IsInf(at, 1) {
				if at != math.Trunc(at) {
					if k == 0 && cr.start0 != 0 && at < l.switchAt {
						return nil, fmt.Errorf("strategy %q, line 1: max_years %s less the baseline's years_on_therapy %s ends the line at %s years; the annual cohort switches at whole years only",
							p.s.name, fmtNum(l.maxYears), fmtNum(-cr.start0), fmtNum(at))
					}
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
				cr.stratum(sex, float64(age0), weight)
			}
		}
		n := cr.n
		copy(acc.occU, cr.occ[:n])
		copy(acc.occC, cr.occ[n+1:][:n])
		copy(acc.occE, cr.occ[2*(n+1):][:n])
		for st := range n {
			acc.to6 += cr.occ6[st]
			acc.to7 += cr.occ7[st]
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
		at = min(at, cr.start0+l.maxYears)
	}
	return at == t
}

// newCohortRun prepares the cohort of strategy p: its trace runs over the
// n alive states (course, EDSS, slot) and death (index n).
func newCohortRun(w *world, p *plan) *cohortRun {
	n := 2 * NEDSS * len(p.class)
	N := n + 1
	cr := &cohortRun{w: w, p: p, n: n, cache: map[cohortKey][]float64{}, bound: map[boundaryKey][]float64{},
		init: make([]float64, N), occ: make([]float64, 3*N), occ6: make([]float64, N), occ7: make([]float64, N),
		scratchB: [2][]float64{make([]float64, N), make([]float64, N)}, start0: w.start0(p)}
	cr.tr = hta.Trace{States: N, Init: cr.init, Matrix: cr.matrix, Weights: cr.weights}
	return cr
}

// stratum adds the cohort of one baseline age and sex, with weight, to the
// strategy's occupancy integrals: one hta.Trace per chain, whose
// trace points are the Simpson nodes j = 0..substeps of every cycle
// (pointsPerCycle per cycle), whose steps within a cycle are expm(Q·h) and
// whose step from the last node of cycle k to the first of cycle k+1 is the
// boundary at time k+1 (switches, then the annual assessment), taking no
// time.
func (cr *cohortRun) stratum(sex int, age0, weight float64) {
	w, p := cr.w, cr.p
	T := min(w.horizon, w.maxAge-age0)
	if T <= 0 {
		return
	}
	ns := len(p.class)
	cycles := int(math.Ceil(T))
	cr.sex, cr.age0, cr.T = sex, age0, T
	cr.tr.Steps = cycles*pointsPerCycle - 1
	for ch := range chainThreshold {
		clear(cr.init)
		for c, share := range [2]float64{1 - w.v.spmsShare, w.v.spmsShare} {
			for e := range NEDSS {
				if e >= chainThreshold[ch] || share == 0 {
					continue
				}
				slot, _ := w.initial(p, Course(c), e)
				cr.init[stateIndex(Course(c), e, slot, ns)] += weight * share * w.v.baseEDSS[e]
			}
		}
		cr.ch, cr.cycle = ch, -1
		switch ch {
		case 0:
			cr.tr.Weightings = 3
			cr.tr.Run(nil, cr.occ)
		case 1:
			cr.tr.Weightings = 1
			cr.tr.Run(nil, cr.occ6)
		default:
			cr.tr.Weightings = 1
			cr.tr.Run(nil, cr.occ7)
		}
	}
}

// cycleStep returns the cycle k of trace point t, the cycle's Simpson step
// h and the point's node j in it.
func (cr *cohortRun) cycleStep(t int) (k int, h float64, j int) {
	k, j = t/pointsPerCycle, t%pointsPerCycle
	return k, min(1, cr.T-float64(k)) / substeps, j
}

// matrix is the trace's step t: expm(Q·h) within a cycle, the boundary
// matrix (nil if nothing happens) between cycles.
func (cr *cohortRun) matrix(t int) []float64 {
	k, h, j := cr.cycleStep(t)
	if j == 0 {
		return cr.boundaryMatrix(cr.ch, float64(k))
	}
	if k != cr.cycle {
		epoch := 0
		for _, at := range cr.epochs {
			if at <= float64(k) {
				epoch++
			}
		}
		cr.E, cr.cycle = cr.step(cr.ch, cr.sex, int(cr.age0)+k, epoch, float64(k), h), k
	}
	return cr.E
}

// weights returns trace point t's Simpson weight, and (chain 0) the weight
// discounted at the costs' and at the effects' rate.
func (cr *cohortRun) weights(t int) []float64 {
	k, h, j := cr.cycleStep(t)
	if j == 0 {
		for i := range cr.wts {
			switch {
			case i == 0 || i == substeps:
				cr.wts[i] = h / 3
			case i%2 == 1:
				cr.wts[i] = 4 * h / 3
			default:
				cr.wts[i] = 2 * h / 3
			}
		}
	}
	wt := cr.wts[j]
	cr.wbuf[0] = wt
	if cr.ch == 0 {
		at := float64(k) + float64(j)*h
		if cr.w.annualDiscount {
			at = float64(k) // the whole cycle k, its end point included, at 1/(1+r)^k
		}
		cr.wbuf[1], cr.wbuf[2] = wt*hta.DiscountFactor(cr.w.v.discC, at), wt*hta.DiscountFactor(cr.w.v.discE, at)
	}
	return cr.wbuf[:]
}

// boundaryMatrix returns the linear map of the boundary at the whole year
// end (see boundary) in chain ch as an (n+1)×(n+1) matrix, row i the image
// of state i; nil when it moves nobody.
func (cr *cohortRun) boundaryMatrix(ch int, end float64) []float64 {
	key := boundaryKey{ch, -1}
	for slot := range cr.p.off {
		if cr.lineEnds(slot, end) {
			key.end = int(end)
		}
	}
	if key.end < 0 && !cr.w.annual {
		return nil
	}
	if B, ok := cr.bound[key]; ok {
		return B
	}
	N := cr.n + 1
	B := make([]float64, N*N)
	x, y := cr.scratchB[0], cr.scratchB[1]
	for i := range N {
		clear(x)
		x[i] = 1
		cr.boundary(ch, x, y, end)
		copy(B[i*N:(i+1)*N], x)
	}
	cr.bound[key] = B
	return B
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
