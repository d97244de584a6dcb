package statetransition

import (
	"encoding/json"

	"github.com/mdtwin/mdtwin/hta"
	"github.com/mdtwin/mdtwin/models"
)

// Summary is the study summary of a state-transition model, written under
// "model_summary" in summary.json: the health-economic summary of package
// hta with the strategies' outcomes (StrategySummary). Each done run
// counts as one draw of a probabilistic sensitivity analysis (PSA); a
// deterministic study has one.
type Summary = hta.Summary[StrategySummary]

// StrategySummary is the mean and 95 % interval (2.5 and 97.5 percentiles
// over draws) of a strategy's outcomes per person.
type StrategySummary struct {
	Name         string           `json:"name"`
	Cost         hta.IntervalJSON `json:"cost"`
	Effect       hta.IntervalJSON `json:"effect"`
	LY           hta.IntervalJSON `json:"ly"`
	CostUndisc   hta.IntervalJSON `json:"cost_undisc"`
	EffectUndisc hta.IntervalJSON `json:"effect_undisc"`
	LYUndisc     hta.IntervalJSON `json:"ly_undisc"`
}

func interval(xs []float64) hta.IntervalJSON { return hta.MeanInterval(xs).JSON() }

// Summarize aggregates a study (see Summary): per strategy the mean and 95 %
// interval of each outcome, and the comparison of the strategies on the
// draws (hta.Summary.Compare: the frontier with ICERs and dominance on the
// means, the increments versus the first strategy, and with two or more
// draws the CEAC, CEAF and EVPI over the willingness-to-pay grid of
// [inputs] wtp and the CE-plane scatter). Failed runs are left out.
func (Model) Summarize(inputs json.RawMessage, runs []models.RunSummary) (any, error) {
	d, err := compile(inputs)
	if err != nil {
		return nil, err
	}
	ns := len(d.strategies)
	sm := &Summary{Currency: d.currency, Effect: d.effectUnit(), Strategies: []StrategySummary{}, Frontier: []hta.FrontierJSON{}, Increments: []hta.Increment{}}
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
	for s, name := range d.strategies {
		v := values[s]
		sm.Strategies = append(sm.Strategies, StrategySummary{Name: name, Cost: interval(v[qCost]), Effect: interval(v[qEffect]), LY: interval(v[qLY]),
			CostUndisc: interval(v[qCostU]), EffectUndisc: interval(v[qEffectU]), LYUndisc: interval(v[qLYU])})
	}
	sm.Compare(hta.Draws{Names: d.strategies, Costs: costs, Effects: effects, WTP: d.wtp})
	return sm, nil
}
