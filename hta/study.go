package hta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Summary is the health-economic summary of a study that compares
// strategies: what a cost-effectiveness model writes under model_summary
// in summary.json (models/statetransition, models/mscohort) and what a
// report reads back. Each done run of the study is one draw of the outer
// loop (a PSA draw, a sweep point or a replicate); a deterministic study
// has one.
//
// S is the model's own record of a strategy's outcomes per person (each
// with its mean and 95 % interval over the draws); the comparison of the
// strategies — frontier, increments, ICERs, NMB, acceptability — is the
// same for every model and filled in by Compare. A report decodes a
// Summary[json.RawMessage].
type Summary[S any] struct {
	Draws    int    `json:"draws"`       // done runs summarised
	Failed   int    `json:"failed_runs"` // runs left out
	Currency string `json:"currency"`    // unit of costs
	Effect   string `json:"effect"`      // unit of effects, e.g. "QALY" or "life-year"
	// WTPRef is the willingness to pay (currency per unit of effect) of the
	// model's NMB outputs and of the increments' IncNMB; nil when the model
	// reports no NMB.
	WTPRef     *float64       `json:"wtp_reference,omitempty"`
	Strategies []S            `json:"strategies"`    // in the model's order
	Frontier   []FrontierJSON `json:"frontier"`      // on the mean costs and effects
	Increments []Increment    `json:"incremental"`   // each strategy after the first versus the first
	WTP        []float64      `json:"wtp,omitempty"` // willingness-to-pay grid (with 2 or more draws)
	CEAC       []Curve        `json:"ceac,omitempty"`
	CEAF       []string       `json:"ceaf,omitempty"` // strategy with the highest expected NMB at each WTP
	EVPI       []float64      `json:"evpi,omitempty"` // per person, at each WTP
	CEPlane    []CEPlane      `json:"ce_plane,omitempty"`
	// ReferenceCase names the sourced set of inputs the study ran on, and
	// Inputs lists each input with its provenance; both empty when the
	// model's inputs come from no reference case.
	ReferenceCase string        `json:"reference_case,omitempty"`
	Inputs        []InputSource `json:"inputs,omitempty"`
	// Observed sets published figures beside the study's predictions of
	// them (face validity); empty when the model was given none.
	Observed []ObservedJSON `json:"observed,omitempty"`
}

// ObservedJSON is one published figure and the study's prediction of it.
type ObservedJSON struct {
	Output   string  `json:"output"`   // the model output that predicts it
	What     string  `json:"what"`     // what was observed, in words
	Observed float64 `json:"observed"` // the published value
	// Lower and Upper bound its published (or derived) 95 % interval;
	// null when none was given.
	Lower     Number       `json:"lower"`
	Upper     Number       `json:"upper"`
	Source    string       `json:"source"`    // paper, table, address
	Predicted IntervalJSON `json:"predicted"` // mean and 95 % interval over the draws
	// Within reports whether the predicted mean lies in [Lower, Upper].
	Within bool `json:"within"`
}

// InputSource is one input of a model and where its value comes from, for
// the inputs table of an HTA report.
type InputSource struct {
	Key    string `json:"key"`             // the input's name, e.g. "natural_history.relapse_rrms"
	Value  string `json:"value"`           // its value, as written (JSON)
	Status string `json:"status"`          // sourced, alternative, derived, calibrated, assumed or choice
	Source string `json:"source"`          // the full reference, "" when assumed or a choice
	Where  string `json:"where,omitempty"` // table, section or page in the source
	Note   string `json:"note,omitempty"`  // why (assumed, alternative) or how (derived, calibrated)
}

// Increment compares a strategy with the first one: the mean and 95 %
// interval over draws of the differences in cost and effect (and in NMB,
// for models that report it), and the ICER of the means, mean ΔC / mean ΔE.
//
// In JSON the effect difference is "inc_effect", or "inc_" + the
// Draws.EffectKey it was made with (mscohort: "inc_qaly"); decoding takes
// whichever the summary holds.
type Increment struct {
	Strategy  string
	Versus    string
	IncCost   IntervalJSON
	IncEffect IntervalJSON
	ICER      Number
	IncNMB    *IntervalJSON // nil without NMB

	effectKey string // JSON key of IncEffect; "" is "inc_effect"
}

// CEPlane is the cost-effectiveness plane scatter of a strategy versus the
// first: ΔC and ΔE of each draw, in run order. Its effect key is that of
// Increment.
type CEPlane struct {
	Strategy  string
	Versus    string
	IncCost   []Number
	IncEffect []Number

	effectKey string
}

// Draws are the outcomes of a study's done runs, per person, for the
// strategies Names (the first is the comparator of the increments):
// Costs[draw][strategy] and Effects[draw][strategy], and NMB[draw][strategy]
// at the reference willingness to pay when the model reports it (nil: no
// NMB increments). WTP is the grid of the CEAC, CEAF and EVPI. EffectKey
// names the effect increments in JSON, "inc_" + EffectKey ("" is
// "effect").
type Draws struct {
	Names          []string
	Costs, Effects [][]float64
	NMB            [][]float64
	WTP            []float64
	EffectKey      string
}

// Compare fills in the comparison of the strategies from the draws d: the
// frontier with dominance and ICERs on the mean costs and effects
// (FrontierSummary; the means as MeanInterval's), the increments of each
// strategy after the first versus the first, and with two or more draws
// the CE-plane scatter and the CEAC, CEAF and EVPI over d.WTP
// (Acceptability). It changes no other field.
func (s *Summary[S]) Compare(d Draws) {
	ns, nd := len(d.Names), len(d.Costs)
	key := ""
	if d.EffectKey != "" {
		key = "inc_" + d.EffectKey
	}
	column := func(x [][]float64, j int) []float64 {
		c := make([]float64, len(x))
		for k := range x {
			c[k] = x[k][j]
		}
		return c
	}
	means := make([]Strategy, ns)
	for j, name := range d.Names {
		means[j] = Strategy{Name: name, Cost: MeanInterval(column(d.Costs, j)).Mean, Effect: MeanInterval(column(d.Effects, j)).Mean}
	}
	s.Frontier = FrontierSummary(means)
	s.Increments = []Increment{}
	for j := 1; j < ns; j++ {
		dc, de := make([]float64, nd), make([]float64, nd)
		for k := range nd {
			dc[k], de[k] = d.Costs[k][j]-d.Costs[k][0], d.Effects[k][j]-d.Effects[k][0]
		}
		inc := Increment{Strategy: d.Names[j], Versus: d.Names[0], IncCost: MeanInterval(dc).JSON(), IncEffect: MeanInterval(de).JSON(), effectKey: key}
		inc.ICER = inc.IncCost.Mean / inc.IncEffect.Mean
		if d.NMB != nil {
			db := make([]float64, nd)
			for k := range nd {
				db[k] = d.NMB[k][j] - d.NMB[k][0]
			}
			iv := MeanInterval(db).JSON()
			inc.IncNMB = &iv
		}
		s.Increments = append(s.Increments, inc)
		if nd > 1 {
			plane := CEPlane{Strategy: d.Names[j], Versus: d.Names[0], IncCost: make([]Number, nd), IncEffect: make([]Number, nd), effectKey: key}
			for k := range dc {
				plane.IncCost[k], plane.IncEffect[k] = Number(dc[k]), Number(de[k])
			}
			s.CEPlane = append(s.CEPlane, plane)
		}
	}
	if s.CEAC, s.CEAF, s.EVPI = Acceptability(d.Names, d.Costs, d.Effects, d.WTP); s.CEAC != nil {
		s.WTP = d.WTP
	}
}

func effectKey(key string) string {
	if key == "" {
		return "inc_effect"
	}
	return key
}

// MarshalJSON implements json.Marshaler: strategy, versus, inc_cost, the
// effect key, icer and, with NMB, inc_nmb, in that order.
func (r Increment) MarshalJSON() ([]byte, error) {
	kv := []any{"strategy", r.Strategy, "versus", r.Versus, "inc_cost", r.IncCost, effectKey(r.effectKey), r.IncEffect, "icer", r.ICER}
	if r.IncNMB != nil {
		kv = append(kv, "inc_nmb", r.IncNMB)
	}
	return marshalObject(kv...)
}

// UnmarshalJSON implements json.Unmarshaler; the effect difference is the
// one key inc_* besides inc_cost and inc_nmb.
func (r *Increment) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*r = Increment{}
	key, err := findEffectKey(m)
	if err != nil {
		return err
	}
	if key != "inc_effect" {
		r.effectKey = key
	}
	if raw, ok := m["inc_nmb"]; ok && string(raw) != "null" {
		r.IncNMB = new(IntervalJSON)
	}
	return unmarshalFields(m, "strategy", &r.Strategy, "versus", &r.Versus, "inc_cost", &r.IncCost, key, &r.IncEffect, "icer", &r.ICER, "inc_nmb", r.IncNMB)
}

// MarshalJSON implements json.Marshaler: strategy, versus, inc_cost and the
// effect key, in that order.
func (p CEPlane) MarshalJSON() ([]byte, error) {
	return marshalObject("strategy", p.Strategy, "versus", p.Versus, "inc_cost", p.IncCost, effectKey(p.effectKey), p.IncEffect)
}

// UnmarshalJSON implements json.Unmarshaler (see Increment's).
func (p *CEPlane) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*p = CEPlane{}
	key, err := findEffectKey(m)
	if err != nil {
		return err
	}
	if key != "inc_effect" {
		p.effectKey = key
	}
	return unmarshalFields(m, "strategy", &p.Strategy, "versus", &p.Versus, "inc_cost", &p.IncCost, key, &p.IncEffect)
}

// findEffectKey returns the key of the effect difference in an increment
// object: inc_effect, or the one other inc_* key besides inc_cost and
// inc_nmb ("inc_effect" when there is none).
func findEffectKey(m map[string]json.RawMessage) (string, error) {
	key := ""
	for k := range m {
		if strings.HasPrefix(k, "inc_") && k != "inc_cost" && k != "inc_nmb" {
			if key != "" {
				return "", fmt.Errorf("hta: an increment with two effect differences, %s and %s", min(key, k), max(key, k))
			}
			key = k
		}
	}
	if key == "" {
		key = "inc_effect"
	}
	return key, nil
}

// marshalObject writes a JSON object with the keys and values of kv
// (key, value, key, value, …) in that order.
func marshalObject(kv ...any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(kv[i])
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(kv[i+1])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// unmarshalFields decodes the values of m's keys into the pointers of kv
// (key, pointer, …); absent keys and nil pointers are skipped.
func unmarshalFields(m map[string]json.RawMessage, kv ...any) error {
	for i := 0; i+1 < len(kv); i += 2 {
		raw, ok := m[kv[i].(string)]
		if !ok || kv[i+1] == nil {
			continue
		}
		if p, isNil := kv[i+1].(*IntervalJSON); isNil && p == nil {
			continue
		}
		if err := json.Unmarshal(raw, kv[i+1]); err != nil {
			return fmt.Errorf("%s: %w", kv[i], err)
		}
	}
	return nil
}
