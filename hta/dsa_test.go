package hta

import (
	"math"
	"testing"
)

// TestCrossings: roots of piecewise-linear interpolants, by hand.
func TestCrossings(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	for _, c := range []struct {
		name   string
		xs, ys []float64
		level  float64
		want   []float64
	}{
		// y = 2x − 1 crosses 0 at 0.5 and 3 at 2.
		{"line", []float64{0, 1, 2, 3}, []float64{-1, 1, 3, 5}, 0, []float64{0.5}},
		{"line at a point", []float64{0, 1, 2, 3}, []float64{-1, 1, 3, 5}, 3, []float64{2}},
		// up then down: crossings at 0.25 (−1 → 3 over [0, 1]) and 2.75 (3 → −1 over [2, 3]).
		{"two", []float64{0, 1, 2, 3}, []float64{-1, 3, 3, -1}, 0, []float64{0.25, 2.75}},
		{"none", []float64{0, 1}, []float64{1, 2}, 0, nil},
		// An ICER's jump through infinity is no crossing; the finite pair is.
		{"icer", []float64{0, 1, 2, 3}, []float64{-5, inf, 5, 15}, 10, []float64{2.5}},
		{"nan", []float64{0, 1, 2}, []float64{-1, nan, 1}, 0, nil},
	} {
		got := Crossings(c.xs, c.ys, c.level)
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-15 {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	}
}

// TestRefineCrossings: an ICER with a pole (the incremental effect ΔE =
// x − 0.535 changes sign, ΔC = 1000) is finite at every grid point and
// changes sign across the pole, so Crossings reports a "threshold" of
// level 6000 there — what mdtwin dsa --threshold reported before. The
// refinement drops it; a continuous ICER's crossing (1000/(x + 0.1) = 6000
// at x = 1/6 − 0.1, by hand) is kept, within the fine grid's linear
// interpolation error.
func TestRefineCrossings(t *testing.T) {
	grid := func(lo, hi float64, n int) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = lo + (hi-lo)*float64(i)/float64(n-1)
		}
		return xs
	}
	eval := func(f func(float64) float64, xs []float64) []float64 {
		ys := make([]float64, len(xs))
		for i, x := range xs {
			ys[i] = f(x)
		}
		return ys
	}
	pole := func(x float64) float64 { return 1000 / (x - 0.535) }
	coarse := grid(0, 1, 11)
	cy := eval(pole, coarse)
	cs := Crossings(coarse, cy, 6000)
	if len(cs) != 2 { // the pole in (0.5, 0.6) and the real crossing 0.535 + 1/6 in (0.7, 0.8)
		t.Fatalf("setup: Crossings of the pole ICER = %v, want 2 (a false one at the pole, a true one)", cs)
	}
	fine := grid(0.5, 0.6, 11)
	fy := eval(pole, fine)
	if len(Crossings(fine, fy, 6000)) != 1 {
		t.Fatalf("setup: the pole should still look like a crossing on the fine grid")
	}
	if got := RefineCrossings(cy[6]-cy[5], fine, fy, 6000); len(got) != 0 {
		t.Errorf("pole bracket: %v, want no threshold", got)
	}
	fine = grid(0.7, 0.8, 11)
	if got := RefineCrossings(cy[8]-cy[7], fine, eval(pole, fine), 6000); len(got) != 1 || math.Abs(got[0]-(0.535+1.0/6)) > 1e-3 {
		t.Errorf("true crossing of the pole ICER: %v, want [%.6f]", got, 0.535+1.0/6)
	}
	smooth := func(x float64) float64 { return 1000 / (x + 0.1) }
	fine = grid(0, 0.1, 11)
	if got := RefineCrossings(smooth(0.1)-smooth(0), fine, eval(smooth, fine), 6000); len(got) != 1 || math.Abs(got[0]-(1.0/6-0.1)) > 1e-3 {
		t.Errorf("continuous ICER: %v, want [%.6f]", got, 1.0/6-0.1)
	}
}
