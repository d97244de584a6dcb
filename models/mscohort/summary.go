package mscohort

import (
	"encoding/json"

	"github.com/mdtwin/mdtwin/hta"
	"github.com/mdtwin/mdtwin/models"
)

// Summary is the study summary, written under "model_summary" in
// summary.json. Each done run is one draw of the outer loop (a PSA draw, a
// sweep point or a replicate); a deterministic study has one.
type Summary struct {
	Draws      int               `json:"draws"`
	Failed     int               `json:"failed_runs"`
	Currency   string            `json:"currency"`
	Effect     string            `json:"effect"` // "QALY"
	WTPRef     float64           `json:"wtp_reference"`
	Strategies []StrategySummary `json:"strategies"`
	Frontier   []FrontierRow     `json:"frontier"`    // on the mean discounted costs and QALYs
	Versus     []Incremental     `json:"incremental"` // each strategy after the first versus the first
	WTP        []float64         `json:"wtp,omitempty"`
	CEAC       []Curve           `json:"ceac,omitempty"`
	CEAF       []string          `json:"ceaf,omitempty"`
	EVPI       []float64         `json:"evpi,omitempty"`
	CEPlane    []CEPlane         `json:"ce_plane,omitempty"`
}

// StrategySummary holds the mean and 95 % interval over draws of each of a
// strategy's outputs, by output suffix (cost_disc, qaly_disc, ly, relapses,
// years_to_edss6, years_on_<therapy>, …).
type StrategySummary struct {
	Name    string              `json:"name"`
	Outputs map[string]Interval `json:"outputs"`
}

// Interval, Number, FrontierRow and Curve are the study-summary types of
// package hta.
type (
	Interval    = hta.IntervalJSON
	Number      = hta.Number
	FrontierRow = hta.FrontierJSON
	Curve       = hta.Curve
)

// Incremental compares a strategy with the first: the mean and interval of
// the differences over draws, the ICER of the means and the incremental
// NMB at the reference willingness to pay.
type Incremental struct {
	Strategy  string   `json:"strategy"`
	Versus    string   `json:"versus"`
	IncCost   Interval `json:"inc_cost"`
	IncEffect Interval `json:"inc_qaly"`
	ICER      Number   `json:"icer"`
	IncNMB    Interval `json:"inc_nmb"`
}

// CEPlane is the cost-effectiveness plane scatter of a strategy versus the
// first, one point per draw in run order.
type CEPlane struct {
	Strategy  string   `json:"strategy"`
	Versus    string   `json:"versus"`
	IncCost   []Number `json:"inc_cost"`
	IncEffect []Number `json:"inc_qaly"`
}

func interval(xs []float64) Interval { return hta.MeanInterval(xs).JSON() }

// Summarize aggregates a study: per strategy the mean and 95 % interval of
// every output over the done runs (hta.MeanInterval), the frontier with
// dominance and ICERs on the mean discounted costs and QALYs (hta.Frontier),
// the increments versus the first strategy, and with two or more draws the
// CEAC, CEAF and EVPI over [inputs] wtp_grid (hta.CEAC, CEAF, EVPI) and the
// CE-plane scatter.
func (Model) Summarize(inputs json.RawMessage, runs []models.RunSummary) (any, error) {
	d, err := compileCached(inputs)
	if err != nil {
		return nil, err
	}
	desc := d.descriptor()
	ns := len(d.strategies)
	sm := &Summary{Currency: d.raw.Currency, Effect: "QALY", WTPRef: d.raw.WTP, Strategies: []StrategySummary{},
		Frontier: []FrontierRow{}, Versus: []Incremental{}}
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
	means := make([]hta.Strategy, ns)
	for s, st := range d.strategies {
		ss := StrategySummary{Name: st.name, Outputs: map[string]Interval{}}
		prefix := st.name + "_"
		for _, o := range desc.Outputs {
			if len(o.Name) <= len(prefix) || o.Name[:len(prefix)] != prefix || !ownOutput(d, st.name, o.Name) {
				continue
			}
			xs := make([]float64, len(done))
			for k, r := range done {
				xs[k] = r.Scalars[o.Name]
			}
			ss.Outputs[o.Name[len(prefix):]] = interval(xs)
		}
		sm.Strategies = append(sm.Strategies, ss)
		means[s] = hta.Strategy{Name: st.name, Cost: float64(ss.Outputs["cost_disc"].Mean), Effect: float64(ss.Outputs["qaly_disc"].Mean)}
	}
	sm.Frontier = hta.FrontierSummary(means)
	ref := d.strategies[0].name
	for s := 1; s < ns; s++ {
		dc, de, db := make([]float64, sm.Draws), make([]float64, sm.Draws), make([]float64, sm.Draws)
		for k := range costs {
			dc[k], de[k], db[k] = costs[k][s]-costs[k][0], effects[k][s]-effects[k][0], nmbs[k][s]-nmbs[k][0]
		}
		inc := Incremental{Strategy: d.strategies[s].name, Versus: ref, IncCost: interval(dc), IncEffect: interval(de), IncNMB: interval(db)}
		inc.ICER = inc.IncCost.Mean / inc.IncEffect.Mean
		sm.Versus = append(sm.Versus, inc)
		if sm.Draws > 1 {
			plane := CEPlane{Strategy: d.strategies[s].name, Versus: ref, IncCost: make([]Number, sm.Draws), IncEffect: make([]Number, sm.Draws)}
			for k := range dc {
				plane.IncCost[k], plane.IncEffect[k] = Number(dc[k]), Number(de[k])
			}
			sm.CEPlane = append(sm.CEPlane, plane)
		}
	}
	names := make([]string, ns)
	for s, st := range d.strategies {
		names[s] = st.name
	}
	if sm.CEAC, sm.CEAF, sm.EVPI = hta.Acceptability(names, costs, effects, d.wtpGrid); sm.CEAC != nil {
		sm.WTP = d.wtpGrid
	}
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
