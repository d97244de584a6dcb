package scenarios

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// MaxDataRows bounds the rows of a target's data file.
const MaxDataRows = 10_000_000

// loadTargetData reads the data file of a table target, positioning errors
// about the target's keys in the scenario and errors about the file's
// content at its line.
func (s *Scenario) loadTargetData(tg *Target) error {
	b, err := os.ReadFile(tg.DataPath)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return s.Errorf(tg.KeyPath("data"), "[[calibrate.targets]] %d: data file %s: %s", tg.index+1, tg.DataPath, msg)
	}
	d, err := ParseTargetData(tg.DataPath, b, tg.Key, tg.Columns, tg.SEColumn)
	if err != nil {
		var ce *columnError
		if errors.As(err, &ce) {
			return s.Errorf(tg.KeyPath(ce.key), "[[calibrate.targets]] %d: %s", tg.index+1, ce.msg)
		}
		return err
	}
	tg.Key, tg.Columns, tg.Rows = d.Key, d.Columns, d.Rows
	if tg.Scale == LogScale {
		for _, r := range d.Rows {
			for j, v := range r.Values {
				if v <= 0 {
					return &Error{File: tg.DataPath, Line: r.Line, Msg: fmt.Sprintf("column %s is %s, but the target compares logarithms (scale = \"log\"): expected a value > 0", d.Columns[j], formatTOMLFloat(v))}
				}
			}
		}
	}
	return nil
}

// TargetData is a parsed data file.
type TargetData struct {
	Key     string
	Columns []string
	Rows    []DataRow
}

// columnError is a data file whose header does not have a column the
// target names; key is the target's key that names it.
type columnError struct{ key, msg string }

func (e *columnError) Error() string { return e.msg }

// ParseTargetData parses the CSV data file of a table target: a header row
// of column names, then one row of numbers per observation. key names the
// column matched against the output table ("": the first column); columns
// the compared columns (nil: every column but the key and seColumn);
// seColumn a column of per-row standard errors ("": none). Errors name the
// file and line, or the column.
func ParseTargetData(file string, data []byte, key string, columns []string, seColumn string) (*TargetData, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	r.Comment = '#'
	header, err := r.Read()
	if err == io.EOF {
		return nil, &Error{File: file, Msg: "empty data file: expected a header row of column names, then rows of numbers"}
	}
	if err != nil {
		return nil, csvError(file, err)
	}
	header = slices.Clone(header)
	index := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		if h == "" {
			return nil, &Error{File: file, Line: 1, Msg: fmt.Sprintf("column %d of the header has no name", i+1)}
		}
		if _, dup := index[h]; dup {
			return nil, &Error{File: file, Line: 1, Msg: fmt.Sprintf("column %q appears twice in the header", h)}
		}
		index[h] = i
	}
	d := &TargetData{Key: key}
	if d.Key == "" {
		d.Key = header[0]
	}
	need := func(name, what, targetKey string) (int, error) {
		i, ok := index[name]
		if !ok {
			return 0, &columnError{key: targetKey, msg: fmt.Sprintf("data file %s has no %s column %q (its columns: %s)", file, what, name, strings.Join(header, ", "))}
		}
		return i, nil
	}
	keyCol, err := need(d.Key, "key", "key")
	if err != nil {
		return nil, err
	}
	seCol := -1
	if seColumn != "" {
		if seCol, err = need(seColumn, "standard-error", "se_column"); err != nil {
			return nil, err
		}
		if seCol == keyCol {
			return nil, &columnError{key: "se_column", msg: fmt.Sprintf("se_column %q is the key column", seColumn)}
		}
	}
	var cols []int
	if columns == nil {
		for i, h := range header {
			if i != keyCol && i != seCol {
				cols = append(cols, i)
				d.Columns = append(d.Columns, h)
			}
		}
		if len(cols) == 0 {
			return nil, &columnError{key: "data", msg: fmt.Sprintf("data file %s has no column to compare besides the key %q", file, d.Key)}
		}
	} else {
		for _, c := range columns {
			i, err := need(c, "compared", "columns")
			if err != nil {
				return nil, err
			}
			if i == keyCol || i == seCol {
				return nil, &columnError{key: "columns", msg: fmt.Sprintf("column %q is the key or the standard-error column, not a compared one", c)}
			}
			if slices.Contains(cols, i) {
				return nil, &columnError{key: "columns", msg: fmt.Sprintf("column %q is listed twice", c)}
			}
			cols = append(cols, i)
			d.Columns = append(d.Columns, c)
		}
	}
	seen := map[float64]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := r.FieldPos(0)
		if len(d.Rows) >= MaxDataRows {
			return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("more than %d rows", MaxDataRows)}
		}
		cell := func(i int) (float64, error) {
			txt := strings.TrimSpace(rec[i])
			v, err := strconv.ParseFloat(txt, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, &Error{File: file, Line: line, Msg: fmt.Sprintf("column %s: %q is not a finite number", header[i], txt)}
			}
			return v, nil
		}
		row := DataRow{Line: line, Values: make([]float64, len(cols))}
		if row.Key, err = cell(keyCol); err != nil {
			return nil, err
		}
		if prev, dup := seen[row.Key]; dup {
			return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("key %s = %s repeats line %d", d.Key, strings.TrimSpace(rec[keyCol]), prev)}
		}
		seen[row.Key] = line
		for j, c := range cols {
			if row.Values[j], err = cell(c); err != nil {
				return nil, err
			}
		}
		if seCol >= 0 {
			if row.SE, err = cell(seCol); err != nil {
				return nil, err
			}
			if row.SE <= 0 {
				return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("column %s: a standard error must be > 0, got %s", header[seCol], strings.TrimSpace(rec[seCol]))}
			}
		}
		d.Rows = append(d.Rows, row)
	}
	if len(d.Rows) == 0 {
		return nil, &Error{File: file, Line: 1, Msg: "no data rows after the header"}
	}
	return d, nil
}

// csvError turns an encoding/csv error into an *Error at its line.
func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: file, Line: pe.Line, Col: pe.Column, Msg: oneLine(pe.Err.Error()), err: err}
	}
	return &Error{File: file, Msg: oneLine(err.Error()), err: err}
}
