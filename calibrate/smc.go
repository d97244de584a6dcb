package calibrate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/mdtwin/mdtwin/scenarios"
)

// Population is one population of ABC-SMC: N weighted particles accepted at
// one tolerance, with what the next population needs.
type Population struct {
	Index int `json:"population"`
	// Tolerance is ε (threshold acceptance: a distance) or the temperature
	// T (stochastic acceptance); nil for population 0, which accepts every
	// prior draw whose simulation succeeded (ε = T = ∞).
	Tolerance *float64    `json:"tolerance"`
	Theta     [][]float64 `json:"theta"`     // particles × parameters
	Weights   []float64   `json:"weights"`   // normalised importance weights
	Distances []float64   `json:"distances"` // threshold: the distance under Scales; stochastic: the log-likelihood (≤ 0)
	Runs      []string    `json:"runs"`      // each particle's run, relative to the calibration folder
	Scales    []float64   `json:"scales,omitempty"`

	Proposals   int     `json:"proposals"`   // proposals simulated up to the N-th acceptance
	Simulations int     `json:"simulations"` // proposals simulated in all (the last batch's surplus included)
	Failed      int     `json:"failed"`      // failed runs among the proposals up to the N-th acceptance
	Batches     int     `json:"batches"`     // engine studies
	ESS         float64 `json:"ess"`         // effective sample size 1/Σw²

	// Means and SDs are the weighted mean and sd of each parameter. The
	// state file keeps the particles of the last population only: the
	// earlier ones keep these and the counts.
	Means []float64 `json:"means"`
	SDs   []float64 `json:"sds"`

	// What the next population uses: its tolerance, the distance scales
	// (threshold acceptance) and the acceptance rate it is expected to have
	// (for sizing its first batch).
	NextTolerance  float64   `json:"next_tolerance"`
	NextScales     []float64 `json:"next_scales,omitempty"`
	NextAcceptance float64   `json:"next_acceptance"`
	// LogLikMax (stochastic acceptance) is the largest log-likelihood of
	// any proposal so far: the next population accepts with probability
	// exp((ℓ − LogLikMax)/T).
	LogLikMax float64 `json:"loglik_max,omitempty"`

	Particles int `json:"particles"`
}

// AcceptanceRate is N over the proposals needed to accept them.
func (p *Population) AcceptanceRate() float64 {
	return float64(p.Particles) / float64(p.Proposals)
}

// summarise sets Means and SDs.
func (p *Population) summarise() {
	d := len(p.Theta[0])
	p.Means, p.SDs = make([]float64, d), make([]float64, d)
	for a := range d {
		p.Means[a], p.SDs[a] = weightedMoments(column(p.Theta, a), p.Weights)
	}
	p.Particles = len(p.Theta)
}

// strip drops what only the last population needs.
func (p *Population) strip() {
	p.Theta, p.Weights, p.Distances, p.Runs, p.Scales, p.NextScales = nil, nil, nil, nil, nil, nil
}

// The PCG streams of a proposal's draws, beside the run's own seed: its
// parameters ("mdtwinCP") and its acceptance uniform ("mdtwinCA"); and the
// posterior-predictive draws ("mdtwinCR").
const (
	proposalStream   = 0x6d647477696e4350
	acceptanceStream = 0x6d647477696e4341
	resampleStream   = 0x6d647477696e4352
)

// populationSeed is the seed of population t's runs: the calibration seed
// and the population number through the one seed derivation. Proposal i of
// the population has the run seed RunSeed(populationSeed, i).
func populationSeed(calibrationSeed uint64, t int) uint64 {
	return scenarios.RunSeed(calibrationSeed, t)
}

// kernel is the perturbation kernel of a population: a multivariate normal
// centred on an ancestor drawn by weight, with covariance Σ = s × the
// weighted covariance of the previous population; s = 2 by default, the
// choice of Beaumont, Cornuet, Marin & Robert 2009 (Biometrika 96:983),
// which minimises the Kullback–Leibler divergence to the next population
// under threshold acceptance. A smaller s accepts more often but leaves
// the weights more uneven.
type kernel struct {
	prev    *Population
	cum     []float64 // cumulative weights
	chol    mat.Cholesky
	lower   *mat.TriDense // L with Σ = L Lᵀ
	logNorm float64       // log of the normal's constant (−½ log|2πΣ|), for completeness of the density

	// For logDensity, which runs N² times a population: L's rows packed
	// (row a holds L[a][0..a]), and log w_j of the previous population
	// (−∞ for a zero weight).
	packed []float64
	logW   []float64
}

// newKernel builds the kernel from the previous population.
func newKernel(prev *Population, scale float64) (*kernel, error) {
	n, d := len(prev.Theta), len(prev.Theta[0])
	k := &kernel{prev: prev, cum: make([]float64, n)}
	var c float64
	for i, w := range prev.Weights {
		c += w
		k.cum[i] = c
	}
	k.cum[n-1] = math.Max(1, c)
	mean := make([]float64, d)
	for i, th := range prev.Theta {
		for a := range d {
			mean[a] += prev.Weights[i] * th[a]
		}
	}
	cov := mat.NewSymDense(d, nil)
	for a := range d {
		for b := a; b < d; b++ {
			var s float64
			for i, th := range prev.Theta {
				s += prev.Weights[i] * (th[a] - mean[a]) * (th[b] - mean[b])
			}
			cov.SetSym(a, b, scale*s)
		}
	}
	// A population collapsed onto one point in some direction (a parameter
	// the data pin down exactly) leaves Σ singular: add a small ridge,
	// relative to each variance (or to the mean's magnitude).
	for jitter := 1e-12; ; jitter *= 100 {
		if k.chol.Factorize(cov) {
			break
		}
		if jitter > 1 {
			return nil, errors.New("the perturbation kernel's covariance is not positive definite")
		}
		for a := range d {
			scale := math.Max(cov.At(a, a), 1e-300+math.Abs(mean[a])*1e-6)
			cov.SetSym(a, a, cov.At(a, a)+jitter*scale)
		}
	}
	k.lower = mat.NewTriDense(d, mat.Lower, nil)
	k.chol.LTo(k.lower)
	k.logNorm = -0.5*float64(d)*math.Log(2*math.Pi) - 0.5*k.chol.LogDet()
	k.packed = make([]float64, 0, d*(d+1)/2)
	for a := range d {
		for b := 0; b <= a; b++ {
			k.packed = append(k.packed, k.lower.At(a, b))
		}
	}
	k.logW = make([]float64, n)
	for j, w := range prev.Weights {
		k.logW[j] = math.Log(w)
	}
	return k, nil
}

// ancestor returns the index of the particle whose cumulative weight first
// exceeds u.
func (k *kernel) ancestor(u float64) int {
	i := sort.SearchFloat64s(k.cum, u)
	if i < len(k.cum) && k.cum[i] == u {
		i++
	}
	return min(i, len(k.cum)-1)
}

// perturb returns θ + L z, z standard normal from rng.
func (k *kernel) perturb(dst, theta []float64, rng *rand.Rand) {
	d := len(theta)
	z := make([]float64, d)
	for a := range z {
		z[a] = rng.NormFloat64()
	}
	for a := range d {
		s := theta[a]
		for b := 0; b <= a; b++ {
			s += k.lower.At(a, b) * z[b]
		}
		dst[a] = s
	}
}

// logDensity returns log Σ_j w_j K(θ | θ_j), the proposal density of θ;
// diff, y (length d) and terms (length N) are scratch space.
func (k *kernel) logDensity(theta []float64, diff, y, terms []float64) float64 {
	d := len(theta)
	terms = terms[:0]
	best := math.Inf(-1)
	for j, tj := range k.prev.Theta {
		if k.prev.Weights[j] == 0 {
			continue
		}
		for a := range d {
			diff[a] = theta[a] - tj[a]
		}
		// Solve L y = diff by forward substitution on the packed rows;
		// the quadratic form is |y|².
		var q float64
		row := k.packed
		for a := range d {
			s := diff[a]
			for b := 0; b < a; b++ {
				s -= row[b] * y[b]
			}
			y[a] = s / row[a]
			q += y[a] * y[a]
			row = row[a+1:]
		}
		t := k.logW[j] - 0.5*q
		terms = append(terms, t)
		best = math.Max(best, t)
	}
	if math.IsInf(best, -1) {
		return best
	}
	var s float64
	for _, t := range terms {
		s += math.Exp(t - best)
	}
	return best + math.Log(s) + k.logNorm
}

// propose returns proposal i of population t: a draw from the prior for
// t = 0, else a perturbed particle of the previous population drawn by
// weight, redrawn until it lies within the prior's support. Its draws come
// from its own stream (the run's seed, proposalStream), so a proposal is
// the same whatever batch it falls in.
func (pr *problem) propose(k *kernel, runSeed uint64) ([]float64, error) {
	rng := rand.New(rand.NewPCG(runSeed, proposalStream))
	theta := make([]float64, len(pr.params))
	if k == nil {
		for a, p := range pr.params {
			theta[a] = p.prior.quantile(openUniform(rng))
		}
		return theta, nil
	}
	for try := 0; try < 10000; try++ {
		j := k.ancestor(rng.Float64())
		k.perturb(theta, k.prev.Theta[j], rng)
		if !math.IsInf(pr.logPrior(theta), -1) {
			return theta, nil
		}
	}
	return nil, fmt.Errorf("10,000 perturbations of population %d's particles all fell outside the prior's bounds", k.prev.Index)
}

// acceptanceUniform is proposal runSeed's uniform draw for stochastic
// acceptance.
func acceptanceUniform(runSeed uint64) float64 {
	return openUniform(rand.New(rand.NewPCG(runSeed, acceptanceStream)))
}

// openUniform returns a uniform draw from (0, 1).
func openUniform(rng *rand.Rand) float64 {
	return (float64(rng.Uint64()>>12) + 0.5) / (1 << 52)
}

// importanceWeights returns the normalised weights of the accepted
// particles theta of a population proposed by kernel k (nil: from the
// prior, equal weights):
//
//	w_i ∝ π(θ_i) / Σ_j w_j^{t−1} K(θ_i | θ_j^{t−1})
//
// (Toni et al. 2009, J R Soc Interface 6:187; Beaumont et al. 2009).
func (pr *problem) importanceWeights(k *kernel, theta [][]float64) []float64 {
	n := len(theta)
	w := make([]float64, n)
	if k == nil {
		for i := range w {
			w[i] = 1 / float64(n)
		}
		return w
	}
	// Each particle's weight is independent of the others': they are
	// computed in parallel chunks, each written to its own slot, so the
	// result does not depend on the number of goroutines.
	d := len(pr.params)
	workers := min(runtime.GOMAXPROCS(0), (n+63)/64)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			diff, y, terms := make([]float64, d), make([]float64, d), make([]float64, 0, len(k.prev.Theta))
			for i := g; i < n; i += workers {
				w[i] = pr.logPrior(theta[i]) - k.logDensity(theta[i], diff, y, terms)
			}
		}()
	}
	wg.Wait()
	best := math.Inf(-1)
	for i := range w {
		best = math.Max(best, w[i])
	}
	var s float64
	for i := range w {
		w[i] = math.Exp(w[i] - best)
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w
}

// ess returns the effective sample size 1/Σw² of normalised weights.
func ess(w []float64) float64 {
	var s float64
	for _, x := range w {
		s += x * x
	}
	return 1 / s
}

// temperature returns the temperature T ≥ floor at which the population's
// particles (log-likelihoods ll, weights w) would be accepted with total
// weight α: Σ w_i exp(ll_i/T) = α. The left side grows with T, so the
// root is found by bisection on log T. If even T = ceiling accepts less
// than α, ceiling is returned.
func temperature(ll, w []float64, alpha, floor, ceiling float64) float64 {
	acc := func(T float64) float64 {
		var s float64
		for i, l := range ll {
			s += w[i] * math.Exp(l/T)
		}
		return s
	}
	if acc(floor) >= alpha {
		return floor
	}
	if math.IsInf(ceiling, 1) {
		ceiling = floor
		for acc(ceiling) < alpha && ceiling < 1e300 {
			ceiling *= 2
		}
	}
	if acc(ceiling) < alpha {
		return ceiling
	}
	lo, hi := math.Log(floor), math.Log(ceiling)
	for range 200 {
		mid := (lo + hi) / 2
		if acc(math.Exp(mid)) >= alpha {
			hi = mid
		} else {
			lo = mid
		}
		if hi-lo < 1e-12 {
			break
		}
	}
	return math.Exp(hi)
}
