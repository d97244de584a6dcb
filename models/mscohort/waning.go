package mscohort

import (
	"fmt"
	"math"
	"slices"
)

// Treatment-effect waning ([inputs.waning]): the share of a therapy's
// effect lost as time on it goes by. NICE's committee on ofatumumab
// (TA699, committee discussion) named waning as the one assumption with
// more than a minor impact on the ICER; MS appraisals have modelled it as
// a stepwise loss (e.g. 25 % of the effect from year 2, 50 % from year 5)
// or a linear one. A loss w applies to the relative effect of both ratios
// of the therapy, the hazard ratio on EDSS worsening and the rate ratio on
// relapses:
//
//	ratio(w) = 1 − (1 − ratio)·(1 − w)
//
// so w = 0 is the full effect and w = 1 none. The therapy's costs,
// discontinuation and adverse events do not wane. Time is counted from the
// start of the line (years_on_therapy before time 0 count for a starter
// who continues the first line).
//
//	type = "none"       no waning (the default)
//	type = "stepwise"   steps = [[years, loss], …]: the loss from that time on
//	type = "linear"     the loss grows linearly from 0 at start to loss at
//	                    end (years on the line) and stays there; it is
//	                    applied in steps of step years at each step's
//	                    midpoint value, which integrates a linear loss
//	                    exactly over whole steps
//
// Waning changes the rates with time on a line, which the annual cohort
// (mode "cohort") does not track: it refuses waning; the DES runs it.
const (
	WaningNone     = "none"
	WaningStepwise = "stepwise"
	WaningLinear   = "linear"
)

// rawWaning is [inputs.waning] as decoded.
type rawWaning struct {
	Type  string      `json:"type"`
	Steps [][]float64 `json:"steps"`
	Start float64     `json:"start"`
	End   float64     `json:"end"`
	Loss  float64     `json:"loss"`
	Step  float64     `json:"step"`
}

// waning is the compiled waning: level i applies from times[i] years on a
// line with the loss loss[i]; times[0] = 0.
type waning struct {
	times, loss []float64
}

// maxWaningLevels bounds the levels (each is a set of rate tables).
const maxWaningLevels = 200

// compileWaning checks [inputs.waning] and returns its levels.
func compileWaning(r rawWaning) (waning, error) {
	where := "inputs.waning"
	none := waning{times: []float64{0}, loss: []float64{0}}
	switch r.Type {
	case "", WaningNone:
		if len(r.Steps) > 0 || r.Loss != 0 || r.End != 0 {
			return waning{}, inputErr(where, "type = %q takes no steps, loss or end; expected type = %q or %q", WaningNone, WaningStepwise, WaningLinear)
		}
		return none, nil
	case WaningStepwise:
		if len(r.Steps) == 0 || len(r.Steps) >= maxWaningLevels {
			return waning{}, inputErr(where, "stepwise: steps must list 1 to %d [years, loss] pairs, got %d", maxWaningLevels-1, len(r.Steps))
		}
		w := none
		for i, s := range r.Steps {
			if len(s) != 2 {
				return waning{}, inputErr(fmt.Sprintf("%s.steps[%d]", where, i), "expected [years on the line, share of the effect lost], got %d numbers", len(s))
			}
			if !(s[0] > w.times[len(w.times)-1]) || math.IsInf(s[0], 0) {
				return waning{}, inputErr(fmt.Sprintf("%s.steps[%d]", where, i), "years %s must be finite and after the previous step's (%s)", fmtNum(s[0]), fmtNum(w.times[len(w.times)-1]))
			}
			if !(s[1] >= 0 && s[1] <= 1) {
				return waning{}, inputErr(fmt.Sprintf("%s.steps[%d]", where, i), "loss %s is outside [0, 1] (0: full effect, 1: none)", fmtNum(s[1]))
			}
			w.times, w.loss = append(w.times, s[0]), append(w.loss, s[1])
		}
		return w, nil
	case WaningLinear:
		if len(r.Steps) > 0 {
			return waning{}, inputErr(where, "linear: takes start, end, loss and step, not steps")
		}
		if !(r.Start >= 0 && r.End > r.Start) || math.IsInf(r.End, 0) {
			return waning{}, inputErr(where, "linear: expected 0 <= start < end (years on the line), got start %s, end %s", fmtNum(r.Start), fmtNum(r.End))
		}
		if !(r.Loss >= 0 && r.Loss <= 1) {
			return waning{}, inputErr(where, "linear: loss %s is outside [0, 1]", fmtNum(r.Loss))
		}
		step := r.Step
		if step == 0 {
			step = 0.25
		}
		n := math.Round((r.End - r.Start) / step)
		if !(step > 0) || n < 1 || n+2 > maxWaningLevels || math.Abs(n*step-(r.End-r.Start)) > 1e-9*r.End {
			return waning{}, inputErr(where, "linear: step %s must divide end − start = %s into 1 to %d whole steps", fmtNum(step), fmtNum(r.End-r.Start), maxWaningLevels-2)
		}
		w := none
		for j := range int(n) {
			t := r.Start + float64(j)*step
			l := r.Loss * (float64(j) + 0.5) / n
			if t == 0 {
				w.loss[0] = l
				continue
			}
			w.times, w.loss = append(w.times, t), append(w.loss, l)
		}
		w.times, w.loss = append(w.times, r.End), append(w.loss, r.Loss)
		return w, nil
	}
	return waning{}, inputErr(where, "type = %q, expected %q, %q or %q", r.Type, WaningNone, WaningStepwise, WaningLinear)
}

// levels returns the number of waning levels (1: no waning).
func (w waning) levels() int { return len(w.loss) }

// levelAt returns the level of a line that has run for years.
func (w waning) levelAt(years float64) int {
	i, found := slices.BinarySearch(w.times, years)
	if found {
		return i
	}
	return max(i-1, 0)
}

// waned returns a ratio (hazard or rate ratio) with the share loss of its
// effect lost; a loss of 0 returns the ratio itself, bit for bit.
func waned(ratio, loss float64) float64 {
	if loss == 0 {
		return ratio
	}
	return 1 - (1-ratio)*(1-loss)
}
