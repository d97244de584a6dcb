package hta

import (
	"fmt"
	"strings"
)

// Correction names a within-cycle correction: the weights with which the
// values f(0), f(1), …, f(n) of a cohort trace at the cycle boundaries are
// summed to approximate the integral ∫_0^n f(t) dt over n cycles.
type Correction string

// The within-cycle corrections. For n cycles the weights of the trace points
// 0, 1, …, n are:
//
//	None       0, 1, 1, …, 1, 1        "end" counting (right Riemann sum): cycles 1..n are counted
//	                                   after each transition, as in the HIV/Chancellor model
//	                                   (Briggs, Claxton & Sculpher 2006, ex. 2.5); hesim riemann_right
//	Beginning  1, 1, …, 1, 0           "beginning" counting (left Riemann sum); hesim riemann_left
//	HalfCycle  1/2, 1, …, 1, 1/2       the half-cycle correction (Sonnenberg & Beck 1993): half of
//	                                   the first and of the last cycle's occupancy is removed
//	Trapezoid  1/2, 1, …, 1, 1/2       the trapezoidal rule; exact for f linear in t;
//	                                   heemod "life-table", hesim trapz
//	Simpson    1/3, 4/3, 2/3, 4/3, …, 2/3, 4/3, 1/3   Simpson's 1/3 rule (Elbasha & Chhatwal 2016);
//	                                   exact for f cubic in t
//
// HalfCycle and Trapezoid give the same weights on the trace points: the
// half-cycle correction applied to a trace that includes both the start
// and the end of the horizon is the trapezoidal rule (Barendregt 2009;
// Elbasha & Chhatwal 2016, Med Decis Making 36:115). Both are kept so a
// scenario can name the method it reproduces.
//
// Simpson's 1/3 rule needs an even number of cycles. For odd n ≥ 3 the
// first n−3 cycles use the 1/3 rule and the last three Simpson's 3/8 rule
// (weights 3/8, 9/8, 9/8, 3/8), which keeps the rule exact for cubics; for
// n = 1 Simpson falls back to the trapezoidal rule (exact for linear f).
const (
	None      Correction = "none"
	Beginning Correction = "beginning"
	HalfCycle Correction = "half-cycle"
	Trapezoid Correction = "trapezoid"
	Simpson   Correction = "simpson"
)

var corrections = []Correction{None, Beginning, HalfCycle, Trapezoid, Simpson}

// ParseCorrection returns the Correction named s (case-insensitive, spaces
// around it ignored): "none", "beginning", "half-cycle", "trapezoid" or
// "simpson". Any other name is an error that lists the valid ones.
func ParseCorrection(s string) (Correction, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for _, c := range corrections {
		if name == string(c) {
			return c, nil
		}
	}
	return "", fmt.Errorf("hta: unknown within-cycle correction %q (want none, beginning, half-cycle, trapezoid or simpson)", s)
}

// CycleWeights returns the n+1 weights of correction c for the trace points
// 0, 1, …, n of an n-cycle model, so that Σ_k w[k]·f(k) approximates
// ∫_0^n f(t) dt (in cycles; multiply by the cycle length for years). The
// weights of each correction are listed with the Correction constants; they
// always sum to n. Discounting is separate: multiply w[k] by the discount
// factor of trace point k. CycleWeights panics if n < 0 or c is not one of
// the defined corrections.
func CycleWeights(c Correction, n int) []float64 {
	if n < 0 {
		panic("hta: negative number of cycles")
	}
	w := make([]float64, n+1)
	if n == 0 {
		if !c.valid() {
			panic(fmt.Sprintf("hta: unknown within-cycle correction %q", string(c)))
		}
		return w
	}
	switch c {
	case None:
		for k := 1; k <= n; k++ {
			w[k] = 1
		}
	case Beginning:
		for k := 0; k < n; k++ {
			w[k] = 1
		}
	case HalfCycle, Trapezoid:
		trapezoid(w)
	case Simpson:
		switch {
		case n == 1:
			trapezoid(w)
		case n%2 == 0:
			simpson13(w)
		default:
			// 1/3 rule on the first n−3 intervals, 3/8 rule on the last 3.
			simpson13(w[:n-2])
			w[n-3] += 3.0 / 8
			w[n-2] += 9.0 / 8
			w[n-1] += 9.0 / 8
			w[n] += 3.0 / 8
		}
	default:
		panic(fmt.Sprintf("hta: unknown within-cycle correction %q", string(c)))
	}
	return w
}

func (c Correction) valid() bool {
	for _, v := range corrections {
		if c == v {
			return true
		}
	}
	return false
}

// trapezoid adds the trapezoidal weights for len(w)−1 unit intervals to w.
func trapezoid(w []float64) {
	n := len(w) - 1
	for k := range w {
		w[k] += 1
	}
	w[0] -= 0.5
	w[n] -= 0.5
}

// simpson13 adds Simpson's 1/3 weights for len(w)−1 unit intervals to w;
// len(w)−1 must be even (it may be 0).
func simpson13(w []float64) {
	n := len(w) - 1
	if n == 0 {
		return
	}
	for k := 1; k < n; k++ {
		if k%2 == 1 {
			w[k] += 4.0 / 3
		} else {
			w[k] += 2.0 / 3
		}
	}
	w[0] += 1.0 / 3
	w[n] += 1.0 / 3
}
