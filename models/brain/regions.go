package brain

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Per-region parameters: the [inputs] regions table sets model parameters
// region by region, as TVB takes any model parameter as an array over
// regions. It is either a CSV file
//
//	region,x0,ks,r
//	rHC,-1.5,,
//	9,-1.7,-0.3,0.0002
//
// (first column a region label of the connectome or a 0-based index; an
// empty cell keeps the scenario's value), or an inline table
//
//	[inputs.regions.rHC]
//	x0 = -1.5
//	[inputs.regions.9]
//	ks = -0.3
//
// The columns are parameters of the run's mass, by the names of
// massparams.go (any parameter of any mass: RegionParams; each run checks
// them against its mass). An empty cell keeps the value the region would
// have without the table: the scenario's parameter, [inputs.mass_params]
// or the mass's default. x0 replaces the hypothesis class's x0 (the EZ/PZ
// classes are a shorthand for an x0 column); an x0_<label> parameter of a
// regional region and a resection (x0_healthy) still take precedence.

// RegionParams are the parameter names a regions table may hold: every
// parameter of every mass (massParamNames gives one mass's).
var RegionParams = allMassParamNames()

// regionTable is a parsed regions table: per parameter, a value per region,
// NaN where not set.
type regionTable map[string][]float64

// parseRegions reads the regions input (a JSON string naming a CSV file, or
// a JSON object) against the connectome.
func parseRegions(raw json.RawMessage, conn *Connectivity) (regionTable, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var path string
		if err := json.Unmarshal(raw, &path); err != nil {
			return nil, fmt.Errorf("regions: %v", err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, &FileError{File: path, Msg: errText(err)}
		}
		return parseRegionsCSV(path, b, conn)
	}
	var tab map[string]map[string]float64
	if err := json.Unmarshal(raw, &tab); err != nil {
		return nil, fmt.Errorf("regions: %v (expected a CSV file name or a table of regions, each a table of parameter = number)", err)
	}
	t := regionTable{}
	for _, key := range sortedNames(tab) {
		i, err := regionIndex(key, conn)
		if err != nil {
			return nil, fmt.Errorf("regions.%s: %v", key, err)
		}
		for _, name := range sortedNames(tab[key]) {
			if err := t.set(name, i, tab[key][name], conn.N()); err != nil {
				return nil, fmt.Errorf("regions.%s.%s: %v", key, name, err)
			}
		}
	}
	return t, nil
}

// parseRegionsCSV parses a regions CSV file b, named path in errors.
func parseRegionsCSV(path string, b []byte, conn *Connectivity) (regionTable, error) {
	r := regionCSVReader(b)
	head, err := r.Read()
	if err != nil {
		return nil, &FileError{File: path, Msg: "no header line, expected \"region,<parameter>,…\""}
	}
	if len(head) < 2 || strings.TrimSpace(head[0]) != "region" {
		return nil, &FileError{File: path, Entry: "line 1", Msg: "expected the header \"region,<parameter>,…\" (parameters: " + strings.Join(RegionParams, ", ") + ")"}
	}
	t := regionTable{}
	for k, h := range head[1:] {
		h = strings.TrimSpace(h)
		if !slices.Contains(RegionParams, h) {
			return nil, &FileError{File: path, Entry: fmt.Sprintf("line 1, column %d", k+2), Msg: fmt.Sprintf("%q is not a per-region parameter, expected one of %s", h, strings.Join(RegionParams, ", "))}
		}
		if _, dup := t[h]; dup {
			return nil, &FileError{File: path, Entry: fmt.Sprintf("line 1, column %d", k+2), Msg: fmt.Sprintf("column %q given twice", h)}
		}
		t[h] = nanSlice(conn.N())
	}
	_, err = eachRegionRow(path, r, len(head), conn, func(line, i, prev int, rec []string) error {
		if prev > 0 {
			return &FileError{File: path, Entry: fmt.Sprintf("line %d, column 1", line), Msg: fmt.Sprintf("region %s already given on line %d", conn.Labels[i], prev)}
		}
		for k, f := range rec[1:] {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			v, err := finiteCell(path, r, k+1, f)
			if err != nil {
				return err
			}
			t[strings.TrimSpace(head[k+1])][i] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (t regionTable) set(name string, i int, v float64, n int) error {
	if !slices.Contains(RegionParams, name) {
		return fmt.Errorf("not a per-region parameter, expected one of %s", strings.Join(RegionParams, ", "))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%v is not a finite number", v)
	}
	if t[name] == nil {
		t[name] = nanSlice(n)
	}
	t[name][i] = v
	return nil
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// regionIndex resolves a region by label, or by 0-based index when the key
// is a number that is not a label.
func regionIndex(key string, conn *Connectivity) (int, error) {
	if i := conn.Index(key); i >= 0 {
		return i, nil
	}
	if i, err := strconv.Atoi(key); err == nil {
		if i < 0 || i >= conn.N() {
			return 0, fmt.Errorf("region index %d out of range 0…%d", i, conn.N()-1)
		}
		return i, nil
	}
	return 0, fmt.Errorf("no region %q (labels are like %q, or give a 0-based index)", key, conn.Labels[0])
}

// fill returns the per-region values of parameter name: the table's where
// set, else def; nil when the table does not set name at all.
func (t regionTable) fill(name string, def float64) []float64 {
	col := t[name]
	if col == nil {
		return nil
	}
	out := make([]float64, len(col))
	for i, v := range col {
		if math.IsNaN(v) {
			v = def
		}
		out[i] = v
	}
	return out
}

// regionCSVReader returns a reader of a CSV table of per-region values
// (the regions table, a state file): '#' starts a comment line and leading
// spaces of a field are dropped.
func regionCSVReader(b []byte) *csv.Reader {
	r := csv.NewReader(bytes.NewReader(b))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	return r
}

// eachRegionRow reads the rows of a per-region CSV table after its header
// (fields per row, the first naming a region by label or index) and calls
// row with each row's line, region index, the line that gave the same
// region before (0 for none) and fields; errors name path and the line and
// column. It returns the number of rows read.
func eachRegionRow(path string, r *csv.Reader, fields int, conn *Connectivity, row func(line, i, prev int, rec []string) error) (int, error) {
	seen := map[int]int{}
	for n := 0; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return n, &FileError{File: path, Entry: fmt.Sprintf("line %d, column %d", pe.Line, pe.Column), Msg: pe.Err.Error()}
			}
			return n, &FileError{File: path, Msg: err.Error()}
		}
		line, _ := r.FieldPos(0)
		if len(rec) != fields {
			return n, &FileError{File: path, Entry: fmt.Sprintf("line %d", line), Msg: fmt.Sprintf("%d fields, the header has %d", len(rec), fields)}
		}
		i, err := regionIndex(strings.TrimSpace(rec[0]), conn)
		if err != nil {
			return n, &FileError{File: path, Entry: fmt.Sprintf("line %d, column 1", line), Msg: err.Error()}
		}
		prev := seen[i]
		if prev == 0 {
			seen[i] = line
		}
		if err := row(line, i, prev, rec); err != nil {
			return n, err
		}
	}
}

// finiteCell parses text, field k of the row r read last, as a finite
// number after trimming its spaces; the error quotes text and names its
// line and column.
func finiteCell(path string, r *csv.Reader, k int, text string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		line, col := r.FieldPos(k)
		return 0, &FileError{File: path, Entry: fmt.Sprintf("line %d, column %d", line, col), Msg: fmt.Sprintf("%q is not a finite number", text)}
	}
	return v, nil
}
