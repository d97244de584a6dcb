package cohort

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter is a condition on one column of a reference table, e.g.
// "Class=4" or "age>=40".
type Filter struct {
	Column string
	Op     string // =, !=, <, <=, >, >=
	Value  string
}

// ParseFilter parses "column OP value" with OP one of = != < <= > >=.
func ParseFilter(s string) (Filter, error) {
	for _, op := range []string{">=", "<=", "!=", "=", ">", "<"} {
		if i := strings.Index(s, op); i > 0 {
			return Filter{Column: strings.TrimSpace(s[:i]), Op: op, Value: strings.TrimSpace(s[i+len(op):])}, nil
		}
	}
	return Filter{}, fmt.Errorf("filter %q: expected column=value, column!=value, column<value, column<=value, column>value or column>=value", s)
}

func (f Filter) String() string { return f.Column + f.Op + f.Value }

// keep returns which rows of t satisfy f. Missing values never do.
func (f Filter) keep(t *Table) ([]bool, error) {
	c := t.Column(f.Column)
	if c == nil {
		return nil, fmt.Errorf("filter %s: no column %q (columns: %s)", f, f.Column, strings.Join(t.Names(), ", "))
	}
	out := make([]bool, t.Rows())
	if !c.Kind.numeric() {
		if f.Op != "=" && f.Op != "!=" {
			return nil, fmt.Errorf("filter %s: column %q is %v, expected = or !=", f, f.Column, c.Kind)
		}
		l := c.Level(f.Value)
		for i, v := range c.Cat {
			out[i] = v >= 0 && (v == l) == (f.Op == "=")
		}
		return out, nil
	}
	x, err := parseValue(c, f.Value)
	if err != nil {
		return nil, fmt.Errorf("filter %s: %v", f, err)
	}
	for i, v := range c.Num {
		switch f.Op {
		case "=":
			out[i] = v == x
		case "!=":
			out[i] = v != x && !math.IsNaN(v)
		case "<":
			out[i] = v < x
		case "<=":
			out[i] = v <= x
		case ">":
			out[i] = v > x
		case ">=":
			out[i] = v >= x
		}
	}
	return out, nil
}

// parseValue parses a value of numeric column c (a number, or a date).
func parseValue(c *Column, s string) (float64, error) {
	if c.Kind == Date {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a date (expected YYYY-MM-DD) for column %q", s, c.Name)
		}
		return float64(d.Unix() / 86400), nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number for %v column %q", s, c.Kind, c.Name)
	}
	return x, nil
}

// MatchOptions controls MatchPatient.
type MatchOptions struct {
	// K is the number of reference patients to select; 0 means 10.
	K int
	// Filters select the candidates before any distance is computed.
	Filters []Filter
	// Outcomes are the columns summarised over the matched patients; they
	// take no part in the distance.
	Outcomes []string
	// Time and Event name a follow-up time column and an event indicator
	// (numeric: non-zero is an event; categorical: the second modality)
	// for a Kaplan–Meier curve of the matched patients (e.g. relapse-free
	// survival); Horizons are the times it is read at (e.g. 2 and 5 years).
	Time, Event string
	Horizons    []float64
}

// Matched is a selected reference patient.
type Matched struct {
	Row      int     `json:"row"`      // 0-based row of the reference table
	Distance float64 `json:"distance"` // in the projected space; 0 for filter-only matching
}

// OutcomeSummary summarises one outcome over the matched patients.
type OutcomeSummary struct {
	Variable string             `json:"variable"`
	N        int                `json:"n"`                 // non-missing values
	Numeric  *NumericSummary    `json:"numeric,omitempty"` // numeric outcomes
	Shares   map[string]float64 `json:"shares,omitempty"`  // categorical: share of each modality
}

// NumericSummary describes the values of a numeric outcome.
type NumericSummary struct {
	Mean   float64 `json:"mean"`
	SD     float64 `json:"sd"` // population SD (divisor n)
	Q1     float64 `json:"q1"`
	Median float64 `json:"median"`
	Q3     float64 `json:"q3"`
}

// SurvivalPoint is a point of a Kaplan–Meier curve.
type SurvivalPoint struct {
	Time     float64 `json:"time"`
	Survival float64 `json:"survival"`
	AtRisk   int     `json:"at_risk"`
}

// MatchResult is the outcome of MatchPatient.
type MatchResult struct {
	Candidates int              `json:"candidates"` // reference rows left by the filters
	Features   []string         `json:"features"`   // columns the distance uses
	Matches    []Matched        `json:"matches"`
	Outcomes   []OutcomeSummary `json:"outcomes,omitempty"`
	Curve      []SurvivalPoint  `json:"survival_curve,omitempty"`
	AtHorizons []SurvivalPoint  `json:"survival_at,omitempty"`
}

// MatchPatient selects reference patients (real or avatars) like a query
// patient and summarises their outcomes (similar-patient matching, as in
// MS-VISTA-style prognosis). Selection has two stages: the filters keep
// candidate rows; then, when the query gives values, the K candidates
// nearest to it are kept, Euclidean distance on all components of a FAMD
// fitted to the candidates' feature columns (the columns the query names,
// outcomes excluded) — exact search in a k-d tree, ties by row order. With
// no query values every candidate is kept (filter-based matching).
func MatchPatient(ref *Table, query map[string]string, opt MatchOptions) (*MatchResult, error) {
	keep := make([]bool, ref.Rows())
	for i := range keep {
		keep[i] = true
	}
	for _, f := range opt.Filters {
		k, err := f.keep(ref)
		if err != nil {
			return nil, err
		}
		for i := range keep {
			keep[i] = keep[i] && k[i]
		}
	}
	var rows []int
	for i, k := range keep {
		if k {
			rows = append(rows, i)
		}
	}
	res := &MatchResult{Candidates: len(rows)}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no reference patient satisfies the filters %v", opt.Filters)
	}
	excluded := map[string]bool{opt.Time: true, opt.Event: true}
	for _, o := range opt.Outcomes {
		if ref.Column(o) == nil {
			return nil, fmt.Errorf("outcome %q: no such column (columns: %s)", o, strings.Join(ref.Names(), ", "))
		}
		excluded[o] = true
	}
	for _, name := range sortedKeys(query) {
		c := ref.Column(name)
		switch {
		case c == nil:
			return nil, fmt.Errorf("patient value %s: no such column in the reference (columns: %s)", name, strings.Join(ref.Names(), ", "))
		case excluded[name]:
			return nil, fmt.Errorf("patient value %s: %q is an outcome, it cannot be matched on", name, name)
		case c.Kind == Identifier:
			return nil, fmt.Errorf("patient value %s: %q is an identifier column", name, name)
		}
	}
	for _, c := range ref.Columns {
		if _, ok := query[c.Name]; ok {
			res.Features = append(res.Features, c.Name)
		}
	}
	cand := ref.Subset(rows)
	k := opt.K
	if k <= 0 {
		k = 10
	}
	if len(res.Features) == 0 {
		for _, r := range rows {
			res.Matches = append(res.Matches, Matched{Row: r})
		}
	} else {
		qt, err := queryTable(cand, res.Features, query)
		if err != nil {
			return nil, err
		}
		model, err := FitFAMD(cand.Select(res.Features))
		if err != nil {
			return nil, err
		}
		pts := model.Transform(cand.Select(res.Features), 0)
		_, dim := pts.Dims()
		tree := newKDTree(denseRows(pts), dim)
		q := denseRows(model.Transform(qt, 0))
		var s knnQuery
		for _, nb := range tree.nearest(q, min(k, len(rows)), -1, &s) {
			res.Matches = append(res.Matches, Matched{Row: rows[nb.i], Distance: math.Sqrt(nb.d2)})
		}
	}
	sel := make([]int, len(res.Matches))
	for i, m := range res.Matches {
		sel[i] = m.Row
	}
	matched := ref.Subset(sel)
	for _, o := range opt.Outcomes {
		res.Outcomes = append(res.Outcomes, summarise(matched.Column(o)))
	}
	if opt.Time != "" || opt.Event != "" {
		curve, err := kaplanMeier(matched, opt.Time, opt.Event)
		if err != nil {
			return nil, err
		}
		res.Curve = curve
		for _, h := range opt.Horizons {
			p := SurvivalPoint{Time: h, Survival: 1, AtRisk: matched.Rows()}
			for _, c := range curve {
				if c.Time <= h {
					p.Survival = c.Survival
				}
			}
			p.AtRisk = 0
			for _, t := range matched.Column(opt.Time).Num {
				if t >= h {
					p.AtRisk++
				}
			}
			res.AtHorizons = append(res.AtHorizons, p)
		}
	}
	return res, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// queryTable makes a one-row table of the query's values with the kinds of
// ref's columns.
func queryTable(ref *Table, names []string, query map[string]string) (*Table, error) {
	t := &Table{rows: 1}
	for _, name := range names {
		c := ref.Column(name)
		v := strings.TrimSpace(query[name])
		nc := Column{Name: name, Kind: c.Kind}
		switch {
		case missingTokens[v] && c.Kind.numeric():
			nc.Num = []float64{math.NaN()}
		case missingTokens[v]:
			nc.Cat = []int{-1}
		case c.Kind.numeric():
			x, err := parseValue(c, v)
			if err != nil {
				return nil, fmt.Errorf("patient value %s=%s: %v", name, v, err)
			}
			nc.Num = []float64{x}
		default:
			if c.Level(v) < 0 {
				return nil, fmt.Errorf("patient value %s=%s: unknown modality, expected one of %q", name, v, c.Levels)
			}
			nc.Cat, nc.Levels = []int{0}, []string{v}
		}
		t.Columns = append(t.Columns, nc)
	}
	return t, nil
}

func summarise(c *Column) OutcomeSummary {
	s := OutcomeSummary{Variable: c.Name}
	if c.Kind.numeric() {
		var vals []float64
		for _, x := range c.Num {
			if !math.IsNaN(x) {
				vals = append(vals, x)
			}
		}
		s.N = len(vals)
		if s.N > 0 {
			ns := &NumericSummary{Q1: quantile(vals, 0.25), Median: quantile(vals, 0.5), Q3: quantile(vals, 0.75)}
			ns.Mean, ns.SD = meanStd(vals)
			s.Numeric = ns
		}
		return s
	}
	s.Shares = map[string]float64{}
	for _, l := range c.Cat {
		if l >= 0 {
			s.N++
			s.Shares[c.Levels[l]]++
		}
	}
	for k := range s.Shares {
		s.Shares[k] /= float64(s.N)
	}
	return s
}

// kaplanMeier returns the Kaplan–Meier estimate S(t) = Π (1 − d_i/n_i) over
// the distinct event times t_i ≤ t (Kaplan & Meier, JASA 1958), one point
// per event time. Rows with a missing time or event are left out.
func kaplanMeier(t *Table, timeCol, eventCol string) ([]SurvivalPoint, error) {
	tc, ec := t.Column(timeCol), t.Column(eventCol)
	if tc == nil || !tc.Kind.numeric() {
		return nil, fmt.Errorf("time column %q: expected a numeric column", timeCol)
	}
	if ec == nil || (!ec.Kind.numeric() && len(ec.Levels) != 2) {
		return nil, fmt.Errorf("event column %q: expected a numeric (0/1) or two-modality column", eventCol)
	}
	type obs struct {
		t     float64
		event bool
	}
	var data []obs
	for i := range t.Rows() {
		if tc.Missing(i) || ec.Missing(i) {
			continue
		}
		ev := ec.Kind.numeric() && ec.Num[i] != 0 || !ec.Kind.numeric() && ec.Cat[i] == 1
		data = append(data, obs{tc.Num[i], ev})
	}
	slices.SortFunc(data, func(a, b obs) int { return cmp.Compare(a.t, b.t) })
	var out []SurvivalPoint
	s := 1.0
	for i := 0; i < len(data); {
		j, d := i, 0
		for j < len(data) && data[j].t == data[i].t {
			if data[j].event {
				d++
			}
			j++
		}
		atRisk := len(data) - i
		if d > 0 {
			s *= 1 - float64(d)/float64(atRisk)
			out = append(out, SurvivalPoint{Time: data[i].t, Survival: s, AtRisk: atRisk})
		}
		i = j
	}
	return out, nil
}
