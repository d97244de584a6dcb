package brain

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Initial states. Every run with a folder writes final_state.csv, the state
// at its end:
//
//	region,label,x1,y1,z,x2,y2,g
//	0,rA1,-1.63…,-12.3…,…
//
// (one row per region, the mass's variables, shortest exact decimal form).
// [inputs] initial names such a file — or a previous run's folder, meaning
// its final_state.csv — to start from instead of the resting state:
//
//	initial = "out/vep-resection/runs/r000000"   # continue from where that run ended
//	initial = "patient/state.csv"                # or any state table (region = label or 0-based index)
//
// or the literal "last" with initial_from naming a study's output folder
// (or one run's folder): the final state of its last run in run order (the
// highest run id under runs/ that wrote final_state.csv), so a study can go
// on from where an earlier study ended without naming the run:
//
//	initial = "last"
//	initial_from = "out/vep-resection"                          # → out/vep-resection/runs/r000002/final_state.csv
//
// (a file called last is "./last"). Regions missing from the file start at rest; the variables must be those
// of the run's mass. The history before the first step is the initial state,
// constant in time, so a continued run with delays is not the same as one
// run twice as long (its coupling sees a constant past, not the old one).

// stateFile is the name of the final-state table in a run's folder.
const stateFile = "final_state.csv"

// maxStateVars bounds the columns of a state file (the masses have at most
// 8 variables), so a long header cannot ask for columns × regions numbers.
const maxStateVars = 64

// stateTable is a parsed state file: per variable name, a value per region
// (NaN: not given).
type stateTable struct {
	path string
	vars map[string][]float64
	rows int // regions given
}

// LastInitial is the value of [inputs] initial that starts from the last
// run of the folder initial_from.
const LastInitial = "last"

// resolveInitial returns the state file or run folder that initial and
// initial_from name.
func resolveInitial(initial, from string) (string, error) {
	if initial != LastInitial {
		if from != "" {
			return "", fmt.Errorf("initial_from: only used with initial = %q, but initial is %q", LastInitial, initial)
		}
		return initial, nil
	}
	if from == "" {
		return "", fmt.Errorf("initial = %q: set initial_from to a study's output folder (or a run's folder) to take the last run's final state from", LastInitial)
	}
	if fi, err := os.Stat(from); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("initial_from: %s is not a folder, expected a study's output folder or a run's folder", from)
	}
	if _, err := os.Stat(filepath.Join(from, stateFile)); err == nil {
		return filepath.Join(from, stateFile), nil
	}
	runs := filepath.Join(from, "runs")
	ents, err := os.ReadDir(runs)
	if err != nil {
		return "", fmt.Errorf("initial_from: %s has neither %s nor a runs folder, expected a study's output folder or a run's folder", from, stateFile)
	}
	// Run ids are r000000, r000001, …: run order is by length, then by name.
	var last string
	for _, e := range ents {
		nm := e.Name()
		if !e.IsDir() || (last != "" && (len(nm) < len(last) || len(nm) == len(last) && nm < last)) {
			continue
		}
		if _, err := os.Stat(filepath.Join(runs, nm, stateFile)); err == nil {
			last = nm
		}
	}
	if last == "" {
		return "", fmt.Errorf("initial_from: no run under %s wrote %s", runs, stateFile)
	}
	return filepath.Join(runs, last, stateFile), nil
}

// readState reads the initial state named by path (a file or a run folder).
func readState(path string, conn *Connectivity) (*stateTable, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, stateFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{File: path, Msg: errText(err)}
	}
	return parseState(path, b, conn)
}

// parseState parses a state table b, named path in errors.
func parseState(path string, b []byte, conn *Connectivity) (*stateTable, error) {
	r := regionCSVReader(b)
	head, err := r.Read()
	if err != nil || len(head) < 2 || strings.TrimSpace(head[0]) != "region" {
		return nil, &FileError{File: path, Entry: "line 1", Msg: "expected the header \"region,[label,]<variable>,…\""}
	}
	first := 1
	if strings.TrimSpace(head[1]) == "label" {
		first = 2
	}
	if len(head)-first > maxStateVars {
		return nil, &FileError{File: path, Entry: "line 1", Msg: fmt.Sprintf("%d variables, expected at most %d", len(head)-first, maxStateVars)}
	}
	st := &stateTable{path: path, vars: map[string][]float64{}}
	for k, h := range head[first:] {
		h = strings.TrimSpace(h)
		if h == "" || st.vars[h] != nil {
			return nil, &FileError{File: path, Entry: fmt.Sprintf("line 1, column %d", first+k+1), Msg: fmt.Sprintf("variable name %q empty or repeated", h)}
		}
		st.vars[h] = nanSlice(conn.N())
	}
	st.rows, err = eachRegionRow(path, r, len(head), conn, func(line, i, prev int, rec []string) error {
		if first == 2 && strings.TrimSpace(rec[1]) != conn.Labels[i] {
			return &FileError{File: path, Entry: fmt.Sprintf("line %d, column 2", line), Msg: fmt.Sprintf("label %q, but region %d of the connectome is %q", rec[1], i, conn.Labels[i])}
		}
		if prev > 0 {
			return &FileError{File: path, Entry: fmt.Sprintf("line %d, column 1", line), Msg: fmt.Sprintf("region %s given twice", conn.Labels[i])}
		}
		for k, f := range rec[first:] {
			v, err := finiteCell(path, r, first+k, f)
			if err != nil {
				return err
			}
			st.vars[strings.TrimSpace(head[first+k])][i] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if st.rows == 0 {
		return nil, &FileError{File: path, Msg: "no regions"}
	}
	return st, nil
}

// apply overwrites the rest state x (variable-major) with the table's
// values; the table's variables must be exactly the mass's.
func (st *stateTable) apply(x []float64, names []string, n int) error {
	if len(st.vars) != len(names) {
		return fmt.Errorf("initial: %s has %d variables, the mass has %d (%s)", st.path, len(st.vars), len(names), strings.Join(names, ", "))
	}
	for v, nm := range names {
		col := st.vars[nm]
		if col == nil {
			return fmt.Errorf("initial: %s has no column %q (the mass's variables are %s)", st.path, nm, strings.Join(names, ", "))
		}
		for i := 0; i < n; i++ {
			if !math.IsNaN(col[i]) {
				x[v*n+i] = col[i]
			}
		}
	}
	return nil
}

// writeState writes the state x (variable-major) as final_state.csv.
func writeState(path string, x []float64, names, labels []string) error {
	n := len(labels)
	var sb strings.Builder
	sb.WriteString("region,label," + strings.Join(names, ",") + "\n")
	for i, l := range labels {
		sb.WriteString(strconv.Itoa(i) + "," + l)
		for v := range names {
			sb.WriteString("," + strconv.FormatFloat(x[v*n+i], 'g', -1, 64))
		}
		sb.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}
