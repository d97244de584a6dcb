package dashboard

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/terminology"
)

// Geometry of the timeline's SVG charts (user units = CSS pixels). Every
// chart shares the x scale, so a date sits at the same x in each.
const (
	chartWidth  = 960.0
	labelWidth  = 250.0 // left column of row labels
	rightMargin = 16.0
	plotWidth   = chartWidth - labelWidth - rightMargin
	rowHeight   = 18.0
	axisHeight  = 22.0
	seriesH     = 64.0 // plot height of one observation series
)

// timeline is the view of a patient's record on one time axis: lanes for
// encounters, conditions, therapies, procedures and imaging, and one chart
// per numeric observation code.
type timeline struct {
	From, To string // dates shown, YYYY-MM-DD
	Empty    bool
	Ticks    []tick
	Lanes    []lane
	LanesH   float64
	Width    float64
	LabelW   float64
	Series   []series
	Groups   []seriesGroup // Series by group: clinical, device data, patient-reported
	TextObs  []textObs     // observations without a numeric value
	Reports  []patient.Report
	Assets   []patient.Asset
	t0, t1   time.Time
}

type tick struct {
	X     float64
	Label string
}

// lane is one labelled group of rows.
type lane struct {
	Title string
	ID    string // element id of the group
	Y     float64
	Rows  []row
}

// row is one row of a lane: bars (spans) and marks (instants).
type row struct {
	Label string
	Y     float64 // top of the row
	Bars  []bar
	Marks []mark
}

type bar struct {
	X, Y  float64
	W     float64
	Open  bool // no end date: drawn to the end of the axis
	Title string
	Class string
}

type mark struct {
	X, Y  float64
	Title string
}

// seriesGroup is a titled group of series.
type seriesGroup struct {
	Title, ID string
	Series    []series
}

// series is one observation code plotted over time.
type series struct {
	Code     string // system|code
	Label    string
	Group    terminology.Group
	Unit     string
	Points   string // polyline points
	Dots     []dot
	Min, Max string
	Last     string
	N        int // number of values
	H        float64
}

// maxDots is the most points of a series drawn as dots (with their
// tooltips); a longer one (a wearable's daily values) is a line only.
const maxDots = 120

type dot struct {
	X, Y  float64
	Title string
}

type textObs struct {
	Time, Label, Value string
}

// parseTime reads a FHIR date or dateTime (YYYY, YYYY-MM, YYYY-MM-DD or
// RFC 3339); ok is false for an empty or unreadable value.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func day(s string) string {
	if t, ok := parseTime(s); ok {
		return t.Format("2006-01-02")
	}
	return s
}

// newTimeline lays out rec on one time axis from its first to its last
// dated item.
func newTimeline(rec *patient.Record) *timeline {
	tl := &timeline{Width: chartWidth, LabelW: labelWidth, Reports: rec.Reports, Assets: rec.Assets}
	var times []time.Time
	add := func(ss ...string) {
		for _, s := range ss {
			if t, ok := parseTime(s); ok {
				times = append(times, t)
			}
		}
	}
	for _, e := range rec.Encounters {
		add(e.Start, e.End)
	}
	for _, o := range rec.Observations {
		add(o.Time)
	}
	for _, c := range rec.Conditions {
		add(c.Onset, c.Abatement)
	}
	for _, t := range rec.Therapies {
		add(t.Start, t.Stop)
	}
	for _, p := range rec.Procedures {
		add(p.Start, p.End)
	}
	for _, a := range rec.Assets {
		add(a.Time)
	}
	if len(times) == 0 {
		tl.Empty = true
		return tl
	}
	tl.t0, tl.t1 = slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
	// A margin of 2 % each side (at least 30 days) keeps marks off the edges.
	pad := max(tl.t1.Sub(tl.t0)/50, 30*24*time.Hour)
	tl.t0, tl.t1 = tl.t0.Add(-pad), tl.t1.Add(pad)
	tl.From, tl.To = tl.t0.Format("2006-01-02"), tl.t1.Format("2006-01-02")
	tl.ticks()
	tl.lanes(rec)
	tl.series(rec)
	return tl
}

func (tl *timeline) x(t time.Time) float64 {
	f := float64(t.Sub(tl.t0)) / float64(tl.t1.Sub(tl.t0))
	return round1(labelWidth + f*plotWidth)
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// ticks puts a tick on 1 January every 1, 2, 5, 10, ... years, at most 12.
func (tl *timeline) ticks() { tl.Ticks = yearTicks(tl.t0, tl.t1, tl.x) }

// yearTicks returns the ticks on 1 January every 1, 2, 5, 10, ... years
// (at most 12) from t0 to t1, at x(date).
func yearTicks(t0, t1 time.Time, x func(time.Time) float64) []tick {
	years := t1.Year() - t0.Year() + 1
	step := 1
	for _, s := range []int{1, 2, 5, 10, 20, 50} {
		step = s
		if years/s <= 12 {
			break
		}
	}
	var out []tick
	for y := t0.Year(); y <= t1.Year(); y++ {
		if y%step != 0 {
			continue
		}
		t := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		if t.Before(t0) || t.After(t1) {
			continue
		}
		out = append(out, tick{X: x(t), Label: strconv.Itoa(y)})
	}
	return out
}

// span returns the bar from start to stop (” or unreadable: open, to the
// end of the axis); ok is false when start is unreadable.
func (tl *timeline) span(start, stop, title, class string) (bar, bool) {
	t0, ok := parseTime(start)
	if !ok {
		return bar{}, false
	}
	t1, closed := parseTime(stop)
	if !closed {
		t1 = tl.t1
	}
	x0, x1 := tl.x(t0), tl.x(t1)
	return bar{X: x0, W: max(round1(x1-x0), 3), Open: !closed, Title: title, Class: class}, true
}

func (tl *timeline) lanes(rec *patient.Record) {
	var enc row
	enc.Label = plural(len(rec.Encounters), "encounter", "encounters")
	for _, e := range rec.Encounters {
		if t, ok := parseTime(e.Start); ok {
			enc.Marks = append(enc.Marks, mark{X: tl.x(t), Title: fmt.Sprintf("%s %s %s", day(e.Start), e.Class, e.Type.Primary().Display)})
		}
	}
	var conds []row
	var relapses row
	n := 0
	for _, c := range rec.Conditions {
		label := conceptLabel(c.Code)
		if isRelapse(c.Code) {
			// A relapse is an episode: drawn from onset to recovery, or
			// as a mark at its onset when the recovery is not recorded,
			// never as a condition that goes on.
			t0, ok := parseTime(c.Onset)
			if !ok {
				continue
			}
			n++
			if _, closed := parseTime(c.Abatement); closed {
				b, _ := tl.span(c.Onset, c.Abatement, fmt.Sprintf("%s: %s – %s", label, day(c.Onset), day(c.Abatement)), "relapse")
				relapses.Bars = append(relapses.Bars, b)
			} else {
				relapses.Marks = append(relapses.Marks, mark{X: tl.x(t0), Title: fmt.Sprintf("%s: %s (recovery not recorded)", label, day(c.Onset))})
			}
			continue
		}
		if b, ok := tl.span(c.Onset, c.Abatement, fmt.Sprintf("%s: %s – %s", label, day(c.Onset), orOpen(day(c.Abatement))), "condition"); ok {
			conds = append(conds, row{Label: label, Bars: []bar{b}})
		}
	}
	if n > 0 {
		relapses.Label = plural(n, "MS relapse", "MS relapses")
		conds = append(conds, relapses)
	}
	var ther []row
	var vacc row
	for _, t := range rec.Therapies {
		if t.Origin == "Immunization" {
			if at, ok := parseTime(t.Start); ok {
				vacc.Marks = append(vacc.Marks, mark{X: tl.x(at), Title: day(t.Start) + " " + t.Drug.Primary().Display})
			}
			continue
		}
		label := t.Drug.Primary().Display
		if b, ok := tl.span(t.Start, t.Stop, fmt.Sprintf("%s: %s – %s", label, day(t.Start), orOpen(day(t.Stop))), "therapy"); ok {
			ther = append(ther, row{Label: label, Bars: []bar{b}})
		}
	}
	vacc.Label = plural(len(vacc.Marks), "immunization", "immunizations")
	var proc row
	proc.Label = plural(len(rec.Procedures), "procedure", "procedures")
	for _, p := range rec.Procedures {
		if t, ok := parseTime(p.Start); ok {
			proc.Marks = append(proc.Marks, mark{X: tl.x(t), Title: day(p.Start) + " " + p.Code.Primary().Display})
		}
	}
	var img row
	img.Label = plural(len(rec.Assets), "imaging study or asset", "imaging studies and assets")
	for _, a := range rec.Assets {
		if t, ok := parseTime(a.Time); ok {
			img.Marks = append(img.Marks, mark{X: tl.x(t), Title: strings.TrimSpace(day(a.Time) + " " + a.Kind + " " + a.Modality + " " + a.Description)})
		}
	}
	y := axisHeight
	for _, l := range []lane{
		{Title: "Encounters", ID: "encounters", Rows: []row{enc}},
		{Title: "Conditions", ID: "conditions", Rows: conds},
		{Title: "Therapies", ID: "therapies", Rows: ther},
		{Title: "Immunizations", ID: "immunizations", Rows: []row{vacc}},
		{Title: "Procedures", ID: "procedures", Rows: []row{proc}},
		{Title: "Imaging and assets", ID: "imaging", Rows: []row{img}},
	} {
		if !slices.ContainsFunc(l.Rows, func(r row) bool { return len(r.Bars)+len(r.Marks) > 0 }) {
			continue // nothing dated of this kind
		}
		l.Y = y + 14
		y += 20
		for i := range l.Rows {
			r := &l.Rows[i]
			r.Y = y
			for k := range r.Bars {
				r.Bars[k].Y = y + 3
			}
			for k := range r.Marks {
				r.Marks[k].Y = y + 1
			}
			y += rowHeight
		}
		y += 6
		tl.Lanes = append(tl.Lanes, l)
	}
	tl.LanesH = y + axisHeight
}

// series plots every observation code with numeric values, EDSS first,
// then by label, in three groups: clinical measurements, device data
// (e.g. a wearable's daily steps) and patient-reported outcomes
// (questionnaire scores). A code the terminology tables know is plotted in
// their unit (values in other units converted by UCUM) under their label.
func (tl *timeline) series(rec *patient.Record) {
	type group struct {
		code  patient.Code
		label string
		unit  string
		kind  terminology.Group
		times []time.Time
		vals  []float64
		when  []string
	}
	groups := map[string]*group{}
	for _, o := range rec.Observations {
		c := o.Code.Primary()
		if o.Value == nil {
			if v := cmp.Or(o.ValueText, o.ValueCode.Code); v != "" {
				tl.TextObs = append(tl.TextObs, textObs{Time: day(o.Time), Label: c.Display, Value: v})
			}
			continue
		}
		t, ok := parseTime(o.Time)
		if !ok {
			continue
		}
		v, unit, label, kind := *o.Value, o.Unit, c.Display, terminology.Clinical
		switch o.Category {
		case "survey":
			kind = terminology.PROM
		case "activity":
			kind = terminology.Device
		}
		if known, info, ok := terminology.Observation(o.Code); ok {
			c, label, kind = known, info.Label, info.Group
			if x, err := terminology.Convert(v, o.Unit, info.Unit); err == nil {
				v, unit = x, info.Unit
			}
		}
		key := c.System + "|" + c.Code
		g := groups[key]
		if g == nil {
			g = &group{code: c, label: label, unit: unit, kind: kind}
			groups[key] = g
		}
		g.times, g.vals, g.when = append(g.times, t), append(g.vals, v), append(g.when, day(o.Time))
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	edss := patient.SystemMS + "|" + patient.CodeEDSS
	slices.SortFunc(keys, func(a, b string) int {
		if (a == edss) != (b == edss) {
			if a == edss {
				return -1
			}
			return 1
		}
		return cmp.Or(strings.Compare(groups[a].label, groups[b].label), strings.Compare(a, b))
	})
	for _, k := range keys {
		g := groups[k]
		lo, hi := slices.Min(g.vals), slices.Max(g.vals)
		if k == edss {
			lo, hi = 0, 10
		}
		if hi == lo {
			lo, hi = lo-1, hi+1
		}
		unit := readableUnit(g.unit)
		s := series{Code: k, Label: cmp.Or(g.label, g.code.Code), Group: g.kind, Unit: unit, H: seriesH + 16,
			Min: fmtValue(lo), Max: fmtValue(hi), Last: fmtValue(g.vals[len(g.vals)-1])}
		var pts []string
		for i, t := range g.times {
			x := tl.x(t)
			y := round1(8 + (hi-g.vals[i])/(hi-lo)*seriesH)
			pts = append(pts, fmt.Sprintf("%g,%g", x, y))
			if len(g.times) <= maxDots {
				s.Dots = append(s.Dots, dot{X: x, Y: y, Title: strings.TrimSpace(fmt.Sprintf("%s: %s %s", g.when[i], fmtValue(g.vals[i]), unit))})
			}
		}
		s.Points, s.N = strings.Join(pts, " "), len(g.times)
		tl.Series = append(tl.Series, s)
	}
	for _, g := range []seriesGroup{{Title: "Clinical measurements", ID: "clinical"}, {Title: "Device data", ID: "device"},
		{Title: "Patient-reported outcomes", ID: "prom"}} {
		for _, s := range tl.Series {
			if string(s.Group) == g.ID {
				g.Series = append(g.Series, s)
			}
		}
		if len(g.Series) > 0 {
			tl.Groups = append(tl.Groups, g)
		}
	}
}

// isRelapse reports whether a condition is an MS relapse.
func isRelapse(c patient.Coded) bool {
	return slices.ContainsFunc(c, func(cd patient.Code) bool { return cd.System == patient.SystemMS && cd.Code == patient.CodeRelapse })
}

// conceptLabel names a coded concept for a row label: the first coding's
// display text, else the name of the first coding the terminology's
// mapping to OMOP knows, else the primary coding's vocabulary (or system)
// and code. It is empty only for a concept without any code.
func conceptLabel(c patient.Coded) string {
	for _, cd := range c {
		if d := strings.TrimSpace(cd.Display); d != "" {
			return d
		}
	}
	for _, cd := range c {
		if oc, ok := terminology.OMOP(cd.System, cd.Code); ok && oc.Name != "" {
			return oc.Name
		}
	}
	p := c.Primary()
	return strings.TrimSpace(cmp.Or(terminology.Vocabulary(p.System), p.System) + " " + p.Code)
}

// readableUnit writes a UCUM unit as people read it: an annotation without
// its braces ({score} → score), the multiplication dot as a space after a
// number and as · otherwise, square brackets dropped (mm[Hg] → mmHg), the
// exponents 2 and 3 of a unit as superscripts (m2 → m²) and the unity 1 as
// nothing.
func readableUnit(ucum string) string {
	if ucum == "1" {
		return ""
	}
	var b strings.Builder
	r := []rune(ucum)
	for i, c := range r {
		switch {
		case c == '{' || c == '}' || c == '[' || c == ']':
		case c == '.' && i > 0 && i+1 < len(r):
			if r[i-1] >= '0' && r[i-1] <= '9' {
				b.WriteRune(' ')
			} else {
				b.WriteRune('·')
			}
		case (c == '2' || c == '3') && i > 0 && isUnitLetter(r[i-1]) && (i+1 == len(r) || r[i+1] < '0' || r[i+1] > '9'):
			b.WriteRune(map[rune]rune{'2': '²', '3': '³'}[c])
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func isUnitLetter(c rune) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func fmtValue(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }

func orOpen(s string) string {
	if s == "" {
		return "ongoing"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
