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
