package mscohort

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/sourcegraph/conc/pool"

	"github.com/mdtwin/mdtwin/models"
)

// Model is the MS lifetime cohort model. Its zero value is ready; its
// inputs come from data/defaults.toml overlaid with the scenario's [inputs].
type Model struct{}

var (
	_ models.Model        = Model{}
	_ models.Configurable = Model{}
	_ models.Summarizer   = Model{}
)

// Name is the model's registry name.
const Name = "mscohort"

// Version is the version of the model's science and outputs.
const Version = "1.1.0"

const doc = "Lifetime multiple-sclerosis cohort: a discrete-event simulation of individual patients (EDSS 0–9, " +
	"RRMS/SPMS, relapses, therapy lines with discontinuation and switches, death from a life table × SMR by EDSS) " +
	"with costs, QALYs and common random numbers across strategies, and its annual-cycle Markov cohort twin; " +
	"strategies and inputs in [inputs] (defaults: US, ICER 2017, MSBase, ASCLEPIOS; see data/defaults.toml)."

// maxCompiled bounds the cache of compiled inputs: a study's runs share one
// [inputs] table, and a process holds a few studies at once (a dashboard,
// a calibration's populations), so past the bound the oldest entry is
// dropped and compiled again if it is asked for (compile is deterministic).
const maxCompiled = 16

// compiled caches compiled inputs by their JSON text, at most maxCompiled
// of them, oldest first in keys.
var compiled struct {
	sync.Mutex
	keys []string
	defs map[string]*definition
}

func compileCached(inputs json.RawMessage) (*definition, error) {
	key := string(inputs)
	compiled.Lock()
	d, ok := compiled.defs[key]
	compiled.Unlock()
	if ok {
		return d, nil
	}
	d, err := compile(inputs)
	if err != nil {
		return nil, err
	}
	compiled.Lock()
	defer compiled.Unlock()
	if old, ok := compiled.defs[key]; ok { // compiled meanwhile by another run
		return old, nil
	}
	if compiled.defs == nil {
		compiled.defs = map[string]*definition{}
	}
	if len(compiled.keys) >= maxCompiled {
		delete(compiled.defs, compiled.keys[0])
		compiled.keys = slices.Delete(compiled.keys, 0, 1)
	}
	compiled.keys = append(compiled.keys, key)
	compiled.defs[key] = d
	return d, nil
}

// Describe returns the descriptor of the default inputs (two strategies);
// a scenario's own strategies and therapies come from DescribeInputs.
func (Model) Describe() models.Descriptor {
	d, err := compileCached(nil)
	if err != nil {
		panic("mscohort: the embedded default inputs are invalid: " + err.Error())
	}
	return d.descriptor()
}

// DescribeInputs compiles the inputs (the defaults overlaid with the
// scenario's [inputs]) and returns the descriptor: the named parameters
// (the numbers a sweep may vary, with the inputs' values as defaults and
// one set per therapy), the built-in parameters, and the outputs per
// strategy. Every mistake in the inputs is an *InputError naming the table,
// row and column.
func (Model) DescribeInputs(inputs json.RawMessage) (models.Descriptor, error) {
	d, err := compileCached(inputs)
	if err != nil {
		return models.Descriptor{}, err
	}
	desc := d.descriptor()
	if err := desc.Check(); err != nil {
		return models.Descriptor{}, &InputError{Where: "inputs", Msg: err.Error()}
	}
	if err := d.checkObserved(desc); err != nil {
		return models.Descriptor{}, err
	}
	// The tables the run builds must hold with the defaults too.
	if _, err := newWorld(d, d.base, TimingContinuous, 0, d.maxAge); err != nil {
		return models.Descriptor{}, &InputError{Where: "inputs", Msg: err.Error()}
	}
	return desc, nil
}

// setting reads a built-in parameter, falling back to its default.
func setting[T any](ps models.Params, name string, def T) T {
	if v, ok := ps[name].(T); ok {
		return v
	}
	return def
}

// prepare builds a run's world from its spec.
func prepare(spec models.RunSpec) (*definition, *world, error) {
	d, err := compileCached(spec.Inputs)
	if err != nil {
		return nil, nil, err
	}
	v, err := d.runValues(spec.Params)
	if err != nil {
		return nil, nil, err
	}
	if setting(spec.Params, ParamPSA, false) {
		drawPSA(&v, d, spec.Seed)
	}
	w, err := newWorld(d, v, setting(spec.Params, ParamTiming, TimingContinuous),
		setting(spec.Params, ParamHorizon, 0.0), setting(spec.Params, ParamMaxAge, d.maxAge))
	if err != nil {
		return nil, nil, err
	}
	return d, w, nil
}

// Run simulates the run's cohort under every strategy: n_patients patients
// (mode "des", the same patients and random streams in every strategy) or
// the expected values of the annual cohort (mode "cohort").
func (Model) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	_, w, err := prepare(spec)
	if err != nil {
		return models.Result{}, err
	}
	var accs []*accum
	var res models.Result
	switch mode := setting(spec.Params, ParamMode, ModeDES); mode {
	case ModeCohort:
		if len(w.d.patients) > 0 {
			return models.Result{}, &InputError{Where: "inputs.patients", Msg: errCohortPatients}
		}
		if len(w.d.cdw) > 0 {
			return models.Result{}, &InputError{Where: "inputs", Msg: `mode = "cohort" cannot give cdw_months: confirmed worsening needs each patient's EDSS history; use mode = "des"`}
		}
		if accs, err = w.cohort(ctx); err != nil {
			return models.Result{}, err
		}
	case ModeDES:
		n := int(setting(spec.Params, ParamPatients, int64(1000)))
		var rec []*recorder
		if setting(spec.Params, ParamSave, false) {
			rec = []*recorder{}
		}
		if accs, rec, err = w.simulate(ctx, spec.Seed, n, rec != nil, obs); err != nil {
			return models.Result{}, err
		}
		if rec != nil {
			if res.Artifacts, err = exportTrajectories(spec, w, rec); err != nil {
				return models.Result{}, fmt.Errorf("writing the trajectories: %w", err)
			}
		}
	default:
		return models.Result{}, &models.ParamError{Model: Name, Param: ParamMode, Value: mode, Msg: `expected "des" or "cohort"`}
	}
	res.Scalars = w.outputs(accs)
	models.Report(obs, 1, "done")
	return res, nil
}

// chunkSize returns the patients per chunk of a run of n patients: a
// function of n only, so that the sums (added chunk by chunk in order) do
// not depend on the number of workers.
func chunkSize(n int) int { return max(256, (n+255)/256) }

// simulate runs n patients under every strategy, in parallel chunks, and
// returns one accumulator per strategy (and the recorders, one per chunk,
// when record is set).
func (w *world) simulate(ctx context.Context, seed uint64, n int, record bool, obs models.Observer) ([]*accum, []*recorder, error) {
	cs := chunkSize(n)
	nChunks := (n + cs - 1) / cs
	per := make([][]*accum, nChunks)
	var recs []*recorder
	if record {
		recs = make([]*recorder, nChunks)
	}
	workers := min(runtime.GOMAXPROCS(0), nChunks)
	free := make(chan *patient, workers)
	for range workers {
		free <- newPatient(w, seed)
	}
	var mu sync.Mutex
	done := 0
	p := pool.New().WithErrors().WithContext(ctx).WithMaxGoroutines(workers)
	for c := range nChunks {
		p.Go(func(ctx context.Context) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			pt := <-free
			defer func() { free <- pt }()
			accs := make([]*accum, len(w.plans))
			for i := range accs {
				accs[i] = newAccum(2 * NEDSS * len(w.plans[i].class))
			}
			pt.rec = nil
			if record {
				recs[c] = newRecorder(w)
				pt.rec = recs[c]
			}
			pt.simulate(c*cs, min(n, (c+1)*cs), accs)
			per[c] = accs
			mu.Lock()
			done++
			models.Report(obs, float64(done)/float64(nChunks), "patients")
			mu.Unlock()
			return nil
		})
	}
	if err := p.Wait(); err != nil {
		return nil, nil, err
	}
	total := make([]*accum, len(w.plans))
	for i := range total {
		total[i] = newAccum(2 * NEDSS * len(w.plans[i].class))
		for c := range nChunks {
			total[i].addAll(per[c][i])
		}
	}
	return total, recs, nil
}

// Totals are one strategy's mean outcomes per patient.
type Totals struct {
	CostDisc, Cost, DrugCostDisc float64
	QALYDisc, QALY               float64
	LYDisc, LY                   float64
	Relapses                     float64
	YearsToEDSS6, YearsToEDSS7   float64
	YearsOn                      map[int]float64 // by therapy index
}

// totals turns a strategy's accumulator into means per patient.
func (w *world) totals(si int, a *accum) Totals {
	p := &w.plans[si]
	v := &w.v
	ns := len(p.class)
	t := Totals{YearsOn: map[int]float64{}}
	loss := v.relDisutil * v.relDur
	for st := range a.occU {
		slot := st % ns
		ce := st / ns
		c, e := Course(ce/NEDSS), ce%NEDSS
		cost := w.stateCost(p, e, slot)
		u := w.stateUtility(p, c, e, slot)
		t.CostDisc += a.occC[st]*cost + a.relC[st]*v.costRelapse
		t.Cost += a.occU[st]*cost + a.relU[st]*v.costRelapse
		t.DrugCostDisc += a.occC[st] * p.drugCost[slot]
		t.QALYDisc += a.occE[st]*u - a.relE[st]*loss
		t.QALY += a.occU[st]*u - a.relU[st]*loss
		t.LYDisc += a.occE[st]
		t.LY += a.occU[st]
		t.Relapses += a.relU[st]
		if slot != p.off && p.s.lines[slot].therapy >= 0 {
			t.YearsOn[p.s.lines[slot].therapy] += a.occU[st]
		}
	}
	t.YearsToEDSS6, t.YearsToEDSS7 = a.to6, a.to7
	n := float64(max(a.patients, 1))
	for _, x := range []*float64{&t.CostDisc, &t.Cost, &t.DrugCostDisc, &t.QALYDisc, &t.QALY, &t.LYDisc, &t.LY, &t.Relapses, &t.YearsToEDSS6, &t.YearsToEDSS7} {
		*x /= n
	}
	for k := range t.YearsOn {
		t.YearsOn[k] /= n
	}
	return t
}

// outputs names the totals as the descriptor's outputs.
func (w *world) outputs(accs []*accum) map[string]float64 {
	out := map[string]float64{}
	var ref Totals
	var years float64
	for si, s := range w.d.strategies {
		t := w.totals(si, accs[si])
		n := s.name
		out[n+"_cost_disc"], out[n+"_cost"], out[n+"_drug_cost_disc"] = t.CostDisc, t.Cost, t.DrugCostDisc
		out[n+"_qaly_disc"], out[n+"_qaly"] = t.QALYDisc, t.QALY
		out[n+"_ly_disc"], out[n+"_ly"] = t.LYDisc, t.LY
		out[n+"_relapses"] = t.Relapses
		out[n+"_arr"] = t.Relapses / t.LY
		out[n+"_years_to_edss6"], out[n+"_years_to_edss7"] = t.YearsToEDSS6, t.YearsToEDSS7
		out[n+"_nmb"] = w.v.wtp*t.QALYDisc - t.CostDisc
		for _, th := range s.therapies {
			out[n+"_years_on_"+w.d.therapyNames[th]] = t.YearsOn[th]
		}
		if si == 0 {
			ref = t
		} else {
			dc, de := t.CostDisc-ref.CostDisc, t.QALYDisc-ref.QALYDisc
			out[n+"_inc_cost"], out[n+"_inc_qaly"] = dc, de
			out[n+"_icer"] = dc / de
			if de == 0 {
				out[n+"_icer"] = math.NaN()
			}
			out[n+"_inc_nmb"] = w.v.wtp*de - dc
		}
		years += t.LY * float64(accs[si].patients)
	}
	out["patient_years"] = years
	for si, s := range w.d.strategies {
		for j, y := range w.d.cdw {
			out[cdwOutput(s.name, y)] = accs[si].cdw[j] / float64(max(accs[si].patients, 1))
		}
	}
	w.naturalHistory(out) // calibration.go
	return out
}

// TherapyNames returns the therapies of the inputs (the defaults overlaid
// with a scenario's [inputs]), sorted: the names [inputs.baseline] therapy
// may take besides NoTherapy and OtherTherapy.
func TherapyNames(inputs json.RawMessage) ([]string, error) {
	d, err := compileCached(inputs)
	if err != nil {
		return nil, err
	}
	return append([]string(nil), d.therapyNames...), nil
}
