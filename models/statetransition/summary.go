package statetransition

import (
	"encoding/json"

	"github.com/mdtwin/mdtwin/hta"
	"github.com/mdtwin/mdtwin/models"
)

// Summary is the study summary of a state-transition model, written under
// "model_summary" in summary.json. Each done run counts as one draw of a
// probabilistic sensitivity analysis (PSA); a deterministic study has one.
type Summary struct {
	Draws      int               `json:"draws"`         // done runs summarised
	Failed     int               `json:"failed_runs"`   // runs left out
	Currency   string            `json:"currency"`      // unit of costs
	Effect     string            `json:"effect"`        // "QALY" or "life-year"
	Strategies []StrategySummary `json:"strategies"`    // in definition order
	Frontier   []FrontierRow     `json:"frontier"`      // on the mean costs and effects
	Versus     []Incremental     `json:"incremental"`   // each strategy after the first versus the first
	WTP        []float64         `json:"wtp,omitempty"` // willingness-to-pay grid (with 2 or more draws)
	CEAC       []Curve           `json:"ceac,omitempty"`
	CEAF       []string          `json:"ceaf,omitempty"` // strategy with the highest expected NMB at each WTP
	EVPI       []float64         `json:"evpi,omitempty"` // per person, at each WTP
	CEPlane    []CEPlane         `json:"ce_plane,omitempty"`
}

// StrategySummary is the mean and 95 % interval (2.5 and 97.5 percentiles
// over draws) of a strategy's outcomes per person.
type StrategySummary struct {
	Name         string   `json:"name"`
	Cost         Interval `json:"cost"`
	Effect       Interval `json:"effect"`
	LY           Interval `json:"ly"`
	CostUndisc   Interval `json:"cost_undisc"`
	EffectUndisc Interval `json:"effect_undisc"`
	LYUndisc     Interval `json:"ly_undisc"`
}

// Interval, Number, FrontierRow and Curve are the study-summary types of
// package hta.
type (
	Interval    = hta.IntervalJSON
	Number      = hta.Number
	FrontierRow = hta.FrontierJSON
	Curve       = hta.Curve
)

// Incremental compares a strategy with the first one: the mean and
// interval of the differences over draws, and the ICER of the means.
type Incremental struct {
	Strategy  string   `json:"strategy"`
	Versus    string   `json:"versus"`
	IncCost   Interval `json:"inc_cost"`
	IncEffect Interval `json:"inc_effect"`
	ICER      Number   `json:"icer"` // mean ΔC / mean ΔE
}

// CEPlane is the cost-effectiveness plane scatter of a strategy versus the
// first: ΔC and ΔE of each draw, in run order.
type CEPlane struct {
	Strategy  string   `json:"strategy"`
	Versus    string   `json:"versus"`
	IncCost   []Number `json:"inc_cost"`
	IncEffect []Number `json:"inc_effect"`
}

func interval(xs []float64) Interval { return hta.MeanInterval(xs).JSON() }

// Summarize aggregates a study (see Summary): per strategy the mean and 95 %
// interval of each outcome, the frontier with ICERs and dominance on the
// means (hta.Frontier), the increments versus the first strategy, and with
// two or more draws the CEAC, CEAF and EVPI over the willingness-to-pay grid
// of [inputs] wtp and the CE-plane scatter. Failed runs are left out.
func (Model) Summarize(inputs json.RawMessage, runs []models.RunSummary) (any, error) {
	d, err := compile(inputs)
	if err != nil {
		return nil, err
	}
	ns := len(d.strategies)
	sm := &Summary{Currency: d.currency, Effect: d.effectUnit(), Strategies: []StrategySummary{}, Frontier: []FrontierRow{}, Versus: []Incremental{}}
	// values[s][q] holds the draws of quantity q of strategy s.
	values := make([][nq][]float64, ns)
	names := []string{"_cost", "_cost_undisc", "_effect", "_effect_undisc", "_ly", "_ly_undisc"}
	var costs, effects [][]float64 // [draw][strategy]
	for _, r := range runs {
		if !r.Done {
			sm.Failed++
			continue
		}
		c, e := make([]float64, ns), make([]float64, ns)
		for s, name := range d.strategies {
			for q, suffix := range names {
				values[s][q] = append(values[s][q], r.Scalars[name+suffix])
			}
			c[s], e[s] = r.Scalars[name+"_cost"], r.Scalars[name+"_effect"]
		}
		costs, effects = append(costs, c), append(effects, e)
	}
	sm.Draws = len(costs)
	if sm.Draws == 0 {
		return sm, nil
	}
	means := make([]hta.Strategy, ns)
	for s, name := range d.strategies {
		v := values[s]
		ss := StrategySummary{Name: name, Cost: interval(v[qCost]), Effect: interval(v[qEffect]), LY: interval(v[qLY]),
			CostUndisc: interval(v[qCostU]), EffectUndisc: interval(v[qEffectU]), LYUndisc: interval(v[qLYU])}
		sm.Strategies = append(sm.Strategies, ss)
		means[s] = hta.Strategy{Name: name, Cost: float64(ss.Cost.Mean), Effect: float64(ss.Effect.Mean)}
	}
	sm.Frontier = hta.FrontierSummary(means)
	for s := 1; s < ns; s++ {
		dc, de := make([]float64, sm.Draws), make([]float64, sm.Draws)
		for k := range costs {
			dc[k], de[k] = costs[k][s]-costs[k][0], effects[k][s]-effects[k][0]
		}
		inc := Incremental{Strategy: d.strategies[s], Versus: d.strategies[0], IncCost: interval(dc), IncEffect: interval(de)}
		inc.ICER = inc.IncCost.Mean / inc.IncEffect.Mean
		sm.Versus = append(sm.Versus, inc)
		if sm.Draws > 1 {
			plane := CEPlane{Strategy: d.strategies[s], Versus: d.strategies[0], IncCost: make([]Number, sm.Draws), IncEffect: make([]Number, sm.Draws)}
			for k := range dc {
				plane.IncCost[k], plane.IncEffect[k] = Number(dc[k]), Number(de[k])
			}
			sm.CEPlane = append(sm.CEPlane, plane)
		}
	}
	if sm.CEAC, sm.CEAF, sm.EVPI = hta.Acceptability(d.strategies, costs, effects, d.wtp); sm.CEAC != nil {
		sm.WTP = d.wtp
	}
	return sm, nil
}
