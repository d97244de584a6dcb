package mscohort

import (
	"math"
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
	d, err := compileCached(nil)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]func(v *values) *float64{
		"nh_worsening_hr":      func(v *values) *float64 { return &v.nhWorsening },
		"nh_worsening_hr_none": func(v *values) *float64 { return &v.nhBand[0] },
		"nh_within_hr_mild":    func(v *values) *float64 { return &v.nhWithin[1] },
		"nh_improvement_hr":    func(v *values) *float64 { return &v.nhImprovement },
	}
	for name, ptr := range params {
		for _, h := range []float64{0, 0.5, 1, 1.36, 1.37, 2, 5, 20, 100} {
			v := d.base
			*ptr(&v) = h
			w, err := newWorld(d, v, TimingContinuous, 0, d.maxAge)
			if err != nil {
				t.Fatalf("%s = %v, continuous: %v", name, h, err)
			}
			for i, tot := range w.edssTot {
				cum := w.edssCum[i*NEDSS : (i+1)*NEDSS]
				if !(tot >= 0) || math.IsInf(tot, 0) || math.Abs(cum[NEDSS-1]-tot) > 1e-9*max(1, tot) {
					t.Fatalf("%s = %v: row %d total rate %v, cumulative %v", name, h, i, tot, cum[NEDSS-1])
				}
			}
			w, err = newWorld(d, v, TimingAnnual, 0, d.maxAge)
			if err != nil {
				if !models.IsBadInput(err) {
					t.Errorf("%s = %v, annual: %v is not a bad-input error", name, h, err)
				}
				continue
			}
			for i := 0; i < len(w.probCum)/NEDSS; i++ {
				pc := w.probCum[i*NEDSS : (i+1)*NEDSS]
				if math.Abs(pc[NEDSS-1]-1) > 1e-9 {
					t.Fatalf("%s = %v, annual: row %d sums to %v", name, h, i, pc[NEDSS-1])
				}
			}
		}
	}
	// The run that used to fail: a 2-year cohort with nh_worsening_hr 1.5.
	out := run(t, nil, map[string]any{"nh_worsening_hr": 1.5, ParamMode: ModeCohort, ParamHorizon: 2.0}, 1)
	if q := out["ofatumumab_first_qaly"]; !(q > 0 && q < 2) {
		t.Errorf("QALYs over 2 years %v", q)
	}
}
