package hta

import "math"

// DiscountFactor returns the discrete discount factor of an outcome that
// occurs t years from the start of the analysis at the annual discount rate
// rate (e.g. 0.035 for 3.5 %):
//
//	w(t) = 1/(1+rate)^t
//
// t is measured from time 0, so an outcome counted at the end of the first
// annual cycle (t = 1) is discounted once and one counted at the start
// (t = 0) not at all. Say which one a model uses: it is a common source of
// mismatch between models (Briggs, Claxton & Sculpher 2006, ch. 2). With
// rate = 0, DiscountFactor returns 1. DiscountFactor panics if rate ≤ −1.
func DiscountFactor(rate, t float64) float64 {
	checkRate(rate)
	if rate == 0 {
		return 1
	}
	return math.Exp(-math.Log1p(rate) * t)
}

// DiscountedTime returns the continuously discounted length of the interval
// [t0, t1] (years) at the annual discount rate rate:
//
//	∫_{t0}^{t1} e^{−ρt} dt = (e^{−ρ·t0} − e^{−ρ·t1})/ρ,   ρ = ln(1+rate),
//
// which is t1 − t0 when rate = 0. ρ is the continuous rate equivalent to
// rate, so DiscountedTime(rate, t, t+1) lies between DiscountFactor(rate, t+1)
// and DiscountFactor(rate, t). A discrete-event model multiplies a cost or
// utility that accrues at a constant annual rate over [t0, t1] by this
// value to obtain its discounted total. DiscountedTime panics if rate ≤ −1;
// it returns a negative value when t1 < t0.
func DiscountedTime(rate, t0, t1 float64) float64 {
	checkRate(rate)
	if rate == 0 {
		return t1 - t0
	}
	rho := math.Log1p(rate)
	// e^{−ρ t0}·(1 − e^{−ρ(t1−t0)})/ρ keeps full precision for short intervals.
	return math.Exp(-rho*t0) * -math.Expm1(-rho*(t1-t0)) / rho
}

func checkRate(rate float64) {
	if !(rate > -1) {
		panic("hta: discount rate must be greater than -1")
	}
}
