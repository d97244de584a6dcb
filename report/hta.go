package report

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/mdtwin/mdtwin/hta"
)

// htaSummary is the health-economic model_summary of statetransition and
// mscohort (hta.Summary); the per-strategy outcomes are not read.
type htaSummary = hta.Summary[json.RawMessage]

// hta decodes the study's model summary when it has a frontier.
func (st *StudyOutputs) hta() (*htaSummary, error) {
	if len(st.ModelSummary) == 0 {
		return nil, nil
	}
	var h htaSummary
	if err := json.Unmarshal(st.ModelSummary, &h); err != nil {
		return nil, nil // not a health-economic summary
	}
	if len(h.Frontier) == 0 {
		return nil, nil
	}
	return &h, nil
}

// fmtNumber formats a summary number for a table: "–" where the summary
// has none (null: NaN or infinite).
func fmtNumber(x hta.Number) string {
	if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	return fmtNum(float64(x))
}

// fmtInterval formats a mean and its 95 % interval: "mean (lo to hi)", the
// mean alone when the interval is a point or missing.
func fmtInterval(iv hta.IntervalJSON) string {
	if f := float64(iv.Mean); math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	lo, hi := float64(iv.Lo), float64(iv.Hi)
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || lo == hi {
		return fmtNum(float64(iv.Mean))
	}
	return fmt.Sprintf("%s (%s to %s)", fmtNum(float64(iv.Mean)), fmtNum(lo), fmtNum(hi))
}

// htaSection is the cost-effectiveness section of a study report.
func htaSection(h *htaSummary) (section, error) {
	s := section{ID: "cost-effectiveness", Title: "Cost-effectiveness"}
	eff := h.Effect
	if eff == "" {
		eff = "effect"
	}
	cur := h.Currency
	s.Notes = append(s.Notes, fmt.Sprintf("Costs in %s, effects in %ss; %d draws. The frontier ranks the strategies by mean cost: dominated strategies cost more for less effect (or more than a mix of two others); the ICER is versus the previous strategy on the frontier.", cur, eff, h.Draws))
	ft := table{ID: "frontier", Caption: "Cost-effectiveness frontier (means)",
		Head: []string{"strategy", "cost (" + cur + ")", eff, "status", "versus", "Δ cost", "Δ " + eff, "ICER (" + cur + "/" + eff + ")"}}
	for _, r := range h.Frontier {
		ft.Rows = append(ft.Rows, []string{r.Name, fmtNumber(r.Cost), fmtNumber(r.Effect), r.Status, r.Versus, fmtNumber(r.IncCost), fmtNumber(r.IncEffect), fmtNumber(r.ICER)})
	}
	s.Tables = append(s.Tables, ft)
	if len(h.Increments) > 0 {
		it := table{ID: "increments", Caption: "Increments versus the first strategy: mean (95 % interval)",
			Head: []string{"strategy", "versus", "Δ cost (" + cur + ")", "Δ " + eff, "ICER of the means"}}
		for _, r := range h.Increments {
			it.Rows = append(it.Rows, []string{r.Strategy, r.Versus, fmtInterval(r.IncCost), fmtInterval(r.IncEffect), fmtNumber(r.ICER)})
		}
		s.Tables = append(s.Tables, it)
	}
	if len(h.Inputs) > 0 {
		it := table{ID: "inputs", Caption: "Inputs of reference case " + h.ReferenceCase + ": value, status (sourced, alternative source, derived, calibrated, assumed, choice) and source",
			Head: []string{"input", "value", "status", "source", "where", "note"}}
		for _, r := range h.Inputs {
			it.Rows = append(it.Rows, []string{r.Key, r.Value, r.Status, r.Source, r.Where, r.Note})
		}
		s.Tables = append(s.Tables, it)
	}
	if len(h.Observed) > 0 {
		ot := table{ID: "observed", Caption: "Face validity: published figures (95 % interval) and the study's prediction of each (mean and 95 % interval over draws)",
			Head: []string{"observed", "output", "published", "95 % interval", "predicted", "predicted mean within the interval", "source"}}
		for _, o := range h.Observed {
			within := "no"
			if o.Within {
				within = "yes"
			}
			if math.IsNaN(float64(o.Lower)) {
				within = "–"
			}
			ot.Rows = append(ot.Rows, []string{o.What, o.Output, fmtNumber(hta.Number(o.Observed)), fmtNumber(o.Lower) + " – " + fmtNumber(o.Upper), fmtInterval(o.Predicted), within, o.Source})
		}
		s.Tables = append(s.Tables, ot)
	}
	if len(h.CEPlane) > 0 {
		svg, err := cePlanePlot(h.CEPlane, cur, eff)
		if err != nil {
			return s, err
		}
		s.Figures = append(s.Figures, figure{ID: "ce-plane", Caption: "Cost-effectiveness plane: incremental cost and effect of each draw.", SVG: svg})
	}
	if len(h.CEAC) > 0 && len(h.WTP) > 0 {
		svg, err := ceacPlot(h.WTP, h.CEAC, cur, eff)
		if err != nil {
			return s, err
		}
		s.Figures = append(s.Figures, figure{ID: "ceac", Caption: "Cost-effectiveness acceptability curve: the share of draws in which each strategy has the highest net monetary benefit.", SVG: svg})
		if len(h.CEAF) == len(h.WTP) && len(h.EVPI) == len(h.WTP) {
			t := table{ID: "ceaf", Caption: "Optimal strategy (CEAF) and EVPI per person by willingness to pay (where the optimum changes, and the ends)",
				Head: []string{"willingness to pay (" + cur + "/" + eff + ")", "strategy with the highest expected NMB", "EVPI (" + cur + ")"}}
			for k := range h.WTP {
				if k == 0 || k == len(h.WTP)-1 || h.CEAF[k] != h.CEAF[k-1] {
					t.Rows = append(t.Rows, []string{fmtNum(h.WTP[k]), h.CEAF[k], fmtNum(h.EVPI[k])})
				}
			}
			s.Tables = append(s.Tables, t)
		}
	}
	return s, nil
}
