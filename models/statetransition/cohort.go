package statetransition

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/mdtwin/mdtwin/hta"
)

// The quantities accumulated per strategy, in this order.
const (
	qCost    = iota // discounted cost
	qCostU          // undiscounted cost
	qEffect         // discounted effect (QALYs, or life-years without utilities)
	qEffectU        // undiscounted effect
	qLY             // discounted life-years
	qLYU            // undiscounted life-years
	nq
)

// Totals holds the expected outcomes of one strategy per person.
type Totals [nq]float64

// matrixValue is a transition matrix evaluated for one run (and one cycle
// when it depends on the cycle).
type matrixValue struct {
	p   []float64 // n×n, row-major: p[i*n+j] = P(i → j)
	cum []float64 // cumulative rows for sampling; built by the microsimulation
}

// instance is a definition evaluated with one run's parameter values: the
// matrices of every cycle and the value of every trace point.
type instance struct {
	d    *definition
	n    int
	init []float64
	// plan[s][k-1] is the matrix of strategy s in cycle k.
	plan [][]*matrixValue
	// point[s][(t*n+i)*nq+q] is what occupancy of state i at trace point t
	// (t = 0..cycles) adds to quantity q: the trace-point weight × the
	// discount factor × the value per cycle.
	point [][]float64
	// entry[s][((k-1)*n+j)*nq+q] is what entering state j from another state
	// during cycle k adds to quantity q; nil when strategy s has none.
	entry [][]float64
}

// psaStream selects the PCG stream of a run's in-model PSA draws (ASCII
// "st-psa"); the microsimulation uses streams 0 … n_patients−1.
const psaStream = 0x73742d707361 | 1<<63

// instantiate evaluates d with the parameter values vals (in declaration
// order). With psa, the parameters of each [[inputs.mvn]] group are drawn
// jointly (mvn.go), then every matrix given as counts has each row drawn
// from Dirichlet(counts) with PCG(seed, psaStream), matrices in name order.
func (d *definition) instantiate(vals []float64, psa bool, seed uint64) (*instance, error) {
	n := len(d.states)
	in := &instance{d: d, n: n}
	v := make(env, len(d.params)+1)
	copy(v, vals)
	if psa {
		d.drawMVN(v, seed) // [[inputs.mvn]]: jointly drawn parameters
	}

	// Initial distribution.
	in.init = make([]float64, n)
	var sum float64
	for i, e := range d.initial {
		x := e.eval(v)
		if !(x >= 0 && x <= 1) {
			return nil, errorf("inputs.initial", "state %q: share %s is outside [0, 1]", d.states[i], e.describe(x))
		}
		in.init[i] = x
		sum += x
	}
	if math.Abs(sum-1) > rowTolerance {
		return nil, errorf("inputs.initial", "the shares sum to %s, expected 1 (within 1e-9)", fmtNum(sum))
	}

	// Discount rates.
	var rates [2]float64
	for r, e := range []*expr{d.discCosts, d.discEffect} {
		x := e.eval(v)
		if !(x >= 0) || math.IsInf(x, 0) {
			key := []string{"discount_costs", "discount_effects"}[r]
			return nil, errorf("inputs", "%s = %s: expected a rate >= 0 per year (e.g. 0.035)", key, e.describe(x))
		}
		rates[r] = x
	}

	// Matrices, each evaluated once per run (or once per cycle when it uses
	// the cycle number); strategies share them.
	var drawn [][][]float64
	if psa {
		drawn = make([][][]float64, len(d.matrices))
		src := rand.NewPCG(seed, psaStream)
		for m, md := range d.matrices {
			if md.kind == kindCounts {
				drawn[m] = dirichletRows(md.counts, src)
			}
		}
	}
	memo := make([][]*matrixValue, len(d.matrices))
	var get func(m, k int) (*matrixValue, error)
	get = func(m, k int) (*matrixValue, error) {
		md := d.matrices[m]
		if memo[m] == nil {
			slots := 1
			if md.cycle {
				slots = d.cycles
			}
			memo[m] = make([]*matrixValue, slots)
		}
		slot := 0
		if md.cycle {
			slot = k - 1
		}
		if mv := memo[m][slot]; mv != nil {
			return mv, nil
		}
		var base *matrixValue
		if md.kind == kindDerived {
			var err error
			if base, err = get(md.base, k); err != nil {
				return nil, err
			}
		}
		var counts [][]float64
		if drawn != nil {
			counts = drawn[m]
		}
		v[len(d.params)] = float64(k)
		p, err := d.evalMatrix(md, k, v, base, counts)
		if err != nil {
			return nil, err
		}
		mv := &matrixValue{p: p}
		memo[m][slot] = mv
		return mv, nil
	}
	for m := range d.matrices { // check every matrix, used or not
		for k := 1; k <= d.cycles; k++ {
			if _, err := get(m, k); err != nil {
				return nil, err
			}
			if !d.matrices[m].cycle {
				break
			}
		}
	}
	in.plan = make([][]*matrixValue, len(d.strategies))
	for s := range d.strategies {
		in.plan[s] = make([]*matrixValue, d.cycles)
		for k := 1; k <= d.cycles; k++ {
			in.plan[s][k-1], _ = get(d.plan[s][k-1], k) // evaluated above
		}
	}

	// Values of the trace points.
	w := d.cycleWeights()
	in.point = make([][]float64, len(d.strategies))
	in.entry = make([][]float64, len(d.strategies))
	for s := range d.strategies {
		pc, err := d.perCycle(s, v)
		if err != nil {
			return nil, err
		}
		in.point[s] = d.pointValues(pc, w, rates)
		if pc.hasEntry {
			in.entry[s] = d.entryValues(pc, rates)
		}
	}
	return in, nil
}

// dirichletRows draws each row of counts from Dirichlet(row): independent
// Gamma(count, 1) draws, normalised (zero counts stay zero).
func dirichletRows(counts [][]float64, src rand.Source) [][]float64 {
	out := make([][]float64, len(counts))
	for i, row := range counts {
		p := make([]float64, len(row))
		var sum float64
		for j, a := range row {
			if a > 0 {
				p[j] = distuv.Gamma{Alpha: a, Beta: 1, Src: src}.Rand()
				sum += p[j]
			}
		}
		if !(sum > 0) { // every draw underflowed: keep the observed proportions
			copy(p, row)
			sum = 0
			for _, a := range row {
				sum += a
			}
		}
		for j := range p {
			p[j] /= sum
		}
		out[i] = p
	}
	return out
}

// cycleNote names the cycle in a message when the value depends on it.
func cycleNote(uses bool, k int) string {
	if uses {
		return fmt.Sprintf(", cycle %d", k)
	}
	return ""
}

// evalMatrix evaluates matrix md in cycle k (v holds the parameters and the
// cycle number) and checks that it is a transition matrix. base is the
// evaluated base of a derived matrix; counts, when not nil, replaces the
// observed proportions of a counts matrix (a PSA draw).
func (d *definition) evalMatrix(md *matrixDef, k int, v env, base *matrixValue, counts [][]float64) ([]float64, error) {
	n := len(d.states)
	p := make([]float64, n*n)
	note := cycleNote(md.cycle, k)
	switch md.kind {
	case kindCounts:
		for i, row := range md.counts {
			if counts != nil {
				copy(p[i*n:], counts[i])
				continue
			}
			var sum float64
			for _, c := range row {
				sum += c
			}
			for j, c := range row {
				p[i*n+j] = c / sum
			}
		}
		return p, nil

	case kindProbs, kindRates:
		for i, row := range md.cells {
			comp := -1
			var others float64
			for j, c := range row {
				if c.complement {
					comp = j
					continue
				}
				x := c.e.eval(v)
				if md.kind == kindRates {
					if !(x >= 0) || math.IsInf(x, 0) {
						return nil, errorf(md.where, "%s%s: rate %s is not a non-negative number (per year)", d.rowCol(i, j), note, c.e.describe(x))
					}
					x = -math.Expm1(-x * d.cycleYears) // p = 1 − exp(−r·Δt)
				} else if !(x >= 0 && x <= 1) {
					return nil, errorf(md.where, "%s%s: probability %s is outside [0, 1]", d.rowCol(i, j), note, c.e.describe(x))
				}
				p[i*n+j] = x
				others += x
			}
			switch {
			case comp >= 0 && others > 1+rowTolerance:
				what := "probabilities"
				if md.kind == kindRates {
					what = "probabilities 1 − exp(−rate·cycle_years)"
				}
				return nil, errorf(md.where, "row %q%s: the %s of the other columns sum to %s > 1, so the complement in column %q would be negative", d.states[i], note, what, fmtNum(others), d.states[comp])
			case comp >= 0:
				p[i*n+comp] = max(0, 1-others)
			case math.Abs(others-1) > rowTolerance:
				return nil, errorf(md.where, "row %q%s: the probabilities sum to %s, expected 1 (within 1e-9); write \"C\" in one cell for the complement", d.states[i], note, fmtNum(others))
			}
		}
		return p, nil
	}

	// Derived: scale the off-diagonal cells of base, give the set cells
	// their values, complement on the diagonal.
	f := md.factor.eval(v)
	key := "rr"
	if md.hr {
		key = "hr"
	}
	if !(f >= 0) || math.IsInf(f, 0) {
		return nil, errorf(md.where, "%s %s must be a non-negative number%s", key, md.factor.describe(f), note)
	}
	for i := range n {
		var others float64
		for j := range n {
			if j == i {
				continue
			}
			x := base.p[i*n+j]
			if md.apply == applyAll || md.apply == applyUpper && j > i || md.apply == applyLower && j < i {
				switch {
				case md.hr && f == 0:
					x = 0 // no hazard, whatever the base (also for p = 1)
				case md.hr:
					x = -math.Expm1(f * math.Log1p(-x)) // rate × hr: 1 − (1−p)^hr
				default:
					x *= f
				}
				if x > 1 {
					return nil, errorf(md.where, "%s%s: %s %s makes probability %s into %s, above 1", d.rowCol(i, j), note, key, md.factor.describe(f), fmtNum(base.p[i*n+j]), fmtNum(x))
				}
			}
			for _, c := range md.set {
				if c.i == i && c.j == j {
					if x = c.e.eval(v); !(x >= 0 && x <= 1) {
						return nil, errorf(md.where, "set: %s%s: probability %s is outside [0, 1]", d.rowCol(i, j), note, c.e.describe(x))
					}
				}
			}
			p[i*n+j] = x
			others += x
		}
		if others > 1+rowTolerance {
			return nil, errorf(md.where, "row %q%s: with %s %s the probabilities of leaving sum to %s > 1, so the diagonal would be negative", d.states[i], note, key, md.factor.describe(f), fmtNum(others))
		}
		p[i*n+i] = max(0, 1-others)
	}
	return p, nil
}

// perCycleValues holds one strategy's values by cycle k = 1..cycles and
// state: cost and utility per cycle, cost and QALYs on entry.
type perCycleValues struct {
	cost, util           [][]float64 // [k-1][i]: cost per cycle; utility weight per year
	entryCost, entryQALY [][]float64 // [k-1][j]
	start                []float64   // [i]: cost at time 0 of starting in state i
	hasEntry             bool
}

func (d *definition) perCycle(s int, v env) (perCycleValues, error) {
	n := len(d.states)
	alloc := func() [][]float64 {
		out := make([][]float64, d.cycles)
		for k := range out {
			out[k] = make([]float64, n)
		}
		return out
	}
	pc := perCycleValues{cost: alloc(), util: alloc(), entryCost: alloc(), entryQALY: alloc()}
	if !d.qaly { // effects are life-years: weight 1 in every state alive
		for k := range pc.util {
			for i := range n {
				if !d.dead[i] {
					pc.util[k][i] = 1
				}
			}
		}
	}
	add := func(items []*valueItem, per, entry [][]float64, cost bool) error {
		perName := "weights"
		if cost {
			perName = "per_cycle"
		}
		for _, it := range items {
			if !it.strategies[s] {
				continue
			}
			for k := it.from; k <= it.to; k++ {
				v[len(d.params)] = float64(k)
				for part, exprs := range [2][]*expr{it.perCycle, it.onEntry} {
					name, dst := perName, per
					if part == 1 {
						name, dst = "on_entry", entry
					}
					for i, e := range exprs {
						if e == nil {
							continue
						}
						x := e.eval(v)
						switch {
						case math.IsNaN(x) || math.IsInf(x, 0):
							return errorf(it.where, "%s, state %q%s: %s is not a finite number", name, d.states[i], cycleNote(e.cycle, k), e.describe(x))
						case cost && x < 0:
							return errorf(it.where, "%s, state %q%s: cost %s is negative, expected >= 0", name, d.states[i], cycleNote(e.cycle, k), e.describe(x))
						}
						dst[k-1][i] += x
						if part == 1 && x != 0 {
							pc.hasEntry = true
						}
					}
				}
			}
		}
		return nil
	}
	if err := add(d.costs, pc.cost, pc.entryCost, true); err != nil {
		return pc, err
	}
	pc.start = make([]float64, n)
	v[len(d.params)] = 0 // at_start is at time 0, before cycle 1
	for _, it := range d.costs {
		if !it.strategies[s] {
			continue
		}
		for i, e := range it.atStart {
			if e == nil {
				continue
			}
			x := e.eval(v)
			if !(x >= 0) || math.IsInf(x, 0) {
				return pc, errorf(it.where, "at_start, state %q: cost %s is not a finite number >= 0", d.states[i], e.describe(x))
			}
			pc.start[i] += x
		}
	}
	if err := add(d.utilities, pc.util, pc.entryQALY, false); err != nil {
		return pc, err
	}
	return pc, nil
}

// leftShare returns the share of trace point t's weight that belongs to the
// cycle ending at t (the rest belongs to the cycle starting at t). With
// "end" counting a point stands for the cycle that ends there, with
// "beginning" counting for the one that starts there; the within-cycle
// corrections and user-given weights split an inner point equally between
// its two cycles.
func (d *definition) leftShare(t int) float64 {
	switch {
	case t == 0:
		return 0
	case t == d.cycles:
		return 1
	case d.weights != nil:
		return 0.5
	case d.correction == hta.None:
		return 1
	case d.correction == hta.Beginning:
		return 0
	}
	return 0.5
}

func (d *definition) pointValues(pc perCycleValues, w []float64, rates [2]float64) []float64 {
	n := len(d.states)
	out := make([]float64, (d.cycles+1)*n*nq)
	dt := d.cycleYears
	for t := 0; t <= d.cycles; t++ {
		a := d.leftShare(t)
		at := func(x [][]float64, i int) float64 { // the value of trace point t
			var v float64
			if a > 0 {
				v += a * x[t-1][i]
			}
			if a < 1 {
				v += (1 - a) * x[t][i]
			}
			return v
		}
		dc := hta.DiscountFactor(rates[0], float64(t)*dt)
		de := hta.DiscountFactor(rates[1], float64(t)*dt)
		for i := range n {
			cost, util := at(pc.cost, i), at(pc.util, i)*dt
			ly := 0.0
			if !d.dead[i] {
				ly = dt
			}
			q := out[(t*n+i)*nq:][:nq]
			q[qCost], q[qCostU] = w[t]*dc*cost, w[t]*cost
			if t == 0 { // at_start: once, undiscounted, whatever the weights
				q[qCost] += pc.start[i]
				q[qCostU] += pc.start[i]
			}
			q[qEffect], q[qEffectU] = w[t]*de*util, w[t]*util
			q[qLY], q[qLYU] = w[t]*de*ly, w[t]*ly
		}
	}
	return out
}

// entryValues: one-off values of entering a state during cycle k are
// counted at the end of cycle k, discounted to time k·cycle_years.
func (d *definition) entryValues(pc perCycleValues, rates [2]float64) []float64 {
	n := len(d.states)
	out := make([]float64, d.cycles*n*nq)
	for k := 1; k <= d.cycles; k++ {
		dc := hta.DiscountFactor(rates[0], float64(k)*d.cycleYears)
		de := hta.DiscountFactor(rates[1], float64(k)*d.cycleYears)
		for j := range n {
			q := out[((k-1)*n+j)*nq:][:nq]
			c, e := pc.entryCost[k-1][j], pc.entryQALY[k-1][j]
			q[qCost], q[qCostU] = dc*c, c
			q[qEffect], q[qEffectU] = de*e, e
		}
	}
	return out
}

// cohort runs the cohort of every strategy through an hta.Trace, one step per
// cycle, and returns its expected totals per person and, when trace is
// set, the state occupancy at trace points 0..cycles (traces[s][t][i]).
func (in *instance) cohort(trace bool) ([]Totals, [][][]float64) {
	n, cycles := in.n, in.d.cycles
	totals := make([]Totals, len(in.plan))
	var traces [][][]float64
	if trace {
		traces = make([][][]float64, len(in.plan))
	}
	var s int // the strategy being run
	tr := hta.Trace{States: n, Init: in.init, Steps: cycles, Quantities: nq,
		Matrix: func(k int) []float64 { return in.plan[s][k-1].p },
		Point:  func(t int) []float64 { return in.point[s][t*n*nq:][:n*nq] },
		Entry: func(k int) []float64 {
			if e := in.entry[s]; e != nil {
				return e[(k-1)*n*nq:][:n*nq]
			}
			return nil
		},
	}
	if trace {
		tr.Visit = func(t int, x []float64) { traces[s][t] = append([]float64(nil), x...) }
	}
	for s = range in.plan {
		if trace {
			traces[s] = make([][]float64, cycles+1)
		}
		tr.Run(totals[s][:], nil)
	}
	return totals, traces
}
