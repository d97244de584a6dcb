package mscohort

import (
	"math"
	"strings"
	"testing"
)

// agreementInputs: the default model with everyone aged 40 at the start
// (one cohort per sex), four strategies covering every event and rule: a
// sequence with discontinuation, a time-specific swap, a switch after a
// delay on the first line with no stopping rules and no next line after a
// discontinuation, and no treatment.
func agreementInputs(t testing.TB) []byte { return agreementInputsWith(t, nil) }

// agreementStartersInputs: agreementInputs with half the patients starting
// in SPMS (stopped at time 0 where stop_at_spms holds) and everyone one
// year on natalizumab already, which natalizumab_4y_no_stop continues (its
// max_years 4 ends at year 3) and the other strategies replace by their
// first line.
func agreementStartersInputs(t testing.TB) []byte {
	return agreementInputsWith(t, map[string]any{"spms": 0.5, "therapy": "natalizumab", "years_on_therapy": 1})
}

func agreementInputsWith(t testing.TB, baseline map[string]any) []byte {
	s := strategies(
		"ofatumumab_first", lines(therapy("ofatumumab"), therapy("natalizumab")),
		"dmf_then_ofatumumab_2y", lines(therapy("dimethyl_fumarate", "switch_at", 2), therapy("ofatumumab")),
		"natalizumab_4y_no_stop", lines(therapy("natalizumab", "max_years", 4), therapy("ofatumumab")),
		"untreated", []any{},
	)
	s[2]["stop_at_spms"], s[2]["stop_edss"], s[2]["on_discontinuation"] = false, 10, "stop"
	b := map[string]any{"age_mean": 40, "age_sd": 0}
	for k, v := range baseline {
		b[k] = v
	}
	return mustJSON(t, map[string]any{"baseline": b, "strategies": s})
}

// TestDESAgreesWithCohort: the DES and the annual cohort (whose cycle
// matrices are expm(Q) of the DES's constant rates in each cycle) give the
// same expectations. The DES is run as 10 independent runs of 4,000
// patients; every output must lie within 4 standard errors of the mean over
// runs from the cohort's value (plus 1e-6 relative for the cohort's
// Simpson integration). Both timings; the default start (RRMS, no
// therapy) and the patient-specific one (agreementStartersInputs).
func TestDESAgreesWithCohort(t *testing.T) {
	for _, start := range []struct {
		name   string
		inputs []byte
	}{{"default start", agreementInputs(t)}, {"SPMS and on-therapy starters", agreementStartersInputs(t)}} {
		t.Run(start.name, func(t *testing.T) { desAgreesWithCohort(t, start.inputs) })
	}
}

func desAgreesWithCohort(t *testing.T, inputs []byte) {
	const runs, n = 10, 4000
	for _, timing := range []string{TimingContinuous, TimingAnnual} {
		cohort := run(t, inputs, map[string]any{ParamMode: ModeCohort, ParamTiming: timing}, 1)
		sum, sum2 := map[string]float64{}, map[string]float64{}
		for r := range runs {
			out := run(t, inputs, map[string]any{ParamPatients: int64(n), ParamTiming: timing}, uint64(100+r))
			for k, v := range out {
				sum[k] += v
				sum2[k] += v * v
			}
		}
		checked := 0
		for k, want := range cohort {
			if k == "patient_years" || strings.HasSuffix(k, "_icer") {
				continue
			}
			mean := sum[k] / runs
			se := math.Sqrt(max(0, sum2[k]/runs-mean*mean) / (runs - 1))
			if d := math.Abs(mean - want); d > 4*se+1e-6*math.Abs(want) {
				t.Errorf("%s: %s: DES %.6g ± %.3g (SE), cohort %.6g: %.1f SE apart", timing, k, mean, se, want, d/se)
			}
			checked++
		}
		if checked < 50 {
			t.Fatalf("%s: compared only %d outputs", timing, checked)
		}
		t.Logf("%s: ofatumumab_first QALYs DES %.4f, cohort %.4f; untreated %.4f vs %.4f", timing,
			sum["ofatumumab_first_qaly_disc"]/runs, cohort["ofatumumab_first_qaly_disc"], sum["untreated_qaly_disc"]/runs, cohort["untreated_qaly_disc"])
	}
}

// TestCohortRefusesWhatItCannotTrack: time on a later line and swaps at
// fractional times need the DES.
func TestCohortRefusesWhatItCannotTrack(t *testing.T) {
	for _, tc := range []struct {
		lines []map[string]any
		want  string
	}{
		{lines(therapy("dimethyl_fumarate"), therapy("ofatumumab", "max_years", 2)), "max_years on a line after the first"},
		{lines(therapy("dimethyl_fumarate", "switch_at", 2.5), therapy("ofatumumab")), "whole years only"},
	} {
		inputs := mustJSON(t, map[string]any{"strategies": strategies("s", tc.lines)})
		desc, err := Model{}.DescribeInputs(inputs)
		if err != nil {
			t.Fatal(err)
		}
		ps, _ := desc.Resolve(map[string]any{ParamMode: ModeCohort})
		_, err = Model{}.Run(t.Context(), runSpec(ps, inputs), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error with %q", err, tc.want)
		}
		// The DES runs it.
		run(t, inputs, map[string]any{ParamPatients: int64(50)}, 1)
	}
}
