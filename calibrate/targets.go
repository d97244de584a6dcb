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
	"github.com/mdtwin/mdtwin/models"
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
// logarithms, expected counts) from a run's scalar outputs and its tables.
// A table target's values come from the outputs where the run's study kept
// them (statOutput: a population's runs, whose tables the engine reduces
// to them), else from the tables in the run's folder runDir. A failed run
// gives NaN everywhere. A table that does not match its data file's shape
// is bad input (*engine.InputError): the same for every run.
func (pr *problem) simulate(x []float64, done bool, outputs map[string]float64, runDir string) error {
	for i := range x {
		x[i] = math.NaN()
	}
	if !done {
		return nil
	}
	var files *runTables // the run's tables, read from its folder when needed
	for i, st := range pr.stats {
		t := &pr.targets[st.target]
		var v float64
		if t.Output != "" {
			v = outputs[t.Output]
		} else if kept, ok := outputs[statOutput(i)]; ok {
			v = kept
		} else {
			if files == nil {
				files = &runTables{pr: pr, dir: runDir}
			}
			var err error
			if v, err = files.value(i); err != nil {
				return err
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

// statOutput names the output in which the runs of a population keep the
// value of statistic i, a table target's cell (a column of their batch
// study's results.csv).
func statOutput(i int) string { return "calibrate:stat" + strconv.Itoa(i) }

// reduction is what the engine keeps of a population's runs: the values
// the table targets compare, computed from each run's tables where the
// engine runs, instead of the tables, which a calibration's populations
// would otherwise write to disk (a file per run, tens of thousands of
// them) only for the calibration to read them back.
func (pr *problem) reduction() *engine.Reduction {
	red := &engine.Reduction{Func: pr.reduce}
	for i, st := range pr.stats {
		if pr.targets[st.target].Output == "" {
			red.Outputs = append(red.Outputs, statOutput(i))
		}
	}
	return red
}

// reduce is the reduction's function: the table targets' values of the
// run whose result is r and whose folder is dir.
func (pr *problem) reduce(dir string, r models.Result) (map[string]float64, error) {
	rt := &runTables{pr: pr, dir: dir, result: &r}
	out := make(map[string]float64, len(pr.stats))
	for i, st := range pr.stats {
		if pr.targets[st.target].Output != "" {
			continue
		}
		v, err := rt.value(i)
		if err != nil {
			return nil, err
		}
		out[statOutput(i)] = v
	}
	return out, nil
}

// runTables reads the table targets' values from one run's tables: those
// of its result (when it has one) or else the files in its folder (the
// tables the engine wrote, and the mesh files a model writes itself).
type runTables struct {
	pr      *problem
	dir     string
	result  *models.Result
	tables  map[string]*outputTable
	columns map[[2]int]sortedLookup // by target and column
}

// table returns the run's table name; a table the run does not have gives
// fs.ErrNotExist.
func (rt *runTables) table(name string) (*outputTable, error) {
	path := filepath.Join(rt.dir, tableFile(name))
	if rt.result != nil {
		var found *models.Table
		for i := range rt.result.Tables {
			if rt.result.Tables[i].Name == name {
				found = &rt.result.Tables[i] // the last of a name, as its file would be
			}
		}
		if found != nil {
			return tableOf(path, found)
		}
	}
	return readTable(path)
}

// value returns statistic i's value (a table target's cell) before its
// scale: the table's value at the data row's key, interpolated linearly
// between the rows around it.
func (rt *runTables) value(i int) (float64, error) {
	pr, st := rt.pr, rt.pr.stats[i]
	t := &pr.targets[st.target]
	if rt.tables == nil {
		rt.tables = map[string]*outputTable{}
	}
	tab, ok := rt.tables[t.Table]
	if !ok {
		var err error
		tab, err = rt.table(t.Table)
		if errors.Is(err, fs.ErrNotExist) {
			return 0, &engine.InputError{Msg: fmt.Sprintf("%s: [[calibrate.targets]] %d compares table %q with %s, but model %q wrote no such table (%s); check the table's name and the parameters that make the model write it",
				pr.sc.File, st.target+1, t.Table, t.Data, pr.desc.Name, filepath.Join(rt.dir, tableFile(t.Table)))}
		}
		if err != nil {
			return 0, err
		}
		rt.tables[t.Table] = tab
	}
	key, col := tab.column(t.Key), tab.column(t.Columns[st.col])
	if key < 0 || col < 0 {
		missing := t.Key
		if key >= 0 {
			missing = t.Columns[st.col]
		}
		return 0, &engine.InputError{Msg: fmt.Sprintf("%s: the data file %s of [[calibrate.targets]] %d does not match the shape of table %q: it has no column %q (the table's columns: %s)",
			pr.sc.File, t.Data, st.target+1, t.Table, missing, strings.Join(tab.columns, ", "))}
	}
	if rt.columns == nil {
		rt.columns = map[[2]int]sortedLookup{}
	}
	sl, ok := rt.columns[[2]int{st.target, st.col}]
	if !ok {
		sl = tab.sorted(key, col)
		rt.columns[[2]int{st.target, st.col}] = sl
	}
	row := t.Rows[st.row]
	v, ok := sl.at(row.Key)
	if !ok {
		return 0, &engine.InputError{Msg: fmt.Sprintf("%s:%d: %s = %s lies outside the keys of table %q (%s), so the data file does not match the table's shape ([[calibrate.targets]] %d of %s)",
			t.DataPath, row.Line, t.Key, strconv.FormatFloat(row.Key, 'g', -1, 64), t.Table, keyRange(tab, key), st.target+1, pr.sc.File)}
	}
	return v, nil
}

// tableOf takes a table a run returned as it reads back from the file the
// engine would write at path: every value as it is (the file's numbers
// round-trip exactly), a table of rows of unequal lengths refused as the
// CSV reader refuses the file.
func tableOf(path string, t *models.Table) (*outputTable, error) {
	out := &outputTable{path: path, columns: t.Columns, rows: t.Rows}
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return nil, fmt.Errorf("%s: row %d has %d values for %d columns", path, i+1, len(row), len(t.Columns))
		}
	}
	return out, nil
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
