package calibrate

import (
	"math"
	"testing"

	"github.com/mdtwin/mdtwin/scenarios"
)

// logNormalCDF against the closed form: ln Φ at Φ's known quantiles
// (Φ(0) = ½, Φ(±1.959963984540054) = 0.975 and 0.025, the 97.5 %
// quantile to 16 digits), Gordon's bounds on Mills' ratio in the tail
// (for x > 0, x/(1+x²) φ(x) ≤ 1 − Φ(x) ≤ φ(x)/x; as stated by Yang & Chu
// 2015, J Inequal Appl 2015:273, eq. after 1.1), and the two branches meeting at
// z = −20 (the erfc form is accurate there: Φ(−20) ≈ 2.8e−89 is a normal
// float).
func TestLogNormalCDF(t *testing.T) {
	const q975 = 1.959963984540054
	for _, c := range []struct{ z, want float64 }{{0, math.Log(0.5)}, {q975, math.Log(0.975)}, {-q975, math.Log(0.025)}} {
		if got := logNormalCDF(c.z); math.Abs(got-c.want) > 1e-14*math.Max(1, math.Abs(c.want)) {
			t.Errorf("ln Φ(%g) = %.17g, want %.17g", c.z, got, c.want)
		}
	}
	logPhi := func(x float64) float64 { return -0.5*x*x - 0.5*math.Log(2*math.Pi) } // ln φ(x)
	for _, z := range []float64{-3, -8, -19.9, -20, -20.1, -37, -40, -100, -1e4} {
		x := -z
		lo, hi := logPhi(x)+math.Log(x/(1+x*x)), logPhi(x)-math.Log(x)
		if got := logNormalCDF(z); !(got >= lo && got <= hi) { // ≥, ≤: at −10⁴ the bounds agree to 16 digits
			t.Errorf("ln Φ(%g) = %.17g lies outside Gordon's bounds (%.17g, %.17g)", z, got, lo, hi)
		}
	}
	// The asymptotic branch just below −20 against the erfc form just above.
	a, b := logNormalCDF(-20-1e-9), math.Log(0.5*math.Erfc((20+1e-9)/math.Sqrt2))
	if math.Abs(a-b) > 1e-10*math.Abs(b) {
		t.Errorf("at z = −20: asymptotic ln Φ %.17g, erfc form %.17g", a, b)
	}
	// The upper tail: ln Φ(8) = ln(1 − Q(8)) ≈ −Q(8), kept to full relative
	// precision (Q(8) ≈ 6.2e−16 would vanish in 1 − Q).
	if got, want := logNormalCDF(8), -0.5*math.Erfc(8/math.Sqrt2); math.Abs(got-want) > 1e-12*math.Abs(want) {
		t.Errorf("ln Φ(8) = %.17g, want %.17g", got, want)
	}
	if got := logNormalCDF(math.Inf(-1)); !math.IsInf(got, -1) {
		t.Errorf("ln Φ(−∞) = %g, want −Inf", got)
	}
}

// A censored statistic counts only its shortfall beyond the bound: in the
// distance as a one-sided residual, in the log-likelihood as ln Φ of the
// signed standardised residual.
func TestCensoredStatistic(t *testing.T) {
	pr := &problem{stats: []statistic{
		{observed: 10, se: 2, weight: 1, censor: 1},  // the value is above 10
		{observed: 10, se: 2, weight: 1, censor: -1}, // below 10
	}}
	scales := []float64{2, 2}
	for _, c := range []struct {
		x        [2]float64
		distance float64
		logLik   float64
	}{
		{[2]float64{14, 6}, 0, 2 * math.Log(0.5*math.Erfc(-2/math.Sqrt2))},            // both on the allowed side, 2 SE from the bound
		{[2]float64{10, 10}, 0, 2 * math.Log(0.5)},                                    // on the bound: Φ(0) = ½
		{[2]float64{6, 14}, math.Sqrt(8), 2 * math.Log(0.5*math.Erfc(2/math.Sqrt2))},  // both 2 SE short
		{[2]float64{4, 10}, 3, math.Log(0.5*math.Erfc(3/math.Sqrt2)) + math.Log(0.5)}, // 3 SE short, on the bound
	} {
		x := c.x[:]
		if d := pr.distance(x, scales); math.Abs(d-c.distance) > 1e-15 {
			t.Errorf("distance at %v = %g, want %g", c.x, d, c.distance)
		}
		if l := pr.logLik(x); math.Abs(l-c.logLik) > 1e-14 {
			t.Errorf("log-likelihood at %v = %.17g, want %.17g", c.x, l, c.logLik)
		}
	}
}

// ABC-SMC with stochastic acceptance and a right-censored target samples
// the closed-form posterior. The prior μ ~ N(0, σ₀²) and the observation
// "μ + ε above c", ε ~ N(0, s²), give the law of μ given W = μ + ε > c,
// W ~ N(0, τ²), τ² = σ₀² + s². Derivation: μ = (σ₀²/τ²) W + U with U
// independent of W, Var U = σ₀² − σ₀⁴/τ²; and W truncated below at c has
// mean τλ and variance τ²(1 + αλ − λ²), α = c/τ, λ = φ(α)/(1 − Φ(α)) (the
// inverse Mills ratio). So
//
//	E[μ | W > c]   = (σ₀²/τ) λ
//	Var[μ | W > c] = σ₀² + (σ₀⁴/τ²)(αλ − λ²)
//
// With σ₀ = 2, s² = 0.1, c = 1.3: mean 2.4625, sd 1.0292 (computed
// below). Mean and sd must be within 5 % (Monte Carlo error with 2,000
// particles, ESS ≈ 1,500: about 2.6 % of the sd for the mean).
func TestCensoredNormalStochastic(t *testing.T) {
	const c, s2, sd0 = 1.3, 0.1, 2.0
	tau := math.Sqrt(sd0*sd0 + s2)
	alpha := c / tau
	lambda := math.Exp(-0.5*alpha*alpha) / math.Sqrt(2*math.Pi) / (0.5 * math.Erfc(alpha/math.Sqrt2))
	wantMean := sd0 * sd0 / tau * lambda
	wantSD := math.Sqrt(sd0*sd0 + math.Pow(sd0, 4)/(tau*tau)*(alpha*lambda-lambda*lambda))
	src := `
[study]
name = "censored"
model = "samplemean"
seed = 20261206

[calibrate]
particles = 2000
acceptance = "stochastic"
predictive = 0

[calibrate.params]
mu = { dist = "normal", mean = 0, sd = 2 }

[[calibrate.targets]]
output = "ybar"
observed = 1.3
censored = "right"
se = 0.31622776601683794   # √0.1
source = "closed form"
`
	s := closedForm(t, src, sampleMean{}, StopTemperature, wantMean, wantSD)
	if tg := s.Targets[0]; tg.Censored != scenarios.RightCensored || tg.Cells[0].Z == nil || *tg.Cells[0].Z != 0 || tg.Within == nil || !*tg.Within {
		t.Errorf("fit of the censored target: %+v, want censored %q, z 0 (the mean prediction lies above the bound), within", tg, scenarios.RightCensored)
	}
}
