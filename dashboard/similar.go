package dashboard

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strings"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/prediction"
)

// ReferenceCohort is a reference cohort the patient page's
// similar-patients panel offers (prediction.ReferenceCohort).
type ReferenceCohort = prediction.ReferenceCohort

// similarPanel is what templates/similar.html shows.
type similarPanel struct {
	PatientID string
	Cohorts   []cohortChoice
	Chosen    ReferenceCohort
	// The match: the patient's values matched on (Features), and the
	// Result or why there is none (Problem).
	prediction.SimilarPatients
	K       int
	Rows    []similarRow
	Curve   template.HTML // worsening-free survival, matched vs all
	Quality string
	Ties    string
}

type cohortChoice struct {
	Name, Label string
	Selected    bool
}

// similarRow is one outcome: the matched patients' figure and the whole
// reference's, each with its 95 % interval.
type similarRow struct {
	Outcome, Matched, All string
}

// similar builds the panel for rec with the cohort chosen by ?cohort=.
func (s *Server) similar(r *http.Request, rec *patient.Record) *similarPanel {
	cohorts := s.cohorts
	if len(cohorts) == 0 {
		cohorts = prediction.DefaultReferenceCohorts
	}
	p := &similarPanel{PatientID: rec.Patient.ID, Chosen: cohorts[0], K: prediction.SimilarK}
	want := r.URL.Query().Get("cohort")
	for _, c := range cohorts {
		if c.Name == want {
			p.Chosen = c
		}
	}
	for _, c := range cohorts {
		p.Cohorts = append(p.Cohorts, cohortChoice{c.Name, c.Label, c.Name == p.Chosen.Name})
	}
	sp, err := prediction.Similar(rec, p.Chosen)
	if err != nil {
		p.Features = sp.Features
		p.Problem = "the reference cohort could not be read"
		s.log.Error("reference cohort", "cohort", p.Chosen.Name, "error_type", fmt.Sprintf("%T", err))
		return p
	}
	p.show(sp)
	return p
}

// show fills the panel's figures from the match sp, or its Problem.
func (p *similarPanel) show(sp prediction.SimilarPatients) {
	p.SimilarPatients = sp
	if sp.Problem != "" {
		return
	}
	res := sp.Result
	p.Rows = similarRows(sp)
	p.Curve = survivalSVG(res.Curve, res.Population.Curve)
	if q := res.Quality; q != nil {
		p.Quality = fmt.Sprintf("%.2f", q.Ratio)
	}
	if t := res.Ties; t != nil && t.AtCutoff > 1 {
		p.Ties = fmt.Sprintf("%d reference patients tie at the cut-off of the %d nearest; all are kept", t.AtCutoff, prediction.SimilarK)
	}
}

// similarRows lays out the outcomes of the matched patients beside the
// whole reference's.
func similarRows(sp prediction.SimilarPatients) []similarRow {
	res := sp.Result
	var rows []similarRow
	for i, o := range res.Outcomes {
		all := res.Population.Outcomes[i]
		switch {
		case o.Numeric != nil && all.Numeric != nil:
			rows = append(rows, similarRow{o.Variable + ": mean (n)",
				fmt.Sprintf("%.2f (%d)", o.Numeric.Mean, o.N), fmt.Sprintf("%.2f (%d)", all.Numeric.Mean, all.N)})
		case len(o.Shares) > 0:
			for j, sh := range o.Shares {
				if sh.Level != "yes" && len(o.Shares) == 2 {
					continue // a yes/no outcome: show the share of yes
				}
				a := all.Shares[j]
				rows = append(rows, similarRow{o.Variable + " = " + sh.Level,
					fmt.Sprintf("%.0f %% [%.0f, %.0f] of %d", 100*sh.Share, 100*sh.Low, 100*sh.High, o.N),
					fmt.Sprintf("%.0f %% [%.0f, %.0f] of %d", 100*a.Share, 100*a.Low, 100*a.High, all.N)})
			}
		}
	}
	for i, h := range res.AtHorizons {
		a := res.Population.AtHorizons[i]
		rows = append(rows, similarRow{fmt.Sprintf("free of EDSS worsening at %g years", h.Time),
			fmt.Sprintf("%.0f %% [%.0f, %.0f]", 100*h.Survival, 100*h.Low, 100*h.High),
			fmt.Sprintf("%.0f %% [%.0f, %.0f]", 100*a.Survival, 100*a.Low, 100*a.High)})
	}
	return rows
}

// survivalSVG draws two Kaplan–Meier step curves with their 95 % bands:
// the matched patients (accent colour) and the whole reference (grey).
func survivalSVG(matched, all []prediction.SurvivalPoint) template.HTML {
	const W, H, left, right, top, bottom = 480.0, 220.0, 44.0, 12.0, 12.0, 34.0
	tMax := 1.0
	for _, c := range [][]prediction.SurvivalPoint{matched, all} {
		for _, p := range c {
			tMax = math.Max(tMax, p.Time)
		}
	}
	tMax = math.Ceil(tMax)
	x := func(t float64) float64 { return left + t/tMax*(W-left-right) }
	y := func(s float64) float64 { return top + (1-s)*(H-top-bottom) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="similar-curve" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="EDSS-worsening-free survival, similar patients against the whole reference">`, W, H, W, H)
	for _, s := range []float64{0, 0.25, 0.5, 0.75, 1} {
		fmt.Fprintf(&b, `<line class="grid" x1="%g" x2="%g" y1="%.1f" y2="%.1f"/><text class="axis" x="%g" y="%.1f">%g</text>`, left, W-right, y(s), y(s), left-4, y(s)+4, s)
	}
	step := math.Max(1, math.Round(tMax/10))
	for t := 0.0; t <= tMax; t += step {
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%g">%g</text>`, x(t), H-bottom+14, t)
	}
	fmt.Fprintf(&b, `<text class="tick" x="%g" y="%g">years after registry entry</text>`, (left+W-right)/2, H-4)
	for _, c := range []struct {
		pts    []prediction.SurvivalPoint
		colour string
		id     string
	}{{all, "#8a93a3", "all"}, {matched, "#1f5fa8", "matched"}} {
		// The band: upper edge left to right, lower edge back.
		var upper, lower []string
		lo, hi, t0 := 1.0, 1.0, 0.0
		for _, p := range c.pts {
			upper = append(upper, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x(t0), y(hi), x(p.Time), y(hi)))
			lower = append(lower, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x(p.Time), y(lo), x(t0), y(lo)))
			lo, hi, t0 = p.Low, p.High, p.Time
		}
		upper = append(upper, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x(t0), y(hi), x(tMax), y(hi)))
		lower = append(lower, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x(tMax), y(lo), x(t0), y(lo)))
		for i, j := 0, len(lower)-1; i < j; i, j = i+1, j-1 {
			lower[i], lower[j] = lower[j], lower[i]
		}
		fmt.Fprintf(&b, `<polygon points="%s %s" fill="%s" fill-opacity="0.15" stroke="none"/>`, strings.Join(upper, " "), strings.Join(lower, " "), c.colour)
		var line []string
		prev, t0 := 1.0, 0.0
		for _, p := range c.pts {
			line = append(line, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x(t0), y(prev), x(p.Time), y(prev)))
			prev, t0 = p.Survival, p.Time
		}
		line = append(line, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x(t0), y(prev), x(tMax), y(prev)))
		fmt.Fprintf(&b, `<polyline class="km-%s" points="%s" fill="none" stroke="%s" stroke-width="2"/>`, c.id, strings.Join(line, " "), c.colour)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
