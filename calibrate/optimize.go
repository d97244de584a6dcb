package calibrate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
)

// Optimisation minimises the objective
//
//	f(θ) = −ℓ(θ) = Σ_k w_k · ( ½ ((x_k(θ) − y_k)/se_k)²  or  the Poisson deviance/2 )
//
// (the weighted Gaussian or Poisson negative log-likelihood less its
// minimum, see logLik; least squares when every target has se = 1) with
// gonum/optimize's Nelder–Mead or CMA-ES from several starts. The
// parameters are optimised on an unbounded scale z: x = lo + (hi−lo)·σ(z)
// between two bounds, lo + e^z above a lower bound, hi − e^z below an
// upper one, so every proposal respects the bounds.
//
// The starts run in lockstep: each round collects the evaluations every
// unfinished start asks for next (one for Nelder–Mead, a generation for
// CMA-ES) and runs them as one engine study, round-NNNN/. The methods are
// deterministic given the values returned, so a resumed optimisation asks
// for the same rounds again: the studies that finished are read back
// (their hash covers every evaluation's parameters, so a round that would
// differ is refused), the interrupted one resumes.

// optimEval is one evaluation: a start's point on the unbounded scale and
// the objective there.
type optimEval struct {
	Start int
	Z     []float64
	F     float64
}

// failedObjective stands for a failed run's objective.
const failedObjective = math.MaxFloat64

// StartResult is one start's outcome in calibration.json.
type StartResult struct {
	Start       int       `json:"start"`
	From        []float64 `json:"from"`
	Estimate    []float64 `json:"estimate"`
	Objective   *float64  `json:"objective"`
	Evaluations int       `json:"evaluations"`
	Status      string    `json:"status"`
}

// toX maps z to parameter a's value.
func (p *param) toX(z float64) float64 {
	lo, hi := p.prior.lo, p.prior.hi
	switch {
	case !math.IsInf(lo, 0) && !math.IsInf(hi, 0):
		return lo + (hi-lo)/(1+math.Exp(-z))
	case !math.IsInf(lo, 0):
		return lo + math.Exp(z)
	case !math.IsInf(hi, 0):
		return hi - math.Exp(z)
	}
	return z
}

// toZ is the inverse of toX; x is first moved inside the bounds by a
// relative 1e-9 so that z is finite.
func (p *param) toZ(x float64) float64 {
	lo, hi := p.prior.lo, p.prior.hi
	eps := 1e-9 * math.Max(math.Abs(x), 1)
	if !math.IsInf(lo, 0) && !math.IsInf(hi, 0) {
		eps = 1e-9 * (hi - lo)
	}
	if !math.IsInf(lo, 0) {
		x = math.Max(x, lo+eps)
	}
	if !math.IsInf(hi, 0) {
		x = math.Min(x, hi-eps)
	}
	switch {
	case !math.IsInf(lo, 0) && !math.IsInf(hi, 0):
		u := (x - lo) / (hi - lo)
		return math.Log(u / (1 - u))
	case !math.IsInf(lo, 0):
		return math.Log(x - lo)
	case !math.IsInf(hi, 0):
		return math.Log(hi - x)
	}
	return x
}

func (pr *problem) thetaOf(z []float64) []float64 {
	x := make([]float64, len(z))
	for a := range z {
		x[a] = pr.params[a].toX(z[a])
	}
	return x
}

// starts returns the starting points: the parameters' start values (else
// the prior medians), then draws from the prior.
func (pr *problem) starts() [][]float64 {
	out := make([][]float64, pr.set.Starts)
	for s := range out {
		x := make([]float64, len(pr.params))
		rng := rand.New(rand.NewPCG(scenarios.RunSeed(pr.sc.Study.Seed, startIndex+s), proposalStream))
		for a := range pr.params {
			p := &pr.params[a]
			switch {
			case s > 0:
				x[a] = p.prior.quantile(openUniform(rng))
			case p.start != nil:
				x[a] = *p.start
			default:
				x[a] = p.prior.median()
			}
		}
		out[s] = x
	}
	return out
}

// The population numbers whose seeds the starts (+ start) and the Hessian
// study take.
const (
	startIndex   = 1 << 29
	hessianIndex = 1<<30 + 1
)

// starter runs one start's method in its own goroutine and talks to it.
type starter struct {
	index   int
	method  optimize.Method
	ops     chan optimize.Task
	res     chan optimize.Task
	conc    int
	pending []optimize.Task
	done    bool
	status  string
	evals   int
	bestF   float64
	bestZ   []float64
	conv    optimize.FunctionConverge
	from    []float64
}

func (c *calibration) newStarter(i int, x0 []float64) *starter {
	pr := c.pr
	dim := len(pr.params)
	var m optimize.Method
	if pr.set.Method == scenarios.CMAES {
		// Four times Hansen's default population 4 + ⌊3 ln d⌋: a generation
		// is one study, so more evaluations per round cost little more
		// wall time, and the default population stalled short of a
		// quadratic's optimum in TestOptimiserLeastSquares.
		pop := 4 * (4 + int(3*math.Log(float64(dim))))
		m = &optimize.CmaEsChol{InitStepSize: 0.5, Population: pop, Src: rand.NewPCG(scenarios.RunSeed(pr.sc.Study.Seed, startIndex+i), resampleStream)}
	} else {
		m = &optimize.NelderMead{}
	}
	s := &starter{index: i, method: m, bestF: math.Inf(1), from: x0,
		conv: optimize.FunctionConverge{Absolute: pr.set.FTolerance, Iterations: 100}}
	s.conv.Init(dim)
	s.conc = m.Init(dim, 1<<20)
	s.ops, s.res = make(chan optimize.Task, s.conc), make(chan optimize.Task, s.conc)
	tasks := make([]optimize.Task, s.conc)
	z := make([]float64, dim)
	for a := range z {
		z[a] = pr.params[a].toZ(x0[a])
	}
	tasks[0].Location = &optimize.Location{X: z}
	for k := 1; k < len(tasks); k++ {
		tasks[k].Location = &optimize.Location{X: make([]float64, dim)}
	}
	go m.Run(s.ops, s.res, tasks)
	return s
}

// collect reads the method's operations until it waits for evaluations
// (s.pending) or is done.
func (s *starter) collect(maxEvals int) {
	for !s.done && len(s.pending) < s.conc {
		t, ok := <-s.ops
		if !ok {
			s.done = true
			return
		}
		switch {
		case t.Op == optimize.MajorIteration:
			if t.F < s.bestF {
				s.bestF, s.bestZ = t.F, append([]float64(nil), t.X...)
			}
			switch {
			case s.conv.Converged(t.Location) != optimize.NotTerminated:
				s.stop("converged")
			case s.evals >= maxEvals:
				s.stop("reached max_evaluations")
			default:
				s.res <- t
			}
		case t.Op == optimize.MethodDone:
			st, err := s.method.(optimize.Statuser).Status()
			s.status = st.String()
			if err != nil {
				s.status += ": " + err.Error()
			}
			s.shutdown()
		case t.Op&optimize.FuncEvaluation != 0:
			s.pending = append(s.pending, t)
		default:
			s.res <- t
		}
	}
}

func (s *starter) stop(why string) {
	s.status = why
	s.shutdown()
}

// shutdown ends the method: PostIteration, close the results, read the
// last operations (a final MajorIteration may carry a better point).
func (s *starter) shutdown() {
	s.res <- optimize.Task{Op: optimize.PostIteration}
	close(s.res)
	for t := range s.ops {
		if t.Op == optimize.MajorIteration && t.F < s.bestF {
			s.bestF, s.bestZ = t.F, append([]float64(nil), t.X...)
		}
	}
	s.done = true
	s.pending = nil
}

// answer returns the evaluated pending tasks to the method, in order.
func (s *starter) answer(fs []float64) {
	for i, t := range s.pending {
		t.F = fs[i]
		s.res <- t
	}
	s.evals += len(s.pending)
	s.pending = s.pending[:0]
}

// optimise runs the optimisation; with opt.Resume the rounds that finished
// before are read back from their studies.
func (c *calibration) optimise(ctx context.Context, st *State) (*Result, error) {
	pr := c.pr
	if err := c.save(st); err != nil {
		return nil, err
	}
	res := &Result{Method: pr.set.Method}
	starts := pr.starts()
	runners := make([]*starter, len(starts))
	for i, x0 := range starts {
		runners[i] = c.newStarter(i, x0)
	}
	defer func() {
		for _, r := range runners {
			if !r.done {
				r.shutdown()
			}
		}
	}()
	total := 0
	var trace []optimRound
	for round := 0; ; round++ {
		var evals []optimEval
		var owners []*starter
		for _, r := range runners {
			r.collect(pr.set.MaxEvaluations)
			for _, t := range r.pending {
				evals = append(evals, optimEval{Start: r.index, Z: append([]float64(nil), t.X...)})
				owners = append(owners, r)
			}
		}
		if len(evals) == 0 {
			break
		}
		label := "round-" + pad(round, 4)
		dir := filepath.Join(c.opt.OutDir, label)
		resumed := finished(dir)
		s := study{dir: dir, label: label, seed: populationSeed(pr.sc.Study.Seed, round),
			seeds: make([]uint64, len(evals)), params: make([]map[string]any, len(evals))}
		for i, e := range evals {
			s.seeds[i] = scenarios.RunSeed(s.seed, i)
			s.params[i] = pr.paramsOf(pr.thetaOf(e.Z))
		}
		outs, err := c.execute(ctx, s)
		if err != nil {
			return nil, err
		}
		x := make([]float64, len(pr.stats))
		for i, o := range outs {
			if err := pr.simulate(x, o.Done, o.Outputs, o.Dir); err != nil {
				return nil, err
			}
			f := -pr.logLik(x)
			if math.IsInf(f, 0) || math.IsNaN(f) {
				f = failedObjective
			}
			evals[i].F = f
		}
		if resumed {
			res.Resumed++
		}
		trace = append(trace, optimRound{evals})
		total += len(evals)
		byOwner := map[*starter][]float64{}
		for i, e := range evals {
			byOwner[owners[i]] = append(byOwner[owners[i]], e.F)
		}
		best := math.Inf(1)
		for _, r := range runners {
			if fs, ok := byOwner[r]; ok {
				r.answer(fs)
			}
			best = math.Min(best, r.bestF)
		}
		for _, e := range evals {
			best = math.Min(best, e.F)
		}
		if c.opt.Report != nil {
			c.opt.Report(Step{Method: pr.set.Method, Index: round, Tolerance: best, Simulations: len(evals), Total: total, Resumed: resumed})
		}
	}
	res.Steps, res.Simulations = len(trace), total
	res.Stop = StopConverged
	for _, r := range runners {
		if r.status == "reached max_evaluations" {
			res.Stop = StopEvaluations
		}
	}
	sum, err := c.finishOptimisation(ctx, trace, runners, res)
	if err != nil {
		return nil, err
	}
	res.Summary = sum
	return res, nil
}

// optimRound is one round's evaluations, in the order they were asked for.
type optimRound struct {
	Evals []optimEval
}

// finishOptimisation picks the best start, computes the Hessian at its
// optimum (one study), draws the Laplace approximation N(θ̂, H⁻¹) into
// posterior.csv, writes trace.csv, runs the predictive study and writes
// calibration.json.
func (c *calibration) finishOptimisation(ctx context.Context, trace []optimRound, runners []*starter, res *Result) (*Summary, error) {
	pr := c.pr
	sum := c.newSummary(res)
	bestStart := -1
	for i, r := range runners {
		sr := StartResult{Start: i, From: r.from, Objective: num(r.bestF), Evaluations: r.evals, Status: r.status}
		if r.bestZ != nil {
			sr.Estimate = pr.thetaOf(r.bestZ)
			if bestStart < 0 || r.bestF < runners[bestStart].bestF {
				bestStart = i
			}
		}
		sum.Starts = append(sum.Starts, sr)
	}
	if bestStart < 0 || runners[bestStart].bestF >= failedObjective {
		return nil, fmt.Errorf("no start of the optimisation reached a point where the model ran (see %s)", c.opt.OutDir)
	}
	theta := pr.thetaOf(runners[bestStart].bestZ)
	sum.Objective = num(runners[bestStart].bestF)
	if err := c.writeTrace(trace); err != nil {
		return nil, err
	}
	var cov *mat.SymDense
	if pr.set.Hessian {
		var err error
		if cov, err = c.hessianCovariance(ctx, theta, runners[bestStart].bestF); err != nil {
			return nil, err
		}
	}
	// The posterior: the Laplace approximation's draws, else the optimum.
	draws, weights := [][]float64{theta}, []float64{1}
	if cov != nil {
		draws, weights = c.laplaceDraws(theta, cov)
	}
	post := &Population{Theta: draws, Weights: weights, Distances: make([]float64, len(draws)), Runs: make([]string, len(draws))}
	post.Distances[0] = runners[bestStart].bestF
	for i := 1; i < len(draws); i++ {
		post.Distances[i] = math.NaN()
	}
	if err := c.writeLaplace(post); err != nil {
		return nil, err
	}
	sum.Params = c.paramSummaries(draws, weights)
	for a := range sum.Params {
		sum.Params[a].Estimate = num(theta[a])
		if cov != nil {
			sum.Params[a].SE = num(math.Sqrt(cov.At(a, a)))
		}
	}
	if len(draws) > 1 {
		sum.Correlations = correlations(draws, weights)
	} else {
		sum.Correlations = identity(len(theta))
	}
	if err := c.fit(ctx, sum, draws, weights, nil); err != nil {
		return nil, err
	}
	return sum, writeJSON(filepath.Join(c.opt.OutDir, SummaryFile), sum)
}

func identity(d int) [][]float64 {
	out := make([][]float64, d)
	for a := range out {
		out[a] = make([]float64, d)
		out[a][a] = 1
	}
	return out
}

// hessianCovariance evaluates the objective's Hessian at θ̂ by central
// finite differences (one study of 2d² runs, step h_a = 10⁻² of |θ_a| or of
// the bounds' width) and returns its inverse — the asymptotic covariance
// of the maximum-likelihood estimate — or nil when it is not positive
// definite (θ̂ on a bound, a flat direction). The step is 1 %, not the
// 10⁻⁴ a smooth function would allow, because a simulator's outputs are
// smooth only above its own numerical resolution: at 10⁻⁴ of σ the atrial
// example's Hessian (activation times detected on the model's time grid)
// was not positive definite, at 10⁻² it is (SEs 0.16 % and 0.44 % of σ_l
// and σ_t). On a smooth objective the central difference's relative error
// is O(h²), about 10⁻⁴.
func (c *calibration) hessianCovariance(ctx context.Context, theta []float64, f0 float64) (*mat.SymDense, error) {
	pr := c.pr
	d := len(theta)
	h := make([]float64, d)
	for a, p := range pr.params {
		h[a] = 1e-2 * math.Max(math.Abs(theta[a]), 1e-8)
		if w := p.prior.hi - p.prior.lo; !math.IsInf(w, 0) && theta[a] == 0 {
			h[a] = 1e-2 * w
		}
	}
	type point struct{ da, db, sa, sb int }
	var pts []point
	for a := range d {
		pts = append(pts, point{a, a, 1, 0}, point{a, a, -1, 0})
		for b := a + 1; b < d; b++ {
			pts = append(pts, point{a, b, 1, 1}, point{a, b, 1, -1}, point{a, b, -1, 1}, point{a, b, -1, -1})
		}
	}
	at := func(p point) []float64 {
		x := append([]float64(nil), theta...)
		x[p.da] += float64(p.sa) * h[p.da]
		if p.sb != 0 {
			x[p.db] += float64(p.sb) * h[p.db]
		}
		return x
	}
	for _, p := range pts {
		x := at(p)
		for a := range x {
			if math.IsInf(pr.logPrior(x), -1) || x[a] < pr.params[a].prior.lo || x[a] > pr.params[a].prior.hi {
				c.log.Info("no Hessian: the optimum lies on a bound", "param", pr.params[a].name)
				return nil, nil
			}
		}
	}
	seed := scenarios.RunSeed(pr.sc.Study.Seed, hessianIndex)
	s := study{dir: filepath.Join(c.opt.OutDir, "hessian"), label: "hessian", seed: seed,
		seeds: make([]uint64, len(pts)), params: make([]map[string]any, len(pts))}
	for i, p := range pts {
		s.seeds[i] = scenarios.RunSeed(seed, i)
		s.params[i] = pr.paramsOf(at(p))
	}
	outs, err := c.execute(ctx, s)
	if err != nil {
		return nil, err
	}
	fs := make([]float64, len(outs))
	x := make([]float64, len(pr.stats))
	for i, o := range outs {
		if err := pr.simulate(x, o.Done, o.Outputs, o.Dir); err != nil {
			return nil, err
		}
		fs[i] = -pr.logLik(x)
	}
	H := mat.NewSymDense(d, nil)
	i := 0
	for a := range d {
		fp, fm := fs[i], fs[i+1]
		i += 2
		H.SetSym(a, a, (fp-2*f0+fm)/(h[a]*h[a]))
		for b := a + 1; b < d; b++ {
			fpp, fpm, fmp, fmm := fs[i], fs[i+1], fs[i+2], fs[i+3]
			i += 4
			H.SetSym(a, b, (fpp-fpm-fmp+fmm)/(4*h[a]*h[b]))
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(H) {
		c.log.Info("no Hessian-based uncertainty: the Hessian at the optimum is not positive definite")
		return nil, nil
	}
	cov := mat.NewSymDense(d, nil)
	if err := chol.InverseTo(cov); err != nil {
		return nil, nil
	}
	return cov, nil
}

// laplaceDraws returns set.Particles draws of N(θ̂, cov) within the
// bounds (redrawn when outside), with equal weights.
func (c *calibration) laplaceDraws(theta []float64, cov *mat.SymDense) ([][]float64, []float64) {
	pr := c.pr
	n := pr.set.Particles
	var chol mat.Cholesky
	chol.Factorize(cov)
	L := mat.NewTriDense(len(theta), mat.Lower, nil)
	chol.LTo(L)
	rng := rand.New(rand.NewPCG(scenarios.RunSeed(pr.sc.Study.Seed, predictiveIndex-1), resampleStream))
	draws := [][]float64{theta}
	for len(draws) < n {
		x := make([]float64, len(theta))
		z := make([]float64, len(theta))
		for tries := 0; ; tries++ {
			for a := range z {
				z[a] = rng.NormFloat64()
			}
			for a := range x {
				x[a] = theta[a]
				for b := 0; b <= a; b++ {
					x[a] += L.At(a, b) * z[b]
				}
			}
			if !math.IsInf(pr.logPrior(x), -1) || tries > 1000 {
				break
			}
		}
		draws = append(draws, x)
	}
	w := make([]float64, len(draws))
	for i := range w {
		w[i] = 1 / float64(len(w))
	}
	return draws, w
}

// writeLaplace writes posterior.csv of an optimisation: the optimum
// (particle 0, with its objective), then the Laplace draws.
func (c *calibration) writeLaplace(p *Population) error {
	head := append([]string{"particle", "weight", "objective", "run"}, c.pr.names()...)
	rows := make([][]string, len(p.Theta))
	for i, th := range p.Theta {
		obj := ""
		if i == 0 {
			obj = models.FormatFloat(p.Distances[0])
		}
		r := []string{strconv.Itoa(i), models.FormatFloat(p.Weights[i]), obj, ""}
		for _, v := range th {
			r = append(r, models.FormatFloat(v))
		}
		rows[i] = r
	}
	return writeCSV(filepath.Join(c.opt.OutDir, PosteriorFile), head, rows)
}

// TraceFile is an optimisation's trace: every evaluation.
const TraceFile = "trace.csv"

func (c *calibration) writeTrace(trace []optimRound) error {
	head := append([]string{"round", "start", "objective"}, c.pr.names()...)
	var rows [][]string
	for r, rd := range trace {
		for _, e := range rd.Evals {
			obj := "Inf"
			if e.F < failedObjective {
				obj = models.FormatFloat(e.F)
			}
			row := []string{strconv.Itoa(r), strconv.Itoa(e.Start), obj}
			for _, v := range c.pr.thetaOf(e.Z) {
				row = append(row, models.FormatFloat(v))
			}
			rows = append(rows, row)
		}
	}
	return writeCSV(filepath.Join(c.opt.OutDir, TraceFile), head, rows)
}
