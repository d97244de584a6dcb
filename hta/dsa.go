package hta

import (
	"math"
	"sort"
)

// Deterministic sensitivity analysis (DSA): what one outcome of a model
// does when its parameters move one or two at a time over stated ranges,
// the others held at their base values (Briggs, Claxton & Sculpher 2006,
// ch. 4, "one-way and multi-way" analyses; threshold analysis: the value
// of a parameter at which the decision changes).

// DSA is the result of a deterministic sensitivity analysis of one outcome.
// Its JSON form, with the outcomes that are not finite written as null, is
// DSAJSON (JSON).
type DSA struct {
	Outcome string  // the model output analysed, e.g. "np1_icer"
	Base    float64 // its value with every parameter at its base value
	// Level is the value of the outcome at which the decision changes
	// (0 for an incremental net benefit, the willingness to pay for an
	// ICER); the thresholds are where the outcome crosses it.
	Level      float64
	OneWay     []TornadoBar // sorted by Tornado: widest first
	TwoWay     []TwoWay
	Thresholds []ThresholdRun
}

// TwoWay is a grid of the outcome over two parameters: Outcome[i][j] at
// X[i] and Y[j].
type TwoWay struct {
	XParam, YParam string
	X, Y           []float64
	Outcome        [][]float64
}

// ThresholdRun is a threshold analysis of one parameter: the outcome on a
// grid of its values, and the values at which the outcome crosses the
// level (Crossings; refined on a finer grid around each crossing when the
// caller did so).
type ThresholdRun struct {
	Param      string
	X          []float64
	Outcome    []float64
	Thresholds []float64 // empty: the decision does not change over the range
}

// Crossings returns, in increasing order of x, the values at which the
// piecewise-linear interpolant of the points (xs[i], ys[i]) (xs
// increasing) equals level: for each pair of neighbours on either side of
// the level, the root of the line through them,
//
//	x* = x_i + (level − y_i)·(x_{i+1} − x_i)/(y_{i+1} − y_i),
//
// and every x_i where y_i equals level (once). Pairs with a NaN or an
// infinite y are skipped: an ICER is infinite where the effects are equal,
// and its sign change there is no crossing of the level.
func Crossings(xs, ys []float64, level float64) []float64 {
	var out []float64
	ok := func(y float64) bool { return !math.IsNaN(y) && !math.IsInf(y, 0) }
	for i := range xs {
		if ok(ys[i]) && ys[i] == level {
			out = append(out, xs[i])
			continue
		}
		if i+1 >= len(xs) || !ok(ys[i]) || !ok(ys[i+1]) || ys[i+1] == level {
			continue
		}
		a, b := ys[i]-level, ys[i+1]-level
		if (a < 0) != (b < 0) {
			out = append(out, xs[i]+(level-ys[i])*(xs[i+1]-xs[i])/(ys[i+1]-ys[i]))
		}
	}
	sort.Float64s(out)
	return out
}

// RefineCrossings returns the crossings of level found on a finer grid
// (fine, fineYs) laid over one bracket of a coarse grid in which y changed
// by dyCoarse, keeping only those whose fine bracket changes y by less
// than |dyCoarse|. Where y is continuous and monotone over the bracket, the
// changes over its sub-brackets add up to |dyCoarse|, so each is smaller
// (unless all the change falls in one sub-bracket: a step, not a
// threshold). Across a pole — an ICER where the incremental effect changes
// sign jumps from +∞ to −∞ yet is finite at every grid point, so that
// Crossings sees a sign change — the two fine points around the pole lie
// nearer to it than the coarse ones, and the change grows. An empty result
// means the coarse bracket held a pole, not a value at which the decision
// changes.
func RefineCrossings(dyCoarse float64, fine, fineYs []float64, level float64) []float64 {
	var out []float64
	for _, x := range Crossings(fine, fineYs, level) {
		j := sort.SearchFloat64s(fine, x) // fine[j] ≥ x: the bracket is (j−1, j), or the point j itself
		if j < len(fine) && fine[j] == x {
			out = append(out, x)
			continue
		}
		if j > 0 && j < len(fine) && math.Abs(fineYs[j]-fineYs[j-1]) < math.Abs(dyCoarse) {
			out = append(out, x)
		}
	}
	return out
}
