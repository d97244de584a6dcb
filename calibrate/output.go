package calibrate

import (
	"context"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
)

// The output files of a calibration.
const (
	PosteriorFile   = "posterior.csv"
	PopulationsFile = "populations.csv"
	SummaryFile     = "calibration.json"
	PredictiveDir   = "predictive"
)

// Summary is calibration.json: the posterior (or the optimum) and the fit
// to each target.
type Summary struct {
	Study        string          `json:"study"`
	Model        string          `json:"model"`
	ModelVersion string          `json:"model_version"`
	Scenario     string          `json:"scenario"`
	ScenarioHash string          `json:"scenario_hash"`
	Seed         uint64          `json:"seed"`
	Method       string          `json:"method"`
	Settings     settings        `json:"settings"`
	Stop         string          `json:"stop"`
	Steps        int             `json:"steps"` // populations, or optimisation rounds
	Simulations  int             `json:"simulations"`
	Tolerance    *float64        `json:"final_tolerance,omitempty"`
	ESS          *float64        `json:"ess,omitempty"`
	Objective    *float64        `json:"objective,omitempty"` // optimisation: the best objective
	Params       []ParamSummary  `json:"params"`
	Correlations [][]float64     `json:"correlations"` // parameter order
	Targets      []TargetFit     `json:"targets"`
	Predictive   *PredictiveInfo `json:"predictive,omitempty"`
	Starts       []StartResult   `json:"starts,omitempty"` // optimisation
}

// ParamSummary summarises one parameter's posterior (weighted particles,
// or the Laplace approximation of an optimisation).
type ParamSummary struct {
	Name     string   `json:"name"`
	Unit     string   `json:"unit,omitempty"`
	Prior    string   `json:"prior"`
	Lower    *float64 `json:"lower,omitempty"`
	Upper    *float64 `json:"upper,omitempty"`
	Mean     *float64 `json:"mean"`
	SD       *float64 `json:"sd"`
	Q025     *float64 `json:"q025"`
	Q05      *float64 `json:"q05"`
	Q50      *float64 `json:"q50"`
	Q95      *float64 `json:"q95"`
	Q975     *float64 `json:"q975"`
	Estimate *float64 `json:"estimate,omitempty"` // optimisation: the optimum
	SE       *float64 `json:"se,omitempty"`       // optimisation: from the Hessian
}

// TargetFit compares one target with the model's predictions.
type TargetFit struct {
	Name       string   `json:"name"`
	Source     string   `json:"source,omitempty"`
	Output     string   `json:"output,omitempty"`
	Table      string   `json:"table,omitempty"`
	Data       string   `json:"data,omitempty"`
	Key        string   `json:"key_column,omitempty"`
	Likelihood string   `json:"likelihood"`
	Scale      string   `json:"scale"`
	Censored   string   `json:"censored,omitempty"` // "right": the value lies above observed; "left": below it
	Weight     float64  `json:"weight"`
	Cells      []Cell   `json:"cells"`           // one per statistic: one for a scalar target
	RMSZ       *float64 `json:"rms_z,omitempty"` // root mean square of the cells' z
	Within     *bool    `json:"within_95,omitempty"`
}

// Cell is one compared number: observed and predicted, in the output's
// units (a Poisson target's rate: count/exposure).
type Cell struct {
	Key    *float64 `json:"key,omitempty"` // table targets: the key value
	Column string   `json:"column,omitempty"`
	Obs    float64  `json:"observed"`
	SE     *float64 `json:"se,omitempty"`
	Mean   *float64 `json:"predicted_mean"`
	SD     *float64 `json:"predicted_sd"`
	Q025   *float64 `json:"predicted_q025"`
	Q50    *float64 `json:"predicted_q50"`
	Q975   *float64 `json:"predicted_q975"`
	// Z is (mean predicted − observed)/SE on the statistic's scale
	// (logarithms for scale = "log", counts for Poisson targets); for a
	// censored target only a shortfall beyond its bound counts (0 when the
	// mean prediction lies on the side the observation allows).
	Z *float64 `json:"z,omitempty"`
}

// PredictiveInfo describes the posterior-predictive study.
type PredictiveInfo struct {
	Dir    string `json:"dir"`
	Runs   int    `json:"runs"`
	Failed int    `json:"failed"`
}

func num(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// finishABC writes posterior.csv, populations.csv, the posterior-predictive
// study and calibration.json.
func (c *calibration) finishABC(ctx context.Context, st *State, final *Population, res *Result) (*Summary, error) {
	if err := c.writePosterior(final); err != nil {
		return nil, err
	}
	if err := c.writePopulations(st.Populations); err != nil {
		return nil, err
	}
	sum := c.newSummary(res)
	sum.Tolerance, sum.ESS = final.Tolerance, num(final.ESS)
	sum.Params = c.paramSummaries(final.Theta, final.Weights)
	sum.Correlations = correlations(final.Theta, final.Weights)
	if err := c.fit(ctx, sum, final.Theta, final.Weights, final.Runs); err != nil {
		return nil, err
	}
	return sum, writeJSON(filepath.Join(c.opt.OutDir, SummaryFile), sum)
}

func (c *calibration) newSummary(res *Result) *Summary {
	sc := c.pr.sc
	return &Summary{Study: sc.Study.Name, Model: c.pr.desc.Name, ModelVersion: c.pr.desc.Version, Scenario: sc.File,
		ScenarioHash: sc.Hash, Seed: sc.Study.Seed, Method: c.pr.set.Method, Settings: c.pr.set, Stop: res.Stop,
		Steps: res.Steps, Simulations: res.Simulations}
}

// writePosterior writes posterior.csv: one row per particle, in the order
// they were accepted: particle, weight, distance (or log_likelihood), run,
// then the parameters.
func (c *calibration) writePosterior(p *Population) error {
	score := "distance"
	if c.pr.set.Acceptance == scenarios.Stochastic {
		score = "log_likelihood"
	}
	head := append([]string{"particle", "weight", score, "run"}, c.pr.names()...)
	rows := make([][]string, len(p.Theta))
	for i, th := range p.Theta {
		r := []string{strconv.Itoa(i), models.FormatFloat(p.Weights[i]), models.FormatFloat(p.Distances[i]), p.Runs[i]}
		for _, v := range th {
			r = append(r, models.FormatFloat(v))
		}
		rows[i] = r
	}
	return writeCSV(filepath.Join(c.opt.OutDir, PosteriorFile), head, rows)
}

// writePopulations writes populations.csv: one row per population.
func (c *calibration) writePopulations(pops []Population) error {
	head := []string{"population", "tolerance", "particles", "proposals", "simulations", "acceptance_rate", "ess", "failed", "batches", "total_simulations"}
	for _, n := range c.pr.names() {
		head = append(head, "mean_"+n, "sd_"+n)
	}
	var rows [][]string
	total := 0
	for _, p := range pops {
		total += p.Simulations
		tol := "Inf"
		if p.Tolerance != nil {
			tol = models.FormatFloat(*p.Tolerance)
		}
		r := []string{strconv.Itoa(p.Index), tol, strconv.Itoa(p.Particles), strconv.Itoa(p.Proposals), strconv.Itoa(p.Simulations),
			models.FormatFloat(p.AcceptanceRate()), models.FormatFloat(p.ESS), strconv.Itoa(p.Failed), strconv.Itoa(p.Batches), strconv.Itoa(total)}
		for a := range c.pr.params {
			r = append(r, models.FormatFloat(p.Means[a]), models.FormatFloat(p.SDs[a]))
		}
		rows = append(rows, r)
	}
	return writeCSV(filepath.Join(c.opt.OutDir, PopulationsFile), head, rows)
}

func writeCSV(path string, head []string, rows [][]string) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(head)
	w.WriteAll(rows)
	w.Flush()
	return writeFile(path, []byte(b.String()))
}

func column(theta [][]float64, a int) []float64 {
	out := make([]float64, len(theta))
	for i, th := range theta {
		out[i] = th[a]
	}
	return out
}

// weightedMoments returns the weighted mean and standard deviation
// (weights summing to 1; the sd with the reliability correction
// 1/(1 − Σw²), so equal weights give the usual n − 1 estimate).
func weightedMoments(x, w []float64) (mean, sd float64) {
	var s2 float64
	for i, v := range x {
		mean += w[i] * v
		s2 += w[i] * w[i]
	}
	var ss float64
	for i, v := range x {
		ss += w[i] * (v - mean) * (v - mean)
	}
	if s2 < 1 {
		ss /= 1 - s2
	}
	return mean, math.Sqrt(ss)
}

// paramSummaries summarises each parameter of weighted particles.
func (c *calibration) paramSummaries(theta [][]float64, w []float64) []ParamSummary {
	out := make([]ParamSummary, len(c.pr.params))
	for a, p := range c.pr.params {
		x := column(theta, a)
		m, sd := weightedMoments(x, w)
		q := func(alpha float64) *float64 { return num(weightedQuantile(x, w, alpha)) }
		out[a] = ParamSummary{Name: p.name, Unit: p.unit, Prior: p.prior.dist.String(), Lower: num(p.prior.lo), Upper: num(p.prior.hi),
			Mean: num(m), SD: num(sd), Q025: q(0.025), Q05: q(0.05), Q50: q(0.5), Q95: q(0.95), Q975: q(0.975)}
	}
	return out
}

// correlations returns the weighted correlation matrix of the parameters.
func correlations(theta [][]float64, w []float64) [][]float64 {
	d := len(theta[0])
	mean := make([]float64, d)
	for i, th := range theta {
		for a := range d {
			mean[a] += w[i] * th[a]
		}
	}
	cov := make([][]float64, d)
	for a := range d {
		cov[a] = make([]float64, d)
		for b := range d {
			for i, th := range theta {
				cov[a][b] += w[i] * (th[a] - mean[a]) * (th[b] - mean[b])
			}
		}
	}
	out := make([][]float64, d)
	for a := range d {
		out[a] = make([]float64, d)
		for b := range d {
			r := cov[a][b] / math.Sqrt(cov[a][a]*cov[b][b])
			if math.IsNaN(r) || math.IsInf(r, 0) {
				r = 0
				if a == b {
					r = 1
				}
			}
			out[a][b] = r
		}
	}
	return out
}

// resample draws m particle indices by weight (multinomial), from the
// calibration's resampling stream.
func (c *calibration) resample(w []float64, m int) []int {
	rng := rand.New(rand.NewPCG(scenarios.RunSeed(c.pr.sc.Study.Seed, predictiveIndex), resampleStream))
	cum := make([]float64, len(w))
	var s float64
	for i, x := range w {
		s += x
		cum[i] = s
	}
	out := make([]int, m)
	for k := range out {
		u := rng.Float64() * s
		out[k] = min(sort.SearchFloat64s(cum, u), len(w)-1)
	}
	return out
}

// predictiveIndex is the population number whose seed the
// posterior-predictive study takes: past any population a calibration runs.
const predictiveIndex = 1 << 30

// fit runs the posterior-predictive study (set.Predictive draws of the
// weighted particles, each a fresh run with its own seed) and compares its
// runs with the targets; with predictive = 0 it compares the particles'
// own runs (named in runs, relative to the output folder) instead.
func (c *calibration) fit(ctx context.Context, sum *Summary, theta [][]float64, w []float64, runs []string) error {
	pr := c.pr
	var outs []runOutcome
	var weights []float64
	if m := pr.set.Predictive; m > 0 {
		idx := c.resample(w, m)
		seed := scenarios.RunSeed(pr.sc.Study.Seed, predictiveIndex)
		s := study{dir: filepath.Join(c.opt.OutDir, PredictiveDir), label: PredictiveDir, seed: seed,
			seeds: make([]uint64, m), params: make([]map[string]any, m)}
		for i, j := range idx {
			s.seeds[i] = scenarios.RunSeed(seed, i)
			s.params[i] = pr.paramsOf(theta[j])
		}
		var err error
		if outs, err = c.execute(ctx, s); err != nil {
			return err
		}
		weights = make([]float64, m)
		for i := range weights {
			weights[i] = 1 / float64(m)
		}
		info := &PredictiveInfo{Dir: PredictiveDir, Runs: m}
		for _, o := range outs {
			if !o.Done {
				info.Failed++
			}
		}
		sum.Predictive = info
	} else if runs != nil {
		var err error
		if outs, err = c.readRuns(runs); err != nil {
			return err
		}
		weights = w
	}
	xs := make([][]float64, len(outs))
	for i, o := range outs {
		xs[i] = make([]float64, len(pr.stats))
		if err := pr.simulate(xs[i], o.Done, o.Outputs, o.Dir); err != nil {
			return err
		}
	}
	sum.Targets = pr.targetFits(xs, weights)
	return nil
}

// targetFits compares the simulated statistics xs (weighted) with each
// target.
func (pr *problem) targetFits(xs [][]float64, w []float64) []TargetFit {
	fits := make([]TargetFit, len(pr.targets))
	for i, t := range pr.targets {
		fits[i] = TargetFit{Name: t.Name, Source: t.Source, Output: t.Output, Table: t.Table, Data: t.Data, Key: t.Key,
			Likelihood: t.Likelihood, Scale: t.Scale, Censored: t.Censored, Weight: t.Weight, Cells: []Cell{}}
	}
	var sumZ2 = make([]float64, len(pr.targets))
	var nZ = make([]int, len(pr.targets))
	for k, st := range pr.stats {
		t := &pr.targets[st.target]
		// The statistic's values over the runs that gave one, on its
		// scale and in the output's units.
		var vals, units, ws []float64
		for i, x := range xs {
			if v := x[k]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				vals = append(vals, v)
				ws = append(ws, w[i])
				switch {
				case st.poisson:
					units = append(units, v/st.exposure)
				case st.log:
					units = append(units, math.Exp(v))
				default:
					units = append(units, v)
				}
			}
		}
		cell := Cell{Obs: st.observed}
		switch {
		case st.poisson:
			cell.Obs = st.observed / st.exposure
			cell.SE = num(math.Sqrt(math.Max(st.observed, 1)) / st.exposure)
		case st.log:
			cell.Obs = math.Exp(st.observed)
			cell.SE = num(st.se * cell.Obs) // the delta method: sd(y) ≈ y·sd(ln y)
		case st.se > 0:
			cell.SE = num(st.se)
		}
		if t.Table != "" {
			cell.Key = num(t.Rows[st.row].Key)
			cell.Column = t.Columns[st.col]
		}
		if len(vals) > 0 {
			var s float64
			for _, x := range ws {
				s += x
			}
			for j := range ws {
				ws[j] /= s
			}
			m, sd := weightedMoments(units, ws)
			cell.Mean, cell.SD = num(m), num(sd)
			cell.Q025, cell.Q50, cell.Q975 = num(weightedQuantile(units, ws, 0.025)), num(weightedQuantile(units, ws, 0.5)), num(weightedQuantile(units, ws, 0.975))
			ms, _ := weightedMoments(vals, ws)
			scale := st.se
			if st.poisson {
				scale = math.Sqrt(math.Max(st.observed, 1))
			}
			if scale > 0 {
				z := censoredResidual((ms-st.observed)/scale, st.censor)
				cell.Z = num(z)
				sumZ2[st.target] += z * z
				nZ[st.target]++
			}
		}
		fits[st.target].Cells = append(fits[st.target].Cells, cell)
	}
	for i := range fits {
		if nZ[i] > 0 {
			rms := math.Sqrt(sumZ2[i] / float64(nZ[i]))
			fits[i].RMSZ = num(rms)
			if len(fits[i].Cells) == 1 {
				within := rms <= 1.96
				fits[i].Within = &within
			}
		}
	}
	return fits
}
