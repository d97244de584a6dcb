package mscohort

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// A reference case is a complete, sourced set of inputs shipped as a data
// file (data/cases/<name>.toml) that a scenario selects by name:
//
//	[inputs]
//	reference_case = "uk_nice"
//
// The inputs are then the defaults (data/defaults.toml), overlaid with the
// case, overlaid with the rest of the scenario's [inputs]. A case's
// therapies and strategies replace the defaults' wholesale (a case is
// priced in its own currency). Every input of the case is one [[input]]
// entry that gives its key, its value (absent: the value of
// data/defaults.toml, whose source the entry then states), and its status:
//
//	sourced      read in the source named (source, where)
//	alternative  read in a source, but not the one the case asks for (a US
//	             set in the UK case, say); note says why
//	derived      computed from sourced numbers; note gives the computation
//	calibrated   fitted to sourced targets; note names them
//	assumed      no source; note gives the reason
//	choice       the analyst's choice that defines the decision problem
//	             (strategies, threshold grid); note says what it is
//
// The report's inputs table (Summary.Inputs) lists every entry.

// caseStatuses are the statuses an input of a reference case may have.
var caseStatuses = []string{"sourced", "alternative", "derived", "calibrated", "assumed", "choice"}

// ReferenceCase is a parsed reference-case file.
type ReferenceCase struct {
	Name      string `toml:"name" json:"name"`
	Title     string `toml:"title" json:"title"`
	PriceYear string `toml:"price_year" json:"price_year"`
	// PriceIndex, when set, brings every cost entry of the case to one
	// price year: an entry read at its source's price year y (CaseInput
	// PriceYear) is multiplied by index(Year)/index(y).
	PriceIndex *PriceIndex       `toml:"price_index" json:"price_index,omitempty"`
	Sources    map[string]string `toml:"sources" json:"sources"`
	Inputs     []CaseInput       `toml:"input" json:"inputs"`
}

// PriceIndex names a published price index shipped in data/ (a CSV with
// columns year,index and its provenance in # comments) and the price year
// a case's costs are inflated to.
type PriceIndex struct {
	Year   int    `toml:"year" json:"year"`     // the case's price year
	File   string `toml:"file" json:"file"`     // a file of data/, columns year,index
	Source string `toml:"source" json:"source"` // a key of the case's [sources]
	Note   string `toml:"note" json:"note"`     // what the index is and why it was chosen

	values map[int]float64
}

// Factor is index(Year)/index(from): what a cost at from's prices is
// multiplied by to be at the case's price year.
func (p *PriceIndex) Factor(from int) (float64, error) {
	a, ok1 := p.values[p.Year]
	b, ok2 := p.values[from]
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("price index %s has no value for %d or %d", p.File, from, p.Year)
	}
	return a / b, nil
}

// readPriceIndex reads a year,index CSV of data/.
func readPriceIndex(file string) (map[int]float64, error) {
	b, err := dataFS.ReadFile("data/" + file)
	if err != nil {
		return nil, err
	}
	return parsePriceIndex(file, b)
}

// parsePriceIndex parses the year,index CSV b, the file data/<file>. Each
// year is given once: a repeated year is a data error, not an update. Rows
// in errors count the records, the header being row 1 (comment lines are
// not counted).
func parsePriceIndex(file string, b []byte) (map[int]float64, error) {
	cr := csv.NewReader(bytes.NewReader(b))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1 // the field count is checked below, with the row named
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("data/%s: %w", file, err)
	}
	if len(recs) < 2 || strings.Join(recs[0], ",") != "year,index" {
		return nil, fmt.Errorf(`data/%s: expected a header "year,index" and rows`, file)
	}
	out := map[int]float64{}
	rowOf := map[int]int{} // the row each year was read from
	for i, rec := range recs[1:] {
		row := i + 2
		if len(rec) != 2 {
			return nil, fmt.Errorf("data/%s: row %d: expected 2 fields (year,index), got %d", file, row, len(rec))
		}
		y, err1 := strconv.Atoi(rec[0])
		v, err2 := strconv.ParseFloat(rec[1], 64)
		if err1 != nil || err2 != nil || !(v > 0) || math.IsInf(v, 1) {
			return nil, fmt.Errorf("data/%s: row %d: expected a year and a positive index, got %q", file, row, rec)
		}
		if prev, ok := rowOf[y]; ok {
			return nil, fmt.Errorf("data/%s: row %d: year %d repeats row %d", file, row, y, prev)
		}
		out[y], rowOf[y] = v, row
	}
	return out, nil
}

// isCostKey reports whether a case key is a cost (in the case's currency),
// which a price index inflates.
func isCostKey(key string) bool {
	if strings.HasPrefix(key, "costs.") {
		return true
	}
	if rest, ok := strings.CutPrefix(key, "therapies."); ok {
		for _, s := range []string{".cost", ".admin_cost", ".ae_cost"} {
			if strings.HasSuffix(rest, s) {
				return true
			}
		}
	}
	return false
}

// inflate multiplies a number or a list of numbers by f.
func inflate(v any, f float64) (any, error) {
	switch x := v.(type) {
	case float64:
		return x * f, nil
	case int64:
		return float64(x) * f, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = inflate(e, f); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("a cost must be a number or a list of numbers, got %T", v)
}

// value returns an entry's value at the case's price year (an entry
// without a value takes def's) and, when a price index changed it, the
// factor applied.
func (rc *ReferenceCase) value(in CaseInput, def map[string]any) (any, float64, error) {
	value := in.Value
	if value == nil {
		var ok bool
		if value, ok = lookup(def, in.Key); !ok {
			return nil, 0, fmt.Errorf("mscohort: reference case %s: input %q has no value and data/defaults.toml none either", rc.Name, in.Key)
		}
	}
	if rc.PriceIndex == nil || in.PriceYear == 0 {
		return value, 0, nil
	}
	f, err := rc.PriceIndex.Factor(in.PriceYear)
	if err != nil {
		return nil, 0, fmt.Errorf("mscohort: reference case %s: input %q: %w", rc.Name, in.Key, err)
	}
	v, err := inflate(value, f)
	if err != nil {
		return nil, 0, fmt.Errorf("mscohort: reference case %s: input %q: %w", rc.Name, in.Key, err)
	}
	return v, f, nil
}

// CaseInput is one input of a reference case and its provenance.
type CaseInput struct {
	Key    string `toml:"key" json:"key"`       // dotted path in [inputs], e.g. "natural_history.relapse_rrms"
	Value  any    `toml:"value" json:"value"`   // nil: the value of data/defaults.toml
	SE     any    `toml:"se" json:"se"`         // standard error(s) the source gives, for the record
	Status string `toml:"status" json:"status"` // one of caseStatuses
	Source string `toml:"source" json:"source"` // a key of Sources
	Where  string `toml:"where" json:"where"`   // table, section or page in the source
	Note   string `toml:"note" json:"note"`
	// PriceYear is the price year of a cost as given (Value, or the
	// default's); with the case's PriceIndex it is inflated to the case's
	// price year. 0: not a cost, or already at the case's price year.
	PriceYear int `toml:"price_year" json:"price_year,omitempty"`
}

// lifeTableKey is the case key that names a life-table file of data/
// (columns age,female,male); it sets mortality.female_mx and male_mx.
const lifeTableKey = "mortality.life_table"

// ReferenceCases returns the names of the shipped reference cases, sorted.
func ReferenceCases() []string {
	ents, err := dataFS.ReadDir("data/cases")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".toml"); ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// LoadReferenceCase reads and checks the shipped reference case name.
func LoadReferenceCase(name string) (*ReferenceCase, error) {
	names := ReferenceCases()
	if !slices.Contains(names, name) {
		return nil, inputErr("inputs", "reference_case = %q is not a shipped case, expected one of: %s", name, strings.Join(names, ", "))
	}
	b, err := dataFS.ReadFile("data/cases/" + name + ".toml")
	if err != nil {
		return nil, err
	}
	return parseReferenceCase("data/cases/"+name+".toml", b)
}

// parseReferenceCase decodes a case file and checks that every input has a
// known key, a status, and the source or reason its status asks for.
func parseReferenceCase(file string, b []byte) (*ReferenceCase, error) {
	var rc ReferenceCase
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&rc)
	if err != nil {
		return nil, fmt.Errorf("mscohort: %s: %w", file, err)
	}
	for _, k := range md.Undecoded() {
		// Values decoded into any report their inner keys as undecoded.
		if len(k) > 2 && k[0] == "input" && (k[1] == "value" || k[1] == "se") {
			continue
		}
		return nil, fmt.Errorf("mscohort: %s: unknown key %q", file, k.String())
	}
	bad := func(i int, format string, args ...any) error {
		return fmt.Errorf("mscohort: %s: input %d (%s): %s", file, i+1, rc.Inputs[i].Key, fmt.Sprintf(format, args...))
	}
	if rc.Name == "" || rc.Title == "" {
		return nil, fmt.Errorf("mscohort: %s: name and title are required", file)
	}
	if p := rc.PriceIndex; p != nil {
		if _, ok := rc.Sources[p.Source]; !ok || p.File == "" || p.Year == 0 {
			return nil, fmt.Errorf("mscohort: %s: price_index needs year, file and a source from [sources]", file)
		}
		var err error
		if p.values, err = readPriceIndex(p.File); err != nil {
			return nil, fmt.Errorf("mscohort: %s: price_index: %w", file, err)
		}
		if _, ok := p.values[p.Year]; !ok {
			return nil, fmt.Errorf("mscohort: %s: price_index: data/%s has no value for the price year %d", file, p.File, p.Year)
		}
	}
	seen := map[string]bool{}
	for i, in := range rc.Inputs {
		if in.Key == "" {
			return nil, bad(i, "no key")
		}
		if seen[in.Key] {
			return nil, bad(i, "key given twice")
		}
		seen[in.Key] = true
		if !slices.Contains(caseStatuses, in.Status) {
			return nil, bad(i, "status %q, expected one of: %s", in.Status, strings.Join(caseStatuses, ", "))
		}
		switch in.Status {
		case "sourced", "alternative", "derived", "calibrated":
			if _, ok := rc.Sources[in.Source]; !ok {
				return nil, bad(i, "status %q needs a source from [sources], got %q", in.Status, in.Source)
			}
		}
		if in.PriceYear != 0 {
			if rc.PriceIndex == nil || !isCostKey(in.Key) {
				return nil, bad(i, "price_year is for a cost of a case with a price_index")
			}
			if _, ok := rc.PriceIndex.values[in.PriceYear]; !ok {
				return nil, bad(i, "price_year %d is not in data/%s", in.PriceYear, rc.PriceIndex.File)
			}
		}
		switch in.Status {
		case "alternative", "derived", "calibrated", "assumed", "choice":
			if strings.TrimSpace(in.Note) == "" {
				return nil, bad(i, "status %q needs a note (why, or how it was computed)", in.Status)
			}
		}
	}
	return &rc, nil
}

// overlay returns the case as an [inputs] table; an entry without a value
// takes the value of def (the decoded data/defaults.toml).
func (rc *ReferenceCase) overlay(def map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, in := range rc.Inputs {
		value, _, err := rc.value(in, def)
		if err != nil {
			return nil, err
		}
		if in.Key == lifeTableKey {
			file, _ := value.(string)
			f, err := dataFS.Open("data/" + file)
			if err != nil {
				return nil, fmt.Errorf("mscohort: reference case %s: life table %q: %w", rc.Name, file, err)
			}
			female, male, err := readLifeTable(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("mscohort: data/%s: %w", file, err)
			}
			mort, _ := out["mortality"].(map[string]any)
			if mort == nil {
				mort = map[string]any{}
				out["mortality"] = mort
			}
			mort["female_mx"], mort["male_mx"] = toAny(female), toAny(male)
			continue
		}
		m := out
		path := strings.Split(in.Key, ".")
		for _, p := range path[:len(path)-1] {
			sub, ok := m[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[p] = sub
			}
			m = sub
		}
		m[path[len(path)-1]] = deepCopy(value)
	}
	return out, nil
}

// lookup returns the value at a dotted path of a decoded table.
func lookup(m map[string]any, key string) (any, bool) {
	path := strings.Split(key, ".")
	for _, p := range path[:len(path)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			return nil, false
		}
		m = sub
	}
	v, ok := m[path[len(path)-1]]
	return v, ok
}
