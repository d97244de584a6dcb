package calibrate

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/mesh"
)

// outputTable is a table a run wrote (runs/<id>/<name>.csv), read back.
type outputTable struct {
	path    string
	columns []string
	rows    [][]float64
}

// readTable reads a run's table; a missing file gives fs.ErrNotExist. A
// mesh file (.vtu, .vtp, .vtk: a field a model writes per node, such as
// the atrial model's LAT in lat.vtu) reads as a table with one row per
// node: columns node (its index), x_mm, y_mm, z_mm, then each point field
// (a field of c > 1 components as name_0 … name_c−1).
func readTable(path string) (*outputTable, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".vtu", ".vtp", ".vtk":
		return readMeshTable(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	t := &outputTable{path: path, columns: slices.Clone(head)}
	for {
		rec, err := r.Read()
		if err != nil {
			if err == io.EOF {
				break
			}
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		row := make([]float64, len(rec))
		for i, c := range rec {
			v, err := strconv.ParseFloat(c, 64)
			if err != nil {
				v = math.NaN()
			}
			row[i] = v
		}
		t.rows = append(t.rows, row)
	}
	return t, nil
}

func (t *outputTable) column(name string) int { return slices.Index(t.columns, name) }

// sortedLookup is one column of a table against its key column, sorted by
// key: at returns the value of the row with a key, or the linear
// interpolation between the rows around it.
type sortedLookup struct {
	keys, vals []float64
}

func (t *outputTable) sorted(key, col int) sortedLookup {
	idx := make([]int, len(t.rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return t.rows[idx[a]][key] < t.rows[idx[b]][key] })
	s := sortedLookup{keys: make([]float64, len(idx)), vals: make([]float64, len(idx))}
	for i, j := range idx {
		s.keys[i], s.vals[i] = t.rows[j][key], t.rows[j][col]
	}
	return s
}

func (s sortedLookup) at(k float64) (float64, bool) {
	i := sort.SearchFloat64s(s.keys, k)
	switch {
	case i < len(s.keys) && s.keys[i] == k:
		return s.vals[i], true
	case i == 0 || i == len(s.keys):
		return math.NaN(), false
	}
	x0, x1 := s.keys[i-1], s.keys[i]
	return s.vals[i-1] + (k-x0)/(x1-x0)*(s.vals[i]-s.vals[i-1]), true
}

// simulate fills x (one value per statistic, on the statistic's scale:
// logarithms, expected counts) from a run's scalar outputs and the tables
// in its folder runDir. A failed run gives NaN everywhere. A table that
// does not match its data file's shape is bad input (*engine.InputError):
// the same for every run.
func (pr *problem) simulate(x []float64, done bool, outputs map[string]float64, runDir string) error {
	for i := range x {
		x[i] = math.NaN()
	}
	if !done {
		return nil
	}
	var tables map[string]*outputTable
	var columns map[[2]int]sortedLookup // by target and column
	for i, st := range pr.stats {
		t := &pr.targets[st.target]
		var v float64
		if t.Output != "" {
			v = outputs[t.Output]
		} else {
			if tables == nil {
				tables = map[string]*outputTable{}
			}
			tab, ok := tables[t.Table]
			if !ok {
				path := filepath.Join(runDir, tableFile(t.Table))
				var err error
				tab, err = readTable(path)
				if errors.Is(err, fs.ErrNotExist) {
					return &engine.InputError{Msg: fmt.Sprintf("%s: [[calibrate.targets]] %d compares table %q with %s, but model %q wrote no such table (%s); check the table's name and the parameters that make the model write it",
						pr.sc.File, st.target+1, t.Table, t.Data, pr.desc.Name, path)}
				}
				if err != nil {
					return err
				}
				tables[t.Table] = tab
			}
			key, col := tab.column(t.Key), tab.column(t.Columns[st.col])
			if key < 0 || col < 0 {
				missing := t.Key
				if key >= 0 {
					missing = t.Columns[st.col]
				}
				return &engine.InputError{Msg: fmt.Sprintf("%s: the data file %s of [[calibrate.targets]] %d does not match the shape of table %q: it has no column %q (the table's columns: %s)",
					pr.sc.File, t.Data, st.target+1, t.Table, missing, strings.Join(tab.columns, ", "))}
			}
			if columns == nil {
				columns = map[[2]int]sortedLookup{}
			}
			sl, ok := columns[[2]int{st.target, st.col}]
			if !ok {
				sl = tab.sorted(key, col)
				columns[[2]int{st.target, st.col}] = sl
			}
			row := t.Rows[st.row]
			v, ok = sl.at(row.Key)
			if !ok {
				return &engine.InputError{Msg: fmt.Sprintf("%s:%d: %s = %s lies outside the keys of table %q (%s), so the data file does not match the table's shape ([[calibrate.targets]] %d of %s)",
					t.DataPath, row.Line, t.Key, strconv.FormatFloat(row.Key, 'g', -1, 64), t.Table, keyRange(tab, key), st.target+1, pr.sc.File)}
			}
		}
		switch {
		case st.poisson:
			v *= st.exposure
		case st.log:
			if v > 0 {
				v = math.Log(v)
			} else {
				v = math.NaN()
			}
		}
		x[i] = v
	}
	return nil
}

func keyRange(t *outputTable, key int) string {
	if len(t.rows) == 0 {
		return "no rows"
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range t.rows {
		lo, hi = math.Min(lo, r[key]), math.Max(hi, r[key])
	}
	return fmt.Sprintf("%g to %g", lo, hi)
}

func readMeshTable(path string) (*outputTable, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	m, err := mesh.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := &outputTable{path: path, columns: []string{"node", "x_mm", "y_mm", "z_mm"}}
	for _, f := range m.PointData {
		if f.Components == 1 {
			t.columns = append(t.columns, f.Name)
			continue
		}
		for c := range f.Components {
			t.columns = append(t.columns, f.Name+"_"+strconv.Itoa(c))
		}
	}
	t.rows = make([][]float64, len(m.Points))
	for i, p := range m.Points {
		row := make([]float64, 0, len(t.columns))
		row = append(row, float64(i), p[0], p[1], p[2])
		for _, f := range m.PointData {
			row = append(row, f.Values[i*f.Components:(i+1)*f.Components]...)
		}
		t.rows[i] = row
	}
	return t, nil
}

// tableFile is the file of an output table in a run's folder: the engine's
// <name>.csv, or a mesh file named with its extension.
func tableFile(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".vtu", ".vtp", ".vtk":
		return name
	}
	return name + ".csv"
}
