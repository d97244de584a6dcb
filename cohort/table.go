package cohort

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a table column.
type Kind uint8

// The column kinds.
const (
	// Continuous is a real-valued column. Values are kept as float64;
	// Column.Integer marks columns whose values are all integral.
	Continuous Kind = iota + 1
	// Ordinal is an integer-valued column with few ordered levels (a score,
	// a grade). It is projected as a continuous variable and decoded by
	// rounding to the nearest integer inside the observed range.
	Ordinal
	// Categorical is a column of unordered modalities, one-hot encoded.
	Categorical
	// Date is an ISO 8601 calendar date (2006-01-02), handled as the number
	// of days since 1970-01-01.
	Date
	// Identifier is a row label (a patient or sample id). It takes no part
	// in the projection and is not released with avatars.
	Identifier
)

var kindNames = map[Kind]string{Continuous: "continuous", Ordinal: "ordinal", Categorical: "categorical", Date: "date", Identifier: "identifier"}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind parses a kind name as printed by Kind.String.
func ParseKind(s string) (Kind, error) {
	for k, name := range kindNames {
		if strings.EqualFold(s, name) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown column kind %q, expected continuous, ordinal, categorical, date or identifier", s)
}

// numeric reports whether columns of kind k hold numbers (Column.Num).
func (k Kind) numeric() bool { return k == Continuous || k == Ordinal || k == Date }

// Column is one column of a Table.
type Column struct {
	Name string
	Kind Kind
	// Num holds the values of numeric kinds (Continuous, Ordinal, Date as
	// days since 1970-01-01); NaN is a missing value.
	Num []float64
	// Cat holds the values of Categorical and Identifier columns as indices
	// into Levels; -1 is a missing value.
	Cat    []int
	Levels []string
	// Integer reports that every value of a numeric column is integral;
	// generated values are then rounded.
	Integer bool
}

// Missing reports whether row i of the column is missing.
func (c *Column) Missing(i int) bool {
	if c.Kind.numeric() {
		return math.IsNaN(c.Num[i])
	}
	return c.Cat[i] < 0
}

// String formats row i as it is written to CSV ("" when missing).
func (c *Column) String(i int) string {
	if c.Missing(i) {
		return ""
	}
	switch c.Kind {
	case Categorical, Identifier:
		return c.Levels[c.Cat[i]]
	case Date:
		return time.Unix(int64(c.Num[i])*86400, 0).UTC().Format(time.DateOnly)
	}
	return strconv.FormatFloat(c.Num[i], 'g', -1, 64)
}

// Level returns the index of the modality s in Levels, or -1.
func (c *Column) Level(s string) int { return slices.Index(c.Levels, s) }

// Table is a mixed-type table held by column.
type Table struct {
	Columns []Column
	rows    int
}

// Rows returns the number of rows.
func (t *Table) Rows() int { return t.rows }

// Column returns the column named name, or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// Names returns the column names in order.
func (t *Table) Names() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// Subset returns a new table holding rows rows of t, in that order.
// Levels are shared with t.
func (t *Table) Subset(rows []int) *Table {
	s := &Table{Columns: make([]Column, len(t.Columns)), rows: len(rows)}
	for j, c := range t.Columns {
		nc := Column{Name: c.Name, Kind: c.Kind, Levels: c.Levels, Integer: c.Integer}
		if c.Kind.numeric() {
			nc.Num = make([]float64, len(rows))
			for i, r := range rows {
				nc.Num[i] = c.Num[r]
			}
		} else {
			nc.Cat = make([]int, len(rows))
			for i, r := range rows {
				nc.Cat[i] = c.Cat[r]
			}
		}
		s.Columns[j] = nc
	}
	return s
}

// Select returns a table of the named columns of t (sharing storage).
// It panics on an unknown name (a programming error).
func (t *Table) Select(names []string) *Table {
	s := &Table{rows: t.rows}
	for _, n := range names {
		c := t.Column(n)
		if c == nil {
			panic("cohort: no column " + n)
		}
		s.Columns = append(s.Columns, *c)
	}
	return s
}

// WriteCSV writes t with a header row. Missing values are empty fields.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Names()); err != nil {
		return err
	}
	rec := make([]string, len(t.Columns))
	for i := 0; i < t.rows; i++ {
		for j := range t.Columns {
			rec[j] = t.Columns[j].String(i)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadOptions controls ReadCSV, ReadParquet and ReadFile.
type ReadOptions struct {
	// Kinds overrides the inferred kind of the named columns.
	Kinds map[string]Kind
	// Drop lists columns to leave out.
	Drop []string
	// Comma is the field separator of a CSV file; 0 means ','.
	Comma rune
	// MaxOrdinalLevels is the largest number of distinct integer values an
	// integer column may have to be inferred Ordinal; 0 means 10 (the
	// avatar paper treats columns with ≤ 10 unique values as discrete).
	MaxOrdinalLevels int
}

// InputError is a problem with an input table: it names the file, the line
// or column, and what was expected.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// missingTokens are the field values read as missing.
var missingTokens = map[string]bool{"": true, "NA": true, "N/A": true, "NaN": true, "nan": true, "NULL": true, "null": true, "?": true, ".": true}

// idName matches column names that label rows rather than describe them.
var idName = regexp.MustCompile(`(?i)(^|[_ .-])(id|ids|code|number|identifier|subject|patient)([_ .-]|$)|^(id|.*_id)$`)

// ReadCSV reads a table with a header row and infers each column's kind:
//
//   - every value a date (2006-01-02): Date;
//   - every value a number: two distinct values → Categorical (binary);
//     integral with at most MaxOrdinalLevels distinct values → Ordinal;
//     otherwise Continuous, unless the column is an identifier (below);
//   - otherwise Categorical, unless the column is an identifier.
//
// A column is an Identifier when its name looks like one (id, code, number,
// patient, subject as a word) and more than half its values are distinct, or
// when it is text with more than max(50, n/2) distinct values. Missing
// values are empty fields and NA, N/A, NaN, NULL, ?, "." . name labels
// errors (the file name).
func ReadCSV(r io.Reader, name string, opt ReadOptions) (*Table, error) {
	cr := csv.NewReader(r)
	if opt.Comma != 0 {
		cr.Comma = opt.Comma
	}
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &InputError{fmt.Sprintf("%s: empty file, expected a header row", name)}
	}
	if err != nil {
		return nil, &InputError{fmt.Sprintf("%s: %v", name, err)}
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		header[i] = h
	}
	if err := checkHeader(name, header, opt); err != nil {
		return nil, err
	}
	raw := make([][]string, len(header))
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &InputError{fmt.Sprintf("%s:%d:%d: %v", name, pe.Line, pe.Column, pe.Err)}
			}
			return nil, &InputError{fmt.Sprintf("%s:%d: %v", name, line, err)}
		}
		for j := range header {
			raw[j] = append(raw[j], strings.TrimSpace(rec[j]))
		}
	}
	return fromStrings(name, header, raw, opt)
}

// checkHeader checks the column names of a table and the columns opt
// names.
func checkHeader(name string, header []string, opt ReadOptions) error {
	seen := map[string]bool{}
	for i, h := range header {
		if h == "" || seen[h] {
			return &InputError{fmt.Sprintf("%s:1: column %d has an empty or repeated name %q", name, i+1, h)}
		}
		seen[h] = true
	}
	for n := range opt.Kinds {
		if !seen[n] {
			return &InputError{fmt.Sprintf("%s: no column %q to set the kind of (columns: %s)", name, n, strings.Join(header, ", "))}
		}
	}
	for _, n := range opt.Drop {
		if !seen[n] {
			return &InputError{fmt.Sprintf("%s: no column %q to drop (columns: %s)", name, n, strings.Join(header, ", "))}
		}
	}
	return nil
}

// fromStrings builds a table from the text of its values, raw[j][i] the
// value of column header[j] in row i (trimmed), inferring kinds as ReadCSV
// describes. The header has passed checkHeader.
func fromStrings(name string, header []string, raw [][]string, opt ReadOptions) (*Table, error) {
	drop := map[string]bool{}
	for _, n := range opt.Drop {
		drop[n] = true
	}
	n := 0
	if len(raw) > 0 {
		n = len(raw[0])
	}
	if n == 0 {
		return nil, &InputError{fmt.Sprintf("%s: no data rows after the header", name)}
	}
	maxOrd := opt.MaxOrdinalLevels
	if maxOrd <= 0 {
		maxOrd = 10
	}
	t := &Table{rows: n}
	for j, h := range header {
		if drop[h] {
			continue
		}
		kind, forced := opt.Kinds[h]
		c, err := buildColumn(h, raw[j], kind, forced, maxOrd)
		if err != nil {
			return nil, &InputError{fmt.Sprintf("%s: %v", name, err)}
		}
		t.Columns = append(t.Columns, c)
	}
	if len(t.Columns) == 0 {
		return nil, &InputError{fmt.Sprintf("%s: no columns left", name)}
	}
	return t, nil
}

// buildColumn parses the raw values of one column.
func buildColumn(name string, vals []string, kind Kind, forced bool, maxOrd int) (Column, error) {
	n := len(vals)
	nums := make([]float64, n)
	allNum, allDate, integral := true, true, true
	present := 0
	for i, v := range vals {
		if missingTokens[v] {
			nums[i] = math.NaN()
			continue
		}
		present++
		if allNum {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsInf(f, 0) {
				allNum = false
			} else {
				nums[i] = f
				integral = integral && f == math.Trunc(f)
			}
		}
		if allDate {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				allDate = false
			}
		}
	}
	if present == 0 {
		return Column{}, fmt.Errorf("column %q has no values", name)
	}
	distinct := map[string]bool{}
	for _, v := range vals {
		if !missingTokens[v] {
			distinct[v] = true
		}
	}
	if !forced {
		looksID := idName.MatchString(name) && len(distinct) > n/2
		switch {
		case allDate:
			kind = Date
		case allNum && len(distinct) <= 2:
			kind = Categorical
		case allNum && looksID:
			kind = Identifier
		case allNum && integral && len(distinct) <= maxOrd:
			kind = Ordinal
		case allNum:
			kind = Continuous
		case looksID || len(distinct) > max(50, n/2):
			kind = Identifier
		default:
			kind = Categorical
		}
	}
	c := Column{Name: name, Kind: kind}
	switch kind {
	case Continuous, Ordinal:
		if !allNum {
			return Column{}, fmt.Errorf("column %q is declared %v but holds a value that is not a number", name, kind)
		}
		if kind == Ordinal && !integral {
			return Column{}, fmt.Errorf("column %q is declared ordinal but holds a value that is not an integer", name)
		}
		c.Num, c.Integer = nums, integral
	case Date:
		c.Num, c.Integer = make([]float64, n), true
		for i, v := range vals {
			if missingTokens[v] {
				c.Num[i] = math.NaN()
				continue
			}
			d, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return Column{}, fmt.Errorf("column %q row %d: %q is not a date (expected YYYY-MM-DD)", name, i+2, v)
			}
			c.Num[i] = float64(d.Unix() / 86400)
		}
	case Categorical, Identifier:
		levels := make([]string, 0, len(distinct))
		for v := range distinct {
			levels = append(levels, v)
		}
		sortLevels(levels, allNum)
		index := make(map[string]int, len(levels))
		for i, l := range levels {
			index[l] = i
		}
		c.Levels, c.Cat = levels, make([]int, n)
		for i, v := range vals {
			if missingTokens[v] {
				c.Cat[i] = -1
			} else {
				c.Cat[i] = index[v]
			}
		}
	default:
		return Column{}, fmt.Errorf("column %q: unknown kind %v", name, kind)
	}
	return c, nil
}

// sortLevels orders modalities numerically when they are numbers, else
// lexicographically, so that level indices do not depend on row order.
func sortLevels(levels []string, numeric bool) {
	if numeric {
		slices.SortFunc(levels, func(a, b string) int {
			fa, _ := strconv.ParseFloat(a, 64)
			fb, _ := strconv.ParseFloat(b, 64)
			if fa != fb {
				if fa < fb {
					return -1
				}
				return 1
			}
			return strings.Compare(a, b)
		})
		return
	}
	slices.Sort(levels)
}

// NewTable builds a table from columns of equal length (for programs and
// tests). It panics if the lengths differ.
func NewTable(cols ...Column) *Table {
	t := &Table{Columns: cols}
	for i, c := range cols {
		n := len(c.Num)
		if !c.Kind.numeric() {
			n = len(c.Cat)
		}
		if i == 0 {
			t.rows = n
		} else if n != t.rows {
			panic(fmt.Sprintf("cohort: column %q has %d rows, want %d", c.Name, n, t.rows))
		}
	}
	return t
}
