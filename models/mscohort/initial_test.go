package mscohort

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mdtwin/mdtwin/models"
)

// The patient-specific initial state: [inputs.baseline] spms, therapy and
// years_on_therapy (see the package doc, "The patient").

// oneHot is a baseline EDSS distribution with everyone in state e.
func oneHot(e int) []float64 {
	x := make([]float64, NEDSS)
	x[e] = 1
	return x
}

// spmsStarters: everyone 40, in SPMS at EDSS 2, no death (so that the
// expected relapses below follow from the SPMS matrix and rates alone),
// untreated and under ofatumumab first with the default stop_at_spms.
func spmsStarters(t testing.TB) []byte {
	return mustJSON(t, map[string]any{
		"baseline":   map[string]any{"age_mean": 40, "age_sd": 0, "edss": oneHot(2), "spms": 1},
		"mortality":  map[string]any{"female_mx": []float64{0, 0}, "male_mx": []float64{0, 0}},
		"strategies": strategies("untreated", []any{}, "ofatumumab_first", lines(therapy("ofatumumab"), therapy("natalizumab"))),
	})
}

// expectedRelapses returns the expected relapses in [0, T] of an untreated,
// immortal patient who starts at EDSS e0 and stays in one course (SPMS:
// the model's rule; RRMS: for contrast, as if conversion were impossible):
// Σ_e relapse_<course>[e] · ∫_0^T P(EDSS e at t) dt, the occupancy being
// the continuous-time chain of the default matrix of the course (rates
// −ln(1 − p) off the diagonal, the model's continuous timing). The
// integral ∫_0^T expm(Q·t) dt is the top-right block of expm([[Q, I],
// [0, 0]]·T) (Van Loan 1978, IEEE Trans Autom Control 23:395).
func expectedRelapses(t *testing.T, c Course, e0 int, T float64) float64 {
	t.Helper()
	d, err := compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	nh := d.raw.NaturalHistory
	m, rate := nh.RRMS, nh.RelapseRRMS
	if c == SPMS {
		m, rate = nh.SPMS, nh.RelapseSPMS
	}
	a := mat.NewDense(2*NEDSS, 2*NEDSS, nil)
	for e := range NEDSS {
		var out float64
		for j := range NEDSS {
			if j != e {
				r := -math.Log1p(-m[e][j])
				a.Set(e, j, r*T)
				out += r
			}
		}
		a.Set(e, e, -out*T)
		a.Set(e, NEDSS+e, T)
	}
	var E mat.Dense
	E.Exp(a)
	var want float64
	for e := range NEDSS {
		want += E.At(e0, NEDSS+e) * rate[e]
	}
	return want
}

// TestSPMSStarters: patients who start in SPMS never convert (no time in
// RRMS), have the SPMS relapse rates (the mean relapse count over 2 years is
// within 4 standard errors of the analytic expectation from the SPMS matrix
// and relapse_spms) and, under stop_at_spms, are off therapy from time 0
// (no years on ofatumumab; with the common random numbers the strategy's
// patients are then exactly the untreated ones).
func TestSPMSStarters(t *testing.T) {
	inputs := spmsStarters(t)
	const T, runs, n = 2.0, 10, 2000
	desc, err := Model{}.DescribeInputs(inputs)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := desc.Resolve(map[string]any{ParamHorizon: T, ParamPatients: int64(n)})
	if err != nil {
		t.Fatal(err)
	}
	var sum, sum2 float64
	for r := range runs {
		seed := uint64(300 + r)
		_, w, err := prepare(models.RunSpec{Seed: seed, Params: ps, Inputs: inputs})
		if err != nil {
			t.Fatal(err)
		}
		accs, _, err := w.simulate(context.Background(), seed, n, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		for si, acc := range accs {
			ns := len(w.plans[si].class)
			for st := range NEDSS * ns { // the RRMS states come first
				if acc.occU[st] != 0 || acc.relU[st] != 0 {
					c, e, slot := Course(st/ns/NEDSS), st/ns%NEDSS, st%ns
					t.Fatalf("%s: %.3g years in %s EDSS %d slot %d: an SPMS starter went to RRMS", w.d.strategies[si].name, acc.occU[st], c, e, slot)
				}
			}
		}
		out := w.outputs(accs)
		if y := out["ofatumumab_first_years_on_ofatumumab"] + out["ofatumumab_first_years_on_natalizumab"]; y != 0 {
			t.Errorf("stop_at_spms: %.4g years on therapy, want 0 (stopped at time 0)", y)
		}
		for _, k := range []string{"relapses", "qaly_disc", "cost_disc", "ly"} {
			if a, b := out["untreated_"+k], out["ofatumumab_first_"+k]; a != b {
				t.Errorf("%s: untreated %v, ofatumumab_first (stopped at 0) %v: should be the same patients", k, a, b)
			}
		}
		if ly := out["untreated_ly"]; math.Abs(ly-T) > 1e-9 {
			t.Errorf("life-years %v, want the horizon %v (no death)", ly, T)
		}
		x := out["untreated_relapses"]
		sum += x
		sum2 += x * x
	}
	mean := sum / runs
	se := math.Sqrt(max(0, sum2/runs-mean*mean) / (runs - 1))
	want := expectedRelapses(t, SPMS, 2, T)
	if math.Abs(mean-want) > 4*se {
		t.Errorf("relapses in %v years: DES %.4f ± %.4f (SE), SPMS expectation %.4f: %.1f SE apart", T, mean, se, want, math.Abs(mean-want)/se)
	}
	// The RRMS matrix and rates would give a clearly different count.
	rr := expectedRelapses(t, RRMS, 2, T)
	if math.Abs(mean-rr) < 10*se {
		t.Errorf("relapses %.4f are not distinguishable from the RRMS expectation %.4f", mean, rr)
	}
	t.Logf("relapses in %v years: DES %.4f ± %.4f, SPMS expectation %.4f (RRMS: %.4f)", T, mean, se, want, rr)
}

// onTherapyInputs: everyone 40, RRMS at EDSS 2, already 1.5 years on
// dimethyl fumarate, no death and no stopping rules, so that the time on a
// line depends only on its discontinuation rate (0.1 a year, the defaults)
// and its max_years.
func onTherapyInputs(t testing.TB, therapy0 string, years float64) []byte {
	s := strategies(
		"dmf_2y", lines(therapy("dimethyl_fumarate", "max_years", 2), therapy("ofatumumab")),
		"dmf", lines(therapy("dimethyl_fumarate")),
		"ofatumumab", lines(therapy("ofatumumab")),
		"dmf_1y", lines(therapy("dimethyl_fumarate", "max_years", 1), therapy("ofatumumab")),
	)
	for _, x := range s {
		x["stop_at_spms"], x["stop_edss"], x["on_discontinuation"] = false, 10, "stop"
	}
	return mustJSON(t, map[string]any{
		"baseline":   map[string]any{"age_mean": 40, "age_sd": 0, "edss": oneHot(2), "therapy": therapy0, "years_on_therapy": years},
		"mortality":  map[string]any{"female_mx": []float64{0, 0}, "male_mx": []float64{0, 0}},
		"strategies": s,
	})
}

// TestPatientOnTherapy: a patient 1.5 years on dimethyl fumarate continues
// it where a strategy starts with it, with the time counted: under
// max_years 2 the line ends at 0.5 years, so the expected years on it are
// ∫_0^0.5 e^(−0.1t) dt = (1 − e^(−0.05))/0.1 = 0.4877 (discontinuation rate
// 0.1, on_discontinuation = "stop"); with no max_years, over a 2-year
// horizon, (1 − e^(−0.2))/0.1 = 1.8127 (memoryless: the same as a new
// start, since no rate depends on time on therapy); under max_years 1 the
// line is over at the start (0 years, straight to ofatumumab). A strategy
// that starts with another therapy starts it at time 0: its outcomes are
// exactly those of an untreated patient at baseline (the same random
// numbers).
func TestPatientOnTherapy(t *testing.T) {
	const T, runs, n = 2.0, 8, 2000
	inputs := onTherapyInputs(t, "dimethyl_fumarate", 1.5)
	fresh := onTherapyInputs(t, NoTherapy, 0)
	want := map[string]float64{
		"dmf_2y_years_on_dimethyl_fumarate": -math.Expm1(-0.05) / 0.1,
		"dmf_years_on_dimethyl_fumarate":    -math.Expm1(-0.2) / 0.1,
		"ofatumumab_years_on_ofatumumab":    -math.Expm1(-0.2) / 0.1,
	}
	sum, sum2 := map[string]float64{}, map[string]float64{}
	for r := range runs {
		raw := map[string]any{ParamHorizon: T, ParamPatients: int64(n)}
		out := run(t, inputs, raw, uint64(500+r))
		for k := range want {
			sum[k] += out[k]
			sum2[k] += out[k] * out[k]
		}
		if y := out["dmf_1y_years_on_dimethyl_fumarate"]; y != 0 {
			t.Errorf("max_years 1 after 1.5 years on the line: %v years on it, want 0", y)
		}
		if y := out["dmf_1y_years_on_ofatumumab"]; math.Abs(y-want["ofatumumab_years_on_ofatumumab"]) > 0.05 {
			t.Errorf("max_years used up: %v years on the next line, want about %.4f", y, want["ofatumumab_years_on_ofatumumab"])
		}
		ref := run(t, fresh, raw, uint64(500+r))
		for _, k := range []string{"ofatumumab_years_on_ofatumumab", "ofatumumab_qaly_disc", "ofatumumab_cost_disc", "ofatumumab_relapses"} {
			if out[k] != ref[k] {
				t.Errorf("%s: %v for a patient on dimethyl fumarate, %v for an untreated one; a strategy starting with ofatumumab should switch at 0", k, out[k], ref[k])
			}
		}
	}
	for k, w := range want {
		mean := sum[k] / runs
		se := math.Sqrt(max(0, sum2[k]/runs-mean*mean) / (runs - 1))
		if math.Abs(mean-w) > 4*se+1e-9 {
			t.Errorf("%s: %.4f ± %.4f (SE), want %.4f", k, mean, se, w)
		}
	}
}

// TestInitialStateDeterministic: the same seed gives the same outputs with
// a mixed RRMS/SPMS start on therapy.
func TestInitialStateDeterministic(t *testing.T) {
	inputs := mustJSON(t, map[string]any{
		"baseline": map[string]any{"spms": 0.4, "therapy": "natalizumab", "years_on_therapy": 0.7},
		"strategies": strategies("nat", lines(therapy("natalizumab", "max_years", 2), therapy("ofatumumab")),
			"dmf", lines(therapy("dimethyl_fumarate"))),
	})
	raw := map[string]any{ParamPatients: int64(500), ParamHorizon: 10.0}
	a, b := run(t, inputs, raw, 11), run(t, inputs, raw, 11)
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs with seed 11 differ")
	}
	if c := run(t, inputs, raw, 12); reflect.DeepEqual(a, c) {
		t.Error("seeds 11 and 12 give the same outputs")
	}
}

// TestInitialStateErrors: what the model cannot represent is refused with
// the field named.
func TestInitialStateErrors(t *testing.T) {
	for _, tc := range []struct {
		baseline map[string]any
		want     string
	}{
		{map[string]any{"therapy": "fingolimod"}, `inputs.baseline: therapy "fingolimod" is not in [inputs.therapies]: expected "none" (untreated), "other"`},
		{map[string]any{"spms": 1.5}, "inputs.baseline: spms: share 1.5 is outside [0, 1]"},
		{map[string]any{"years_on_therapy": -1}, "inputs.baseline: years_on_therapy -1 is negative"},
		{map[string]any{"course": "SPMS"}, `inputs.baseline: unknown key "course"`},
	} {
		_, err := Model{}.DescribeInputs(mustJSON(t, map[string]any{"baseline": tc.baseline}))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.baseline, err, tc.want)
		}
	}
	// A therapy called "other" would be ambiguous.
	in := mustJSON(t, map[string]any{"therapies": map[string]any{"other": map[string]any{"hr": 1, "rr": 1}}})
	if _, err := (Model{}).DescribeInputs(in); err == nil || !strings.Contains(err.Error(), `not be "none" or "other"`) {
		t.Errorf("therapy named other: %v", err)
	}
	// The annual cohort cannot end the continued line at a fractional time.
	in = onTherapyInputs(t, "dimethyl_fumarate", 0.5)
	desc, err := Model{}.DescribeInputs(in)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := desc.Resolve(map[string]any{ParamMode: ModeCohort})
	_, err = Model{}.Run(t.Context(), runSpec(ps, in), nil)
	if want := "max_years 2 less the baseline's years_on_therapy 0.5 ends the line at 1.5 years"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("cohort with a fractional line end: %v, want %q", err, want)
	}
}
