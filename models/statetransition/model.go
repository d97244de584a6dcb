package statetransition

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/mdtwin/mdtwin/models"
)

// Model is the generic state-transition model. Its zero value is ready; the
// model itself (states, strategies, matrices, costs…) comes with each run in
// RunSpec.Inputs, the JSON of the scenario's [inputs] table.
type Model struct{}

var (
	_ models.Model        = Model{}
	_ models.Configurable = Model{}
	_ models.Summarizer   = Model{}
)

// Name is the model's registry name.
const Name = "statetransition"

// Version is the version of the model's semantics and outputs.
const Version = "1.0.0"

// The built-in parameters, which every definition has besides its own.
const (
	ParamMode      = "mode"
	ParamPatients  = "n_patients"
	ParamPSA       = "psa"
	ParamSaveTrace = "save_trace"
)

// The modes.
const (
	ModeCohort = "cohort"
	ModeMicro  = "micro"
)

var builtinNames = []string{ParamMode, ParamPatients, ParamPSA, ParamSaveTrace}

const doc = "Cohort state-transition (Markov) model and its microsimulation counterpart, defined in the " +
	"scenario's [inputs] table: states, strategies, time-dependent transition matrices (probabilities, " +
	"counts or rates), state and entry costs, utilities, discounting and within-cycle correction; " +
	"verified against the HIV/Chancellor model (Briggs, Claxton & Sculpher 2006, ex. 2.5)."

func builtinParams() []models.Param {
	b := models.Bound
	return []models.Param{
		{Name: ParamMode, Kind: models.String, Default: ModeCohort, Choices: []string{ModeCohort, ModeMicro},
			Doc: "cohort: expected values of the Markov cohort; micro: mean over n_patients simulated individuals (common random numbers across strategies)"},
		{Name: ParamPatients, Kind: models.Int, Default: int64(1000), Min: b(1), Max: b(1e7),
			Doc: "number of individuals simulated in micro mode"},
		{Name: ParamPSA, Kind: models.Bool, Default: false,
			Doc: "probabilistic run: each [[inputs.mvn]] group of parameters is drawn jointly from its multivariate normal, and each row of a matrix given as counts from Dirichlet(counts), with the run's seed"},
		{Name: ParamSaveTrace, Kind: models.Bool, Default: false,
			Doc: "write the state occupancy of each strategy at trace points 0..cycles as table trace_<strategy>"},
	}
}

// Describe returns the parameters every definition has. The full
// descriptor, with the definition's own parameters and its outputs (one set
// per strategy), comes from DescribeInputs.
func (Model) Describe() models.Descriptor {
	return models.Descriptor{Name: Name, Version: Version, Doc: doc, Params: builtinParams()}
}

// DescribeInputs compiles the definition in inputs and returns its
// descriptor: the parameters declared in [inputs.params] (in name order),
// then mode, n_patients, psa and save_trace; and the outputs
//
//	<s>_cost, <s>_cost_undisc, <s>_effect, <s>_effect_undisc, <s>_ly, <s>_ly_undisc
//
// for each strategy s, and <s>_inc_cost, <s>_inc_effect, <s>_icer for each
// strategy after the first (compared with the first, discounted). The
// definition is also evaluated with the parameters' defaults, so a matrix
// that is not a transition matrix is reported here, before any run. Every
// error is an *InputError.
func (Model) DescribeInputs(inputs json.RawMessage) (models.Descriptor, error) {
	d, err := compile(inputs)
	if err != nil {
		return models.Descriptor{}, err
	}
	if _, err := d.instantiate(d.defaults(), false, 0); err != nil {
		return models.Descriptor{}, err
	}
	return d.descriptor(), nil
}

func (d *definition) defaults() []float64 {
	vals := make([]float64, len(d.params))
	for i, p := range d.params {
		vals[i] = p.def
	}
	return vals
}

func (d *definition) effectUnit() string {
	if d.qaly {
		return "QALY"
	}
	return "life-year"
}

func (d *definition) descriptor() models.Descriptor {
	desc := models.Descriptor{Name: Name, Version: Version,
		Doc: fmt.Sprintf("%s This definition: %d states, %d strategies (%s), %d cycles of %s years, effects in %ss.",
			doc, len(d.states), len(d.strategies), strings.Join(d.strategies, ", "), d.cycles, fmtNum(d.cycleYears), d.effectUnit())}
	for _, p := range d.params {
		desc.Params = append(desc.Params, models.Param{Name: p.name, Kind: models.Float, Unit: p.unit, Default: p.def,
			Min: p.min, Max: p.max, Doc: p.doc})
	}
	desc.Params = append(desc.Params, builtinParams()...)
	cur := d.currency
	if cur == "" {
		cur = "currency units"
	}
	eff := d.effectUnit()
	for _, s := range d.strategies {
		desc.Outputs = append(desc.Outputs,
			models.Output{Name: s + "_cost", Unit: cur, Doc: "expected cost per person, discounted"},
			models.Output{Name: s + "_cost_undisc", Unit: cur, Doc: "expected cost per person, undiscounted"},
			models.Output{Name: s + "_effect", Unit: eff, Doc: "expected effect per person, discounted"},
			models.Output{Name: s + "_effect_undisc", Unit: eff, Doc: "expected effect per person, undiscounted"},
			models.Output{Name: s + "_ly", Unit: "life-year", Doc: "expected life-years per person, discounted at the effects' rate"},
			models.Output{Name: s + "_ly_undisc", Unit: "life-year", Doc: "expected life-years per person, undiscounted"},
		)
	}
	for _, s := range d.strategies[1:] {
		ref := d.strategies[0]
		desc.Outputs = append(desc.Outputs,
			models.Output{Name: s + "_inc_cost", Unit: cur, Doc: "discounted cost of " + s + " minus that of " + ref},
			models.Output{Name: s + "_inc_effect", Unit: eff, Doc: "discounted effect of " + s + " minus that of " + ref},
			models.Output{Name: s + "_icer", Unit: cur + "/" + eff, Doc: "incremental cost-effectiveness ratio of " + s + " versus " + ref},
		)
	}
	return desc
}

// paramValues reads the definition's parameters from ps; a parameter
// missing from ps takes its default.
func (d *definition) paramValues(ps models.Params) ([]float64, error) {
	vals := make([]float64, len(d.params))
	for i, p := range d.params {
		v, ok := ps[p.name]
		if !ok {
			vals[i] = p.def
			continue
		}
		f, ok := v.(float64)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, &models.ParamError{Model: Name, Param: p.name, Value: v, Msg: "expected a finite number"}
		}
		vals[i] = f
	}
	return vals, nil
}

// setting reads a built-in parameter, falling back to its default.
func setting[T any](ps models.Params, name string) T {
	if v, ok := ps[name].(T); ok {
		return v
	}
	for _, p := range builtinParams() {
		if p.Name == name {
			return p.Default.(T)
		}
	}
	panic("statetransition: no built-in parameter " + name)
}

// Run evaluates the definition in spec.Inputs with spec.Params: the cohort
// (mode "cohort") or n_patients individuals (mode "micro") of every
// strategy.
func (Model) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	d, err := compile(spec.Inputs)
	if err != nil {
		return models.Result{}, err
	}
	vals, err := d.paramValues(spec.Params)
	if err != nil {
		return models.Result{}, err
	}
	in, err := d.instantiate(vals, setting[bool](spec.Params, ParamPSA), spec.Seed)
	if err != nil {
		return models.Result{}, err
	}
	trace := setting[bool](spec.Params, ParamSaveTrace)
	var totals []Totals
	var traces [][][]float64
	switch mode := setting[string](spec.Params, ParamMode); mode {
	case ModeCohort:
		totals, traces = in.cohort(trace)
	case ModeMicro:
		mr, err := in.micro(ctx, int(setting[int64](spec.Params, ParamPatients)), spec.Seed, trace)
		if err != nil {
			return models.Result{}, err
		}
		totals, traces = mr.mean, mr.traces
	default:
		return models.Result{}, &models.ParamError{Model: Name, Param: ParamMode, Value: mode, Msg: `expected "cohort" or "micro"`}
	}
	models.Report(obs, 1, "done")
	res := models.Result{Scalars: d.scalars(totals)}
	for s, tr := range traces {
		cols := append([]string{"t", "years"}, d.states...)
		rows := make([][]float64, len(tr))
		for t, x := range tr {
			rows[t] = append([]float64{float64(t), float64(t) * d.cycleYears}, x...)
		}
		res.Tables = append(res.Tables, models.Table{Name: "trace_" + d.strategies[s], Columns: cols, Rows: rows})
	}
	return res, nil
}

// scalars names the totals as the descriptor's outputs.
func (d *definition) scalars(totals []Totals) map[string]float64 {
	out := make(map[string]float64, len(d.strategies)*(nq+3))
	for s, name := range d.strategies {
		t := totals[s]
		out[name+"_cost"], out[name+"_cost_undisc"] = t[qCost], t[qCostU]
		out[name+"_effect"], out[name+"_effect_undisc"] = t[qEffect], t[qEffectU]
		out[name+"_ly"], out[name+"_ly_undisc"] = t[qLY], t[qLYU]
		if s > 0 {
			dc, de := t[qCost]-totals[0][qCost], t[qEffect]-totals[0][qEffect]
			out[name+"_inc_cost"], out[name+"_inc_effect"], out[name+"_icer"] = dc, de, dc/de
		}
	}
	return out
}
