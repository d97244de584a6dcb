package calibrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/workers"
)

// Options configure Run.
type Options struct {
	OutDir string
	// Resume continues the calibration recorded in OutDir (StateFile): the
	// finished populations are read back, the population that was
	// interrupted resumes its studies. Without Resume, OutDir must be empty
	// or absent.
	Resume bool
	// Model is the model's descriptor, described for the scenario's
	// inputs (models.Configurable).
	Model models.Descriptor
	// NewBackend returns a fresh backend, not started, for the study in
	// the folder dir (a sub-folder of OutDir).
	NewBackend  func(dir string) (workers.Backend, error)
	BackendKind string // for the studies' manifests
	Workers     int
	MaxAttempts int // ≤ 0: engine.DefaultMaxAttempts
	MaxLost     int // ≤ 0: engine.DefaultMaxLost
	// RunTimeout bounds each simulation's wall time (engine.Plan's).
	RunTimeout time.Duration
	// Progress, if not nil, returns the progress display of one study.
	Progress func(label string) engine.Progress
	// Report, if not nil, is called after each population (or optimisation
	// round), also for those read back on resuming.
	Report func(Step)
	Log    *slog.Logger // nil: discard

	// keepTables makes the populations' runs write their tables as every
	// other study's do, instead of keeping only the values the targets
	// compare: for tests that hold the two to the same result.
	keepTables bool
}

// Step is a population's (or an optimisation round's) summary, for
// progress lines.
type Step struct {
	Method      string
	Index       int
	Tolerance   float64 // ε or T (+Inf for population 0); the best objective of an optimisation round
	Acceptance  float64 // acceptance rate (ABC-SMC)
	ESS         float64 // effective sample size (ABC-SMC)
	Simulations int     // simulated in this step
	Total       int     // simulated so far
	Resumed     bool    // read back from the output folder
}

// Result is what Run returns.
type Result struct {
	Method      string
	Stop        string // why the calibration ended
	Steps       int    // populations or optimisation rounds
	Simulations int    // model runs in all (posterior-predictive runs excluded)
	Resumed     int    // steps read back from the output folder
	Summary     *Summary
}

// calibration is one run of Run.
type calibration struct {
	pr       *problem
	opt      Options
	log      *slog.Logger
	studyLog *slog.Logger // for the engine's studies

	prevLogLikMax float64 // the previous population's LogLikMax, for schedule
}

// minLevel is a slog handler that drops records below min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}
func (h minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(a), h.min}
}
func (h minLevel) WithGroup(g string) slog.Handler { return minLevel{h.Handler.WithGroup(g), h.min} }

// Run calibrates sc's model to its targets by sc's [calibrate] method and
// writes the outputs to opt.OutDir (see the package documentation).
// Errors the user can fix are *scenarios.Error or *engine.InputError.
func Run(ctx context.Context, sc *scenarios.Scenario, opt Options) (*Result, error) {
	pr, err := compile(sc, opt.Model)
	if err != nil {
		return nil, err
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = engine.DefaultMaxAttempts
	}
	c := &calibration{pr: pr, opt: opt, log: opt.Log}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	// A calibration runs many studies: their start and end lines would
	// drown the populations; their warnings and errors (failed runs) stay.
	c.studyLog = slog.New(minLevel{c.log.Handler(), slog.LevelWarn})
	_, statErr := os.Stat(opt.OutDir)
	// One process at a time in a calibration folder (its studies take
	// their own folders' locks as well).
	lock, err := engine.LockFolder(opt.OutDir)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	st, err := c.start()
	if err != nil {
		return nil, err
	}
	var res *Result
	if pr.set.Method == scenarios.ABCSMC {
		res, err = c.abcSMC(ctx, st)
	} else {
		res, err = c.optimise(ctx, st)
	}
	var ie *engine.InputError
	if errors.As(err, &ie) && !opt.Resume && len(st.Populations) == 0 {
		// Bad input found by the first runs (a data file that does not
		// match the model's table): leave nothing half-written.
		c.removeOutputs(errors.Is(statErr, fs.ErrNotExist))
	}
	return res, err
}

// removeOutputs removes what a calibration wrote into its (empty or
// absent) output folder, and the folder if it created it.
func (c *calibration) removeOutputs(created bool) {
	if created {
		os.RemoveAll(c.opt.OutDir)
		return
	}
	ents, _ := os.ReadDir(c.opt.OutDir)
	for _, e := range ents {
		if e.Name() == engine.LockFile {
			continue
		}
		os.RemoveAll(filepath.Join(c.opt.OutDir, e.Name()))
	}
}

// abcSMC runs ABC-SMC from the populations in st on.
func (c *calibration) abcSMC(ctx context.Context, st *State) (*Result, error) {
	set := c.pr.set
	res := &Result{Method: set.Method, Resumed: len(st.Populations)}
	total := 0
	for i := range st.Populations {
		p := &st.Populations[i]
		total += p.Simulations
		c.report(p, total, true)
	}
	stop := ""
	if n := len(st.Populations); n > 0 {
		stop = c.stopAfter(&st.Populations[n-1], total)
	}
	for t := len(st.Populations); stop == ""; t++ {
		var prev *Population
		if t > 0 {
			prev = &st.Populations[t-1]
		}
		pop, why, err := c.population(ctx, t, prev, total)
		if err != nil {
			return nil, err
		}
		if pop == nil { // the population could not be completed
			if t == 0 {
				return nil, fmt.Errorf("the first population could not be completed: %s", why)
			}
			stop = why
			break
		}
		total += pop.Simulations
		pop.summarise()
		if t > 0 {
			st.Populations[t-1].strip()
		}
		st.Populations = append(st.Populations, *pop)
		if err := c.save(st); err != nil {
			return nil, err
		}
		c.report(pop, total, false)
		stop = c.stopAfter(pop, total)
	}
	res.Stop, res.Steps, res.Simulations = stop, len(st.Populations), total
	final := &st.Populations[len(st.Populations)-1]
	c.log.Info("calibration finished", "populations", len(st.Populations), "simulations", total, "stop", stop)
	sum, err := c.finishABC(ctx, st, final, res)
	if err != nil {
		return nil, err
	}
	res.Summary = sum
	return res, nil
}

func (c *calibration) report(p *Population, total int, resumed bool) {
	if c.opt.Report == nil {
		return
	}
	tol := math.Inf(1)
	if p.Tolerance != nil {
		tol = *p.Tolerance
	}
	c.opt.Report(Step{Method: c.pr.set.Method, Index: p.Index, Tolerance: tol, Acceptance: p.AcceptanceRate(), ESS: p.ESS,
		Simulations: p.Simulations, Total: total, Resumed: resumed})
}

// The reasons a calibration stops.
const (
	StopTolerance     = "reached the final tolerance"
	StopTemperature   = "reached temperature 1: the exact posterior"
	StopPopulations   = "reached max_populations"
	StopAcceptance    = "the acceptance rate fell below min_acceptance"
	StopBudget        = "used the simulation budget (max_simulations)"
	StopConverged     = "every start converged"
	StopEvaluations   = "reached max_evaluations"
	stopNotCompleting = "could not complete the population: "
)

// stopAfter returns why the calibration ends after population p ("" to go
// on), total simulations having been run.
func (c *calibration) stopAfter(p *Population, total int) string {
	set := c.pr.set
	switch {
	case p.Tolerance != nil && set.Acceptance == scenarios.Threshold && set.MinTolerance > 0 && *p.Tolerance <= set.MinTolerance:
		return StopTolerance
	case p.Tolerance != nil && set.Acceptance == scenarios.Stochastic && *p.Tolerance <= 1:
		return StopTemperature
	case p.Index+1 >= set.MaxPopulations:
		return StopPopulations
	case p.Index > 0 && p.AcceptanceRate() < set.MinAcceptance:
		return StopAcceptance
	case set.MaxSimulations > 0 && total >= set.MaxSimulations:
		return StopBudget
	}
	return ""
}

// population runs population t from prev (nil for t = 0), total
// simulations having been run before it. It returns nil and the reason when
// the population cannot be completed within the budget or above the
// minimum acceptance rate.
func (c *calibration) population(ctx context.Context, t int, prev *Population, total int) (*Population, string, error) {
	pr, set := c.pr, c.pr.set
	n := set.Particles
	stochastic := set.Acceptance == scenarios.Stochastic
	var k *kernel
	tol, expected := math.Inf(1), 1.0
	scales := pr.standardScales()
	if prev != nil {
		var err error
		if k, err = newKernel(prev, set.KernelScale); err != nil {
			return nil, "", fmt.Errorf("population %d: %w", t, err)
		}
		tol, expected = prev.NextTolerance, prev.NextAcceptance
		if prev.NextScales != nil {
			scales = prev.NextScales
		}
	}
	norm := math.Inf(-1) // stochastic acceptance: the largest log-likelihood found before
	if prev != nil {
		norm = prev.LogLikMax
	}
	seed := populationSeed(c.pr.sc.Study.Seed, t)
	maxProposals := int(math.Ceil(float64(n) / set.MinAcceptance))
	pop := &Population{Index: t}
	var usedX [][]float64 // statistics of the proposals up to the N-th acceptance
	var usedScore []float64
	var accX [][]float64
	proposals := 0 // proposals simulated so far in this population
	used := 0
	for b := 0; len(pop.Theta) < n; b++ {
		need := n - len(pop.Theta)
		// Over-propose by the expected acceptance rate, but at most 4N
		// proposals a batch: the rate predicted from the last population's
		// proposals is pessimistic (the new kernel is narrower), and after
		// a batch the rate realised so far sizes the next one.
		size := need
		if expected > 0 && expected < 1 {
			size = int(math.Ceil(float64(need)/expected*1.2)) + 2
		}
		size = min(size, 4*n, maxProposals-proposals)
		if set.MaxSimulations > 0 {
			size = min(size, set.MaxSimulations-total-proposals)
		}
		if size <= 0 {
			why := StopAcceptance
			if set.MaxSimulations > 0 && total+proposals >= set.MaxSimulations {
				why = StopBudget
			}
			c.log.Info("population abandoned", "population", t, "accepted", len(pop.Theta), "proposals", proposals, "reason", why)
			return nil, why, nil
		}
		s := study{dir: filepath.Join(c.opt.OutDir, batchLabel(t, b)), label: batchLabel(t, b), seed: seed,
			seeds: make([]uint64, size), params: make([]map[string]any, size), reduce: true}
		thetas := make([][]float64, size)
		for i := range size {
			s.seeds[i] = scenarios.RunSeed(seed, proposals+i)
			th, err := pr.propose(k, s.seeds[i])
			if err != nil {
				return nil, "", fmt.Errorf("population %d: %w", t, err)
			}
			thetas[i], s.params[i] = th, pr.paramsOf(th)
		}
		c.log.Debug("calibration batch", "population", t, "batch", b, "proposals", size, "accepted", len(pop.Theta), "of", n)
		outs, err := c.execute(ctx, s)
		if err != nil {
			return nil, "", err
		}
		pop.Batches++
		for i, o := range outs {
			if len(pop.Theta) == n {
				break
			}
			x := make([]float64, len(pr.stats))
			if err := pr.simulate(x, o.Done, o.Outputs, o.Dir); err != nil {
				return nil, "", err
			}
			var score float64
			var accept bool
			if stochastic {
				score = pr.logLik(x)
				accept = !math.IsInf(score, -1) && (math.IsInf(tol, 1) || acceptanceUniform(s.seeds[i]) < math.Exp((score-norm)/tol))
			} else {
				score = pr.distance(x, scales)
				accept = !math.IsInf(score, 1) && score <= tol
			}
			if !o.Done {
				pop.Failed++
			}
			usedX, usedScore = append(usedX, x), append(usedScore, score)
			used = proposals + i + 1
			if accept {
				pop.Theta = append(pop.Theta, thetas[i])
				pop.Distances = append(pop.Distances, score)
				pop.Runs = append(pop.Runs, filepath.ToSlash(filepath.Join(s.label, o.ID)))
				accX = append(accX, x)
			}
		}
		proposals += size
		if len(pop.Theta) > 0 {
			expected = float64(len(pop.Theta)) / float64(used)
		} else {
			expected = math.Min(expected, 1/float64(proposals))
		}
	}
	pop.Proposals, pop.Simulations = used, proposals
	if !math.IsInf(tol, 1) {
		pop.Tolerance = &tol
	}
	pop.Weights = pr.importanceWeights(k, pop.Theta)
	pop.ESS = ess(pop.Weights)
	pop.Scales = scales
	c.prevLogLikMax = norm
	c.schedule(pop, tol, usedX, usedScore, accX)
	return pop, "", nil
}

// schedule sets what the next population uses: for threshold acceptance
// the distance scales (MAD of this population's proposals for the adaptive
// distance), the distances of this population's particles under them and
// the tolerance, the α-quantile of those distances (never below
// min_tolerance; Del Moral, Doucet & Jasra 2012, Stat Comput 22:1009); for
// stochastic acceptance the temperature at which this population's
// particles would keep weight α, at most half this one's, never below 1.
// The expected acceptance rate is that of this population's proposals at
// the next tolerance.
func (c *calibration) schedule(pop *Population, tol float64, usedX [][]float64, usedScore []float64, accX [][]float64) {
	pr, set := c.pr, c.pr.set
	alpha := set.Quantile
	if set.Acceptance == scenarios.Stochastic {
		// The log-likelihood is normalised by the largest found so far
		// (pyABC's pdf_norm_max_found), not by that of a perfect fit: with
		// targets no parameter reproduces exactly (noisy data, targets
		// that pull apart) the perfect fit's likelihood is far above any
		// simulation's and the acceptance rate would collapse. A later
		// proposal above it is accepted with probability 1 (clipped), a
		// small bias pyABC accepts too.
		pop.LogLikMax = c.prevLogLikMax // −Inf for population 0
		for _, l := range usedScore {
			pop.LogLikMax = math.Max(pop.LogLikMax, l)
		}
		rel := make([]float64, len(pop.Distances))
		for i, l := range pop.Distances {
			rel[i] = l - pop.LogLikMax
		}
		// Weight α of this population's particles would stay at the next
		// temperature; but at a temperature near this one a population
		// keeps only about 2^(−d/2) of its weight (d the effective
		// number of parameters), so the α rule alone stalls above 1:
		// the temperature also at least halves each population (pyABC
		// takes the smaller of an acceptance-rate and an exponential-decay
		// scheme the same way).
		next := temperature(rel, pop.Weights, alpha, 1, tol)
		next = math.Max(1, math.Min(next, tol/2))
		pop.NextTolerance = next
		var s float64
		for _, l := range usedScore {
			s += math.Exp((l - pop.LogLikMax) / next)
		}
		pop.NextAcceptance = math.Max(s/float64(len(usedScore)), 1/float64(len(usedScore)))
		return
	}
	scales := pr.standardScales()
	if set.Distance == scenarios.Adaptive {
		scales = pr.madScales(usedX)
	}
	pop.NextScales = scales
	d := make([]float64, len(accX))
	for i, x := range accX {
		d[i] = pr.distance(x, scales)
	}
	if pop.Index == 0 {
		pop.Scales, pop.Distances = scales, d // population 0 accepted at ε = ∞: state its distances under the first scales
	}
	next := weightedQuantile(d, pop.Weights, alpha)
	if set.MinTolerance > 0 {
		next = math.Max(next, set.MinTolerance)
	}
	pop.NextTolerance = next
	var hit int
	for _, x := range usedX {
		if pr.distance(x, scales) <= next {
			hit++
		}
	}
	pop.NextAcceptance = math.Max(float64(hit), 1) / float64(len(usedX))
}
