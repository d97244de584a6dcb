package mscohort

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// wanedInputs: everyone starts at EDSS 0 on "drug" (hr 0.5 on worsening,
// rr 0.4 on relapses, never stopped), the only move is EDSS 0 → 1 (annual
// probability p, EDSS 1 absorbing), relapses at 0.5 a year at every EDSS,
// nobody dies, and a year at EDSS 1 costs 1 (nothing else costs), so the
// undiscounted cost is the time spent at EDSS 1.
func wanedInputs(t *testing.T, p float64, wane map[string]any) map[string]any {
	m := make([][]float64, NEDSS)
	for i := range m {
		m[i] = make([]float64, NEDSS)
		m[i][i] = 1
	}
	m[0][0], m[0][1] = 1-p, p
	rel := make([]float64, NEDSS)
	for i := range rel {
		rel[i] = 0.5
	}
	cost := make([]float64, NEDSS)
	cost[1] = 1
	edss := make([]float64, NEDSS)
	edss[0] = 1
	return map[string]any{
		"discount_costs": 0, "discount_effects": 0,
		"natural_history": map[string]any{"rrms": m, "to_spms": make([]float64, NEDSS), "relapse_rrms": rel},
		"mortality":       map[string]any{"female_mx": []float64{0, 0}, "male_mx": []float64{0, 0}},
		"baseline":        map[string]any{"age_mean": 40, "age_sd": 0, "edss": edss},
		"costs":           map[string]any{"edss": cost, "relapse": 0},
		"therapies":       map[string]any{"drug": map[string]any{"hr": 0.5, "rr": 0.4, "cost": 0, "admin_cost": 0, "discontinuation": 0}},
		"strategies":      []map[string]any{{"name": "drug", "lines": lines(therapy("drug")), "stop_at_spms": false, "stop_edss": 10}},
		"waning":          wane,
	}
}

// TestWaning checks treatment-effect waning against hand computations
// over 4 years, n = 40,000 patients of the DES.
//
// Stepwise, 50 % of the effect lost from year 1 and all of it from year 2:
// the ratios are 1 − (1 − ratio)(1 − loss) = rr 0.4, 0.7, 1 and hr 0.5,
// 0.75, 1, so the expected relapses are 0.5·(0.4 + 0.7 + 2·1) = 1.55, and
// with λ = −ln(1 − p) the cumulative hazard of EDSS 0 → 1 is piecewise
// linear, Λ(t) = λ·∫₀ᵗ hr(s) ds, and the expected time at EDSS 1 is
// ∫₀⁴ (1 − e^(−Λ(t))) dt, summed here segment by segment in closed form.
//
// Linear, the loss growing from 0 at year 0 to 1 at year 2 in half-year
// steps: the relapse rate ratio 1 − 0.6·(1 − t/2) integrates to 1.4 over
// the first 2 years (the steps' midpoint values integrate a linear loss
// exactly), so the relapses are 0.5·(1.4 + 2) = 1.7.
//
// Tolerances: 4 Monte Carlo standard errors (relapses: Poisson, √(mean/n);
// time at EDSS 1: at most √(4²/4)/√n, the variance of a [0, 4] variable
// being at most 4).
func TestWaning(t *testing.T) {
	const n, p = 40000, 0.3
	lam := -math.Log1p(-p)
	// Expected time at EDSS 1 by segments [a, b) with hazard ratio h.
	timeAt1 := func(segs [][3]float64) float64 {
		var cum, total float64
		for _, s := range segs {
			a, b, h := s[0], s[1], s[2]
			k := lam * h
			// ∫_a^b (1 − e^(−cum − k(t−a))) dt
			total += (b - a) - math.Exp(-cum)*(-math.Expm1(-k*(b-a)))/k
			cum += k * (b - a)
		}
		return total
	}
	for _, tc := range []struct {
		name           string
		wane           map[string]any
		relapses, time float64
	}{
		{"none", map[string]any{"type": "none"}, 0.5 * 0.4 * 4, timeAt1([][3]float64{{0, 4, 0.5}})},
		{"stepwise", map[string]any{"type": "stepwise", "steps": [][]float64{{1, 0.5}, {2, 1}}}, 1.55, timeAt1([][3]float64{{0, 1, 0.5}, {1, 2, 0.75}, {2, 4, 1}})},
		{"linear", map[string]any{"type": "linear", "start": 0, "end": 2, "loss": 1, "step": 0.5}, 1.7, math.NaN()},
	} {
		out := run(t, mustJSON(t, wanedInputs(t, p, tc.wane)), map[string]any{ParamMode: ModeDES, ParamHorizon: 4.0, ParamPatients: int64(n)}, 7)
		if got, se := out["drug_relapses"], math.Sqrt(tc.relapses/n); math.Abs(got-tc.relapses) > 4*se {
			t.Errorf("%s: relapses %.4f, hand computation %.4f (4 SE = %.4f)", tc.name, got, tc.relapses, 4*se)
		}
		if !math.IsNaN(tc.time) {
			if got, se := out["drug_cost"], 2/math.Sqrt(n); math.Abs(got-tc.time) > 4*se {
				t.Errorf("%s: years at EDSS 1 %.4f, hand computation %.4f (4 SE ≤ %.4f)", tc.name, got, tc.time, 4*se)
			}
		}
	}
	// The cohort refuses waning (it does not track time on a line), as bad input.
	in := mustJSON(t, wanedInputs(t, p, map[string]any{"type": "stepwise", "steps": [][]float64{{1, 0.5}}}))
	desc, err := Model{}.DescribeInputs(in)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := desc.Resolve(map[string]any{ParamMode: ModeCohort, ParamHorizon: 4.0})
	_, err = Model{}.Run(t.Context(), runSpec(ps, in), nil)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "inputs.waning") {
		t.Errorf("cohort with waning: %v", err)
	}
}

// TestWaningLevels checks the compiled levels and the input errors.
func TestWaningLevels(t *testing.T) {
	w, err := compileWaning(rawWaning{Type: WaningLinear, Start: 1, End: 2, Loss: 0.5, Step: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// Before year 1 no loss; the half-year steps at their midpoints
	// (0.125, 0.375 of 0.5 … i.e. 0.5·0.25, 0.5·0.75); 0.5 from year 2.
	wantT, wantL := []float64{0, 1, 1.5, 2}, []float64{0, 0.125, 0.375, 0.5}
	for i := range wantT {
		if len(w.times) != len(wantT) || w.times[i] != wantT[i] || math.Abs(w.loss[i]-wantL[i]) > 1e-15 {
			t.Fatalf("levels %v %v, want %v %v", w.times, w.loss, wantT, wantL)
		}
	}
	for _, c := range []struct {
		years float64
		level int
	}{{0, 0}, {0.99, 0}, {1, 1}, {1.7, 2}, {2, 3}, {50, 3}} {
		if got := w.levelAt(c.years); got != c.level {
			t.Errorf("levelAt(%v) = %d, want %d", c.years, got, c.level)
		}
	}
	if waned(0.298, 0) != 0.298 || waned(0.4, 1) != 1 || math.Abs(waned(0.4, 0.25)-0.55) > 1e-15 {
		t.Error("waned")
	}
	for _, c := range []struct {
		r    rawWaning
		want string
	}{
		{rawWaning{Type: "exponential"}, `type = "exponential"`},
		{rawWaning{Type: WaningStepwise}, "steps must list"},
		{rawWaning{Type: WaningStepwise, Steps: [][]float64{{2, 0.2}, {1, 0.5}}}, "after the previous step"},
		{rawWaning{Type: WaningStepwise, Steps: [][]float64{{2, 1.2}}}, "outside [0, 1]"},
		{rawWaning{Type: WaningStepwise, Steps: [][]float64{{2}}}, "expected [years"},
		{rawWaning{Type: WaningLinear, Start: 2, End: 1, Loss: 0.5}, "0 <= start < end"},
		{rawWaning{Type: WaningLinear, End: 1, Loss: 0.5, Step: 0.3}, "whole steps"},
		{rawWaning{Type: WaningNone, Loss: 0.5}, "takes no steps"},
	} {
		if _, err := compileWaning(c.r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.r, err, c.want)
		}
	}
}

// TestConfirmedWorsening checks the CDW outputs against the closed form of
// the setting of TestWaning (EDSS 0 → 1 absorbing, hazard λ·hr with
// λ = −ln(1 − p), hr 0.5, no death): a worsening held δ years is confirmed
// by the horizon H when its onset comes before H − δ, with probability
// 1 − e^(−λ·hr·(H − δ)). Tolerance 4 binomial standard errors. Then the
// observed-figures table: a figure inside its interval is "within", and an
// entry naming no output is refused.
func TestConfirmedWorsening(t *testing.T) {
	const n, p, h = 40000, 0.3, 2.0
	in := wanedInputs(t, p, map[string]any{"type": "none"})
	in["cdw_months"] = []float64{3, 6}
	lam := -math.Log1p(-p)
	want3, want6 := -math.Expm1(-lam*0.5*(h-0.25)), -math.Expm1(-lam*0.5*(h-0.5))
	in["observed"] = []map[string]any{
		{"output": "drug_cdw_3m", "what": "3-month CDW, closed form", "observed": want3, "lower": want3 - 0.01, "upper": want3 + 0.01, "source": "this test"},
		{"output": "drug_cdw_6m", "what": "6-month CDW, shifted", "observed": want6 + 0.1, "lower": want6 + 0.05, "upper": want6 + 0.15, "source": "this test"},
	}
	inputs := mustJSON(t, in)
	out := run(t, inputs, map[string]any{ParamMode: ModeDES, ParamHorizon: h, ParamPatients: int64(n)}, 3)
	for name, w := range map[string]float64{"drug_cdw_3m": want3, "drug_cdw_6m": want6} {
		if got, se := out[name], math.Sqrt(w*(1-w)/n); math.Abs(got-w) > 4*se {
			t.Errorf("%s = %.4f, closed form %.4f (4 SE %.4f)", name, got, w, 4*se)
		}
	}
	s, err := Model{}.Summarize(inputs, []models.RunSummary{{Done: true, Scalars: out}})
	if err != nil {
		t.Fatal(err)
	}
	obs := s.(*Summary).Observed
	if len(obs) != 2 || !obs[0].Within || obs[1].Within || float64(obs[0].Predicted.Mean) != out["drug_cdw_3m"] {
		t.Errorf("observed rows %+v", obs)
	}
	in["observed"] = []map[string]any{{"output": "drug_cdw_9m", "what": "x", "observed": 0.1, "source": "x"}}
	if _, err := (Model{}).DescribeInputs(mustJSON(t, in)); err == nil || !strings.Contains(err.Error(), `output "drug_cdw_9m" is not an output`) {
		t.Errorf("unknown observed output: %v", err)
	}
	in["observed"] = nil
	in["cdw_months"] = []float64{2.5}
	if _, err := (Model{}).DescribeInputs(mustJSON(t, in)); err == nil || !strings.Contains(err.Error(), "whole months") {
		t.Errorf("cdw_months 2.5: %v", err)
	}
}
