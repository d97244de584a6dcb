package mscohort

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/mdtwin/mdtwin/hta"
)

// TestMoreEffectiveTherapyNeverLowersQALYs: with the same costs, a therapy
// with a lower hazard ratio on worsening and a lower relapse rate ratio
// gives at least as many expected QALYs. Checked on a grid of efficacies in
// the cohort (exact expectations) and, for the weakest and strongest, in the
// DES with common random numbers (n = 2,000 per strategy).
func TestMoreEffectiveTherapyNeverLowersQALYs(t *testing.T) {
	effects := []float64{1, 0.9, 0.7, 0.5, 0.3, 0.1}
	therapies := map[string]any{}
	var strats []any
	for i, f := range effects {
		name := fmt.Sprintf("drug%d", i)
		therapies[name] = map[string]any{"hr": f, "rr": f, "cost": 50000, "admin_cost": 0, "discontinuation": 0.1, "hr_se_log": 0, "rr_se_log": 0}
		strats = append(strats, "on_"+name, lines(therapy(name)))
	}
	inputs := mustJSON(t, map[string]any{"therapies": therapies, "strategies": strategies(strats...)})
	for _, mode := range []string{ModeCohort, ModeDES} {
		out := run(t, inputs, map[string]any{ParamMode: mode, ParamPatients: int64(2000)}, 3)
		prev := math.Inf(-1)
		for i := range effects {
			q := out[fmt.Sprintf("on_drug%d_qaly_disc", i)]
			if q < prev {
				t.Errorf("%s: HR = RR = %g gives %.5f QALYs, fewer than %.5f with a less effective therapy", mode, effects[i], q, prev)
			}
			prev = q
		}
		t.Logf("%s: QALYs from %.4f (no effect) to %.4f (HR 0.1)", mode, out["on_drug0_qaly_disc"], out[fmt.Sprintf("on_drug%d_qaly_disc", len(effects)-1)])
	}
}

// TestLongerDelayGivesFewerQALYs: delaying ofatumumab — after no treatment,
// or after dimethyl fumarate with no discontinuation of either drug so that
// the time on therapy is the same — gives fewer expected QALYs the longer
// the delay (cohort exact; DES with common random numbers, n = 2,000).
func TestLongerDelayGivesFewerQALYs(t *testing.T) {
	delays := []float64{1, 3, 5, 10}
	for _, first := range []string{NoTherapy, "dimethyl_fumarate"} {
		var strats []any
		for _, k := range delays {
			strats = append(strats, fmt.Sprintf("delay_%g", k), lines(therapy(first, "switch_at", k), therapy("ofatumumab")))
		}
		inputs := mustJSON(t, map[string]any{"strategies": strategies(strats...)})
		for _, mode := range []string{ModeCohort, ModeDES} {
			out := run(t, inputs, map[string]any{ParamMode: mode, ParamPatients: int64(2000),
				"dimethyl_fumarate_discontinuation": 0.0, "ofatumumab_discontinuation": 0.0}, 5)
			for i := 1; i < len(delays); i++ {
				a, b := out[fmt.Sprintf("delay_%g_qaly_disc", delays[i-1])], out[fmt.Sprintf("delay_%g_qaly_disc", delays[i])]
				if !(b < a) {
					t.Errorf("%s first, %s: a delay of %g years gives %.5f QALYs, not fewer than %.5f with %g years", first, mode, delays[i], b, a, delays[i-1])
				}
			}
		}
	}
}

// TestZeroDiscountRate: with both discount rates 0 the discounted outputs
// equal the undiscounted ones exactly, in both modes.
func TestZeroDiscountRate(t *testing.T) {
	for _, mode := range []string{ModeDES, ModeCohort} {
		out := run(t, nil, map[string]any{ParamMode: mode, ParamPatients: int64(500), "discount_costs": 0.0, "discount_effects": 0.0}, 1)
		for _, s := range []string{"ofatumumab_first", "dmf_then_ofatumumab_3y"} {
			for _, q := range []string{"cost", "qaly", "ly"} {
				if d, u := out[s+"_"+q+"_disc"], out[s+"_"+q]; d != u {
					t.Errorf("%s: %s_%s_disc = %.17g, undiscounted %.17g", mode, s, q, d, u)
				}
			}
		}
	}
	// And with 3 % they differ.
	out := run(t, nil, map[string]any{ParamPatients: int64(100)}, 1)
	if out["ofatumumab_first_qaly_disc"] >= out["ofatumumab_first_qaly"] {
		t.Error("discounting at 3 % did not lower QALYs")
	}
}

// TestDiscounterMatchesHTA: the incremental discounting of the DES equals
// hta.DiscountedTime and hta.DiscountFactor, to 1e-12 relative or 1e-12
// years absolute (the difference form loses relative precision on very
// short intervals, not absolute).
func TestDiscounterMatchesHTA(t *testing.T) {
	for _, r := range []float64{0, 0.015, 0.035, 0.06} {
		d := newDiscounter(r, false)
		t0 := 0.0
		for _, t1 := range []float64{0.001, 0.5, 1, 3.25, 3.2500001, 10, 40, 77.7} {
			got := d.advance(t0, t1, d.factor(t1))
			want := hta.DiscountedTime(r, t0, t1)
			if math.Abs(got-want) > 1e-12*math.Max(want, 1) {
				t.Errorf("r = %g, [%g, %g]: %.17g, hta %.17g", r, t0, t1, got, want)
			}
			if f := d.factor(t1); math.Abs(f-hta.DiscountFactor(r, t1)) > 1e-15 {
				t.Errorf("r = %g, t = %g: factor %.17g, hta %.17g", r, t1, f, hta.DiscountFactor(r, t1))
			}
			t0 = t1
		}
	}
}

// TestDeterministicAndCommonRandomNumbers: a run is a function of its seed
// (whatever the number of cores), and two strategies that are the same
// give exactly the same outcomes (every patient meets the same random
// numbers in both).
func TestDeterministicAndCommonRandomNumbers(t *testing.T) {
	inputs := mustJSON(t, map[string]any{"strategies": strategies(
		"a", lines(therapy("dimethyl_fumarate", "switch_at", 2), therapy("ofatumumab")),
		"b", lines(therapy("ofatumumab")),
		"a_again", lines(therapy("dimethyl_fumarate", "switch_at", 2), therapy("ofatumumab")),
	)})
	raw := map[string]any{ParamPatients: int64(3000)}
	first := run(t, inputs, raw, 42)
	prev := runtime.GOMAXPROCS(1)
	single := run(t, inputs, raw, 42)
	runtime.GOMAXPROCS(prev)
	other := run(t, inputs, raw, 43)
	for k, v := range first {
		if single[k] != v && !(math.IsNaN(v) && math.IsNaN(single[k])) {
			t.Errorf("%s: %v on all cores, %v on one", k, v, single[k])
		}
	}
	if first["a_qaly_disc"] == other["a_qaly_disc"] {
		t.Error("seeds 42 and 43 gave the same QALYs")
	}
	for _, q := range []string{"cost_disc", "qaly_disc", "ly", "relapses", "years_to_edss6", "years_on_ofatumumab"} {
		if first["a_"+q] != first["a_again_"+q] {
			t.Errorf("identical strategies differ in %s: %v and %v", q, first["a_"+q], first["a_again_"+q])
		}
	}
	// Common random numbers make a difference between strategies far less
	// noisy than the outcomes themselves: the spread over seeds of ΔQALY is
	// well below that of the QALYs.
	var q, dq []float64
	for s := range uint64(8) {
		out := run(t, inputs, map[string]any{ParamPatients: int64(500)}, 200+s)
		q = append(q, out["b_qaly_disc"])
		dq = append(dq, out["b_qaly_disc"]-out["a_qaly_disc"])
	}
	if sq, sd := sd(q), sd(dq); !(sd < sq/2) {
		t.Errorf("SD over seeds of ΔQALY %.4f is not well below that of QALYs %.4f", sd, sq)
	}
}

func sd(xs []float64) float64 {
	var m, s float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(xs)-1))
}
