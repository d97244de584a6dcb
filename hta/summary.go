package hta

import (
	"math"
	"slices"
	"sort"
)

// TornadoBar is one bar of a tornado diagram (one-way deterministic
// sensitivity analysis): the parameter Param set to LowValue and to
// HighValue gives the outcome (e.g. ICER or incremental NMB) Low and High.
// Range = |High − Low| is filled in by Tornado.
type TornadoBar struct {
	Param               string
	Low, High           float64
	LowValue, HighValue float64
	Range               float64
}

// Tornado returns a copy of bars with Range = |High − Low| set and sorted by
// Range, largest first, so the most influential parameter is at the top
// (Briggs, Claxton & Sculpher 2006, ch. 4). Bars with equal Range are ordered
// by their largest deviation from the base-case outcome base, largest first,
// then by their order in bars. bars is not modified.
func Tornado(base float64, bars []TornadoBar) []TornadoBar {
	out := slices.Clone(bars)
	for i := range out {
		out[i].Range = math.Abs(out[i].High - out[i].Low)
	}
	dev := func(b TornadoBar) float64 { return max(math.Abs(b.Low-base), math.Abs(b.High-base)) }
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Range != out[b].Range {
			return out[a].Range > out[b].Range
		}
		return dev(out[a]) > dev(out[b])
	})
	return out
}

// Interval summarises a sample: its mean and its 2.5 % and 97.5 %
// percentiles (a 95 % interval).
type Interval struct{ Mean, Lo, Hi float64 }

// MeanInterval returns the mean and the 2.5 % and 97.5 % percentiles of xs.
// Percentiles interpolate linearly between order statistics: the p-quantile
// of the sorted x_0 ≤ … ≤ x_{n−1} is x_h at h = (n−1)·p (Hyndman & Fan 1996
// type 7, R's quantile default, as used by hesim and heemod). xs is not
// modified. An empty sample, or one holding a NaN, gives NaN for all three.
func MeanInterval(xs []float64) Interval {
	nan := math.NaN()
	if len(xs) == 0 {
		return Interval{nan, nan, nan}
	}
	var sum float64
	for _, x := range xs {
		if math.IsNaN(x) {
			return Interval{nan, nan, nan}
		}
		sum += x
	}
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	return Interval{Mean: sum / float64(len(xs)), Lo: quantile7(sorted, 0.025), Hi: quantile7(sorted, 0.975)}
}

// quantile7 returns the Hyndman–Fan type-7 p-quantile of sorted.
func quantile7(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := int(math.Floor(h))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}
