package mscohort

import (
	"fmt"
	"math"
	"strconv"

	"github.com/mdtwin/mdtwin/hta"
	"github.com/mdtwin/mdtwin/models"
)

// Outputs for face validity against trials ([inputs] cdw_months and
// observed).
//
// Confirmed disability worsening (CDW), as trials report it, is an EDSS
// increase from baseline that is still there at a visit months later.
// [inputs] cdw_months = [3, 6] adds the outputs <strategy>_cdw_3m and
// <strategy>_cdw_6m: the share of patients with an EDSS at least one state
// above their EDSS at time 0 (the model's whole EDSS states stand for the
// trials' 1.0-point rule; ASCLEPIOS asked 1.5 points from EDSS 0 and 0.5
// from 5.5) held without a break for the months given, confirmed by the
// horizon (a death after the months confirms it too). Relapses do not
// change the EDSS in the model, so relapse-associated worsening is not
// counted separately, and the EDSS is observed continuously, not at
// visits. The annual cohort does not follow single patients: it refuses
// cdw_months.
//
// [[inputs.observed]] sets published figures beside the outputs that
// predict them; the study summary (hta.Summary.Observed) and the report's
// "Face validity" table show each with its interval, the prediction and
// whether the predicted mean falls inside:
//
//	[[inputs.observed]]
//	output = "teriflunomide_arr"
//	what = "ASCLEPIOS I, teriflunomide arm, ARR"
//	observed = 0.22
//	lower = 0.179
//	upper = 0.261
//	source = "Hauser et al., NEJM 2020;383:546 (…)"

// maxCDW bounds the confirmation periods of cdw_months.
const maxCDW = 4

// rawObserved is one [[inputs.observed]] entry.
type rawObserved struct {
	Output   string   `json:"output"`
	What     string   `json:"what"`
	Observed float64  `json:"observed"`
	Lower    *float64 `json:"lower"`
	Upper    *float64 `json:"upper"`
	Source   string   `json:"source"`
}

// compileCDW checks cdw_months and returns the confirmation periods in
// years.
func compileCDW(months []float64) ([]float64, error) {
	if len(months) > maxCDW {
		return nil, inputErr("inputs", "cdw_months lists %d periods, at most %d", len(months), maxCDW)
	}
	var out []float64
	for i, m := range months {
		if !(m >= 1 && m <= 60) || m != math.Trunc(m) {
			return nil, inputErr("inputs", "cdw_months[%d] = %s, expected whole months from 1 to 60", i, fmtNum(m))
		}
		for _, y := range out {
			if y == m/12 {
				return nil, inputErr("inputs", "cdw_months lists %s twice", fmtNum(m))
			}
		}
		out = append(out, m/12)
	}
	return out, nil
}

// cdwOutput names the CDW output of strategy s for a period of years.
func cdwOutput(s string, years float64) string {
	return s + "_cdw_" + strconv.Itoa(int(math.Round(years*12))) + "m"
}

// cdwOutputs describes the CDW outputs of the strategies.
func (d *definition) cdwOutputs() []models.Output {
	var out []models.Output
	for _, s := range d.strategies {
		for _, y := range d.cdw {
			out = append(out, models.Output{Name: cdwOutput(s.name, y), Unit: "share",
				Doc: fmt.Sprintf("share of patients with an EDSS worsening (one state or more above time 0) held %d months, confirmed by the horizon (des mode)", int(math.Round(y*12)))})
		}
	}
	return out
}

// checkObserved checks that every [[inputs.observed]] entry names an
// output of desc and gives a sound interval.
func (d *definition) checkObserved(desc models.Descriptor) error {
	have := map[string]bool{}
	for _, o := range desc.Outputs {
		have[o.Name] = true
	}
	for i, o := range d.raw.Observed {
		where := fmt.Sprintf("inputs.observed[%d]", i)
		switch {
		case !have[o.Output]:
			return inputErr(where, "output %q is not an output of the model with these inputs", o.Output)
		case o.What == "" || o.Source == "":
			return inputErr(where, "what and source are required (what was observed, and where it was published)")
		case (o.Lower == nil) != (o.Upper == nil):
			return inputErr(where, "give both lower and upper, or neither")
		case o.Lower != nil && !(*o.Lower <= o.Observed && o.Observed <= *o.Upper):
			return inputErr(where, "expected lower <= observed <= upper, got %s, %s, %s", fmtNum(*o.Lower), fmtNum(o.Observed), fmtNum(*o.Upper))
		}
	}
	return nil
}

// observed sets the published figures beside the mean and 95 % interval
// of their outputs over the done runs.
func (d *definition) observed(done []models.RunSummary) []hta.ObservedJSON {
	var out []hta.ObservedJSON
	for _, o := range d.raw.Observed {
		xs := make([]float64, len(done))
		for k, r := range done {
			xs[k] = r.Scalars[o.Output]
		}
		pred := hta.MeanInterval(xs).JSON()
		row := hta.ObservedJSON{Output: o.Output, What: o.What, Observed: o.Observed, Lower: hta.Number(math.NaN()), Upper: hta.Number(math.NaN()),
			Source: o.Source, Predicted: pred}
		if o.Lower != nil {
			row.Lower, row.Upper = hta.Number(*o.Lower), hta.Number(*o.Upper)
			row.Within = *o.Lower <= float64(pred.Mean) && float64(pred.Mean) <= *o.Upper
		}
		out = append(out, row)
	}
	return out
}

// cdwStart begins a patient's CDW tracking at time 0.
func (pt *patient) cdwStart() {
	pt.cdwBase, pt.cdwOnset = pt.edss, -1
	clear(pt.cdwDone[:])
}

// cdwCheck confirms, at time now before any change of state, the
// worsenings held since their onset for each period.
func (pt *patient) cdwCheck(now float64) {
	if pt.cdwOnset < 0 {
		return
	}
	for j, y := range pt.w.d.cdw {
		if !pt.cdwDone[j] && pt.cdwOnset+y <= now {
			pt.cdwDone[j] = true
			pt.acc.cdw[j]++
		}
	}
}

// cdwMoved updates the onset after a change of EDSS.
func (pt *patient) cdwMoved(now float64) {
	switch {
	case pt.edss < pt.cdwBase+1:
		pt.cdwOnset = -1
	case pt.cdwOnset < 0:
		pt.cdwOnset = now
	}
}
