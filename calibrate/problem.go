package calibrate

import (
	"math"
	"slices"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
)

// The defaults of the settings a scenario leaves out.
const (
	DefaultParticles      = 500
	DefaultMaxPopulations = 20
	DefaultQuantile       = 0.5
	DefaultKernelScale    = 2 // Beaumont et al. 2009
	DefaultMinAcceptance  = 0.005
	DefaultPredictive     = 100
	DefaultStarts         = 4
	DefaultMaxEvaluations = 2000
	DefaultFTolerance     = 1e-10
)

// settings are the scenario's [calibrate] settings with defaults filled in.
type settings struct {
	Method         string  `json:"method"`
	Particles      int     `json:"particles"`
	MaxPopulations int     `json:"max_populations,omitempty"`
	MinTolerance   float64 `json:"min_tolerance,omitempty"`
	MinAcceptance  float64 `json:"min_acceptance,omitempty"`
	MaxSimulations int     `json:"max_simulations,omitempty"`
	Quantile       float64 `json:"quantile,omitempty"`
	KernelScale    float64 `json:"kernel_scale,omitempty"`
	Distance       string  `json:"distance,omitempty"`
	Acceptance     string  `json:"acceptance,omitempty"`
	Predictive     int     `json:"predictive"`
	Starts         int     `json:"starts,omitempty"`
	MaxEvaluations int     `json:"max_evaluations,omitempty"`
	FTolerance     float64 `json:"f_tolerance,omitempty"`
	Hessian        bool    `json:"hessian,omitempty"`
}

func withDefaults(c *scenarios.Calibration) settings {
	s := settings{Method: c.Method, Particles: c.Particles, Predictive: c.Predictive}
	if s.Particles == 0 {
		s.Particles = DefaultParticles
	}
	if s.Predictive < 0 {
		s.Predictive = DefaultPredictive
	}
	if c.Method == scenarios.ABCSMC {
		s.MaxPopulations, s.MinTolerance, s.MinAcceptance = c.MaxPopulations, c.MinTolerance, c.MinAcceptance
		s.MaxSimulations, s.Quantile, s.Distance, s.Acceptance = c.MaxSimulations, c.Quantile, c.Distance, c.Acceptance
		s.KernelScale = c.KernelScale
		if s.KernelScale == 0 {
			s.KernelScale = DefaultKernelScale
		}
		if s.MaxPopulations == 0 {
			s.MaxPopulations = DefaultMaxPopulations
		}
		if s.MinAcceptance == 0 {
			s.MinAcceptance = DefaultMinAcceptance
		}
		if s.Quantile == 0 {
			s.Quantile = DefaultQuantile
		}
		if s.Distance == "" {
			s.Distance = scenarios.Adaptive
		}
		if s.Acceptance == "" {
			s.Acceptance = scenarios.Threshold
		}
		return s
	}
	s.Starts, s.MaxEvaluations, s.FTolerance, s.Hessian = c.Starts, c.MaxEvaluations, c.FTolerance, true
	if s.Starts == 0 {
		s.Starts = DefaultStarts
	}
	if s.MaxEvaluations == 0 {
		s.MaxEvaluations = DefaultMaxEvaluations
	}
	if s.FTolerance == 0 {
		s.FTolerance = DefaultFTolerance
	}
	if c.Hessian != nil {
		s.Hessian = *c.Hessian
	}
	return s
}

// param is a parameter being calibrated.
type param struct {
	name  string
	unit  string
	prior prior
	start *float64
}

// statistic is one compared number: a scalar target, or one cell (row,
// column) of a table target's data file. Observed and SE are on the
// target's scale (logarithms for scale = "log").
type statistic struct {
	target   int // index in problem.targets
	row, col int // table targets: data row and column; 0 for scalars
	observed float64
	se       float64 // 0: none given
	weight   float64
	poisson  bool    // Poisson count: observed is the count
	exposure float64 // Poisson: expected count = output × exposure
	log      bool    // compare logarithms
	// censor is 0 for an observed value, +1 when the value is known to
	// lie above observed (right-censored), −1 below it (left-censored).
	censor int
}

// problem is a scenario's calibration, checked against the model.
type problem struct {
	sc      *scenarios.Scenario
	desc    models.Descriptor
	set     settings
	params  []param
	targets []scenarios.Target
	stats   []statistic
	tables  []string // output tables the targets read, sorted
}

// compile checks sc's calibration against the model desc: every
// calibrated parameter is a float parameter of the model whose bounds the
// prior overlaps, every target output exists, and the acceptance rule or
// method has what it needs (standard errors). Errors are positioned in
// the scenario.
func compile(sc *scenarios.Scenario, desc models.Descriptor) (*problem, error) {
	c := sc.Calibrate
	if c == nil {
		return nil, sc.Errorf([]string{"calibrate"}, "the scenario has no [calibrate] table: it says what to fit and to what")
	}
	if desc.Name != sc.Study.Model {
		return nil, sc.Errorf([]string{"study", "model"}, "[study] model is %q, but it is being calibrated as model %q", sc.Study.Model, desc.Name)
	}
	pr := &problem{sc: sc, desc: desc, set: withDefaults(c), targets: c.Targets}
	for _, cp := range c.Params {
		path := []string{"calibrate", "params", cp.Name}
		mp, ok := desc.Param(cp.Name)
		if !ok {
			_, err := desc.Resolve(map[string]any{cp.Name: 0.0})
			return nil, sc.Errorf(path, "[calibrate.params] %v", err)
		}
		if mp.Kind != models.Float {
			return nil, sc.Errorf(path, "[calibrate.params] %s: parameter %q of model %q is %s; only float parameters can be calibrated", cp.Name, cp.Name, desc.Name, mp.Kind)
		}
		lo, hi := math.Inf(-1), math.Inf(1)
		if mp.Min != nil {
			lo = *mp.Min
		}
		if mp.Max != nil {
			hi = *mp.Max
		}
		if cp.Lower != nil {
			if *cp.Lower < lo {
				return nil, sc.Errorf(append(path, "lower"), "[calibrate.params] %s: lower = %s is below the model's minimum %s%s", cp.Name, models.FormatFloat(*cp.Lower), models.FormatFloat(lo), unitSuffix(mp.Unit))
			}
			lo = *cp.Lower
		}
		if cp.Upper != nil {
			if *cp.Upper > hi {
				return nil, sc.Errorf(append(path, "upper"), "[calibrate.params] %s: upper = %s is above the model's maximum %s%s", cp.Name, models.FormatFloat(*cp.Upper), models.FormatFloat(hi), unitSuffix(mp.Unit))
			}
			hi = *cp.Upper
		}
		p, err := newPrior(cp.Prior, lo, hi)
		if err != nil {
			return nil, sc.Errorf(append(path, "dist"), "[calibrate.params] %s: %v, the bounds of model %q's parameter and of lower and upper", cp.Name, err, desc.Name)
		}
		if cp.Start != nil && (*cp.Start < p.lo || *cp.Start > p.hi) {
			return nil, sc.Errorf(append(path, "start"), "[calibrate.params] %s: start = %s is outside [%s, %s], the bounds of model %q", cp.Name, models.FormatFloat(*cp.Start), models.FormatFloat(p.lo), models.FormatFloat(p.hi), desc.Name)
		}
		pr.params = append(pr.params, param{name: cp.Name, unit: mp.Unit, prior: p, start: cp.Start})
	}
	needSE := pr.set.Method != scenarios.ABCSMC || pr.set.Acceptance == scenarios.Stochastic || pr.set.Distance == scenarios.Standardised
	for i := range pr.targets {
		t := &pr.targets[i]
		if t.Output != "" {
			if !hasOutput(desc, t.Output) {
				return nil, sc.Errorf(t.KeyPath("output"), "[[calibrate.targets]] %d: model %q has no output %q; its outputs are %s", i+1, desc.Name, t.Output, outputList(desc))
			}
			st := statistic{target: i, observed: t.Observed, weight: t.Weight, log: t.Scale == scenarios.LogScale}
			switch t.Censored {
			case scenarios.RightCensored:
				st.censor = 1
			case scenarios.LeftCensored:
				st.censor = -1
			}
			switch {
			case t.Likelihood == scenarios.PoissonLikelihood:
				st.poisson, st.observed, st.exposure = true, t.Count, t.Exposure
			case st.log:
				st.observed = math.Log(t.Observed)
				st.se = logSE(t.SE, t.CV)
			case t.CV > 0:
				st.se = t.CV * math.Abs(t.Observed)
				if st.se == 0 {
					return nil, sc.Errorf(t.KeyPath("cv"), "[[calibrate.targets]] %d: cv of an observed 0 gives no standard error; give se", i+1)
				}
			default:
				st.se = t.SE
			}
			if needSE && !st.poisson && st.se == 0 {
				return nil, sc.Errorf(t.KeyPath(), "[[calibrate.targets]] %d: %s needs the target's uncertainty: give se or cv", i+1, needsSEWhy(pr.set))
			}
			pr.stats = append(pr.stats, st)
			continue
		}
		if !slices.Contains(pr.tables, t.Table) {
			pr.tables = append(pr.tables, t.Table)
		}
		for r, row := range t.Rows {
			for j, v := range row.Values {
				st := statistic{target: i, row: r, col: j, observed: v, weight: t.Weight, log: t.Scale == scenarios.LogScale}
				se := t.SE
				if t.SEColumn != "" {
					se = row.SE
				}
				switch {
				case st.log:
					st.observed = math.Log(v)
					st.se = logSE(se, t.CV)
				case t.CV > 0:
					st.se = t.CV * math.Abs(v)
				default:
					st.se = se
				}
				if needSE && st.se == 0 {
					return nil, sc.Errorf(t.KeyPath(), "[[calibrate.targets]] %d: %s needs the uncertainty of every data value: give se, cv or se_column (row at line %d has none)", i+1, needsSEWhy(pr.set), row.Line)
				}
				pr.stats = append(pr.stats, st)
			}
		}
	}
	slices.Sort(pr.tables)
	return pr, nil
}

// logSE returns the standard deviation of a logarithm: se as given (on
// the log scale), or from a coefficient of variation, σ = √ln(1 + cv²)
// (the log-normal with that CV).
func logSE(se, cv float64) float64 {
	if cv > 0 {
		return math.Sqrt(math.Log1p(cv * cv))
	}
	return se
}

func needsSEWhy(s settings) string {
	switch {
	case s.Method != scenarios.ABCSMC:
		return "the " + s.Method + " objective (a Gaussian negative log-likelihood)"
	case s.Acceptance == scenarios.Stochastic:
		return "stochastic acceptance (a Gaussian likelihood)"
	}
	return "distance = \"standardised\""
}

func hasOutput(d models.Descriptor, name string) bool {
	for _, o := range d.Outputs {
		if o.Name == name {
			return true
		}
	}
	return false
}

func outputList(d models.Descriptor) string {
	s := ""
	for i, o := range d.Outputs {
		if i > 0 {
			s += ", "
		}
		if i == 12 && len(d.Outputs) > 14 {
			return s + "… (" + models.FormatValue(len(d.Outputs)) + " in all; mdtwin models lists them)"
		}
		s += o.Name
	}
	if s == "" {
		return "none"
	}
	return s
}

func unitSuffix(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}

// names returns the calibrated parameters' names.
func (pr *problem) names() []string {
	out := make([]string, len(pr.params))
	for i, p := range pr.params {
		out[i] = p.name
	}
	return out
}

// logPrior returns the log prior density of θ (−Inf outside the bounds).
func (pr *problem) logPrior(theta []float64) float64 {
	var s float64
	for i, p := range pr.params {
		s += p.prior.logPDF(theta[i])
	}
	return s
}

// paramsOf returns the run's parameters: the scenario's [params] with θ.
func (pr *problem) paramsOf(theta []float64) map[string]any {
	m := make(map[string]any, len(pr.sc.Params)+len(theta))
	for k, v := range pr.sc.Params {
		m[k] = v
	}
	for i, p := range pr.params {
		m[p.name] = theta[i]
	}
	return m
}
