package calibrate

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/workers"
	"github.com/mdtwin/mdtwin/workers/inproc"
)

// sampleMean is the conjugate-normal test model: the mean of n draws of
// N(mu, σ²), drawn directly as N(mu, σ²/n) from the run's seed
// (stochastic = true), or mu itself (stochastic = false, for a likelihood
// with the mean's standard error).
type sampleMean struct {
	sigma      float64
	n          int
	stochastic bool
}

func (m sampleMean) Describe() models.Descriptor {
	return models.Descriptor{Name: "samplemean", Version: "1",
		Params:  []models.Param{{Name: "mu", Kind: models.Float, Default: 0.0}},
		Outputs: []models.Output{{Name: "ybar"}}}
}

func (m sampleMean) Run(_ context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	mu := spec.Params.Float("mu")
	y := mu
	if m.stochastic {
		y += m.sigma / math.Sqrt(float64(m.n)) * rand.New(rand.NewPCG(spec.Seed, 7)).NormFloat64()
	}
	return models.Result{Scalars: map[string]float64{"ybar": y}}, nil
}

// run calibrates the scenario src with model m on w in-process workers
// into dir.
func run(t *testing.T, src string, m models.Model, w int, dir string, resume bool) (*Result, error) {
	t.Helper()
	sc, err := scenarios.Parse(filepath.Join(dir, "..", "s.toml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return Run(context.Background(), sc, Options{OutDir: dir, Resume: resume, Model: m.Describe(),
		NewBackend: func(string) (workers.Backend, error) { return inproc.New(m, w), nil }, BackendKind: "inproc", Workers: w})
}

func readSummary(t *testing.T, dir string) *Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// The conjugate normal model (calibration.md): prior N(μ₀, σ₀²), n
// observations with known σ and sample mean ȳ give the posterior
// N(μ_n, σ_n²) with 1/σ_n² = 1/σ₀² + n/σ², μ_n = σ_n² (μ₀/σ₀² + nȳ/σ²).
// With μ₀ = 0, σ₀ = 2, σ = 1, n = 10, ȳ = 1.3:
//
//	1/σ_n² = 0.25 + 10 = 10.25, σ_n = 0.312348…,  μ_n = 13/10.25 = 1.268293…
var (
	conjPostSD   = math.Sqrt(1 / 10.25)
	conjPostMean = 13 / 10.25
)

const conjugateHead = `
[study]
name = "conjugate"
model = "samplemean"
seed = 20261201

[calibrate.params]
mu = { dist = "normal", mean = 0, sd = 2 }

[[calibrate.targets]]
output = "ybar"
observed = 1.3
se = 0.31622776601683794   # σ/√n
source = "closed form"
`

// closedForm calibrates src with the one-parameter sample-mean model sim
// on two workers and checks that it stopped for want and that the
// posterior mean and sd are within 5 % of the closed form (mean, sd); it
// returns the calibration summary.
func closedForm(t *testing.T, src string, sim sampleMean, want string, mean, sd float64) *Summary {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	res, err := run(t, src, sim, 2, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	s := readSummary(t, dir)
	p := s.Params[0]
	t.Logf("%d populations, %d simulations, stop %q; posterior mean %.5f (exact %.5f), sd %.5f (exact %.5f), ESS %.0f",
		res.Steps, res.Simulations, res.Stop, *p.Mean, mean, *p.SD, sd, *s.ESS)
	if res.Stop != want {
		t.Errorf("stopped because %q, want %q", res.Stop, want)
	}
	if e := math.Abs(*p.Mean-mean) / mean; e > 0.05 {
		t.Errorf("posterior mean %.5f is %.1f %% from the closed form %.5f", *p.Mean, 100*e, mean)
	}
	if e := math.Abs(*p.SD-sd) / sd; e > 0.05 {
		t.Errorf("posterior sd %.5f is %.1f %% from the closed form %.5f", *p.SD, 100*e, sd)
	}
	return s
}

// ABC-SMC with threshold acceptance on a stochastic simulator of the
// sample mean converges to the exact posterior as the tolerance goes to 0:
// at a final tolerance of 0.1 standard errors the uniform acceptance
// window adds a variance of (0.1·se)²/3, 0.3 % of σ_n², so mean and sd
// must be within 5 % of the closed form (the Monte Carlo error with an ESS
// near 2000 is about 2 % of σ_n for the mean, 1.6 % for the sd).
func TestConjugateNormalThreshold(t *testing.T) {
	src := conjugateHead + `
[calibrate]
particles = 2000
distance = "standardised"
min_tolerance = 0.1
predictive = 0
`
	closedForm(t, src, sampleMean{sigma: 1, n: 10, stochastic: true}, StopTolerance, conjPostMean, conjPostSD)
}

// Stochastic acceptance with the Gaussian likelihood of the sample mean
// samples the exact posterior at temperature 1 (Wilkinson 2013), here
// with a deterministic simulator (ybar = mu).
func TestConjugateNormalStochastic(t *testing.T) {
	src := conjugateHead + `
[calibrate]
particles = 2000
acceptance = "stochastic"
predictive = 0
`
	closedForm(t, src, sampleMean{}, StopTemperature, conjPostMean, conjPostSD)
}

// line is a straight line y_k = a + b·x_k at x = 0, 1, 2, 3, 4: fitting it
// to points with equal standard errors is ordinary least squares, whose
// objective is quadratic.
type line struct{}

func (line) Describe() models.Descriptor {
	d := models.Descriptor{Name: "line", Version: "1",
		Params: []models.Param{{Name: "a", Kind: models.Float, Default: 0.0}, {Name: "b", Kind: models.Float, Default: 0.0}}}
	for k := range 5 {
		d.Outputs = append(d.Outputs, models.Output{Name: "y" + string(rune('0'+k))})
	}
	return d
}

func (line) Run(_ context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	a, b := spec.Params.Float("a"), spec.Params.Float("b")
	out := map[string]float64{}
	for k := range 5 {
		out["y"+string(rune('0'+k))] = a + b*float64(k)
	}
	return models.Result{Scalars: out}, nil
}

// The optimisers find the least-squares line through (0, 1.1), (1, 2.9),
// (2, 5.2), (3, 7.1), (4, 8.8) exactly. By the normal equations
// (x̄ = 2, ȳ = 5.02, Sxx = 10, Sxy = 19.6): b = 1.96, a = ȳ − b·x̄ = 1.1.
// The objective ½Σr² (se = 1) has Hessian XᵀX = [[5, 10], [10, 30]], so the
// standard errors are √diag((XᵀX)⁻¹) = √(30/50) = 0.774597 for a and
// √(5/50) = 0.316228 for b; central differences are exact on a quadratic
// up to rounding.
func TestOptimiserLeastSquares(t *testing.T) {
	for _, method := range []string{scenarios.NelderMead, scenarios.CMAES} {
		t.Run(method, func(t *testing.T) {
			src := `
[study]
name = "ls"
model = "line"
seed = 7

[calibrate]
method = "` + method + `"
starts = 1
f_tolerance = 1e-15
max_evaluations = 5000
particles = 200
predictive = 1

[calibrate.params]
a = { dist = "uniform", min = -10, max = 10 }
b = { dist = "uniform", min = -10, max = 10 }
`
			for k, y := range []float64{1.1, 2.9, 5.2, 7.1, 8.8} {
				src += "\n[[calibrate.targets]]\noutput = \"y" + string(rune('0'+k)) + "\"\nse = 1\nobserved = " + strconv.FormatFloat(y, 'g', -1, 64) + "\n"
			}
			dir := filepath.Join(t.TempDir(), "out")
			res, err := run(t, src, line{}, 2, dir, false)
			if err != nil {
				t.Fatal(err)
			}
			s := readSummary(t, dir)
			a, b := *s.Params[0].Estimate, *s.Params[1].Estimate
			t.Logf("%d rounds, %d evaluations, stop %q (%s): a = %.10f, b = %.10f, objective %.3g, se %.6f %.6f", res.Steps, res.Simulations, res.Stop, s.Starts[0].Status, a, b, *s.Objective, *s.Params[0].SE, *s.Params[1].SE)
			for _, c := range []struct {
				name      string
				got, want float64
				tol       float64
			}{{"a", a, 1.1, 1e-6}, {"b", b, 1.96, 1e-6}, {"se(a)", *s.Params[0].SE, math.Sqrt(0.6), 1e-4}, {"se(b)", *s.Params[1].SE, math.Sqrt(0.1), 1e-4}} {
				if math.Abs(c.got-c.want) > c.tol*math.Abs(c.want) {
					t.Errorf("%s = %.10g, want %.10g (relative tolerance %g)", c.name, c.got, c.want, c.tol)
				}
			}
		})
	}
}
