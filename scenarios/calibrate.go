package scenarios

import (
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mdtwin/mdtwin/models"
)

// Calibration is the [calibrate] table: how to fit the model's parameters
// in [calibrate.params] to the targets in [[calibrate.targets]] (package
// calibrate runs it). Zero values of the settings mean "not set": package
// calibrate fills in its defaults.
type Calibration struct {
	Method string // ABCSMC, NelderMead or CMAES

	// ABC-SMC settings.
	Particles      int     // particles per population (optimisation: draws of the Laplace approximation)
	MaxPopulations int     // populations at most
	MinTolerance   float64 // final tolerance of threshold acceptance (0: none)
	MinAcceptance  float64 // stop once a population's acceptance rate is below this (0: not set)
	MaxSimulations int     // simulation budget (0: none)
	Quantile       float64 // α of the tolerance schedule (0: not set)
	KernelScale    float64 // the perturbation kernel's covariance over the population's (0: not set)
	Distance       string  // Adaptive or Standardised ("": not set)
	Acceptance     string  // Threshold or Stochastic ("": not set)
	Predictive     int     // posterior-predictive runs; -1: not set

	// Optimisation settings.
	Starts         int     // starting points (0: not set)
	MaxEvaluations int     // model evaluations per start (0: not set)
	FTolerance     float64 // stop a start once its best objective improves by less than this over 20 iterations (0: not set)
	Hessian        *bool   // compute the Hessian at the optimum (nil: not set)

	Params  []CalibrationParam // [calibrate.params], in file order
	Targets []Target           // [[calibrate.targets]], in file order
}

// The calibration methods.
const (
	ABCSMC     = "abc-smc"     // approximate Bayesian computation by sequential Monte Carlo
	NelderMead = "nelder-mead" // Nelder–Mead simplex (gonum/optimize)
	CMAES      = "cma-es"      // covariance matrix adaptation (gonum/optimize CmaEsChol)
)

// The distances and acceptance rules of ABC-SMC.
const (
	Adaptive     = "adaptive"     // each statistic scaled by its MAD over the last population
	Standardised = "standardised" // each statistic scaled by its target's standard error
	Threshold    = "threshold"    // accept when the distance is within the tolerance
	Stochastic   = "stochastic"   // accept with probability (L/Lmax)^(1/T)
)

// The likelihoods and scales of a target.
const (
	NormalLikelihood  = "normal"
	PoissonLikelihood = "poisson"
	LinearScale       = "linear"
	LogScale          = "log"
)

// The censoring of a target's observation (Target.Censored). A censored
// observation is a bound, not a value: "right" says the true value lies
// above observed (an event not seen before the end of a recording: an
// onset "after 500 ms"), "left" that it lies below (a concentration under
// the limit of quantification). The likelihood is then the probability
// that the observation falls beyond the bound (Klein & Moeschberger 2003,
// Survival Analysis, 2nd ed., §3.5).
const (
	RightCensored = "right"
	LeftCensored  = "left"
)

// CalibrationParam is one entry of [calibrate.params]: a model parameter
// to fit, its prior and optional bounds that truncate it.
type CalibrationParam struct {
	Name  string
	Prior *Dist    // a continuous distribution
	Lower *float64 // nil: the prior's support (and the model's bound)
	Upper *float64
	Start *float64 // optimisation: the first start (nil: the prior's median)
}

// Target is one [[calibrate.targets]] entry: a model output compared with
// an observation, or an output table compared with a data file.
type Target struct {
	Name   string // label in reports: name, else the output, else table:column…
	Source string // where the observation comes from, shown in the report
	Weight float64

	// A scalar output.
	Output   string
	Observed float64 // normal likelihood: the observed value
	SE, CV   float64 // standard error, or coefficient of variation (SE = CV·|observed|); 0: not given

	// A Poisson count: the expected count is the output times Exposure.
	Count    float64
	Exposure float64

	// An output table compared with a data file.
	Table    string
	Data     string   // the file as written in the scenario
	DataPath string   // the file, resolved against the scenario's folder
	Key      string   // column matched between the data and the table
	Columns  []string // compared columns
	SEColumn string   // data column of per-row standard errors ("": none)
	Rows     []DataRow

	Likelihood string // NormalLikelihood or PoissonLikelihood
	Scale      string // LinearScale or LogScale
	// Censored is "" (observed is the value), RightCensored (the value
	// lies above observed) or LeftCensored (below it); scalar normal
	// targets only.
	Censored string

	index int // position in [[calibrate.targets]]
}

// DataRow is one row of a target's data file.
type DataRow struct {
	Line   int       // line in the file, from 1
	Key    float64   // the key column
	Values []float64 // the compared columns, in Target.Columns order
	SE     float64   // the SE column; 0 when there is none
}

// Key returns the key path of the target's entry, for Scenario.Errorf.
func (t *Target) KeyPath(key ...string) []string {
	return append([]string{"calibrate", "targets", elem(t.index)}, key...)
}

// Index returns the target's position in [[calibrate.targets]], from 0.
func (t *Target) Index() int { return t.index }

var (
	calibrateKeys = []string{"method", "particles", "max_populations", "min_tolerance", "min_acceptance",
		"max_simulations", "quantile", "kernel_scale", "distance", "acceptance", "predictive", "starts", "max_evaluations",
		"f_tolerance", "hessian", "params", "targets"}
	calibrateMethods = []string{ABCSMC, NelderMead, CMAES}
	targetKeys       = []string{"name", "source", "weight", "output", "observed", "se", "cv", "likelihood",
		"count", "exposure", "table", "data", "key", "columns", "se_column", "scale", "censored"}
	boundKeys = []string{"lower", "upper", "start"}
)

// parseCalibrate reads the [calibrate] table.
func (s *Scenario) parseCalibrate(raw map[string]any) error {
	t, err := s.table(raw, "calibrate", calibrateKeys)
	if err != nil || t == nil {
		return err
	}
	at := func(k ...string) []string { return append([]string{"calibrate"}, k...) }
	c := &Calibration{Method: ABCSMC, Predictive: -1}
	if v, ok := t["method"]; ok {
		m, ok := v.(string)
		if !ok || !slices.Contains(calibrateMethods, m) {
			return s.Errorf(at("method"), "[calibrate] method must be one of: %s; got %s", strings.Join(calibrateMethods, ", "), describe(v))
		}
		c.Method = m
	}
	optim := c.Method != ABCSMC
	abcOnly := []string{"max_populations", "min_tolerance", "min_acceptance", "max_simulations", "quantile", "kernel_scale", "distance", "acceptance"}
	optimOnly := []string{"starts", "max_evaluations", "f_tolerance", "hessian"}
	for _, k := range s.order(at(), t) {
		if optim && slices.Contains(abcOnly, k) {
			return s.Errorf(at(k), "[calibrate] %s is a setting of method %q, not of %q", k, ABCSMC, c.Method)
		}
		if !optim && slices.Contains(optimOnly, k) {
			return s.Errorf(at(k), "[calibrate] %s is a setting of the optimisers (%s, %s), not of %q", k, NelderMead, CMAES, c.Method)
		}
	}
	ints := []struct {
		key string
		dst *int
		min int
	}{{"particles", &c.Particles, 2}, {"max_populations", &c.MaxPopulations, 1}, {"max_simulations", &c.MaxSimulations, 1},
		{"predictive", &c.Predictive, 0}, {"starts", &c.Starts, 1}, {"max_evaluations", &c.MaxEvaluations, 1}}
	for _, f := range ints {
		if v, ok := t[f.key]; ok {
			n, ok := v.(int64)
			if !ok || n < int64(f.min) || n > MaxRuns {
				return s.Errorf(at(f.key), "[calibrate] %s must be an integer from %d to %d, got %s", f.key, f.min, MaxRuns, describe(v))
			}
			*f.dst = int(n)
		}
	}
	floatIn := func(key string, dst *float64, ok func(float64) bool, want string) error {
		v, present := t[key]
		if !present {
			return nil
		}
		x, isNum := number(v)
		if !isNum || !ok(x) {
			return s.Errorf(at(key), "[calibrate] %s must be %s, got %s", key, want, describe(v))
		}
		*dst = x
		return nil
	}
	if err := floatIn("min_tolerance", &c.MinTolerance, func(x float64) bool { return x > 0 && !math.IsInf(x, 0) },
		"a finite number > 0 (a distance of exactly 0 is an impossible tolerance: leave it out to stop by acceptance rate, populations or budget)"); err != nil {
		return err
	}
	if err := floatIn("min_acceptance", &c.MinAcceptance, func(x float64) bool { return x > 0 && x < 1 }, "a number in (0, 1)"); err != nil {
		return err
	}
	if err := floatIn("quantile", &c.Quantile, func(x float64) bool { return x > 0 && x < 1 }, "a number in (0, 1)"); err != nil {
		return err
	}
	if err := floatIn("kernel_scale", &c.KernelScale, func(x float64) bool { return x > 0 && x <= 100 }, "a number in (0, 100]"); err != nil {
		return err
	}
	if err := floatIn("f_tolerance", &c.FTolerance, func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }, "a finite number > 0"); err != nil {
		return err
	}
	choice := func(key string, dst *string, choices ...string) error {
		if v, ok := t[key]; ok {
			x, ok := v.(string)
			if !ok || !slices.Contains(choices, x) {
				return s.Errorf(at(key), "[calibrate] %s must be one of: %s; got %s", key, strings.Join(choices, ", "), describe(v))
			}
			*dst = x
		}
		return nil
	}
	if err := choice("distance", &c.Distance, Adaptive, Standardised); err != nil {
		return err
	}
	if err := choice("acceptance", &c.Acceptance, Threshold, Stochastic); err != nil {
		return err
	}
	if c.Acceptance == Stochastic && c.MinTolerance > 0 {
		return s.Errorf(at("min_tolerance"), "[calibrate] min_tolerance is for threshold acceptance; stochastic acceptance ends at temperature 1, the exact posterior")
	}
	if v, ok := t["hessian"]; ok {
		b, ok := v.(bool)
		if !ok {
			return s.Errorf(at("hessian"), "[calibrate] hessian must be true or false, got %s", describe(v))
		}
		c.Hessian = &b
	}
	if err := s.parseCalibrateParams(c, t); err != nil {
		return err
	}
	if err := s.parseTargets(c, t); err != nil {
		return err
	}
	if s.Sweep != nil {
		return s.Errorf([]string{"sweep"}, "a calibration chooses its runs itself: remove [sweep] (the parameters to fit go in [calibrate.params])")
	}
	if s.Study.Replicates != 1 {
		return s.Errorf([]string{"study", "replicates"}, "a calibration simulates each particle once: remove [study] replicates")
	}
	s.Calibrate = c
	return nil
}

// number returns v as a float64 when it is a TOML integer or float.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x)
	}
	return 0, false
}

func (s *Scenario) parseCalibrateParams(c *Calibration, t map[string]any) error {
	at := func(k ...string) []string { return append([]string{"calibrate", "params"}, k...) }
	v, ok := t["params"]
	if !ok {
		return s.Errorf([]string{"calibrate"}, "[calibrate] has no params: add a [calibrate.params] table with the parameters to fit and their priors")
	}
	params, ok := v.(map[string]any)
	if !ok {
		return s.Errorf(at(), "[calibrate] params must be a table, got %s", describe(v))
	}
	if len(params) == 0 {
		return s.Errorf(at(), "[calibrate.params] is empty: list at least one parameter to fit")
	}
	for _, name := range s.order(at(), params) {
		path := at(name)
		if _, dup := s.Params[name]; dup {
			return s.Errorf(path, "parameter %q is both in [params] and in [calibrate.params]; give it in one place", name)
		}
		tab, ok := params[name].(map[string]any)
		if !ok {
			return s.Errorf(path, "[calibrate.params] %s must be a prior such as { dist = \"uniform\", min = 0, max = 1 }, got %s", name, describe(params[name]))
		}
		p := CalibrationParam{Name: name}
		dist := map[string]any{}
		for k, x := range tab {
			if !slices.Contains(boundKeys, k) {
				dist[k] = x
			}
		}
		if kind, ok := tab["dist"].(string); ok {
			for _, dk := range distKinds {
				if dk.kind != kind {
					continue
				}
				allowed := append(append([]string{"dist"}, dk.keys...), boundKeys...)
				if k, bad := s.firstUnknown(path, tab, allowed); bad {
					return s.Errorf(append(path, k), "unknown key %q in [calibrate.params] %s (%s prior), expected one of: %s", k, name, kind, strings.Join(allowed, ", "))
				}
			}
		}
		d, err := s.parseDist(name, path, dist)
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.Msg = strings.ReplaceAll(e.Msg, "[sweep.params]", "[calibrate.params]")
			}
			return err
		}
		if !d.Continuous() {
			return s.Errorf(append(path, "dist"), "[calibrate.params] %s: a calibrated parameter needs a continuous prior, not %s", name, d.Kind)
		}
		p.Prior = d
		for _, k := range boundKeys {
			x, present := tab[k]
			if !present {
				continue
			}
			f, isNum := number(x)
			if !isNum || math.IsInf(f, 0) {
				return s.Errorf(append(path, k), "[calibrate.params] %s.%s must be a finite number, got %s", name, k, describe(x))
			}
			switch k {
			case "lower":
				p.Lower = &f
			case "upper":
				p.Upper = &f
			case "start":
				p.Start = &f
			}
		}
		if err := s.checkPriorBounds(p, path); err != nil {
			return err
		}
		c.Params = append(c.Params, p)
	}
	return nil
}

// Support returns the interval outside which the prior has no density:
// [lo, hi], either end possibly infinite.
func (d *Dist) Support() (lo, hi float64) {
	switch d.Kind {
	case Uniform, Beta, Triangular:
		return d.Min, d.Max
	case LogNormal, Gamma:
		return 0, math.Inf(1)
	}
	return math.Inf(-1), math.Inf(1)
}

// checkPriorBounds refuses bounds that leave the prior no probability: a
// lower bound at or above the upper one, or bounds outside the prior's
// support.
func (s *Scenario) checkPriorBounds(p CalibrationParam, path []string) error {
	lo, hi := p.Prior.Support()
	f := models.FormatFloat
	if p.Lower != nil && p.Upper != nil && *p.Lower >= *p.Upper {
		return s.Errorf(append(path, "upper"), "[calibrate.params] %s: lower must be less than upper, got lower = %s, upper = %s", p.Name, f(*p.Lower), f(*p.Upper))
	}
	if p.Lower != nil && *p.Lower >= hi {
		return s.Errorf(append(path, "lower"), "[calibrate.params] %s: lower = %s leaves the prior %s no probability (its support ends at %s)", p.Name, f(*p.Lower), p.Prior, f(hi))
	}
	if p.Upper != nil && *p.Upper <= lo {
		return s.Errorf(append(path, "upper"), "[calibrate.params] %s: upper = %s leaves the prior %s no probability (its support starts at %s)", p.Name, f(*p.Upper), p.Prior, f(lo))
	}
	if p.Start != nil {
		l, h := max(lo, orInf(p.Lower, -1)), min(hi, orInf(p.Upper, 1))
		if *p.Start < l || *p.Start > h || (*p.Start == l && lo == l && (p.Prior.Kind == LogNormal || p.Prior.Kind == Gamma)) {
			return s.Errorf(append(path, "start"), "[calibrate.params] %s: start = %s is outside the prior's range [%s, %s]", p.Name, f(*p.Start), f(l), f(h))
		}
	}
	return nil
}

func orInf(x *float64, sign int) float64 {
	if x == nil {
		return math.Inf(sign)
	}
	return *x
}

func (s *Scenario) parseTargets(c *Calibration, t map[string]any) error {
	v, ok := t["targets"]
	if !ok {
		return s.Errorf([]string{"calibrate"}, "[calibrate] has no targets: add [[calibrate.targets]] entries with the outputs to fit and what was observed")
	}
	var list []map[string]any
	switch x := v.(type) {
	case []map[string]any:
		list = x
	case []any:
		for i, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return s.Errorf([]string{"calibrate", "targets", elem(i)}, "[calibrate] targets[%d] must be a table, got %s", i, describe(e))
			}
			list = append(list, m)
		}
	default:
		return s.Errorf([]string{"calibrate", "targets"}, "[calibrate] targets must be an array of tables ([[calibrate.targets]]), got %s", describe(v))
	}
	if len(list) == 0 {
		return s.Errorf([]string{"calibrate", "targets"}, "[calibrate] targets is empty: give at least one target")
	}
	for i, m := range list {
		tg, err := s.parseTarget(i, m)
		if err != nil {
			return err
		}
		c.Targets = append(c.Targets, tg)
	}
	return nil
}

func (s *Scenario) parseTarget(i int, m map[string]any) (Target, error) {
	tg := Target{index: i, Weight: 1, Likelihood: NormalLikelihood, Scale: LinearScale, Exposure: 1}
	at := func(k ...string) []string { return tg.KeyPath(k...) }
	where := func() string { return "[[calibrate.targets]] " + strconv.Itoa(i+1) }
	if k, bad := s.firstUnknown(at(), m, targetKeys); bad {
		return tg, s.Errorf(at(k), "unknown key %q in %s, expected one of: %s", k, where(), strings.Join(targetKeys, ", "))
	}
	str := func(key string, dst *string) error {
		if v, ok := m[key]; ok {
			x, ok := v.(string)
			if !ok || x == "" || strings.ContainsAny(x, "\n\r") {
				return s.Errorf(at(key), "%s: %s must be a non-empty one-line string, got %s", where(), key, describe(v))
			}
			*dst = x
		}
		return nil
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"name", &tg.Name}, {"source", &tg.Source}, {"output", &tg.Output}, {"table", &tg.Table}, {"data", &tg.Data},
		{"key", &tg.Key}, {"se_column", &tg.SEColumn}, {"likelihood", &tg.Likelihood}, {"scale", &tg.Scale},
		{"censored", &tg.Censored}} {
		if err := str(k.key, k.dst); err != nil {
			return tg, err
		}
	}
	num := func(key string, dst *float64, ok func(float64) bool, want string) error {
		v, present := m[key]
		if !present {
			return nil
		}
		x, isNum := number(v)
		if !isNum || math.IsInf(x, 0) || !ok(x) {
			return s.Errorf(at(key), "%s: %s must be %s, got %s", where(), key, want, describe(v))
		}
		*dst = x
		return nil
	}
	positive := func(x float64) bool { return x > 0 }
	anyNumber := func(float64) bool { return true }
	for _, f := range []struct {
		key  string
		dst  *float64
		ok   func(float64) bool
		want string
	}{{"weight", &tg.Weight, positive, "a finite number > 0"}, {"observed", &tg.Observed, anyNumber, "a finite number"},
		{"se", &tg.SE, positive, "a finite number > 0"}, {"cv", &tg.CV, positive, "a finite number > 0"},
		{"count", &tg.Count, func(x float64) bool { return x >= 0 && x == math.Trunc(x) }, "a whole number >= 0"},
		{"exposure", &tg.Exposure, positive, "a finite number > 0"}} {
		if err := num(f.key, f.dst, f.ok, f.want); err != nil {
			return tg, err
		}
	}
	if !slices.Contains([]string{NormalLikelihood, PoissonLikelihood}, tg.Likelihood) {
		return tg, s.Errorf(at("likelihood"), "%s: likelihood must be %q or %q, got %q", where(), NormalLikelihood, PoissonLikelihood, tg.Likelihood)
	}
	if !slices.Contains([]string{LinearScale, LogScale}, tg.Scale) {
		return tg, s.Errorf(at("scale"), "%s: scale must be %q or %q, got %q", where(), LinearScale, LogScale, tg.Scale)
	}
	if tg.Censored != "" && tg.Censored != RightCensored && tg.Censored != LeftCensored {
		return tg, s.Errorf(at("censored"), "%s: censored must be %q (the value lies above observed) or %q (below it), got %q", where(), RightCensored, LeftCensored, tg.Censored)
	}
	if _, ok := m["se"]; ok {
		if _, ok := m["cv"]; ok {
			return tg, s.Errorf(at("cv"), "%s: give se or cv, not both", where())
		}
	}
	if v, ok := m["columns"]; ok {
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return tg, s.Errorf(at("columns"), "%s: columns must be a non-empty list of column names, got %s", where(), describe(v))
		}
		for j, x := range list {
			c, ok := x.(string)
			if !ok || c == "" {
				return tg, s.Errorf(at("columns", elem(j)), "%s: columns[%d] must be a column name, got %s", where(), j, describe(x))
			}
			tg.Columns = append(tg.Columns, c)
		}
	}
	_, hasObserved := m["observed"]
	_, hasCount := m["count"]
	switch {
	case tg.Output != "" && tg.Table != "":
		return tg, s.Errorf(at("table"), "%s: give output (a scalar output) or table (an output table with a data file), not both", where())
	case tg.Output == "" && tg.Table == "":
		return tg, s.Errorf(at(), "%s: missing output (a scalar output of the model) or table (an output table compared with a data file)", where())
	case tg.Output != "":
		for _, k := range []string{"data", "key", "columns", "se_column"} {
			if _, ok := m[k]; ok {
				return tg, s.Errorf(at(k), "%s: %s is for a table target (table = ..., data = ...), not for output %q", where(), k, tg.Output)
			}
		}
		if tg.Likelihood == PoissonLikelihood {
			switch {
			case !hasCount:
				return tg, s.Errorf(at(), "%s: missing count, the observed number of events of a Poisson target", where())
			case hasObserved:
				return tg, s.Errorf(at("observed"), "%s: a Poisson target gives count (and exposure), not observed", where())
			case tg.SE > 0 || tg.CV > 0:
				return tg, s.Errorf(at(), "%s: a Poisson target's uncertainty follows from its count: remove se and cv", where())
			case tg.Scale == LogScale:
				return tg, s.Errorf(at("scale"), "%s: a Poisson target is compared on the count scale: remove scale", where())
			}
			if tg.Censored != "" {
				return tg, s.Errorf(at("censored"), "%s: a Poisson target cannot be censored: give its count", where())
			}
			tg.Observed = tg.Count / tg.Exposure
		} else {
			if !hasObserved {
				return tg, s.Errorf(at(), "%s: missing observed, the value the output %q should reproduce", where(), tg.Output)
			}
			for _, k := range []string{"count", "exposure"} {
				if _, ok := m[k]; ok {
					return tg, s.Errorf(at(k), "%s: %s is for likelihood = \"poisson\"", where(), k)
				}
			}
			if tg.Scale == LogScale && tg.Observed <= 0 {
				return tg, s.Errorf(at("observed"), "%s: observed must be > 0 on the log scale, got %s", where(), models.FormatFloat(tg.Observed))
			}
		}
		if tg.Name == "" {
			tg.Name = tg.Output
		}
	default: // a table target
		if tg.Data == "" {
			return tg, s.Errorf(at(), "%s: missing data, the CSV file compared with table %q", where(), tg.Table)
		}
		for _, k := range []string{"observed", "count", "exposure"} {
			if _, ok := m[k]; ok {
				return tg, s.Errorf(at(k), "%s: %s is for a scalar output target; a table target's observations are in its data file", where(), k)
			}
		}
		if tg.Likelihood == PoissonLikelihood {
			return tg, s.Errorf(at("likelihood"), "%s: a table target has a normal likelihood", where())
		}
		if tg.Censored != "" {
			return tg, s.Errorf(at("censored"), "%s: censored is for a scalar output target (output = ...), not a table target", where())
		}
		if tg.SEColumn != "" && (tg.SE > 0 || tg.CV > 0) {
			return tg, s.Errorf(at("se_column"), "%s: give se, cv or se_column, not several", where())
		}
		tg.DataPath = tg.Data
		if !filepath.IsAbs(tg.DataPath) {
			tg.DataPath = filepath.Join(filepath.Dir(s.File), tg.Data)
		}
		if err := s.loadTargetData(&tg); err != nil {
			return tg, err
		}
		if tg.Name == "" {
			tg.Name = tg.Table + ":" + strings.Join(tg.Columns, ",")
		}
	}
	return tg, nil
}
