package statetransition

import (
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Look-up tables and the cohort's age.
//
//	age = 40                        # the cohort's age at the start of cycle 1 (years)
//
//	[inputs.tables.qx_female]       # a step function of x: y[i] for x[i] <= x < x[i+1]
//	x = [40, 41, 42]                # increasing; y[0] below x[0], the last y beyond the last x
//	y = [0.0009, 0.0010, 0.0011]
//
// and in an expression lookup(qx_female, age): the variable age is the
// age at the start of the cycle the value is used in, age + (cycle − 1)·
// cycle_years, so it advances with the cohort; a life table by age and sex
// is two tables and if(female, lookup(qx_female, age), lookup(qx_male,
// age)) with a parameter female.

const (
	lookupName = "lookup"
	ageName    = "age"
)

// lookupTable is one [inputs.tables] entry.
type lookupTable struct {
	name string
	x, y []float64
}

// at returns y[i] for the last x[i] <= x (y[0] below x[0]).
func (t *lookupTable) at(x float64) float64 {
	i := sort.SearchFloat64s(t.x, x) // first x[i] >= x
	if i < len(t.x) && t.x[i] == x {
		return t.y[i]
	}
	return t.y[max(i-1, 0)]
}

// ageVar is the cohort's age: start + (cycle − 1)·years per cycle.
type ageVar struct {
	start float64
	dt    *float64 // definition.cycleYears, read after the tables
}

type (
	lookupNode struct {
		t *lookupTable
		x node
	}
	ageNode struct {
		a     *ageVar
		cycle node
	}
)

func (l lookupNode) eval(v env) float64 { return l.t.at(l.x.eval(v)) }

// eval: values used at time 0 (cycle 0: start-up costs) see the start age.
func (a ageNode) eval(v env) float64 {
	return a.a.start + math.Max(a.cycle.eval(v)-1, 0)*(*a.a.dt)
}

// lookup parses lookup(table, x); the name token has been read.
func (p *parser) lookup(fn token) (node, error) {
	if !p.isOp('(') {
		return nil, p.errorf("function lookup needs its arguments in parentheses, got %s", p.tok)
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.next()
	t := p.tok
	tab, ok := p.sc.tables[t.text]
	if t.kind != tName || !ok {
		return nil, p.errorf("lookup's first argument must be a table of [inputs.tables] (%s), got %s", strings.Join(sortedKeys(p.sc.tables), ", "), t)
	}
	p.next()
	if !p.isOp(',') {
		return nil, p.errorf("expected \",\" after the table in lookup, got %s", p.tok)
	}
	p.next()
	x, err := p.compare()
	if err != nil {
		return nil, err
	}
	if !p.isOp(')') {
		return nil, p.errorf("lookup takes a table and one value, got %s", p.tok)
	}
	p.next()
	p.names = true
	return lookupNode{t: tab, x: x}, nil
}

// readTables reads [inputs.tables] and [inputs] age into the scope.
func (d *definition) readTables(t table) error {
	d.scope.tables = map[string]*lookupTable{}
	if v, ok := t.m["age"]; ok {
		f, ok := v.(float64)
		if !ok || !(f >= 0) || math.IsInf(f, 0) {
			return errorf(t.where, "age must be the cohort's age at the start in years, a number >= 0, got %s", describe(v))
		}
		d.scope.age = &ageVar{start: f, dt: &d.cycleYears}
	}
	tt, ok, err := t.sub("tables")
	if err != nil || !ok {
		return err
	}
	for _, name := range sortedKeys(tt.m) {
		where := tt.at(name)
		if !nameRE.MatchString(name) || reserved(name) || slices.Contains(d.scope.names, name) || name == lookupName || name == ageName {
			return errorf(where, "table name %q must match %s and not be a parameter, function or variable", name, nameRE)
		}
		m, ok := tt.m[name].(map[string]any)
		if !ok {
			return errorf(where, "must be a table {x, y}, got %s", describe(tt.m[name]))
		}
		tab := table{where: where, m: m}
		if _, ok := m["csv"]; ok {
			lt, err := readCSVTable(tab, name)
			if err != nil {
				return err
			}
			d.scope.tables[name] = lt
			continue
		}
		if err := tab.only([]string{"x", "y"}); err != nil {
			return err
		}
		lt := &lookupTable{name: name}
		for _, c := range []struct {
			key string
			dst *[]float64
		}{{"x", &lt.x}, {"y", &lt.y}} {
			xs, ok := m[c.key].([]any)
			if !ok || len(xs) == 0 || len(xs) > maxTableRows {
				return errorf(where, "%s must be a list of 1 to %d numbers, got %s", c.key, maxTableRows, describe(m[c.key]))
			}
			for i, x := range xs {
				f, ok := x.(float64)
				if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
					return errorf(where, "%s[%d] must be a finite number, got %s", c.key, i, describe(x))
				}
				*c.dst = append(*c.dst, f)
			}
		}
		if len(lt.x) != len(lt.y) {
			return errorf(where, "x has %d values and y %d; expected as many", len(lt.x), len(lt.y))
		}
		for i := 1; i < len(lt.x); i++ {
			if !(lt.x[i] > lt.x[i-1]) {
				return errorf(where, "x must increase: x[%d] = %s after %s", i, fmtNum(lt.x[i]), fmtNum(lt.x[i-1]))
			}
		}
		d.scope.tables[name] = lt
	}
	return nil
}

// readCSVTable reads a look-up table from two columns of a CSV file:
//
//	[inputs.tables.mx_female]
//	csv = "models/mscohort/data/lifetable_ew_2019.csv"  # as the working folder sees it
//	x = "age"       # the column of x (increasing)
//	y = "female"    # the column of y
//
// The file has a header row; lines starting with # are comments (a life
// table's provenance). A life table by age and sex is two tables of one
// file, one per sex column.
func readCSVTable(t table, name string) (*lookupTable, error) {
	if err := t.only([]string{"csv", "x", "y"}); err != nil {
		return nil, err
	}
	path, ok1 := t.m["csv"].(string)
	xcol, ok2 := t.m["x"].(string)
	ycol, ok3 := t.m["y"].(string)
	if !ok1 || !ok2 || !ok3 || path == "" {
		return nil, errorf(t.where, "a table from a CSV file needs csv (the file), x and y (column names), all strings; got csv %s, x %s, y %s",
			describe(t.m["csv"]), describe(t.m["x"]), describe(t.m["y"]))
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, errorf(t.where, "csv %s: %v", quoteClip(path), err)
	}
	defer f.Close()
	cr := csv.NewReader(io.LimitReader(f, 64<<20))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, errorf(t.where, "csv %s: no header row: %v", quoteClip(path), err)
	}
	ix, iy := slices.Index(head, xcol), slices.Index(head, ycol)
	if ix < 0 || iy < 0 {
		return nil, errorf(t.where, "csv %s has no column %s or %s; its columns are %s", quoteClip(path), quoteClip(xcol), quoteClip(ycol), quoteClip(strings.Join(head, ", ")))
	}
	lt := &lookupTable{name: name}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errorf(t.where, "csv %s: %v", quoteClip(path), err)
		}
		if len(lt.x) >= maxTableRows {
			return nil, errorf(t.where, "csv %s has more than %d rows", quoteClip(path), maxTableRows)
		}
		if ix >= len(rec) || iy >= len(rec) {
			return nil, errorf(t.where, "csv %s, row %d: %d fields, expected columns %s and %s", quoteClip(path), row, len(rec), quoteClip(xcol), quoteClip(ycol))
		}
		x, err1 := strconv.ParseFloat(strings.TrimSpace(rec[ix]), 64)
		y, err2 := strconv.ParseFloat(strings.TrimSpace(rec[iy]), 64)
		if err1 != nil || err2 != nil || math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
			return nil, errorf(t.where, "csv %s, row %d: %s and %s must be finite numbers", quoteClip(path), row, quoteClip(rec[ix]), quoteClip(rec[iy]))
		}
		if n := len(lt.x); n > 0 && !(x > lt.x[n-1]) {
			return nil, errorf(t.where, "csv %s, row %d: %s must increase: %s after %s", quoteClip(path), row, quoteClip(xcol), fmtNum(x), fmtNum(lt.x[n-1]))
		}
		lt.x, lt.y = append(lt.x, x), append(lt.y, y)
	}
	if len(lt.x) == 0 {
		return nil, errorf(t.where, "csv %s has no rows", quoteClip(path))
	}
	return lt, nil
}

// maxTableRows bounds a look-up table.
const maxTableRows = 100000
