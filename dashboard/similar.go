package dashboard

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mdtwin/mdtwin/cohort"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/scenarios/examples"
)

// ReferenceCohort is a table of reference MS patients the patient page's
// similar-patients panel matches against (MS Vista: Ed-driouch et al., Ann
// Clin Transl Neurol 2022;9:1863 — similar patients' outcomes against the
// whole reference). Its columns are those of the registry example
// (scenarios/examples/data/README.md): the matching features sex, age,
// course, edss, disease_duration and relapses_prior_2y, and the outcomes
// relapse_2y (yes/no), edss_2y and worsening_years/worsening (time to EDSS
// worsening and its event indicator).
type ReferenceCohort struct {
	Name  string // the value of ?cohort=
	Label string // what the panel's menu shows
	Path  string // a CSV file; "" for the embedded example tables
	embed string // file in examples.Cohorts
}

// DefaultReferenceCohorts are the cohorts the panel offers when Options
// names none: the invented MS registry of the examples and its avatar copy.
var DefaultReferenceCohorts = []ReferenceCohort{
	{Name: "ms-registry", Label: "MS registry (invented, 600 patients)", embed: "data/ms_registry.csv"},
	{Name: "ms-registry-avatars", Label: "MS registry — avatar copy (k = 20)", embed: "data/ms_registry_avatars.csv"},
}

// The similar-patients panel's settings: the matching features, the
// outcomes and the times the worsening-free curves are read at.
var (
	similarFeatures = []string{"sex", "age", "course", "edss", "disease_duration", "relapses_prior_2y"}
	similarHorizons = []float64{2, 5}
)

// SimilarK is the number of similar patients the panel matches (ties at
// the cut-off are kept).
const SimilarK = 20

// loadedCohort is a reference table, read once.
type loadedCohort struct {
	once  sync.Once
	table *cohort.Table
	err   error
}

var cohortTables sync.Map // path or embed name → *loadedCohort

func (c ReferenceCohort) load() (*cohort.Table, error) {
	key := c.Path
	if key == "" {
		key = "embed:" + c.embed
	}
	v, _ := cohortTables.LoadOrStore(key, &loadedCohort{})
	lc := v.(*loadedCohort)
	lc.once.Do(func() {
		var data []byte
		if c.Path != "" {
			data, lc.err = os.ReadFile(c.Path)
		} else {
			data, lc.err = examples.Cohorts.ReadFile(c.embed)
		}
		if lc.err == nil {
			lc.table, lc.err = cohort.ReadCSV(bytes.NewReader(data), c.Name, cohort.ReadOptions{})
		}
	})
	return lc.table, lc.err
}

// similarPanel is what templates/similar.html shows.
type similarPanel struct {
	PatientID string
	Cohorts   []cohortChoice
	Chosen    ReferenceCohort
	Features  [][2]string // the patient's values matched on
	Problem   string      // why there is no match (not an MS patient, …)
	K         int
	Result    *cohort.MatchResult
	Rows      []similarRow
	Curve     template.HTML // worsening-free survival, matched vs all
	Quality   string
	Ties      string
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
		cohorts = DefaultReferenceCohorts
	}
	p := &similarPanel{PatientID: rec.Patient.ID, Chosen: cohorts[0], K: SimilarK}
	want := r.URL.Query().Get("cohort")
	for _, c := range cohorts {
		if c.Name == want {
			p.Chosen = c
		}
	}
	for _, c := range cohorts {
		p.Cohorts = append(p.Cohorts, cohortChoice{c.Name, c.Label, c.Name == p.Chosen.Name})
	}
	query, features, problem := msQuery(rec)
	p.Features = features
	if problem != "" {
		p.Problem = problem
		return p
	}
	ref, err := p.Chosen.load()
	if err != nil {
		p.Problem = "the reference cohort could not be read"
		s.log.Error("reference cohort", "cohort", p.Chosen.Name, "error_type", fmt.Sprintf("%T", err))
		return p
	}
	p.match(ref, query)
	return p
}

// match matches the patient's values query against the reference table
// ref and fills the panel's figures, or its Problem.
func (p *similarPanel) match(ref *cohort.Table, query map[string]string) {
	for name := range query {
		if ref.Column(name) == nil {
			delete(query, name) // a cohort without the column: match on the others
		}
	}
	if c := ref.Column("course"); c != nil && query["course"] != "" && c.Level(query["course"]) < 0 {
		p.Features = append(p.Features, [2]string{"note", "course " + query["course"] + " is not in this cohort: not matched on"})
		delete(query, "course")
	}
	res, err := cohort.MatchPatient(ref, query, cohort.MatchOptions{K: SimilarK, Outcomes: []string{"relapse_2y", "edss_2y"},
		Time: "worsening_years", Event: "worsening", Horizons: similarHorizons})
	if err != nil {
		p.Problem = "no match: " + err.Error()
		return
	}
	p.Result = res
	p.Rows = similarRows(res)
	p.Curve = survivalSVG(res.Curve, res.Population.Curve)
	if q := res.Quality; q != nil {
		p.Quality = fmt.Sprintf("%.2f", q.Ratio)
	}
	if t := res.Ties; t != nil && t.AtCutoff > 1 {
		p.Ties = fmt.Sprintf("%d reference patients tie at the cut-off of the %d nearest; all are kept", t.AtCutoff, SimilarK)
	}
}

// msQuery reads the matching features from an MS record: sex, age at the
// latest EDSS visit, course, EDSS state, years since the first coded MS
// course (diagnosis) and relapses in the 2 years before that visit.
func msQuery(rec *patient.Record) (map[string]string, [][2]string, string) {
	pr, err := embodiment.MS(rec, time.Time{})
	if err != nil {
		return nil, nil, "not an MS registry patient: " + err.Error()
	}
	q := map[string]string{
		"sex":  map[string]string{"female": "F", "male": "M"}[pr.Sex],
		"age":  strconv.Itoa(pr.Age),
		"edss": strconv.Itoa(pr.EDSSState),
	}
	if pr.Course != "" {
		q["course"] = pr.Course
	}
	var diagnosis time.Time
	relapses := 0
	for _, c := range rec.Conditions {
		at, err := time.Parse(time.DateOnly, firstDate(c.Onset, c.Recorded))
		if err != nil || at.After(pr.IndexDate) {
			continue
		}
		for _, code := range c.Code {
			switch {
			case code.System == patient.SystemMS && code.Code == patient.CodeRelapse:
				if pr.IndexDate.Sub(at) <= 2*365.25*24*time.Hour {
					relapses++
				}
			case code.System == patient.SystemSNOMED && (code.Code == "426373005" || code.Code == "425500002" || code.Code == "428700003"):
				if diagnosis.IsZero() || at.Before(diagnosis) {
					diagnosis = at
				}
			}
		}
	}
	q["relapses_prior_2y"] = strconv.Itoa(relapses)
	if !diagnosis.IsZero() {
		q["disease_duration"] = strconv.Itoa(int(pr.IndexDate.Sub(diagnosis).Hours() / 24 / 365.25))
	}
	var shown [][2]string
	for _, f := range similarFeatures {
		if v, ok := q[f]; ok {
			shown = append(shown, [2]string{f, v})
		}
	}
	shown = append(shown, [2]string{"as of", pr.IndexDate.Format(time.DateOnly) + " (latest EDSS)"})
	return q, shown, ""
}

func firstDate(dates ...string) string {
	for _, d := range dates {
		if len(d) >= 10 {
			return d[:10]
		}
	}
	return ""
}

// similarRows lays out the outcomes of the matched patients beside the
// whole reference's.
func similarRows(res *cohort.MatchResult) []similarRow {
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
func survivalSVG(matched, all []cohort.SurvivalPoint) template.HTML {
	const W, H, left, right, top, bottom = 480.0, 220.0, 44.0, 12.0, 12.0, 34.0
	tMax := 1.0
	for _, c := range [][]cohort.SurvivalPoint{matched, all} {
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
		pts    []cohort.SurvivalPoint
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
