package report

import (
	"encoding/json"
	"fmt"
)

// htaSummary is the health-economic part of a model_summary, as written by
// statetransition and mscohort (mscohort names the effect increments
// inc_qaly).
type htaSummary struct {
	Draws      int           `json:"draws"`
	Currency   string        `json:"currency"`
	Effect     string        `json:"effect"`
	Frontier   []frontierRow `json:"frontier"`
	Increments []increment   `json:"incremental"`
	WTP        []float64     `json:"wtp"`
	CEAC       []curve       `json:"ceac"`
	CEAF       []string      `json:"ceaf"`
	EVPI       []float64     `json:"evpi"`
	CEPlane    []cePlane     `json:"ce_plane"`
}

type frontierRow struct {
	Name      string   `json:"name"`
	Cost      *float64 `json:"cost"`
	Effect    *float64 `json:"effect"`
	Status    string   `json:"status"`
	Versus    string   `json:"versus"`
	IncCost   *float64 `json:"inc_cost"`
	IncEffect *float64 `json:"inc_effect"`
	ICER      *float64 `json:"icer"`
}

type interval struct {
	Mean, Lo, Hi *float64
}

type increment struct {
	Strategy  string   `json:"strategy"`
	Versus    string   `json:"versus"`
	IncCost   interval `json:"inc_cost"`
	IncEffect interval `json:"inc_effect"`
	IncQALY   interval `json:"inc_qaly"`
	ICER      *float64 `json:"icer"`
}

type curve struct {
	Strategy string    `json:"strategy"`
	Prob     []float64 `json:"prob"`
}

type cePlane struct {
	Strategy  string     `json:"strategy"`
	Versus    string     `json:"versus"`
	IncCost   []*float64 `json:"inc_cost"`
	IncEffect []*float64 `json:"inc_effect"`
	IncQALY   []*float64 `json:"inc_qaly"`
}

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
	for i := range h.Increments {
		if h.Increments[i].IncEffect.Mean == nil {
			h.Increments[i].IncEffect = h.Increments[i].IncQALY
		}
	}
	for i := range h.CEPlane {
		if h.CEPlane[i].IncEffect == nil {
			h.CEPlane[i].IncEffect = h.CEPlane[i].IncQALY
		}
	}
	return &h, nil
}

func (iv *interval) UnmarshalJSON(b []byte) error {
	var v struct {
		Mean *float64 `json:"mean"`
		Lo   *float64 `json:"lo"`
		Hi   *float64 `json:"hi"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	iv.Mean, iv.Lo, iv.Hi = v.Mean, v.Lo, v.Hi
	return nil
}

func (iv interval) String() string {
	if iv.Mean == nil {
		return "–"
	}
	if iv.Lo == nil || iv.Hi == nil || *iv.Lo == *iv.Hi {
		return fmtNum(*iv.Mean)
	}
	return fmt.Sprintf("%s (%s to %s)", fmtNum(*iv.Mean), fmtNum(*iv.Lo), fmtNum(*iv.Hi))
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
		ft.Rows = append(ft.Rows, []string{r.Name, fmtPtr(r.Cost), fmtPtr(r.Effect), r.Status, r.Versus, fmtPtr(r.IncCost), fmtPtr(r.IncEffect), fmtPtr(r.ICER)})
	}
	s.Tables = append(s.Tables, ft)
	if len(h.Increments) > 0 {
		it := table{ID: "increments", Caption: "Increments versus the first strategy: mean (95 % interval)",
			Head: []string{"strategy", "versus", "Δ cost (" + cur + ")", "Δ " + eff, "ICER of the means"}}
		for _, r := range h.Increments {
			it.Rows = append(it.Rows, []string{r.Strategy, r.Versus, r.IncCost.String(), r.IncEffect.String(), fmtPtr(r.ICER)})
		}
		s.Tables = append(s.Tables, it)
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
