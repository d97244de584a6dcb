package statetransition

import (
	"context"
	"math"
	"testing"

	"github.com/mdtwin/mdtwin/scenarios"
)

// twoState is a healthy/dead model over two cycles: P(H → D) = 0.1, so the
// trace of H is 1, 0.9, 0.81 at trace points 0, 1, 2. Cost 100 per cycle
// in H, utility 0.8 per year in H.
const twoState = `
[inputs]
states = ["H", "D"]
dead = ["D"]
initial = "H"
strategies = ["only"]
cycles = 2
cycle_years = %s
discount_costs = 0.1
discount_effects = 0.05
%s

[inputs.matrices.m]
probs = [["C", 0.1], [0, 1]]

[inputs.transitions]
only = "m"

[[inputs.costs]]
per_cycle = { H = 100 }

[[inputs.utilities]]
weights = { H = 0.8 }
`

func sprintf(format string, args ...any) string { return fmtSprintf(format, args...) }

// TestCorrections checks each counting convention and within-cycle
// correction against a hand computation on twoState: the value of trace
// point t is its weight w_t × the discount factor 1/(1+r)^(t·Δ) × the
// occupancy of H × the value (cost 100 per cycle; QALYs 0.8·Δ per cycle).
func TestCorrections(t *testing.T) {
	x := []float64{1, 0.9, 0.81} // occupancy of H at t = 0, 1, 2
	cases := []struct {
		method string    // TOML lines
		w      []float64 // the weights of trace points 0, 1, 2, by hand
	}{
		{"", []float64{0, 1, 1}}, // default: end counting
		{`counting = "end"`, []float64{0, 1, 1}},
		{`counting = "beginning"`, []float64{1, 1, 0}},
		{`counting = "life-table"`, []float64{0.5, 1, 0.5}},
		{`correction = "half-cycle"`, []float64{0.5, 1, 0.5}},
		{`correction = "trapezoid"`, []float64{0.5, 1, 0.5}},
		{`correction = "simpson"`, []float64{1.0 / 3, 4.0 / 3, 1.0 / 3}},
		{`correction = "none"`, []float64{0, 1, 1}},
	}
	for _, dt := range []float64{1, 0.5} {
		for _, c := range cases {
			s := mustRun(t, inputsOf(t, sprintf(twoState, fmtNum(dt), c.method)), nil)
			var cost, costU, qaly, qalyU, ly float64
			for k, w := range c.w {
				tk := float64(k) * dt
				cost += w * x[k] * 100 / math.Pow(1.1, tk)
				costU += w * x[k] * 100
				qaly += w * x[k] * 0.8 * dt / math.Pow(1.05, tk)
				qalyU += w * x[k] * 0.8 * dt
				ly += w * x[k] * dt / math.Pow(1.05, tk)
			}
			for _, v := range []struct {
				name      string
				got, want float64
			}{
				{"only_cost", s["only_cost"], cost}, {"only_cost_undisc", s["only_cost_undisc"], costU},
				{"only_effect", s["only_effect"], qaly}, {"only_effect_undisc", s["only_effect_undisc"], qalyU},
				{"only_ly", s["only_ly"], ly},
			} {
				// Sums of a few terms: agreement to rounding.
				if relErr(v.got, v.want) > 1e-14 {
					t.Errorf("Δt = %v, %q: %s = %.15g, hand computation %.15g", dt, c.method, v.name, v.got, v.want)
				}
			}
		}
	}
}

// TestTimeDependentCosts: a cost of 100 in cycle 1 and 50 in cycle 2 (two
// items with from/to). An inner trace point belongs to the cycle that ends
// there ("end"), the one that starts there ("beginning"), or half to each
// (corrections); so the trapezoid gives Σ_k c_k (x_{k−1} + x_k)/2.
func TestTimeDependentCosts(t *testing.T) {
	const def = `
[inputs]
states = ["H", "D"]
initial = "H"
strategies = ["only"]
cycles = 2
%s
[inputs.matrices.m]
probs = [["#", 0.1], [0, "#"]]
[inputs.transitions]
only = "m"
[[inputs.costs]]
to = 1
per_cycle = { H = 100 }
[[inputs.costs]]
from = 2
per_cycle = { H = 50 }
`
	for _, c := range []struct {
		method string
		want   float64
	}{
		{`counting = "end"`, 100*0.9 + 50*0.81},
		{`counting = "beginning"`, 100*1 + 50*0.9},
		{`correction = "trapezoid"`, 100*(1+0.9)/2 + 50*(0.9+0.81)/2},
	} {
		s := mustRun(t, inputsOf(t, sprintf(def, c.method)), nil)
		if relErr(s["only_cost"], c.want) > 1e-14 {
			t.Errorf("%s: cost %.15g, want %.15g", c.method, s["only_cost"], c.want)
		}
	}
}

// TestEntryCostsAndRates: a one-off cost of 1000 on entering D, with the
// exit probability derived from a rate of 0.2 per year over half-year
// cycles, p = 1 − exp(−0.2·0.5); entries in cycle k are discounted to the
// end of cycle k. Also a one-off QALY loss of 0.5 on entering D.
func TestEntryCostsAndRates(t *testing.T) {
	in := inputsOf(t, `
[inputs]
states = ["H", "D"]
dead = ["D"]
initial = "H"
strategies = ["only"]
cycles = 3
cycle_years = 0.5
discount_costs = 0.04
[inputs.params]
r = 0.2
[inputs.matrices.m]
rates = [["C", "r"], [0, "C"]]
[inputs.transitions]
only = "m"
[[inputs.costs]]
name = "death"
on_entry = { D = 1000 }
[[inputs.utilities]]
weights = { H = 1 }
on_entry = { D = -0.5 }
`)
	s := mustRun(t, in, nil)
	p := 1 - math.Exp(-0.2*0.5)
	var cost, qaly float64
	h := 1.0
	for k := 1; k <= 3; k++ {
		cost += 1000 * h * p / math.Pow(1.04, float64(k)*0.5)
		qaly += -0.5 * h * p
		h *= 1 - p
		qaly += h * 0.5 // end counting: in H at the end of cycle k, 1 × 0.5 year
	}
	if relErr(s["only_cost"], cost) > 1e-13 || relErr(s["only_effect"], qaly) > 1e-13 {
		t.Errorf("cost %.15g, effect %.15g; hand computation %.15g, %.15g", s["only_cost"], s["only_effect"], cost, qaly)
	}
}

// TestDerivedAndCycleDependent: a relative risk, a hazard ratio on the
// upper triangle, and a probability that depends on the cycle number.
func TestDerivedAndCycleDependent(t *testing.T) {
	in := inputsOf(t, `
[inputs]
states = ["A", "B", "C"]
initial = [0.5, 0.5, 0]
strategies = ["rr", "hr", "aging"]
cycles = 4
[inputs.params]
hr = 2
[inputs.matrices.base]
probs = [["C", 0.2, 0.1], [0.3, "C", 0.1], [0, 0, 1]]
[inputs.matrices.rr]
base = "base"
rr = 0.5
[inputs.matrices.hr]
base = "base"
hr = "hr"
apply_to = "upper"
[inputs.matrices.aging]
probs = [["C", 0.2, "0.01 * cycle"], [0.3, "C", 0.1], [0, 0, 1]]
[inputs.transitions]
rr = "rr"
hr = "hr"
aging = "aging"
`)
	d, err := compile(in)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := d.instantiate(d.defaults(), false, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float64{
		// rr 0.5 on every off-diagonal, diagonal the complement.
		"rr": {0.85, 0.1, 0.05, 0.15, 0.8, 0.05, 0, 0, 1},
		// hr 2 above the diagonal only: 1 − (1 − p)^2.
		"hr": {1 - 0.36 - 0.19, 0.36, 0.19, 0.3, 1 - 0.3 - 0.19, 0.19, 0, 0, 1},
	}
	for s, name := range d.strategies[:2] {
		for k, mv := range inst.plan[s] {
			for i, p := range mv.p {
				if math.Abs(p-want[name][i]) > 1e-15 {
					t.Errorf("%s cycle %d: p[%d] = %v, want %v", name, k+1, i, p, want[name][i])
				}
			}
		}
	}
	for k, mv := range inst.plan[2] {
		if got, want := mv.p[2], 0.01*float64(k+1); math.Abs(got-want) > 1e-15 || math.Abs(mv.p[0]-(0.8-want)) > 1e-15 {
			t.Errorf("aging, cycle %d: P(A→C) = %v, P(A→A) = %v; want %v, %v", k+1, got, mv.p[0], want, 0.8-want)
		}
	}
}

// TestTraceSumsToOne: in every strategy and at every trace point the cohort
// is somewhere, in cohort and micro mode; and the trace is the table the
// run returns with save_trace.
func TestTraceSumsToOne(t *testing.T) {
	sc, err := scenarios.Load(chancellorFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{ModeCohort, ModeMicro} {
		res, err := runWith(t, sc.Inputs, map[string]any{ParamSaveTrace: true, ParamMode: mode, ParamPatients: int64(300)}, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Tables) != 2 || res.Tables[1].Name != "trace_combination" {
			t.Fatalf("%s: tables %v", mode, len(res.Tables))
		}
		for _, tab := range res.Tables {
			if len(tab.Rows) != 21 || len(tab.Columns) != 6 {
				t.Fatalf("%s %s: %d rows × %d columns, want 21 × 6 (t, years, A–D)", mode, tab.Name, len(tab.Rows), len(tab.Columns))
			}
			for _, row := range tab.Rows {
				var sum float64
				for _, x := range row[2:] {
					sum += x
				}
				if math.Abs(sum-1) > 1e-12 {
					t.Errorf("%s %s at t = %v: occupancy sums to %.17g", mode, tab.Name, row[0], sum)
				}
			}
		}
	}
}

// TestZeroDiscount: with both rates 0 every discounted output equals the
// undiscounted one.
func TestZeroDiscount(t *testing.T) {
	text := replaceOnce(t, string(mustRead(t, chancellorFile)), "discount_costs = 0.06", "discount_costs = 0")
	sc, err := scenarios.Parse(chancellorFile, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	s := mustRun(t, sc.Inputs, nil)
	for _, st := range []string{"monotherapy", "combination"} {
		for _, q := range []string{"cost", "effect", "ly"} {
			if s[st+"_"+q] != s[st+"_"+q+"_undisc"] {
				t.Errorf("%s_%s = %v, undiscounted %v", st, q, s[st+"_"+q], s[st+"_"+q+"_undisc"])
			}
		}
	}
	if s["monotherapy_cost"] <= chancellorMonoCost {
		t.Errorf("undiscounted cost %v not above the discounted %v", s["monotherapy_cost"], chancellorMonoCost)
	}
}

// TestMicroCommonRandomNumbers: two strategies with the same matrices meet
// the same random numbers, so every patient has the same outcomes in both
// and the increments are exactly 0; a microsimulation with entry values and
// a correction converges to its cohort.
func TestMicroCommonRandomNumbers(t *testing.T) {
	in := inputsOf(t, `
[inputs]
states = ["A", "B", "D"]
dead = ["D"]
initial = [0.7, 0.3, 0]
strategies = ["one", "two"]
cycles = 10
correction = "simpson"
discount_costs = 0.035
discount_effects = 0.035
[inputs.matrices.m]
probs = [["C", 0.15, 0.05], [0.1, "C", 0.2], [0, 0, 1]]
[inputs.transitions]
one = "m"
two = [{ to = 4, matrix = "m" }, { from = 5, matrix = "m" }]
[[inputs.costs]]
per_cycle = { A = 10, B = 300 }
on_entry = { B = 1000, D = 5000 }
[[inputs.utilities]]
weights = { A = 0.9, B = 0.4 }
on_entry = { B = -0.1 }
`)
	micro := mustRun(t, in, map[string]any{ParamMode: ModeMicro, ParamPatients: int64(500)})
	for _, q := range []string{"inc_cost", "inc_effect"} {
		if micro["two_"+q] != 0 {
			t.Errorf("identical strategies: two_%s = %v, want exactly 0", q, micro["two_"+q])
		}
	}
	d, err := compile(in)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := d.instantiate(d.defaults(), false, 0)
	if err != nil {
		t.Fatal(err)
	}
	cohort, _ := inst.cohort(false)
	const n = 20000
	mr, err := inst.micro(context.Background(), n, 99, false)
	if err != nil {
		t.Fatal(err)
	}
	for q := range nq {
		if se := mr.sd[0][q] / math.Sqrt(n); math.Abs(mr.mean[0][q]-cohort[0][q]) > 4*se {
			t.Errorf("quantity %d: micro %v, cohort %v, 4 SE = %v", q, mr.mean[0][q], cohort[0][q], 4*se)
		}
	}
}
