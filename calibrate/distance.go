package calibrate

import (
	"math"
	"sort"
)

// distance is the weighted Euclidean distance between the simulated
// statistics x and the observed ones, each difference divided by its
// scale:
//
//	d(x, y) = √( Σ_k w_k ((x_k − y_k)/s_k)² )
//
// with w_k the target's weight. For a censored statistic only a shortfall
// counts: a right-censored one (the value lies above y_k) adds nothing
// when x_k ≥ y_k, a left-censored one nothing when x_k ≤ y_k. A statistic
// that could not be simulated (NaN, ±Inf) makes the distance +Inf: the
// particle is never accepted.
func (pr *problem) distance(x, scales []float64) float64 {
	var s float64
	for k, st := range pr.stats {
		if math.IsNaN(x[k]) || math.IsInf(x[k], 0) {
			return math.Inf(1)
		}
		r := censoredResidual((x[k]-st.observed)/scales[k], st.censor)
		s += st.weight * r * r
	}
	return math.Sqrt(s)
}

// logLik returns the weighted log-likelihood of the observations given the
// simulated statistics x, less its largest possible value (so it is ≤ 0,
// and 0 for a perfect fit):
//
//	normal:          ℓ_k = −½ ((x_k − y_k)/se_k)²
//	right-censored:  ℓ_k = ln Φ((x_k − y_k)/se_k)   (the value is above y_k)
//	left-censored:   ℓ_k = ln Φ((y_k − x_k)/se_k)   (the value is below y_k)
//	Poisson:         ℓ_k = y_k ln(λ_k/y_k) − λ_k + y_k      (λ_k = x_k the expected count; y ln(λ/y) = 0 for y = 0)
//	ℓ = Σ_k w_k ℓ_k
//
// A censored observation says only that the observed value, x_k plus a
// normal error of sd se_k, fell beyond the bound y_k: its likelihood is
// that probability, Φ the standard normal distribution function (Beal
// 2001, J Pharmacokinet Pharmacodyn 28:481, method M3 for data below the
// quantification limit; an onset not seen by the end of a recording is
// the right-censored case). Its largest value, 0, is approached as x_k
// moves far beyond the bound.
//
// A weight w_k acts as a power of that target's likelihood. Statistics that
// could not be simulated give −Inf. A normal statistic without a standard
// error counts with se = 1 (ordinary least squares).
func (pr *problem) logLik(x []float64) float64 {
	var s float64
	for k, st := range pr.stats {
		v := x[k]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.Inf(-1)
		}
		var l float64
		if st.poisson {
			y := st.observed
			switch {
			case v < 0:
				return math.Inf(-1)
			case y == 0:
				l = -v
			case v == 0:
				return math.Inf(-1)
			default:
				l = y*math.Log(v/y) - v + y
			}
		} else {
			se := st.se
			if se == 0 {
				se = 1
			}
			r := (v - st.observed) / se
			if st.censor == 0 {
				l = -0.5 * r * r
			} else {
				l = logNormalCDF(float64(st.censor) * r)
			}
		}
		s += st.weight * l
	}
	return s
}

// censoredResidual returns the standardised residual r = (x − y)/s of a
// statistic with censoring c (0, +1 right, −1 left) as the distance counts
// it: r itself for an observed value, only its shortfall beyond the bound
// for a censored one (0 when x lies on the bound's side the observation
// allows).
func censoredResidual(r float64, c int) float64 {
	switch {
	case c > 0 && r > 0, c < 0 && r < 0:
		return 0
	}
	return r
}

// logNormalCDF returns ln Φ(z), Φ the standard normal distribution
// function, accurate in relative terms far into the lower tail, where Φ
// itself underflows:
//
//	ln Φ(z) = ln1p(−½ erfc(z/√2))                          for z > 0
//	ln Φ(z) = ln(½ erfc(−z/√2))                            for −20 < z ≤ 0
//	ln Φ(z) = −z²/2 − ln(−z) − ½ ln 2π + ln(1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸)   for z ≤ −20
//
// the third the asymptotic expansion of erfc (NIST DLMF 7.12.1, at
// −z/√2: (½)_m 2^m = 1·3·…·(2m−1)), whose remainder for a real argument is
// bounded by the first omitted term, 945/z¹⁰ < 10⁻¹⁰ there.
func logNormalCDF(z float64) float64 {
	switch {
	case math.IsNaN(z):
		return z
	case z > 0:
		return math.Log1p(-0.5 * math.Erfc(z/math.Sqrt2))
	case z > -20:
		return math.Log(0.5 * math.Erfc(-z/math.Sqrt2))
	case math.IsInf(z, -1):
		return z
	}
	u := 1 / (z * z)
	series := 1 - u*(1-u*(3-u*(15-105*u)))
	return -0.5*z*z - math.Log(-z) - 0.5*math.Log(2*math.Pi) + math.Log(series)
}

// standardScales are the scales of distance = "standardised": each
// statistic's standard error; √max(y, 1) for a Poisson count; 1 when a
// statistic has none.
func (pr *problem) standardScales() []float64 {
	s := make([]float64, len(pr.stats))
	for k, st := range pr.stats {
		switch {
		case st.poisson:
			s[k] = math.Sqrt(math.Max(st.observed, 1))
		case st.se > 0:
			s[k] = st.se
		default:
			s[k] = 1
		}
	}
	return s
}

// madScales returns, for distance = "adaptive", each statistic's median
// absolute deviation over the simulated statistics xs (rows of one
// population's proposals), as pyABC's adaptive p-norm distance does
// (Prangle 2017, Bayesian Anal 12:289; Klinger & Hasenauer 2018): every
// statistic then weighs alike whatever its unit. Non-finite values are
// left out. A statistic whose MAD is 0 (it did not vary) falls back to the
// standard scale (its standard error, else 1).
func (pr *problem) madScales(xs [][]float64) []float64 {
	std := pr.standardScales()
	out := make([]float64, len(pr.stats))
	col := make([]float64, 0, len(xs))
	for k := range pr.stats {
		col = col[:0]
		for _, x := range xs {
			if v := x[k]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				col = append(col, v)
			}
		}
		out[k] = mad(col)
		if !(out[k] > 0) {
			out[k] = std[k]
		}
	}
	return out
}

// mad returns the median absolute deviation from the median of xs (which
// it reorders); NaN for no values.
func mad(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	sort.Float64s(xs)
	m := median(xs)
	for i, x := range xs {
		xs[i] = math.Abs(x - m)
	}
	sort.Float64s(xs)
	return median(xs)
}

// median of sorted xs.
func median(xs []float64) float64 {
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// weightedQuantile returns the α-quantile of values with weights (summing
// to 1): the smallest value whose cumulative weight, in increasing order of
// value (ties by index), reaches α. pyABC's QuantileEpsilon uses the same
// weighted quantile of the last population's distances.
func weightedQuantile(values, weights []float64, alpha float64) float64 {
	idx := make([]int, len(values))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return values[idx[a]] < values[idx[b]] })
	var c float64
	for _, i := range idx {
		c += weights[i]
		if c >= alpha {
			return values[i]
		}
	}
	return values[idx[len(idx)-1]]
}
