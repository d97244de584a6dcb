package hta

import (
	"math"
	"testing"
)

func TestDiscountFactor(t *testing.T) {
	// Expected values by hand with bc -l (scale 30).
	tests := []struct {
		rate, t, want float64
	}{
		{0.035, 0, 1},                     // t = 0: not discounted
		{0.035, 1, 0.966183574879227053},  // 1/1.035
		{0.06, 20, 0.311804726886084595},  // 1/1.06^20 (Chancellor, last cycle)
		{0.06, 0.5, 0.971285862357264181}, // 1/sqrt(1.06)
		{0.015, 65, 0.379933207254588113}, // 1/1.015^65 (Canadian MS horizon)
		{0, 37.5, 1},                      // rate 0: undiscounted
		{-0.02, 1, 1.020408163265306122},  // negative rates are allowed above −1
	}
	for _, tt := range tests {
		got := DiscountFactor(tt.rate, tt.t)
		if math.Abs(got-tt.want) > 1e-14*tt.want {
			t.Errorf("DiscountFactor(%g, %g) = %.18g, want %.18g", tt.rate, tt.t, got, tt.want)
		}
	}
}

func TestDiscountedTime(t *testing.T) {
	// Expected values by hand with bc -l: ρ = l(1+r), (e(-ρ t0) − e(-ρ t1))/ρ.
	tests := []struct {
		rate, t0, t1, want float64
	}{
		{0.035, 0, 1, 0.982994844912501574},   // (1 − 1/1.035)/ln 1.035
		{0.035, 2, 2.5, 0.462764005115485897}, // e^{−2ρ}(1 − e^{−ρ/2})/ρ
		{0, 3, 10.25, 7.25},                   // rate 0: t1 − t0
		{0.035, 4, 4, 0},                      // empty interval
	}
	for _, tt := range tests {
		got := DiscountedTime(tt.rate, tt.t0, tt.t1)
		if math.Abs(got-tt.want) > 1e-14*math.Max(1, tt.want) {
			t.Errorf("DiscountedTime(%g, %g, %g) = %.18g, want %.18g", tt.rate, tt.t0, tt.t1, got, tt.want)
		}
	}

	const r = 0.035
	for _, t0 := range []float64{0, 0.3, 1, 7, 42.5} {
		// Additive over adjacent intervals (to rounding).
		a, b, whole := DiscountedTime(r, t0, t0+0.7), DiscountedTime(r, t0+0.7, t0+2), DiscountedTime(r, t0, t0+2)
		if math.Abs(a+b-whole) > 1e-14 {
			t.Errorf("t0 = %g: pieces %g + %g != whole %g", t0, a, b, whole)
		}
		// One year of continuous discounting lies between the discrete
		// factors at its two ends.
		y := DiscountedTime(r, t0, t0+1)
		if !(DiscountFactor(r, t0+1) < y && y < DiscountFactor(r, t0)) {
			t.Errorf("t0 = %g: DiscountedTime %g not between the end factors", t0, y)
		}
		// A short interval h is worth h·w(t0) to first order; the relative
		// error is about ρh/2 ≈ 1.7e-11 for h = 1e-9.
		t1 := t0 + 1e-9
		h := t1 - t0 // the interval as represented
		if got, want := DiscountedTime(r, t0, t1), h*DiscountFactor(r, t0); math.Abs(got-want) > 1e-10*want {
			t.Errorf("t0 = %g: short interval %g, want %g", t0, got, want)
		}
	}
}

func TestDiscountPanics(t *testing.T) {
	for _, rate := range []float64{-1, -2, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("DiscountFactor(%g, 1) did not panic", rate)
				}
			}()
			DiscountFactor(rate, 1)
		}()
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("DiscountedTime(%g, 0, 1) did not panic", rate)
				}
			}()
			DiscountedTime(rate, 0, 1)
		}()
	}
}
