package hta

import (
	"math"
	"slices"
	"testing"
)

func TestCycleWeightsValues(t *testing.T) {
	// The weights as defined in the documentation of Correction.
	tests := []struct {
		c    Correction
		n    int
		want []float64
	}{
		{None, 4, []float64{0, 1, 1, 1, 1}},
		{Beginning, 4, []float64{1, 1, 1, 1, 0}},
		{HalfCycle, 4, []float64{0.5, 1, 1, 1, 0.5}},
		{Trapezoid, 4, []float64{0.5, 1, 1, 1, 0.5}},
		{Trapezoid, 1, []float64{0.5, 0.5}},
		{Simpson, 4, []float64{1.0 / 3, 4.0 / 3, 2.0 / 3, 4.0 / 3, 1.0 / 3}},
		{Simpson, 2, []float64{1.0 / 3, 4.0 / 3, 1.0 / 3}},
		{Simpson, 1, []float64{0.5, 0.5}},                           // odd n = 1: trapezoid
		{Simpson, 3, []float64{3.0 / 8, 9.0 / 8, 9.0 / 8, 3.0 / 8}}, // odd n = 3: Simpson 3/8
		// odd n = 5: 1/3 rule on [0,2], 3/8 rule on [2,5]; point 2 gets 1/3 + 3/8.
		{Simpson, 5, []float64{1.0 / 3, 4.0 / 3, 1.0/3 + 3.0/8, 9.0 / 8, 9.0 / 8, 3.0 / 8}},
		{None, 0, []float64{0}},
		{Simpson, 0, []float64{0}},
	}
	for _, tt := range tests {
		got := CycleWeights(tt.c, tt.n)
		if !slices.EqualFunc(got, tt.want, func(a, b float64) bool { return math.Abs(a-b) < 1e-15 }) {
			t.Errorf("CycleWeights(%s, %d) = %v, want %v", tt.c, tt.n, got, tt.want)
		}
	}
}

// integrate returns Σ_k w_k·f(k).
func integrate(w []float64, f func(float64) float64) float64 {
	var s float64
	for k, wk := range w {
		s += wk * f(float64(k))
	}
	return s
}

func TestCycleWeightsExactness(t *testing.T) {
	// Polynomials and their integrals over [0, n].
	constant := func(x float64) float64 { return 2.5 }
	linear := func(x float64) float64 { return 3 - 0.7*x }
	cubic := func(x float64) float64 { return 1 + 2*x - 0.3*x*x + 0.05*x*x*x }
	intConstant := func(n float64) float64 { return 2.5 * n }
	intLinear := func(n float64) float64 { return 3*n - 0.35*n*n }
	intCubic := func(n float64) float64 { return n + n*n - 0.1*n*n*n + 0.0125*n*n*n*n }

	tests := []struct {
		c     Correction
		minN  int
		f     func(float64) float64
		exact func(float64) float64
	}{
		// Every rule integrates constants exactly (the weights sum to n).
		{None, 0, constant, intConstant},
		{Beginning, 0, constant, intConstant},
		{HalfCycle, 0, linear, intLinear}, // = trapezoid
		{Trapezoid, 0, linear, intLinear}, // trapezoid: exact for linear f
		{Simpson, 0, linear, intLinear},   // including n = 1 (trapezoid fallback)
		{Simpson, 2, cubic, intCubic},     // Simpson 1/3 and 3/8: exact for cubics
	}
	for _, tt := range tests {
		for n := tt.minN; n <= 25; n++ {
			got := integrate(CycleWeights(tt.c, n), tt.f)
			want := tt.exact(float64(n))
			if math.Abs(got-want) > 1e-10*math.Max(1, math.Abs(want)) {
				t.Errorf("%s, n = %d: Σ w f = %.15g, want ∫ f = %.15g", tt.c, n, got, want)
			}
		}
	}

	// Not exact beyond their order: trapezoid over-estimates ∫_0^n t² dt
	// by n/6 (Σk² − n²/2 = n³/3 + n/6), Simpson is off for t⁴.
	for _, n := range []int{2, 4, 7} {
		sq := func(x float64) float64 { return x * x }
		if got, want := integrate(CycleWeights(Trapezoid, n), sq)-math.Pow(float64(n), 3)/3, float64(n)/6; math.Abs(got-want) > 1e-12 {
			t.Errorf("trapezoid error on t², n = %d: %g, want %g", n, got, want)
		}
		q := func(x float64) float64 { return x * x * x * x }
		if got := integrate(CycleWeights(Simpson, n), q); math.Abs(got-math.Pow(float64(n), 5)/5) < 1e-3 {
			t.Errorf("Simpson exact for t⁴ at n = %d", n)
		}
	}
}

func TestParseCorrection(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Correction
	}{
		{"none", None}, {"beginning", Beginning}, {"half-cycle", HalfCycle},
		{"trapezoid", Trapezoid}, {"simpson", Simpson}, {" Simpson ", Simpson}, {"HALF-CYCLE", HalfCycle},
	} {
		got, err := ParseCorrection(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseCorrection(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "half cycle", "simpson38", "end"} {
		if _, err := ParseCorrection(in); err == nil {
			t.Errorf("ParseCorrection(%q): no error", in)
		}
	}
}

func TestCycleWeightsPanics(t *testing.T) {
	for _, tt := range []struct {
		c Correction
		n int
	}{{Trapezoid, -1}, {"", 3}, {"simpson-3/8", 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("CycleWeights(%q, %d) did not panic", tt.c, tt.n)
				}
			}()
			CycleWeights(tt.c, tt.n)
		}()
	}
}
