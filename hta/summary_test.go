package hta

import (
	"math"
	"slices"
	"testing"
)

func TestTornado(t *testing.T) {
	bars := []TornadoBar{
		{Param: "utility EDSS 3", Low: 9000, High: 11000, LowValue: 0.6, HighValue: 0.8},  // range 2,000
		{Param: "relapse cost", Low: 9500, High: 10500, LowValue: 1000, HighValue: 2500},  // range 1,000
		{Param: "discount rate", Low: 14000, High: 7000, LowValue: 0, HighValue: 0.06},    // range 7,000
		{Param: "drug price", Low: 10000, High: 12000, LowValue: 80000, HighValue: 95000}, // range 2,000, deviation 2,000
		{Param: "mortality SMR", Low: 10000, High: 10000, LowValue: 1, HighValue: 2},      // range 0
	}
	orig := slices.Clone(bars)
	got := Tornado(10000, bars)
	// Ranges 7,000, 2,000 (drug price: max deviation from base 2,000 > utility's 1,000), 2,000, 1,000, 0.
	order := []string{"discount rate", "drug price", "utility EDSS 3", "relapse cost", "mortality SMR"}
	ranges := []float64{7000, 2000, 2000, 1000, 0}
	for i, b := range got {
		if b.Param != order[i] || b.Range != ranges[i] {
			t.Errorf("bar %d = %s (range %g), want %s (range %g)", i, b.Param, b.Range, order[i], ranges[i])
		}
	}
	if !slices.Equal(bars, orig) {
		t.Error("Tornado modified its input")
	}
}

func TestMeanInterval(t *testing.T) {
	// 0, 1, …, 100: mean 50; type-7 quantiles at h = 100·0.025 = 2.5 and
	// 100·0.975 = 97.5 (R: quantile(0:100, c(.025, .975)) = 2.5, 97.5).
	xs := make([]float64, 101)
	for i := range xs {
		xs[100-i] = float64(i) // reversed, to check the sort
	}
	if got := MeanInterval(xs); got != (Interval{50, 2.5, 97.5}) {
		t.Errorf("MeanInterval(0..100) = %+v", got)
	}
	if xs[0] != 100 {
		t.Error("MeanInterval modified its input")
	}
	// 1, 2, 4, 8: h = 3·0.025 = 0.075 → 1 + 0.075·1 = 1.075;
	// h = 3·0.975 = 2.925 → 4 + 0.925·4 = 7.7. Mean 15/4.
	if got := MeanInterval([]float64{8, 1, 4, 2}); math.Abs(got.Mean-3.75) > 1e-15 || math.Abs(got.Lo-1.075) > 1e-15 || math.Abs(got.Hi-7.7) > 1e-14 {
		t.Errorf("MeanInterval(1,2,4,8) = %+v, want {3.75 1.075 7.7}", got)
	}
	if got := MeanInterval([]float64{3}); got != (Interval{3, 3, 3}) {
		t.Errorf("single value: %+v", got)
	}
	for _, xs := range [][]float64{nil, {1, math.NaN()}} {
		if got := MeanInterval(xs); !math.IsNaN(got.Mean) || !math.IsNaN(got.Lo) || !math.IsNaN(got.Hi) {
			t.Errorf("MeanInterval(%v) = %+v, want NaNs", xs, got)
		}
	}
}
