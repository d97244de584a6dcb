package cohort

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
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

func (f Filter) String() string { return shown(f.Column + f.Op + f.Value) }

// shown returns s as it is when it prints on one line, else quoted, so
// that an error naming a user's column or value stays one line.
func shown(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// shownNames lists names for an error message, each as shown returns it.
func shownNames(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = shown(n)
	}
	return strings.Join(out, ", ")
}

// keep returns which rows of t satisfy f. Missing values never do.
func (f Filter) keep(t *Table) ([]bool, error) {
	c := t.Column(f.Column)
	if c == nil {
		return nil, fmt.Errorf("filter %s: no column %q (columns: %s)", f, f.Column, shownNames(t.Names()))
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
	// Ties says what happens to candidates exactly as far from the patient
	// as the K-th nearest: TiesKeep (the default) keeps them all, so more
	// than K may be matched; TiesSeeded keeps K, the tied ones drawn at
	// random with Seed. Either way MatchResult.Ties reports them.
	Ties string
	Seed uint64
}

// The rules for ties at the cut-off.
const (
	TiesKeep   = "keep"
	TiesSeeded = "seeded"
)

// Matched is a selected reference patient.
type Matched struct {
	Row      int     `json:"row"`      // 0-based row of the reference table
	Distance float64 `json:"distance"` // in the projected space; 0 for filter-only matching
}

// Share is the share of one modality of a categorical outcome, with its
// 95 % Wilson interval.
type Share struct {
	Level string  `json:"level"`
	Count int     `json:"count"`
	Share float64 `json:"share"`
	Low   float64 `json:"ci_low"`
	High  float64 `json:"ci_high"`
}

// OutcomeSummary summarises one outcome over a group of patients.
type OutcomeSummary struct {
	Variable string          `json:"variable"`
	N        int             `json:"n"`                 // non-missing values
	Numeric  *NumericSummary `json:"numeric,omitempty"` // numeric outcomes
	Shares   []Share         `json:"shares,omitempty"`  // categorical: each modality, in level order
}

// NumericSummary describes the values of a numeric outcome.
type NumericSummary struct {
	Mean   float64 `json:"mean"`
	SD     float64 `json:"sd"` // population SD (divisor n)
	Q1     float64 `json:"q1"`
	Median float64 `json:"median"`
	Q3     float64 `json:"q3"`
}

// SurvivalPoint is a point of a Kaplan–Meier curve with its 95 %
// confidence band (Greenwood's variance, log–log transform).
type SurvivalPoint struct {
	Time     float64 `json:"time"`
	Survival float64 `json:"survival"`
	Low      float64 `json:"ci_low"`
	High     float64 `json:"ci_high"`
	AtRisk   int     `json:"at_risk"`
}

// GroupSummary is the outcomes of a group of reference patients: the
// matched ones, or every candidate (the population baseline).
type GroupSummary struct {
	N          int              `json:"n"`
	Outcomes   []OutcomeSummary `json:"outcomes,omitempty"`
	Curve      []SurvivalPoint  `json:"survival_curve,omitempty"`
	AtHorizons []SurvivalPoint  `json:"survival_at,omitempty"`
}

// TieReport says how the cut-off of the K nearest was drawn.
type TieReport struct {
	Rule string `json:"rule"` // TiesKeep or TiesSeeded
	// AtCutoff is the number of candidates exactly as far as the K-th
	// nearest, Closer the number strictly closer, Kept how many of the
	// tied ones were matched.
	AtCutoff int `json:"at_cutoff"`
	Closer   int `json:"closer"`
	Kept     int `json:"kept"`
}

// MatchQuality compares the distance of the K-th match with the
// population's typical one: Ratio = KthDistance / TypicalKth, where
// TypicalKth is the median, over (up to MatchQualitySample) candidates,
// of the distance to their own K-th nearest other candidate. About 1: the
// patient is matched as closely as a typical patient of the reference
// would be; well above 1: the patient is unusual in this reference and
// the matches are far.
type MatchQuality struct {
	KthDistance float64 `json:"kth_distance"`
	TypicalKth  float64 `json:"typical_kth_distance"`
	Ratio       float64 `json:"ratio"`
	Sample      int     `json:"sample"`
}

// MatchQualitySample caps the candidates the typical K-th distance is
// measured on (a seeded sample).
const MatchQualitySample = 2000

// MatchResult is the outcome of MatchPatient.
type MatchResult struct {
	Candidates int           `json:"candidates"` // reference rows left by the filters
	Features   []string      `json:"features"`   // columns the distance uses
	Matches    []Matched     `json:"matches"`
	Ties       *TieReport    `json:"ties,omitempty"`    // nil for filter-only matching
	Quality    *MatchQuality `json:"quality,omitempty"` // nil for filter-only matching
	// Outcomes, Curve and AtHorizons summarise the matched patients;
	// Population the same over every candidate, the baseline to read them
	// against.
	Outcomes   []OutcomeSummary `json:"outcomes,omitempty"`
	Curve      []SurvivalPoint  `json:"survival_curve,omitempty"`
	AtHorizons []SurvivalPoint  `json:"survival_at,omitempty"`
	Population *GroupSummary    `json:"population"`
}

// MatchPatient selects reference patients (real or avatars) like a query
// patient and summarises their outcomes beside those of the whole
// reference (similar-patient matching, as in MS Vista: Ed-driouch et al.,
// Ann Clin Transl Neurol 2022;9:1863). Selection has two stages: the
// filters keep candidate rows; then, when the query gives values, the K
// candidates nearest to it are kept, Euclidean distance on all components
// of a FAMD fitted to the candidates' feature columns (the columns the
// query names, outcomes excluded) — exact search in a k-d tree — with the
// candidates tied at the cut-off kept or drawn as Ties says. With no query
// values every candidate is kept (filter-based matching). Categorical
// outcomes get shares with Wilson intervals, the Kaplan–Meier curve a
// Greenwood band, and Population the same figures over every candidate.
func MatchPatient(ref *Table, query map[string]string, opt MatchOptions) (*MatchResult, error) {
	switch opt.Ties {
	case "":
		opt.Ties = TiesKeep
	case TiesKeep, TiesSeeded:
	default:
		return nil, fmt.Errorf("ties %q: expected %q (keep every candidate tied at the cut-off) or %q (draw among them with the seed)", opt.Ties, TiesKeep, TiesSeeded)
	}
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
			return nil, fmt.Errorf("outcome %q: no such column (columns: %s)", o, shownNames(ref.Names()))
		}
		excluded[o] = true
	}
	for _, name := range sortedKeys(query) {
		c := ref.Column(name)
		switch {
		case c == nil:
			return nil, fmt.Errorf("patient value %s: no such column in the reference (columns: %s)", shown(name), shownNames(ref.Names()))
		case excluded[name]:
			return nil, fmt.Errorf("patient value %s: %q is an outcome, it cannot be matched on", shown(name), name)
		case c.Kind == Identifier:
			return nil, fmt.Errorf("patient value %s: %q is an identifier column", shown(name), name)
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
	} else if err := res.nearest(cand, rows, query, k, opt); err != nil {
		return nil, err
	}
	sel := make([]int, len(res.Matches))
	for i, m := range res.Matches {
		sel[i] = m.Row
	}
	matched, err := summariseGroup(ref.Subset(sel), opt)
	if err != nil {
		return nil, err
	}
	res.Outcomes, res.Curve, res.AtHorizons = matched.Outcomes, matched.Curve, matched.AtHorizons
	if res.Population, err = summariseGroup(cand, opt); err != nil {
		return nil, err
	}
	return res, nil
}

// nearest selects the k candidates nearest to the query (with the tie
// rule), and measures the match quality.
func (res *MatchResult) nearest(cand *Table, rows []int, query map[string]string, k int, opt MatchOptions) error {
	qt, err := queryTable(cand, res.Features, query)
	if err != nil {
		return err
	}
	model, err := FitFAMD(cand.Select(res.Features))
	if err != nil {
		return err
	}
	pts := model.Transform(cand.Select(res.Features), 0)
	_, dim := pts.Dims()
	flat := denseRows(pts)
	tree := newKDTree(flat, dim)
	q := denseRows(model.Transform(qt, 0))
	k = min(k, len(rows))
	var s knnQuery
	nb := tree.nearest(q, k, -1, &s)
	cut := nb[len(nb)-1].d2
	closer, within := tree.countWithin(q, cut, -1, math.MaxInt)
	all := slices.Clone(tree.nearest(q, within, -1, &s)) // every candidate at most as far as the K-th
	ties := &TieReport{Rule: opt.Ties, AtCutoff: within - closer, Closer: closer}
	chosen := all
	if opt.Ties == TiesSeeded && within > k {
		tied := slices.Clone(all[closer:])
		rng := rand.New(rand.NewPCG(opt.Seed, seedStream+5))
		rng.Shuffle(len(tied), func(a, b int) { tied[a], tied[b] = tied[b], tied[a] })
		tied = tied[:k-closer]
		slices.SortFunc(tied, func(a, b neighbour) int { return cmp.Compare(a.i, b.i) })
		chosen = append(slices.Clone(all[:closer]), tied...)
	}
	ties.Kept = len(chosen) - closer
	res.Ties = ties
	for _, c := range chosen {
		res.Matches = append(res.Matches, Matched{Row: rows[c.i], Distance: math.Sqrt(c.d2)})
	}
	// Match quality: the K-th distance against the candidates' own.
	n := len(rows)
	if n <= k {
		return nil
	}
	sample := make([]int, n)
	for i := range sample {
		sample[i] = i
	}
	if n > MatchQualitySample {
		sample = sortedSample(rand.New(rand.NewPCG(opt.Seed, seedStream+6)), n, MatchQualitySample)
	}
	kth := make([]float64, len(sample))
	for j, i := range sample {
		own := tree.nearest(flat[i*dim:(i+1)*dim], k, i, &s)
		kth[j] = math.Sqrt(own[len(own)-1].d2)
	}
	typical := quantile(kth, 0.5)
	res.Quality = &MatchQuality{KthDistance: math.Sqrt(cut), TypicalKth: typical, Sample: len(sample)}
	if typical > 0 {
		res.Quality.Ratio = math.Sqrt(cut) / typical
	} else if cut == 0 {
		res.Quality.Ratio = 1 // as close as everyone: all at distance 0
	} else {
		res.Quality.Ratio = math.Inf(1)
	}
	return nil
}

// summariseGroup summarises the outcomes and the survival of a group.
func summariseGroup(t *Table, opt MatchOptions) (*GroupSummary, error) {
	g := &GroupSummary{N: t.Rows()}
	for _, o := range opt.Outcomes {
		g.Outcomes = append(g.Outcomes, summarise(t.Column(o)))
	}
	if opt.Time == "" && opt.Event == "" {
		return g, nil
	}
	curve, err := kaplanMeier(t, opt.Time, opt.Event)
	if err != nil {
		return nil, err
	}
	g.Curve = curve
	for _, h := range opt.Horizons {
		p := SurvivalPoint{Time: h, Survival: 1, Low: 1, High: 1}
		for _, c := range curve {
			if c.Time <= h {
				p.Survival, p.Low, p.High = c.Survival, c.Low, c.High
			}
		}
		for _, x := range t.Column(opt.Time).Num {
			if x >= h {
				p.AtRisk++
			}
		}
		g.AtHorizons = append(g.AtHorizons, p)
	}
	return g, nil
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
				return nil, fmt.Errorf("patient value %s: %v", shown(name+"="+v), err)
			}
			nc.Num = []float64{x}
		default:
			if c.Level(v) < 0 {
				return nil, fmt.Errorf("patient value %s: unknown modality, expected one of %q", shown(name+"="+v), c.Levels)
			}
			nc.Cat, nc.Levels = []int{0}, []string{v}
		}
		t.Columns = append(t.Columns, nc)
	}
	return t, nil
}

// summarise describes an outcome column: numeric summaries, or each
// modality's share with its 95 % Wilson interval (modalities with no
// patient in the group included, at 0).
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
	counts := make([]int, len(c.Levels))
	for _, l := range c.Cat {
		if l >= 0 {
			s.N++
			counts[l]++
		}
	}
	if s.N == 0 {
		return s
	}
	for l, k := range counts {
		w := wilsonInterval(k, s.N)
		s.Shares = append(s.Shares, Share{Level: c.Levels[l], Count: k, Share: float64(k) / float64(s.N), Low: w.Low, High: w.High})
	}
	return s
}

// wilsonInterval is the 95 % Wilson score interval of k successes in n
// trials, around the observed share k/n.
func wilsonInterval(k, n int) Rate {
	r := wilson(k, n)
	r.Value = float64(k) / float64(n)
	return r
}

// kaplanMeier returns the Kaplan–Meier estimate S(t) = Π (1 − d_i/n_i) over
// the distinct event times t_i ≤ t (Kaplan & Meier, JASA 1958), one point
// per event time, with its 95 % confidence band: Greenwood's variance
//
//	Var(S(t)) = S(t)²·Σ d_i/(n_i·(n_i − d_i))
//
// on the log(−log S) scale (Kalbfleisch & Prentice 2002, §1.3; R survival's
// conf.type = "log-log"), so the band stays within [0, 1]:
//
//	S(t)^exp(±z·σ(t)),  σ(t) = √(Σ d_i/(n_i·(n_i − d_i))) / |log S(t)|.
//
// Where S(t) is 0 or the sum is infinite (everyone at risk has the event)
// the band is [0, 0]. Rows with a missing time or event are left out.
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
	s, green := 1.0, 0.0
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
			if d < atRisk {
				green += float64(d) / (float64(atRisk) * float64(atRisk-d))
			} else {
				green = math.Inf(1)
			}
			p := SurvivalPoint{Time: data[i].t, Survival: s, AtRisk: atRisk}
			if s > 0 && !math.IsInf(green, 1) {
				sigma := math.Sqrt(green) / math.Abs(math.Log(s))
				p.Low, p.High = math.Pow(s, math.Exp(z95*sigma)), math.Pow(s, math.Exp(-z95*sigma))
			}
			out = append(out, p)
		}
		i = j
	}
	return out, nil
}
