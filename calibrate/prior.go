package calibrate

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/mdtwin/mdtwin/scenarios"
)

// prior is one parameter's prior, truncated to [lo, hi]: the bounds of
// [calibrate.params] and of the model's parameter.
type prior struct {
	dist        *scenarios.Dist
	lo, hi      float64
	cdfLo, mass float64 // F(lo) and F(hi) − F(lo)
	u           univariate
}

// univariate is what a prior needs of a gonum distribution.
type univariate interface {
	CDF(x float64) float64
	Quantile(p float64) float64
	LogProb(x float64) float64
}

// rescaled is a distribution on [0, 1] stretched to [min, max] (the
// scenario's beta).
type rescaled struct {
	u        univariate
	min, max float64
}

func (r rescaled) CDF(x float64) float64 {
	return r.u.CDF(math.Min(1, math.Max(0, (x-r.min)/(r.max-r.min))))
}
func (r rescaled) Quantile(p float64) float64 { return r.min + (r.max-r.min)*r.u.Quantile(p) }
func (r rescaled) LogProb(x float64) float64 {
	if x < r.min || x > r.max {
		return math.Inf(-1)
	}
	return r.u.LogProb((x-r.min)/(r.max-r.min)) - math.Log(r.max-r.min)
}

// newPrior truncates d to [lo, hi]. It fails when the prior has (almost)
// no probability there.
func newPrior(d *scenarios.Dist, lo, hi float64) (prior, error) {
	p := prior{dist: d}
	switch d.Kind {
	case scenarios.Uniform:
		p.u = distuv.Uniform{Min: d.Min, Max: d.Max}
	case scenarios.Normal:
		p.u = distuv.Normal{Mu: d.Mean, Sigma: d.SD}
	case scenarios.LogNormal:
		p.u = distuv.LogNormal{Mu: d.Mu, Sigma: d.Sigma}
	case scenarios.Beta:
		p.u = rescaled{u: distuv.Beta{Alpha: d.Alpha, Beta: d.Beta}, min: d.Min, max: d.Max}
	case scenarios.Gamma:
		p.u = distuv.Gamma{Alpha: d.Shape, Beta: d.Rate}
	case scenarios.Triangular:
		p.u = distuv.NewTriangle(d.Min, d.Max, d.Mode, nil)
	default:
		return p, fmt.Errorf("a %s prior is not continuous", d.Kind)
	}
	slo, shi := d.Support()
	p.lo, p.hi = math.Max(lo, slo), math.Min(hi, shi)
	if !(p.lo < p.hi) {
		return p, fmt.Errorf("the prior %s has no probability within [%g, %g]", d, lo, hi)
	}
	p.cdfLo = p.u.CDF(p.lo)
	p.mass = p.u.CDF(p.hi) - p.cdfLo
	if !(p.mass > 1e-12) {
		return p, fmt.Errorf("the prior %s has no probability within [%g, %g] (%.3g)", d, p.lo, p.hi, p.mass)
	}
	return p, nil
}

// quantile returns the truncated prior's quantile of u in (0, 1).
func (p prior) quantile(u float64) float64 {
	x := p.u.Quantile(p.cdfLo + u*p.mass)
	return math.Min(p.hi, math.Max(p.lo, x))
}

// logPDF returns the log density of the prior (not renormalised for the
// truncation: a constant that cancels in the importance weights), −Inf
// outside [lo, hi].
func (p prior) logPDF(x float64) float64 {
	if !(x >= p.lo && x <= p.hi) {
		return math.Inf(-1)
	}
	return p.u.LogProb(x)
}

// median returns the truncated prior's median.
func (p prior) median() float64 { return p.quantile(0.5) }
