package statetransition

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// mvnDef is a one-state model whose undiscounted cost and effect over one
// cycle are the parameters a and b, drawn jointly with c (which nothing
// uses) when psa = true.
const mvnDef = `
[inputs]
states = ["alive"]
initial = "alive"
strategies = ["only"]
cycles = 1

[inputs.params]
a = 1
b = -2
c = 0.5

[[inputs.mvn]]
params = ["a", "b", "c"]
mean = [1, -2, 0.5]
cov = [[4, 1.2, -0.6], [1.2, 1, -0.15], [-0.6, -0.15, 0.25]]

[inputs.matrices.m]
probs = [[1]]

[inputs.transitions]
only = "m"

[[inputs.costs]]
name = "a"
per_cycle = { alive = "max(a, 0)" }

[[inputs.utilities]]
weights = { alive = "b" }
`

// TestMVNDraws: the sample mean and covariance of 10^5 draws match μ and
// Σ within 4 Monte Carlo standard errors: SE(mean_i) = √(Σ_ii/N) and, for
// a normal sample, SE(cov_ij) = √((Σ_ii·Σ_jj + Σ_ij²)/N).
func TestMVNDraws(t *testing.T) {
	d, err := compile(inputsOf(t, mvnDef))
	if err != nil {
		t.Fatal(err)
	}
	grp := d.mvn[0]
	mu := []float64{1, -2, 0.5}
	sigma := [][]float64{{4, 1.2, -0.6}, {1.2, 1, -0.15}, {-0.6, -0.15, 0.25}}
	const n = 100000
	rng := rand.New(rand.NewPCG(1, 2))
	v := make([]float64, 3)
	var sum [3]float64
	var sum2 [3][3]float64
	for range n {
		grp.draw(v, rng)
		for i := range 3 {
			sum[i] += v[i]
			for j := range 3 {
				sum2[i][j] += v[i] * v[j]
			}
		}
	}
	for i := range 3 {
		m := sum[i] / n
		if se := math.Sqrt(sigma[i][i] / n); math.Abs(m-mu[i]) > 4*se {
			t.Errorf("mean[%d] = %.5f, μ = %v (SE %.2g)", i, m, mu[i], se)
		}
		for j := range 3 {
			c := sum2[i][j]/n - sum[i]/n*sum[j]/n
			se := math.Sqrt((sigma[i][i]*sigma[j][j] + sigma[i][j]*sigma[i][j]) / n)
			if math.Abs(c-sigma[i][j]) > 4*se {
				t.Errorf("cov[%d][%d] = %.5f, Σ = %v (SE %.2g)", i, j, c, sigma[i][j], se)
			}
		}
	}
	// Through the model: psa = false keeps the defaults; psa = true draws
	// with the run's seed, so 400 runs' effects (b) average to μ_b within 4 SE.
	in := inputsOf(t, mvnDef)
	if out := mustRun(t, in, nil); out["only_effect_undisc"] != -2 {
		t.Errorf("psa = false: effect %v, want the default -2", out["only_effect_undisc"])
	}
	var sb float64
	const runs = 400
	for seed := range uint64(runs) {
		res, err := runWith(t, in, map[string]any{ParamPSA: true}, seed+1)
		if err != nil {
			t.Fatal(err)
		}
		sb += res.Scalars["only_effect_undisc"]
	}
	if m, se := sb/runs, math.Sqrt(1.0/runs); math.Abs(m+2) > 4*se {
		t.Errorf("mean drawn b over %d runs %.4f, μ = -2 (SE %.2g)", runs, m, se)
	}
}

func TestMVNErrors(t *testing.T) {
	for _, c := range []struct{ old, new, want string }{
		{`cov = [[4, 1.2, -0.6], [1.2, 1, -0.15], [-0.6, -0.15, 0.25]]`, `cov = [[1, 2, 0], [2, 1, 0], [0, 0, 1]]`, "cov is not positive definite"},
		{`cov = [[4, 1.2, -0.6], [1.2, 1, -0.15], [-0.6, -0.15, 0.25]]`, `cov = [[4, 1.2, -0.6], [1.1, 1, -0.15], [-0.6, -0.15, 0.25]]`, "cov is not symmetric: cov[1][0] = 1.1, cov[0][1] = 1.2"},
		{`params = ["a", "b", "c"]`, `params = ["a", "b", "z"]`, `params: "z" is not declared in [inputs.params]`},
		{`mean = [1, -2, 0.5]`, `mean = [1, -2]`, "mean must be a list of 3 numbers"},
	} {
		_, err := compile(inputsOf(t, replaceOnce(t, mvnDef, c.old, c.new)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.new, err, c.want)
		}
	}
}

// TestDirichletRowDraws: a row of counts α = (5, 3, 2) drawn 10^5 times has
// the Dirichlet means α_j/α₀ and variances α_j(α₀ − α_j)/(α₀²(α₀ + 1))
// (α₀ = 10): means within 4 SE = 4√(var/N), variances within 3 % (4 SE of
// a sample variance of these Beta marginals is about 2 %).
func TestDirichletRowDraws(t *testing.T) {
	alpha := []float64{5, 3, 2}
	const a0, n = 10.0, 100000
	src := rand.NewPCG(3, 4)
	var sum, sum2 [3]float64
	for range n {
		p := dirichletRows([][]float64{alpha}, src)[0]
		for j, x := range p {
			sum[j] += x
			sum2[j] += x * x
		}
	}
	for j, a := range alpha {
		mean, vr := a/a0, a*(a0-a)/(a0*a0*(a0+1))
		m := sum[j] / n
		v := sum2[j]/n - m*m
		if math.Abs(m-mean) > 4*math.Sqrt(vr/n) || math.Abs(v-vr) > 0.03*vr {
			t.Errorf("α_%d = %v: mean %.5f (%.5f), variance %.6f (%.6f)", j, a, m, mean, v, vr)
		}
	}
}
