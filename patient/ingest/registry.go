package ingest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/store"
)

// Mapping says how the CSV tables of a registry map to patient records. It
// is read from a TOML file (see testdata/ms_registry.toml):
//
//	identifier_system = "urn:example:ms-registry" # system of the registry's patient ids
//	date_layout = "2006-01-02"                    # Go layout of date cells (this one by default)
//
//	[[table]]
//	file = "patients.csv"       # relative to the mapping file
//	kind = "patient"            # patient, observation, condition or therapy
//	columns = { id = "patient_id", birth_date = "born", sex = "sex" }
//	recode.sex = { F = "female", M = "male" }
//
//	[[table]]
//	file = "visits.csv"
//	kind = "observation"
//	code = { system = "urn:mdtwin:ms", code = "edss", display = "EDSS" }
//	unit = "{score}"
//	range = [0, 10]             # optional bounds of the value
//	columns = { patient = "patient_id", time = "visit_date", value = "edss" }
//
// Fields a table kind reads from its columns: patient: id, birth_date, sex,
// deceased; observation: patient, time, value; condition: patient, onset,
// abatement, code (the code in the row, e.g. an MS course recoded to SNOMED
// CT, with the table's code giving only the system); therapy: patient,
// drug, start, stop, status. All kinds take an
// optional row_id column naming the registry's own row key; without it a
// row is identified by patient, code and date, so re-ingesting a corrected
// table updates rows instead of adding them.
type Mapping struct {
	IdentifierSystem string  `toml:"identifier_system"`
	DateLayout       string  `toml:"date_layout"`
	Tables           []Table `toml:"table"`

	source string // the records' source (see Options.Registry)
}

// Table maps one CSV file.
type Table struct {
	File    string                       `toml:"file"`
	Kind    string                       `toml:"kind"`
	Code    patient.Code                 `toml:"code"`
	Unit    string                       `toml:"unit"`
	Range   []float64                    `toml:"range"`
	Columns map[string]string            `toml:"columns"`
	Recode  map[string]map[string]string `toml:"recode"`
}

// fields lists, per kind, the columns it reads; the first ones are required.
var fields = map[string]struct{ required, optional []string }{
	"patient":     {[]string{"id", "birth_date", "sex"}, []string{"deceased", "row_id"}},
	"observation": {[]string{"patient", "time", "value"}, []string{"row_id"}},
	"condition":   {[]string{"patient", "onset"}, []string{"abatement", "code", "row_id"}},
	"therapy":     {[]string{"patient", "drug", "start"}, []string{"stop", "status", "row_id"}},
}

// kindOrder ingests patients before what refers to them.
var kindOrder = map[string]int{"patient": 0, "observation": 1, "condition": 1, "therapy": 1}

// MappingError is a problem of a mapping file, at a line and column (0
// when the problem is the file's as a whole, e.g. a missing key).
type MappingError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *MappingError) Error() string {
	if e.Line == 0 {
		return oneLine(e.File + ": " + e.Msg)
	}
	return oneLine(fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg))
}

// ReadMapping reads and checks a mapping file.
func ReadMapping(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseMapping(path, data)
}

// tableLine returns the line and column of the i-th [[table]] header
// (from 0) of a mapping, or 0, 0.
func tableLine(data []byte, i int) (int, int) {
	n := 0
	for ln, line := range strings.Split(string(data), "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "[[") && strings.TrimSpace(strings.Trim(t, "[]")) == "table" {
			if n == i {
				return ln + 1, strings.Index(line, "[[") + 1
			}
			n++
		}
	}
	return 0, 0
}

// keyLine returns the line and column of the first assignment to key (its
// last dotted part) at or after line from, or 0, 0.
func keyLine(data []byte, key string, from int) (int, int) {
	for ln, line := range strings.Split(string(data), "\n") {
		if ln+1 < from {
			continue
		}
		for _, q := range []string{key, `"` + key + `"`} {
			if q == "" {
				continue
			}
			for off := 0; ; {
				j := strings.Index(line[off:], q)
				if j < 0 {
					break
				}
				j += off
				rest := strings.TrimLeft(line[j+len(q):], " \t")
				before := strings.TrimRight(line[:j], " \t")
				if strings.HasPrefix(rest, "=") && (before == "" || strings.HasSuffix(before, "{") || strings.HasSuffix(before, ",") || strings.HasSuffix(before, ".")) {
					return ln + 1, j + 1
				}
				off = j + len(q)
			}
		}
	}
	return 0, 0
}

// ParseMapping parses and checks the mapping in data; name labels errors,
// which are *MappingError with the line and column of the offending text.
func ParseMapping(name string, data []byte) (*Mapping, error) {
	if err := checkUTF8(data); err != nil {
		return nil, &MappingError{File: name, Msg: err.Error()}
	}
	var m Mapping
	md, err := toml.Decode(string(data), &m)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			msg, _, _ := strings.Cut(strings.TrimSpace(pe.Message), "\n")
			return nil, &MappingError{File: name, Line: pe.Position.Line, Col: pe.Position.Col, Msg: msg}
		}
		msg, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
		return nil, &MappingError{File: name, Msg: msg}
	}
	tableErr := func(i int, field, format string, args ...any) error {
		line, col := tableLine(data, i)
		if field != "" {
			if l, c := keyLine(data, field, line); l != 0 {
				line, col = l, c
			}
		}
		return &MappingError{File: name, Line: line, Col: col,
			Msg: fmt.Sprintf("table %d (%s): ", i+1, m.Tables[i].File) + fmt.Sprintf(format, args...)}
	}
	if u := md.Undecoded(); len(u) > 0 {
		k := u[0]
		line, col := keyLine(data, k[len(k)-1], 0)
		return nil, &MappingError{File: name, Line: line, Col: col, Msg: fmt.Sprintf("unknown key %q", k.String())}
	}
	if m.IdentifierSystem == "" {
		return nil, &MappingError{File: name, Msg: "identifier_system is missing"}
	}
	if m.DateLayout == "" {
		m.DateLayout = time.DateOnly
	}
	if len(m.Tables) == 0 {
		return nil, &MappingError{File: name, Msg: "no [[table]]"}
	}
	for i, t := range m.Tables {
		f, ok := fields[t.Kind]
		if !ok {
			return nil, tableErr(i, "kind", "kind %q, expected patient, observation, condition or therapy", t.Kind)
		}
		if t.File == "" {
			return nil, tableErr(i, "", "file is missing")
		}
		for _, c := range f.required {
			if t.Columns[c] == "" {
				return nil, tableErr(i, "columns", "columns.%s is missing", c)
			}
		}
		for _, c := range slices.Sorted(maps.Keys(t.Columns)) {
			if !slices.Contains(f.required, c) && !slices.Contains(f.optional, c) {
				return nil, tableErr(i, c, "a %s table has no field %q (fields: %s)", t.Kind, c,
					strings.Join(append(slices.Clone(f.required), f.optional...), ", "))
			}
		}
		switch {
		case t.Kind == "condition" && t.Columns["code"] != "":
			if t.Code.System == "" || t.Code.Code != "" {
				return nil, tableErr(i, "code", "with a code column, code gives the code system only: code = { system = \"…\" }")
			}
		case t.Kind != "patient" && t.Kind != "therapy" && t.Code.Code == "":
			return nil, tableErr(i, "code", "code is missing")
		}
		if len(t.Range) != 0 && len(t.Range) != 2 {
			return nil, tableErr(i, "range", "range must be [min, max]")
		}
	}
	return &m, nil
}

// Registry ingests the CSV tables a mapping file names with the zero
// Options.
func Registry(ctx context.Context, ps *store.Patients, mappingPath string) ([]*Summary, error) {
	return Options{}.Registry(ctx, ps, mappingPath)
}

// Registry ingests the CSV tables a mapping file names, patient tables
// first; one Summary per table, whose problems carry the CSV line. The
// records' source is Options.Source, else the mapping's
// identifier_system.
func (o Options) Registry(ctx context.Context, ps *store.Patients, mappingPath string) ([]*Summary, error) {
	m, err := ReadMapping(mappingPath)
	if err != nil {
		var me *MappingError
		if errors.As(err, &me) {
			return nil, &FileError{mappingPath, errors.New(strings.TrimPrefix(me.Error(), mappingPath+":"))}
		}
		return nil, &FileError{mappingPath, err}
	}
	m.source = cmpOr(o.Source, m.IdentifierSystem)
	tables := slices.Clone(m.Tables)
	slices.SortStableFunc(tables, func(a, b Table) int { return kindOrder[a.Kind] - kindOrder[b.Kind] })
	uses := map[string]int{}
	for _, t := range tables {
		uses[t.File]++
	}
	var sums []*Summary
	var errs []error
	for _, t := range tables {
		path := t.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(mappingPath), path)
		}
		s, err := m.table(ctx, ps, path, t)
		if s != nil {
			if uses[t.File] > 1 { // one file, several tables: say which
				s.File += " [" + t.Kind + "]"
			}
			sums = append(sums, s)
		}
		errs = append(errs, err)
	}
	return sums, errors.Join(errs...)
}

// table ingests one CSV file.
func (m *Mapping) table(ctx context.Context, ps *store.Patients, path string, t Table) (*Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return &Summary{File: path, Skipped: map[string]int{}}, &FileError{path, err}
	}
	defer f.Close()
	return m.Table(ctx, ps, path, f, t)
}

// Table ingests the CSV table read from r (named name) with the mapping's
// table t. Each row is an entry of its own: a failing row is a Problem at
// its line and leaves nothing behind.
func (m *Mapping) Table(ctx context.Context, ps *store.Patients, name string, r io.Reader, t Table) (*Summary, error) {
	sum := &Summary{File: name, Skipped: map[string]int{}}
	if m.source == "" {
		m.source = m.IdentifierSystem
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return sum, &FileError{name, fmt.Errorf("reading the header: %w", csvError(err))}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, field := range slices.Sorted(maps.Keys(t.Columns)) {
		if _, ok := col[t.Columns[field]]; !ok {
			return sum, &FileError{name, fmt.Errorf("1:1: column %q (mapped to %s) is not in the header", t.Columns[field], field)}
		}
	}
	w, err := ps.Begin(ctx)
	if err != nil {
		return sum, &FileError{name, err}
	}
	defer w.Rollback()
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return sum, &FileError{name, err} // the file cannot be read on
		}
		line := 0
		if err == nil {
			line, _ = cr.FieldPos(0)
			err = checkRow(rec, header)
		}
		sum.Entries++
		if err == nil {
			err = w.Entry(ctx, func() error {
				ch, err := m.row(ctx, w, t, func(field string) string {
					name, ok := t.Columns[field]
					if !ok || col[name] >= len(rec) {
						return ""
					}
					v := strings.TrimSpace(rec[col[name]])
					if rc, ok := t.Recode[field][v]; ok {
						v = rc
					}
					return v
				})
				if err == nil {
					sum.count(ch)
				}
				return err
			})
		}
		if err != nil {
			if errors.As(err, &pe) {
				line, err = pe.Line, fmt.Errorf("column %d: %w", pe.Column, pe.Err)
			}
			sum.Failed++
			sum.Problems = append(sum.Problems, &Problem{File: name, Index: -1, Line: line, Err: err})
		}
	}
	if err := w.Commit(); err != nil {
		return sum, &FileError{name, err}
	}
	return sum, nil
}

// csvError keeps a CSV reader's error to its message.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%d:%d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err
}

// checkRow checks a CSV row's cells: UTF-8, and at most MaxFieldBytes each.
func checkRow(rec, header []string) error {
	size := 0
	for i, c := range rec {
		name := fmt.Sprintf("column %d", i+1)
		if i < len(header) {
			name = fmt.Sprintf("column %d (%s)", i+1, strings.TrimSpace(header[i]))
		}
		if !utf8.ValidString(c) {
			return fmt.Errorf("%s: invalid UTF-8 at character %d", name, utf8Col([]byte(c)))
		}
		if len(c) > MaxFieldBytes {
			return fmt.Errorf("%s is %d bytes, more than the cap of %d per field", name, len(c), MaxFieldBytes)
		}
		size += len(c)
	}
	if size > MaxResourceBytes {
		return fmt.Errorf("the row is %d bytes, more than the cap of %d per row", size, MaxResourceBytes)
	}
	return nil
}

// date parses a date cell into a FHIR date ("" stays "").
func (m *Mapping) date(field, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	t, err := time.Parse(m.DateLayout, s)
	if err != nil {
		return "", fmt.Errorf("%s %q is not a date of the form %s", field, s, m.DateLayout)
	}
	return t.Format(time.DateOnly), nil
}

// row stores one CSV row; get returns a field's (recoded) cell.
func (m *Mapping) row(ctx context.Context, w *store.Writer, t Table, get func(string) string) (store.Change, error) {
	id := get("id")
	if t.Kind != "patient" {
		id = get("patient")
	}
	if id == "" {
		return 0, errors.New("no patient id")
	}
	identifier := m.IdentifierSystem + "|" + id
	patientRef := store.Ref{Source: m.source, ID: "registry:" + identifier}
	var pid string
	if t.Kind != "patient" {
		s, ok, err := w.Lookup(ctx, patientRef)
		if err != nil {
			return 0, err
		}
		if !ok || s.Kind != "patients" {
			return 0, fmt.Errorf("patient %q is not in the store (ingest its patient table or record first)", id)
		}
		pid = s.PatientID
	}
	// The row's source key: the registry, the kind, and its own row id or
	// its natural key.
	key := func(natural ...string) store.Ref {
		if r := get("row_id"); r != "" {
			return store.Ref{Source: m.source, ID: "registry:" + identifier + "|" + t.Kind + "|" + r}
		}
		return store.Ref{Source: m.source, ID: "registry:" + identifier + "|" + t.Kind + "|" + strings.Join(natural, "|")}
	}
	code := patient.Coded{t.Code}
	if t.Code == (patient.Code{}) {
		code = nil
	}
	switch t.Kind {
	case "patient":
		born, err := m.date("birth_date", get("birth_date"))
		if err != nil {
			return 0, err
		}
		died, err := m.date("deceased", get("deceased"))
		if err != nil {
			return 0, err
		}
		if err := checkPeriod("life", born, died); err != nil {
			return 0, err
		}
		sex := get("sex")
		switch sex {
		case "male", "female", "other", "unknown":
		default:
			return 0, fmt.Errorf("sex %q, expected male, female, other or unknown (recode.sex maps registry values)", sex)
		}
		_, ch, err := w.PutPatient(ctx, patientRef, identifier, patient.Patient{BirthDate: born, Sex: sex, Deceased: died})
		return ch, err
	case "observation":
		when, err := m.date("time", get("time"))
		if err != nil {
			return 0, err
		}
		if when == "" {
			return 0, errors.New("no time")
		}
		v, err := strconv.ParseFloat(get("value"), 64)
		if err != nil {
			return 0, fmt.Errorf("value %q is not a number", get("value"))
		}
		if len(t.Range) == 2 && (v < t.Range[0] || v > t.Range[1]) {
			return 0, fmt.Errorf("value %g outside [%g, %g]", v, t.Range[0], t.Range[1])
		}
		_, ch, err := w.PutObservation(ctx, key(t.Code.System, t.Code.Code, when), patient.Observation{PatientID: pid,
			Category: "registry", Code: code, Time: when, Value: &v, Unit: t.Unit, Status: "final"})
		return ch, err
	case "condition":
		onset, err := m.date("onset", get("onset"))
		if err != nil {
			return 0, err
		}
		end, err := m.date("abatement", get("abatement"))
		if err != nil {
			return 0, err
		}
		if onset == "" {
			return 0, errors.New("no onset")
		}
		if err := checkPeriod("onset to abatement", onset, end); err != nil {
			return 0, err
		}
		if t.Columns["code"] != "" { // the code is in the row, e.g. an MS course recoded to SNOMED CT
			c := get("code")
			if c == "" {
				return 0, errors.New("no code")
			}
			code = patient.Coded{{System: t.Code.System, Code: c}}
			_, ch, err := w.PutCondition(ctx, key(t.Code.System, onset), patient.Condition{PatientID: pid,
				Code: code, Onset: onset, Abatement: end, VerificationStatus: "confirmed"})
			return ch, err
		}
		_, ch, err := w.PutCondition(ctx, key(t.Code.System, t.Code.Code, onset), patient.Condition{PatientID: pid,
			Code: code, Onset: onset, Abatement: end, VerificationStatus: "confirmed"})
		return ch, err
	default: // therapy
		start, err := m.date("start", get("start"))
		if err != nil {
			return 0, err
		}
		stop, err := m.date("stop", get("stop"))
		if err != nil {
			return 0, err
		}
		if start == "" {
			return 0, errors.New("no start")
		}
		if err := checkPeriod("therapy", start, stop); err != nil {
			return 0, err
		}
		drug := get("drug")
		if drug == "" {
			return 0, errors.New("no drug")
		}
		c := patient.Code{System: t.Code.System, Display: drug}
		if c.System != "" {
			c.Code = drug
		}
		status := get("status")
		if status == "" {
			status = "completed"
			if stop == "" {
				status = "active"
			}
		}
		_, ch, err := w.PutTherapy(ctx, key(drug, start), patient.Therapy{PatientID: pid, Drug: patient.Coded{c},
			Start: start, Stop: stop, Status: status, Origin: "registry"})
		return ch, err
	}
}
