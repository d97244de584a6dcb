package mscohort

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/mdtwin/mdtwin/hta"
	"github.com/mdtwin/mdtwin/models"
)

// Summary is the study summary, written under "model_summary" in
// summary.json: the health-economic summary of package hta with the
// strategies' outputs (StrategySummary), the effect in QALYs (increments
// "inc_qaly") and the incremental NMB at the reference willingness to pay.
// Each done run is one draw of the outer loop (a PSA draw, a sweep point
// or a replicate); a deterministic study has one.
type Summary = hta.Summary[StrategySummary]

// StrategySummary holds the mean and 95 % interval over draws of each of a
// strategy's outputs, by output suffix (cost_disc, qaly_disc, ly, relapses,
// years_to_edss6, years_on_<therapy>, …).
type StrategySummary struct {
	Name    string                      `json:"name"`
	Outputs map[string]hta.IntervalJSON `json:"outputs"`
}

// Summarize aggregates a study: per strategy the mean and 95 % interval of
// every output over the done runs (hta.MeanInterval), and the comparison
// of the strategies on the discounted costs and QALYs (hta.Summary.Compare:
// the frontier with dominance and ICERs on the means, the increments
// versus the first strategy with their NMB, and with two or more draws the
// CEAC, CEAF and EVPI over [inputs] wtp_grid and the CE-plane scatter).
func (Model) Summarize(inputs json.RawMessage, runs []models.RunSummary) (any, error) {
	d, err := compileCached(inputs)
	if err != nil {
		return nil, err
	}
	desc := d.descriptor()
	ns := len(d.strategies)
	wtp := d.raw.WTP
	sm := &Summary{Currency: d.raw.Currency, Effect: "QALY", WTPRef: &wtp, Strategies: []StrategySummary{},
		Frontier: []hta.FrontierJSON{}, Increments: []hta.Increment{}}
	if sm.ReferenceCase = d.raw.ReferenceCase; sm.ReferenceCase != "" {
		if sm.Inputs, err = caseInputs(sm.ReferenceCase); err != nil {
			return nil, err
		}
	}
	var costs, effects, nmbs [][]float64
	done := []models.RunSummary{}
	for _, r := range runs {
		if !r.Done {
			sm.Failed++
			continue
		}
		done = append(done, r)
		c, e, b := make([]float64, ns), make([]float64, ns), make([]float64, ns)
		for s, st := range d.strategies {
			c[s], e[s], b[s] = r.Scalars[st.name+"_cost_disc"], r.Scalars[st.name+"_qaly_disc"], r.Scalars[st.name+"_nmb"]
		}
		costs, effects, nmbs = append(costs, c), append(effects, e), append(nmbs, b)
	}
	sm.Draws = len(done)
	if sm.Draws == 0 {
		return sm, nil
	}
	names := make([]string, ns)
	for s, st := range d.strategies {
		names[s] = st.name
		ss := StrategySummary{Name: st.name, Outputs: map[string]hta.IntervalJSON{}}
		prefix := st.name + "_"
		for _, o := range desc.Outputs {
			if len(o.Name) <= len(prefix) || o.Name[:len(prefix)] != prefix || !ownOutput(d, st.name, o.Name) {
				continue
			}
			xs := make([]float64, len(done))
			for k, r := range done {
				xs[k] = r.Scalars[o.Name]
			}
			ss.Outputs[o.Name[len(prefix):]] = hta.MeanInterval(xs).JSON()
		}
		sm.Strategies = append(sm.Strategies, ss)
	}
	sm.Observed = d.observed(done)
	sm.Compare(hta.Draws{Names: names, Costs: costs, Effects: effects, NMB: nmbs, WTP: d.wtpGrid, EffectKey: "qaly"})
	return sm, nil
}

// ownOutput reports whether output name belongs to strategy s (and not to
// another strategy whose name extends s's, as "a_b" does "a").
func ownOutput(d *definition, s, name string) bool {
	for _, o := range d.strategies {
		if o.name != s && len(o.name) > len(s) && len(name) > len(o.name) && name[:len(o.name)+1] == o.name+"_" {
			return false
		}
	}
	return true
}

// caseInputs lists the reference case's inputs with their provenance (an
// entry without a value shows the value of data/defaults.toml).
func caseInputs(name string) ([]hta.InputSource, error) {
	rc, err := LoadReferenceCase(name)
	if err != nil {
		return nil, err
	}
	def, err := defaults()
	if err != nil {
		return nil, err
	}
	out := make([]hta.InputSource, 0, len(rc.Inputs))
	for _, in := range rc.Inputs {
		v, f, err := rc.value(in, def)
		if err != nil {
			return nil, err
		}
		if f != 0 {
			v = roundCosts(v)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		note := in.Note
		if f != 0 {
			p := rc.PriceIndex
			note = strings.TrimSpace(fmt.Sprintf("%s. Inflated from %d to %d prices: × %.4f = index %g / %g (%s)", strings.TrimSuffix(note, "."), in.PriceYear, p.Year, f, p.values[p.Year], p.values[in.PriceYear], p.File))
			note = strings.TrimPrefix(note, ". ")
		}
		out = append(out, hta.InputSource{Key: in.Key, Value: string(b), Status: in.Status, Source: rc.Sources[in.Source], Where: in.Where, Note: note})
	}
	return out, nil
}

// roundCosts rounds an inflated cost (a number or a list) to 2 decimals
// for display; the model runs on the unrounded values.
func roundCosts(v any) any {
	switch x := v.(type) {
	case float64:
		return math.Round(x*100) / 100
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = roundCosts(e)
		}
		return out
	}
	return v
}
