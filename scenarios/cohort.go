package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Cohort is the [cohort] table: the study's patients are the rows of a
// table of individuals — a registry extract, or its privacy-preserving
// avatar copy made with `mdtwin synth` — instead of draws from the model's
// baseline distribution.
//
//	[cohort]
//	table = "data/ms_registry_avatars.csv"  # required: CSV with a header row, relative to the scenario file
//	input = "patients"                      # the [inputs] key the rows go to; default "patients"
//	columns = { age = "age_at_entry" }      # optional: model field = table column, for columns named otherwise
//
// Parse reads the table and hands its rows to the model as a list of
// tables in [inputs] (a number where the text is a finite number, a string
// otherwise; empty and NA fields left out), so the model reads its cohort
// from its inputs like any other input (models/mscohort reads
// [inputs] patients). The scenario's Hash then covers the table's
// content: Parse derives the scenario (Derive) with the rows and the
// table's SHA-256.
type Cohort struct {
	Table   string            // as written
	Path    string            // the file read: Table joined to the scenario file's folder unless absolute
	SHA256  string            // hex SHA-256 of the table file's bytes
	Input   string            // the [inputs] key the rows go to
	Columns map[string]string // model field → table column; nil when not set
	Rows    int
	Names   []string // the table's column names, in file order
}

var (
	cohortKeys = []string{"table", "input", "columns"}
	jsonKeyRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// MaxCohortRows is the largest number of rows a [cohort] table may have:
// its rows travel in [inputs] to every run.
const MaxCohortRows = 1_000_000

// cohortMissing are the field values left out of a cohort row.
var cohortMissing = map[string]bool{"": true, "NA": true, "N/A": true, "NaN": true, "nan": true, "NULL": true, "null": true, ".": true}

func (s *Scenario) parseCohort(raw map[string]any) error {
	t, err := s.table(raw, "cohort", cohortKeys)
	if err != nil || t == nil {
		return err
	}
	at := func(k string) []string { return []string{"cohort", k} }
	c := &Cohort{Input: "patients"}
	v, ok := t["table"]
	if !ok {
		return s.missing("cohort", "table", ", the CSV file of the study's patients (relative to the scenario file)")
	}
	if c.Table, ok = v.(string); !ok || strings.TrimSpace(c.Table) == "" || strings.ContainsAny(c.Table, "\n\r") {
		return s.Errorf(at("table"), "[cohort] table must be a non-empty one-line path, got %s", describe(v))
	}
	if v, ok := t["input"]; ok {
		in, ok := v.(string)
		if !ok || !jsonKeyRE.MatchString(in) {
			return s.Errorf(at("input"), "[cohort] input must be the name of an [inputs] key (letters, digits, '_'), got %s", describe(v))
		}
		c.Input = in
	}
	if v, ok := t["columns"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return s.Errorf(at("columns"), "[cohort] columns must be a table of model field = table column, got %s", describe(v))
		}
		c.Columns = map[string]string{}
		for _, field := range s.order(at("columns"), m) {
			col, ok := m[field].(string)
			if !ok || col == "" {
				return s.Errorf(append(at("columns"), field), "[cohort] columns.%s must be the name of a table column, got %s", field, describe(m[field]))
			}
			c.Columns[field] = col
		}
	}
	if len(s.Inputs) > 0 {
		var in map[string]any
		if json.Unmarshal(s.Inputs, &in) == nil && in[c.Input] != nil {
			return s.Errorf(at("input"), "[inputs] already has a key %q; the [cohort] rows go there: remove one of them, or set [cohort] input", c.Input)
		}
	}
	c.Path = c.Table
	if !filepath.IsAbs(c.Path) {
		c.Path = filepath.Join(filepath.Dir(s.File), c.Table)
	}
	data, err := os.ReadFile(c.Path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return s.Errorf(at("table"), "[cohort] table %s: cannot read it: %s", c.Path, msg)
	}
	d, err := s.withCohort(c, data)
	if err != nil {
		return s.Errorf(at("table"), "%v", err)
	}
	*s = *d
	return nil
}

// withCohort returns s derived with the rows of the cohort table data (the
// bytes of the file c.Path), c filled in.
func (s *Scenario) withCohort(c *Cohort, data []byte) (*Scenario, error) {
	names, rows, err := readCohortCSV(data, c.Path)
	if err != nil {
		return nil, err
	}
	for field, col := range c.Columns {
		if !slices.Contains(names, col) {
			return nil, fmt.Errorf("[cohort] columns.%s = %q: %s has no such column (columns: %s)", field, col, c.Path, strings.Join(names, ", "))
		}
	}
	// Rename: each model field takes its column's value.
	rename := map[string]string{} // table column → model field
	for field, col := range c.Columns {
		rename[col] = field
	}
	for _, r := range rows {
		for col, field := range rename {
			if v, ok := r[col]; ok {
				delete(r, col)
				r[field] = v
			}
		}
	}
	sum := sha256.Sum256(data)
	cc := *c
	cc.SHA256, cc.Rows, cc.Names = hex.EncodeToString(sum[:]), len(rows), names
	d, err := s.Derive(Derivation{Why: fmt.Sprintf("[cohort] table %s sha256 %s", c.Table, cc.SHA256), Inputs: map[string]any{c.Input: rows}})
	if err != nil {
		return nil, err
	}
	d.Cohort = &cc
	return d, nil
}

// WithCohortTable returns the scenario with its [cohort] rows taken from
// the table at path instead (a registry and its avatar copy run the same
// study this way), with the same input key and column names; the hash is
// derived from the scenario's and the new table's. The scenario must have a
// [cohort] table.
func (s *Scenario) WithCohortTable(path string) (*Scenario, error) {
	if s.Cohort == nil {
		return nil, fmt.Errorf("%s: no [cohort] table to replace", s.File)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cohort table %s: %w", path, err)
	}
	c := *s.Cohort
	c.Table, c.Path = path, path
	return s.withCohort(&c, data)
}

// readCohortCSV reads a CSV table with a header row: its column names and
// one map per row, column → number (a finite number's text) or string;
// missing fields (empty, NA, N/A, NaN, NULL, ".") are left out. name labels
// errors, which give the line and column.
func readCohortCSV(data []byte, name string) ([]string, []map[string]any, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, fmt.Errorf("%s: empty file, expected a header row and one row per patient", name)
	}
	if err != nil {
		return nil, nil, csvError(name, err)
	}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		if h == "" || seen[h] {
			return nil, nil, fmt.Errorf("%s:1: column %d has an empty or repeated name %q", name, i+1, h)
		}
		seen[h] = true
		header[i] = h
	}
	var rows []map[string]any
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, csvError(name, err)
		}
		if len(rows) == MaxCohortRows {
			return nil, nil, fmt.Errorf("%s: more than %d rows, the most a [cohort] table may have", name, MaxCohortRows)
		}
		r := make(map[string]any, len(header))
		for j, f := range rec {
			f = strings.TrimSpace(f)
			if cohortMissing[f] {
				continue
			}
			if x, err := strconv.ParseFloat(f, 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
				r[header[j]] = x
			} else {
				r[header[j]] = f
			}
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s: no rows after the header, expected one row per patient", name)
	}
	return header, rows, nil
}
