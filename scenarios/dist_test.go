package scenarios

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// parseDistText parses the inline table text as the only parameter of a
// random design and returns its distribution.
func parseDistText(t *testing.T, text string) *Dist {
	t.Helper()
	src := head + "[sweep]\ndesign = \"random\"\nsamples = 1\n[sweep.params]\nx = " + text + "\n"
	s, err := Parse("d.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s.Sweep.Params[0].Dist
}

// cdfs are the continuous distributions of the tests with gonum's
// distribution function of each, the reference for Quantile.
var cdfs = []struct {
	text string
	cdf  func(float64) float64
}{
	{`{ dist = "uniform", min = 2, max = 8 }`, distuv.Uniform{Min: 2, Max: 8}.CDF},
	{`{ dist = "normal", mean = -1, sd = 2 }`, distuv.Normal{Mu: -1, Sigma: 2}.CDF},
	{`{ dist = "lognormal", mu = 0.5, sigma = 0.4 }`, distuv.LogNormal{Mu: 0.5, Sigma: 0.4}.CDF},
	{`{ dist = "beta", alpha = 2, beta = 5, min = 10, max = 20 }`, func(x float64) float64 {
		return distuv.Beta{Alpha: 2, Beta: 5}.CDF((x - 10) / 10)
	}},
	{`{ dist = "beta", alpha = 0.5, beta = 0.5 }`, distuv.Beta{Alpha: 0.5, Beta: 0.5}.CDF},
	{`{ dist = "gamma", shape = 3, rate = 2 }`, distuv.Gamma{Alpha: 3, Beta: 2}.CDF},
	{`{ dist = "gamma", shape = 0.3, rate = 10 }`, distuv.Gamma{Alpha: 0.3, Beta: 10}.CDF},
	{`{ dist = "triangular", min = 0, mode = 1, max = 4 }`, distuv.NewTriangle(0, 4, 1, nil).CDF},
	{`{ dist = "triangular", min = 0, mode = 0, max = 1 }`, distuv.NewTriangle(0, 1, 0, nil).CDF},
}

// TestQuantileInvertsCDF checks CDF(Quantile(u)) = u for each continuous
// distribution, with gonum's CDF as the reference. The tolerance 1e-9 covers
// the numerical inversion of the regularised incomplete beta and gamma
// functions (beta, gamma); the others are closed forms. Where the CDF is so
// steep that no float64 x has CDF(x) within 1e-9 of u (beta(0.5, 0.5) at
// 1-1e-9 needs 1-x ≈ 2.5e-18), u must lie between the CDF at the floats
// either side of x.
func TestQuantileInvertsCDF(t *testing.T) {
	const tol = 1e-9
	for _, tc := range cdfs {
		d := parseDistText(t, tc.text)
		if !d.Continuous() {
			t.Fatalf("%s: not continuous", tc.text)
		}
		for _, u := range []float64{1e-9, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-4, 1 - 1e-9} {
			x, ok := d.Quantile(u).(float64)
			if !ok {
				t.Fatalf("%s: Quantile(%v) = %T, want float64", tc.text, u, d.Quantile(u))
			}
			below, above := tc.cdf(math.Nextafter(x, math.Inf(-1))), tc.cdf(math.Nextafter(x, math.Inf(1)))
			if got := tc.cdf(x); math.Abs(got-u) > tol && !(below-tol <= u && u <= above+tol) {
				t.Errorf("%s: CDF(Quantile(%v)) = %v", tc.text, u, got)
			}
		}
	}
}

// TestQuantileByHand checks quantiles computed by hand.
func TestQuantileByHand(t *testing.T) {
	// Triangular on [a, b] = [0, 3] with mode c = 1: F(c) = (c-a)/(b-a) = 1/3;
	// below it Q(u) = a + √(u(b-a)(c-a)) = √(3u), above it
	// Q(u) = b - √((1-u)(b-a)(b-c)) = 3 - √(6(1-u)).
	tri := parseDistText(t, `{ dist = "triangular", min = 0, mode = 1, max = 3 }`)
	for _, tc := range []struct{ u, want float64 }{
		{0, 0},
		{1.0 / 12, 0.5}, // √(3/12)
		{1.0 / 3, 1},    // the mode
		{0.625, 1.5},    // 3 - √(6·0.375) = 3 - 1.5
		{1, 3},
	} {
		if got := tri.Quantile(tc.u).(float64); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("triangular Quantile(%v) = %v, want %v", tc.u, got, tc.want)
		}
	}

	// Discrete with weights 1, 0, 3, 0: cumulative 1/4, 1/4, 1, 1. The
	// values of weight zero are never returned.
	disc := parseDistText(t, `{ dist = "discrete", values = ["a", "b", "c", "d"], weights = [1, 0, 3, 0] }`)
	for _, tc := range []struct {
		u    float64
		want string
	}{
		{0, "a"}, {0.1, "a"}, {0.2499999, "a"}, {0.25, "c"}, {0.5, "c"}, {0.9999999, "c"}, {1, "c"},
	} {
		if got := disc.Quantile(tc.u); got != tc.want {
			t.Errorf("discrete Quantile(%v) = %v, want %v", tc.u, got, tc.want)
		}
	}

	// Equal weights by default: values 1, 2.5 and true each take a third.
	eq := parseDistText(t, `{ dist = "discrete", values = [1, 2.5, true] }`)
	for _, tc := range []struct {
		u    float64
		want any
	}{
		{0, int64(1)}, {0.33, int64(1)}, {0.34, 2.5}, {0.66, 2.5}, {0.67, true}, {1, true},
	} {
		if got := eq.Quantile(tc.u); got != tc.want {
			t.Errorf("discrete Quantile(%v) = %v, want %v", tc.u, got, tc.want)
		}
	}

	// A Dist built by hand, without weights.
	hand := &Dist{Kind: Discrete, Values: []any{"x", "y"}}
	for _, tc := range []struct {
		u    float64
		want string
	}{{0, "x"}, {0.49, "x"}, {0.5, "y"}, {1, "y"}} {
		if got := hand.Quantile(tc.u); got != tc.want {
			t.Errorf("hand-built discrete Quantile(%v) = %v, want %v", tc.u, got, tc.want)
		}
	}
}

func TestQuantilePanicsOutsideUnitInterval(t *testing.T) {
	d := &Dist{Kind: Uniform, Min: 0, Max: 1}
	for _, u := range []float64{-0.1, 1.1, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Quantile(%v) did not panic", u)
				}
			}()
			d.Quantile(u)
		}()
	}
}

func TestDistString(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`{ dist = "uniform", min = 2, max = 8 }`, "uniform(min=2, max=8)"},
		{`{ dist = "normal", mean = -1, sd = 2.5 }`, "normal(mean=-1, sd=2.5)"},
		{`{ dist = "lognormal", mu = 0, sigma = 0.3 }`, "lognormal(mu=0, sigma=0.3)"},
		{`{ dist = "beta", alpha = 2, beta = 5 }`, "beta(alpha=2, beta=5, min=0, max=1)"},
		{`{ dist = "gamma", shape = 3, rate = 2 }`, "gamma(shape=3, rate=2)"},
		{`{ dist = "triangular", min = 0, mode = 1, max = 4 }`, "triangular(min=0, mode=1, max=4)"},
		{`{ dist = "discrete", values = ["a", 2], weights = [1, 0.5] }`, `discrete(values=["a", 2], weights=[1, 0.5])`},
	} {
		if got := fmt.Sprint(parseDistText(t, tc.text)); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}
