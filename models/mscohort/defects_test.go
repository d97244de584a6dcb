package mscohort

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// TestNaturalHistoryRatiosOverTheirRange runs the natural-history hazard
// ratios over their whole accepted range [0, 100]. Continuous timing (the
// default) must build a valid generator for every value — nh_worsening_hr
// above about 1.36 used to fail the run because the SPMS EDSS-0 row's
// annual probabilities, which continuous timing never reads, summed past 1.
// Annual timing must give valid probability rows or refuse the run as bad
// input (models.IsBadInput: no retry), never a run failure.
func TestNaturalHistoryRatiosOverTheirRange(t *testing.T) {
	// The defaults and the reference cases, whose matrices are the
	// calibrated ones (data/calibration).
	for _, name := range append([]string{""}, ReferenceCases()...) {
		var inputs []byte
		if name != "" {
			inputs = mustJSON(t, map[string]any{"reference_case": name})
		}
		d, err := compileCached(inputs)
		if err != nil {
			t.Fatal(err)
		}
		naturalHistoryRatiosOverTheirRange(t, name, d)
	}
	// A therapy HR of 60 in [inputs] is accepted (continuous timing is valid
	// with it) and refused, as bad input, by an annual-timing run.
	inputs := mustJSON(t, map[string]any{"therapies": map[string]any{"ofatumumab": map[string]any{"hr": 60}}})
	desc, err := Model{}.DescribeInputs(inputs)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := desc.Resolve(map[string]any{ParamTiming: TimingAnnual, ParamMode: ModeCohort, ParamHorizon: 1.0})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Model{}.Run(t.Context(), runSpec(ps, inputs), nil)
	if !models.IsBadInput(err) || !strings.Contains(err.Error(), `edss_timing = "annual": RRMS, row "EDSS 0": hazard ratios 60 on worsening`) {
		t.Errorf("annual timing with hr 60: %v", err)
	}
	// The run that used to fail: a 2-year cohort with nh_worsening_hr 1.5.
	out := run(t, nil, map[string]any{"nh_worsening_hr": 1.5, ParamMode: ModeCohort, ParamHorizon: 2.0}, 1)
	if q := out["ofatumumab_first_qaly"]; !(q > 0 && q < 2) {
		t.Errorf("QALYs over 2 years %v", q)
	}
}

// naturalHistoryRatiosOverTheirRange checks the rows of d (case name, ""
// for the defaults) over the whole range of the natural-history ratios.
func naturalHistoryRatiosOverTheirRange(t *testing.T, name string, d *definition) {
	params := map[string]func(v *values) *float64{
		"nh_worsening_hr":          func(v *values) *float64 { return &v.nhWorsening },
		"nh_worsening_hr_none":     func(v *values) *float64 { return &v.nhBand[0] },
		"nh_worsening_hr_mild":     func(v *values) *float64 { return &v.nhBand[1] },
		"nh_worsening_hr_moderate": func(v *values) *float64 { return &v.nhBand[2] },
		"nh_worsening_hr_severe":   func(v *values) *float64 { return &v.nhBand[3] },
		"nh_within_hr_mild":        func(v *values) *float64 { return &v.nhWithin[1] },
		"nh_within_hr_moderate":    func(v *values) *float64 { return &v.nhWithin[2] },
		"nh_improvement_hr":        func(v *values) *float64 { return &v.nhImprovement },
	}
	for param, ptr := range params {
		for _, h := range []float64{0, 0.5, 1, 1.36, 1.37, 2, 5, 20, 100} {
			v := d.base
			*ptr(&v) = h
			w, err := newWorld(d, v, TimingContinuous, 0, d.maxAge)
			if err != nil {
				t.Fatalf("%s: %s = %v, continuous: %v", name, param, h, err)
			}
			for i, tot := range w.edssTot {
				cum := w.edssCum[i*NEDSS : (i+1)*NEDSS]
				if !(tot >= 0) || math.IsInf(tot, 0) || math.Abs(cum[NEDSS-1]-tot) > 1e-9*max(1, tot) {
					t.Fatalf("%s: %s = %v: row %d total rate %v, cumulative %v", name, param, h, i, tot, cum[NEDSS-1])
				}
			}
			w, err = newWorld(d, v, TimingAnnual, 0, d.maxAge)
			if err != nil {
				if !models.IsBadInput(err) {
					t.Errorf("%s: %s = %v, annual: %v is not a bad-input error", name, param, h, err)
				}
				continue
			}
			for i := 0; i < len(w.probCum)/NEDSS; i++ {
				pc := w.probCum[i*NEDSS : (i+1)*NEDSS]
				if math.Abs(pc[NEDSS-1]-1) > 1e-9 {
					t.Fatalf("%s: %s = %v, annual: row %d sums to %v", name, param, h, i, pc[NEDSS-1])
				}
			}
		}
	}
}

// TestDiscountingConventions checks both conventions of [inputs]
// discounting in both modes against closed forms. With nobody dying,
// moving or relapsing for 10 years at EDSS 2, the discounted life-years are
//
//	continuous: ∫_0^10 e^(−ρt) dt = (1 − e^(−10ρ))/ρ,   ρ = ln 1.035
//	annual:     Σ_{k=0}^{9} 1.035^(−k)
//
// and the discounted cost is the EDSS-2 cost (US$4,531, ICER-2017) times
// that. The DES is exact here (no random event), the cohort within 1e-7.
func TestDiscountingConventions(t *testing.T) {
	identity := make([][]float64, NEDSS)
	for i := range identity {
		identity[i] = make([]float64, NEDSS)
		identity[i][i] = 1
	}
	rho := math.Log(1.035)
	var annual float64
	for k := range 10 {
		annual += math.Pow(1.035, -float64(k))
	}
	want := map[string]float64{DiscountContinuous: -math.Expm1(-10*rho) / rho, DiscountAnnual: annual}
	for conv, lyd := range want {
		inputs := mustJSON(t, map[string]any{
			"discounting": conv, "discount_costs": 0.035, "discount_effects": 0.035,
			"natural_history": map[string]any{"rrms": identity, "to_spms": make([]float64, NEDSS), "relapse_rrms": make([]float64, NEDSS)},
			"mortality":       map[string]any{"female_mx": []float64{0, 0}, "male_mx": []float64{0, 0}},
			"baseline":        map[string]any{"age_mean": 40, "age_sd": 0, "edss": []float64{0, 0, 1, 0, 0, 0, 0, 0, 0, 0}},
			"strategies":      strategies("untreated", lines(therapy("none"))),
		})
		for _, mode := range []string{ModeCohort, ModeDES} {
			out := run(t, inputs, map[string]any{ParamMode: mode, ParamHorizon: 10.0, ParamPatients: int64(4)}, 1)
			for name, w := range map[string]float64{"untreated_ly_disc": lyd, "untreated_qaly_disc": 0.7802 * lyd, "untreated_cost_disc": 4531 * lyd} {
				if got := out[name]; math.Abs(got-w) > 1e-7*w {
					t.Errorf("%s, %s: %s = %.10g, closed form %.10g", conv, mode, name, got, w)
				}
			}
		}
	}
	if _, err := parseInputs(json.RawMessage(`{"discounting": "monthly"}`)); err == nil || !strings.Contains(err.Error(), `discounting = "monthly", expected "continuous"`) {
		t.Errorf("bad convention: %v", err)
	}
}

// TestAdverseEventsAndCarer: adverse events' cost and QALY loss per year on
// a therapy, and the carer's loss by EDSS, against the closed form of
// TestDiscountingConventions (nobody moves or dies for 10 years at EDSS 2,
// continuous discounting at 3.5 %): cost = (4,531 + drug 1,000 + AE 700) ×
// LYd, QALYs = (0.7802 − AE 0.02 − carer 0.1) × LYd.
func TestAdverseEventsAndCarer(t *testing.T) {
	identity := make([][]float64, NEDSS)
	for i := range identity {
		identity[i] = make([]float64, NEDSS)
		identity[i][i] = 1
	}
	carer := make([]float64, NEDSS)
	carer[2] = 0.1
	inputs := mustJSON(t, map[string]any{
		"discount_costs": 0.035, "discount_effects": 0.035,
		"natural_history": map[string]any{"rrms": identity, "to_spms": make([]float64, NEDSS), "relapse_rrms": make([]float64, NEDSS)},
		"mortality":       map[string]any{"female_mx": []float64{0, 0}, "male_mx": []float64{0, 0}},
		"baseline":        map[string]any{"age_mean": 40, "age_sd": 0, "edss": []float64{0, 0, 1, 0, 0, 0, 0, 0, 0, 0}},
		"utilities":       map[string]any{"carer_edss": carer},
		"therapies": map[string]any{"ofatumumab": map[string]any{"cost": 1000, "admin_cost": 0, "discontinuation": 0,
			"ae_cost": 700, "ae_disutility": 0.02}},
		"strategies": strategies("treated", lines(therapy("ofatumumab"))),
	})
	rho := math.Log(1.035)
	lyd := -math.Expm1(-10*rho) / rho
	for _, mode := range []string{ModeCohort, ModeDES} {
		out := run(t, inputs, map[string]any{ParamMode: mode, ParamHorizon: 10.0, ParamPatients: int64(4)}, 1)
		for name, w := range map[string]float64{"treated_cost_disc": (4531 + 1000 + 700) * lyd, "treated_drug_cost_disc": 1000 * lyd,
			"treated_qaly_disc": (0.7802 - 0.02 - 0.1) * lyd} {
			if got := out[name]; math.Abs(got-w) > 1e-7*w {
				t.Errorf("%s: %s = %.10g, closed form %.10g", mode, name, got, w)
			}
		}
	}
}
