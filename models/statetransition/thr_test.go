package statetransition

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
)

// thrMeans are the regression coefficients of revision in the THR model
// (lngamma, cons, age, male, NP1) and thrCov their covariance, as printed
// in the DM4HEE exercise code and hesim's THR vignette
// (scenarios/examples/thr-psa.toml).
var (
	thrMeans = []float64{0.3740968, -5.490935, -0.0367022, 0.768536, -1.344474}
	thrCov   = []float64{
		0.0022515, -0.005691, 0.000000028, 0.0000051, 0.000259,
		-0.005691, 0.0432191, -0.000783, -0.007247, -0.000642,
		0.000000028, -0.000783, 0.00002715, 0.000033, -0.000111,
		0.0000051, -0.007247, 0.000033, 0.01189, 0.000184,
		0.000259, -0.000642, -0.000111, 0.000184, 0.14636,
	}
)

// thrByHand is an independent computation of the THR model of
// thr-psa.toml for a woman of 60 with the other inputs at their base
// values: the five states' trace over 60 annual cycles, x_t = x_{t−1}·P_t,
// counted at the end of each cycle, costs discounted at 6 % and QALYs at
// 1.5 % (1/(1+r)^t), the prosthesis cost at time 0. It returns the costs
// and QALYs of the standard and the NP1 prostheses.
func thrByHand(b []float64) (cost, qaly [2]float64) {
	gamma := math.Exp(b[0])
	bands := []float64{35, 45, 55, 65, 75, 85}
	mortF := []float64{0.00099, 0.0026, 0.0067, 0.0193, 0.0535, 0.1548}
	for s := range 2 {
		lambda := math.Exp(b[1] + b[2]*60)
		if s == 1 {
			lambda *= math.Exp(b[4])
		}
		x := [5]float64{1}
		cost[s] = []float64{394, 579}[s]
		for t := 1; t <= 60; t++ {
			age := 60 + float64(t-1)
			mr := mortF[0]
			for i, a := range bands {
				if age >= a {
					mr = mortF[i]
				}
			}
			rev := 1 - math.Exp(lambda*(math.Pow(float64(t-1), gamma)-math.Pow(float64(t), gamma)))
			var y [5]float64
			y[1] = x[0]*(1-0.02) + x[1]*(1-rev-mr)
			y[2] = x[1]*rev + x[3]*0.04
			y[3] = x[2]*(1-0.02-mr) + x[3]*(1-0.04-mr)
			y[4] = x[4] + x[0]*0.02 + x[1]*mr + x[2]*(0.02+mr) + x[3]*mr
			x = y
			cost[s] += x[2] * 5294 / math.Pow(1.06, float64(t))
			qaly[s] += (0.85*x[1] + 0.30*x[2] + 0.75*x[3]) / math.Pow(1.015, float64(t))
		}
	}
	return cost, qaly
}

// TestTHRJointCoefficients checks the THR model written in the language
// (scenarios/examples/thr-psa.toml) against thrByHand: at the mean
// coefficients to 1e-12, and in a PSA in which only the five regression
// coefficients vary, drawn jointly ([[inputs.mvn]], psa = true): the means
// over 1,000 model runs agree with those of 20,000 independent draws
// (gonum's Cholesky factor, another generator) within 4 standard errors of
// the difference (TestMVNDraws checks the sampler itself at 10⁵ draws).
func TestTHRJointCoefficients(t *testing.T) {
	sc, err := scenarios.Load(filepath.Join("..", "..", "scenarios", "examples", "thr-psa.toml"))
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"standard_cost", "np1_cost", "standard_effect", "np1_effect", "np1_inc_cost", "np1_inc_effect"}
	pick := func(c, q [2]float64) []float64 { return []float64{c[0], c[1], q[0], q[1], c[1] - c[0], q[1] - q[0]} }

	out := mustRun(t, sc.Inputs, map[string]any{"psa": false})
	c, q := thrByHand(thrMeans)
	for i, k := range keys {
		if want := pick(c, q)[i]; relErr(out[k], want) > 1e-12 {
			t.Errorf("mean coefficients: %s = %.12g, by hand %.12g", k, out[k], want)
		}
	}

	const nModel, nHand = 1000, 20000
	var model, hand [6][]float64
	desc, err := Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := desc.Resolve(map[string]any{"psa": true})
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= nModel; seed++ {
		res, err := Model{}.Run(t.Context(), models.RunSpec{Model: Name, Seed: seed, Params: ps, Inputs: sc.Inputs}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, k := range keys {
			model[i] = append(model[i], res.Scalars[k])
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(mat.NewSymDense(5, thrCov)) {
		t.Fatal("covariance not positive definite")
	}
	var l mat.TriDense
	chol.LTo(&l)
	rng := rand.New(rand.NewPCG(20060401, 7))
	z, b := make([]float64, 5), make([]float64, 5)
	for range nHand {
		for i := range z {
			z[i] = rng.NormFloat64()
		}
		for i := range b {
			b[i] = thrMeans[i]
			for j := 0; j <= i; j++ {
				b[i] += l.At(i, j) * z[j]
			}
		}
		c, q := thrByHand(b)
		for i, v := range pick(c, q) {
			hand[i] = append(hand[i], v)
		}
	}
	meanVar := func(xs []float64) (m, v float64) {
		for _, x := range xs {
			m += x
		}
		m /= float64(len(xs))
		for _, x := range xs {
			v += (x - m) * (x - m)
		}
		return m, v / float64(len(xs)-1)
	}
	for i, k := range keys {
		m1, v1 := meanVar(model[i])
		m2, v2 := meanVar(hand[i])
		se := math.Sqrt(v1/nModel + v2/nHand)
		if math.Abs(m1-m2) > 4*se || !(se > 0) {
			t.Errorf("%s: model PSA mean %.6g, independent %.6g (4 SE %.3g)", k, m1, m2, 4*se)
		}
	}
}
