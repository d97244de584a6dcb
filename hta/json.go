package hta

import (
	"encoding/json"
	"math"
)

// Number is a float64 that JSON writes as null when it is NaN or infinite
// (an ICER of equal effects, the increments of a dominated strategy), which
// JSON cannot write as numbers.
type Number float64

// MarshalJSON implements json.Marshaler.
func (n Number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON implements json.Unmarshaler: null is NaN, the value
// MarshalJSON writes as null.
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Number(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Number(f)
	return nil
}

// IntervalJSON is an Interval as study summaries write it.
type IntervalJSON struct {
	Mean Number `json:"mean"`
	Lo   Number `json:"lo"`
	Hi   Number `json:"hi"`
}

// JSON returns iv for a study summary.
func (iv Interval) JSON() IntervalJSON {
	return IntervalJSON{Number(iv.Mean), Number(iv.Lo), Number(iv.Hi)}
}

// FrontierJSON is a FrontierRow as study summaries write it.
type FrontierJSON struct {
	Name      string `json:"name"`
	Cost      Number `json:"cost"`
	Effect    Number `json:"effect"`
	Status    string `json:"status"`
	Versus    string `json:"versus,omitempty"`
	IncCost   Number `json:"inc_cost"`
	IncEffect Number `json:"inc_effect"`
	ICER      Number `json:"icer"`
}

// FrontierSummary is Frontier(s) for a study summary; empty when a cost
// or an effect is not finite.
func FrontierSummary(s []Strategy) []FrontierJSON {
	rows := []FrontierJSON{}
	for _, x := range s {
		if !finite(x.Cost) || !finite(x.Effect) {
			return rows
		}
	}
	for _, r := range Frontier(s) {
		rows = append(rows, FrontierJSON{Name: r.Name, Cost: Number(r.Cost), Effect: Number(r.Effect),
			Status: string(r.Status), Versus: r.Versus, IncCost: Number(r.IncCost), IncEffect: Number(r.IncEffect), ICER: Number(r.ICER)})
	}
	return rows
}

// Curve is one strategy's cost-effectiveness acceptability curve: the
// probability that it has the highest net monetary benefit at each
// willingness to pay.
type Curve struct {
	Strategy string    `json:"strategy"`
	Prob     []float64 `json:"prob"`
}

// Acceptability computes, from PSA draws costs[draw][strategy] and
// effects[draw][strategy] of the strategies names, the CEAC of each
// strategy, the CEAF (the strategy of highest expected NMB at each WTP) and
// the per-person EVPI at each WTP. With fewer than two draws, or a
// non-finite draw, it returns nothing.
func Acceptability(names []string, costs, effects [][]float64, wtps []float64) (ceac []Curve, ceaf []string, evpi []float64) {
	if len(costs) < 2 || !allFinite(costs) || !allFinite(effects) {
		return nil, nil, nil
	}
	p := CEAC(costs, effects, wtps)
	for s, name := range names {
		c := Curve{Strategy: name, Prob: make([]float64, len(wtps))}
		for k := range wtps {
			c.Prob[k] = p[k][s]
		}
		ceac = append(ceac, c)
	}
	for _, s := range CEAF(costs, effects, wtps) {
		ceaf = append(ceaf, names[s])
	}
	return ceac, ceaf, EVPI(costs, effects, wtps)
}

func allFinite(xs [][]float64) bool {
	for _, row := range xs {
		for _, x := range row {
			if !finite(x) {
				return false
			}
		}
	}
	return true
}

// DSAJSON is a DSA as `mdtwin dsa` writes it in dsa.json: outcomes that are
// not finite (an ICER where the effects are equal) are null (Number), an
// analysis that was not asked for is null, and the keys of each object are
// in alphabetical order, the order dsa.json has always had. Parameter
// values and the level are written as they are (they are finite).
type DSAJSON struct {
	Base       Number             `json:"base"`
	Level      float64            `json:"level"`
	OneWay     []TornadoBarJSON   `json:"one_way"`
	Outcome    string             `json:"outcome"`
	Thresholds []ThresholdRunJSON `json:"thresholds"`
	TwoWay     []TwoWayJSON       `json:"two_way"`
}

// TornadoBarJSON is a TornadoBar as dsa.json writes it.
type TornadoBarJSON struct {
	High      Number  `json:"high"`
	HighValue float64 `json:"high_value"`
	Low       Number  `json:"low"`
	LowValue  float64 `json:"low_value"`
	Param     string  `json:"param"`
	Range     Number  `json:"range"`
}

// ThresholdRunJSON is a ThresholdRun as dsa.json writes it.
type ThresholdRunJSON struct {
	Outcome    []Number  `json:"outcome"`
	Param      string    `json:"param"`
	Thresholds []float64 `json:"thresholds"`
	X          []float64 `json:"x"`
}

// TwoWayJSON is a TwoWay as dsa.json writes it.
type TwoWayJSON struct {
	Outcome [][]Number `json:"outcome"`
	X       []float64  `json:"x"`
	XParam  string     `json:"x_param"`
	Y       []float64  `json:"y"`
	YParam  string     `json:"y_param"`
}

// JSON returns d as dsa.json writes it.
func (d *DSA) JSON() DSAJSON {
	out := DSAJSON{Outcome: d.Outcome, Base: Number(d.Base), Level: d.Level}
	for _, b := range d.OneWay {
		out.OneWay = append(out.OneWay, TornadoBarJSON{Param: b.Param, LowValue: b.LowValue, HighValue: b.HighValue,
			Low: Number(b.Low), High: Number(b.High), Range: Number(b.Range)})
	}
	for _, t := range d.TwoWay {
		grid := make([][]Number, len(t.Outcome))
		for i, row := range t.Outcome {
			grid[i] = numbers(row)
		}
		out.TwoWay = append(out.TwoWay, TwoWayJSON{XParam: t.XParam, YParam: t.YParam, X: t.X, Y: t.Y, Outcome: grid})
	}
	for _, t := range d.Thresholds {
		out.Thresholds = append(out.Thresholds, ThresholdRunJSON{Param: t.Param, X: t.X, Outcome: numbers(t.Outcome), Thresholds: t.Thresholds})
	}
	return out
}

// numbers returns xs as Numbers (never nil, so an empty xs is written as []).
func numbers(xs []float64) []Number {
	out := make([]Number, len(xs))
	for i, x := range xs {
		out[i] = Number(x)
	}
	return out
}
