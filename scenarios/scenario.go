package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"
)

// Scenario is a parsed and checked scenario file. Parse checks everything
// that does not need the model; Expand checks the rest against the model's
// Descriptor.
type Scenario struct {
	File    string          // path as given
	Hash    string          // hex SHA-256 of the file's bytes: every table, [patient] included
	Study   Study           //
	Params  map[string]any  // base values as decoded: int64, float64, bool or string
	Inputs  json.RawMessage // the [inputs] table as JSON; nil when absent
	Sweep   *Sweep          // nil when absent: a single design point
	Backend Backend         //
	Patient *Patient        // nil when absent: a generic study
	// Calibrate is the [calibrate] table (see calibrate.go); nil when absent.
	Calibrate *Calibration
	Cohort    *Cohort // nil when absent: the model draws its patients (see cohort.go)

	loc        *locator   // key positions in the source
	keys       []toml.Key // every key, in file order
	paramOrder []string   // names in [params], in file order
}

// Study is the [study] table.
type Study struct {
	Name       string // [A-Za-z0-9._-]+
	Model      string
	Doc        string
	Output     string // output folder, as written; "out/<name>" by default
	Seed       uint64
	Replicates int // runs per design point, 1 by default
}

// Backend is the [backend] table.
type Backend struct {
	Kind        string // "inproc", "plugin" or "slurm"; "" when not set (inproc, or plugin for an external model)
	Workers     int    // 0: not set (the CLI picks the number of CPUs)
	MaxAttempts int    // attempts per run before it counts as failed, 3 by default
	// RunTimeout is the wall time after which a run is taken to hang (its
	// worker is stopped and replaced); 0 when not set.
	RunTimeout time.Duration
	PluginDir  string       // "" when not set
	Slurm      SlurmOptions // the Slurm keys; used when Kind is "slurm"
}

// Patient is the [patient] table: the patient the study is personalised for
// and whose store receives the prediction, as `mdtwin run --patient ID
// --store PATH` does.
type Patient struct {
	ID    string // pseudonymous id in the patient store
	Store string // patient store as written, relative to the scenario file's folder; "" when not set
}

// SlurmOptions holds the [backend] keys of the Slurm backend; zero values mean
// "not set" (Slurm's or the CLI's defaults apply).
type SlurmOptions struct {
	Partition   string   // sbatch --partition
	Account     string   // sbatch --account
	Time        string   // sbatch --time, per array task, e.g. "00:30:00"
	Mem         string   // sbatch --mem, per array task, e.g. "4G"
	CPUsPerTask int      // sbatch --cpus-per-task: cores each array task uses for its runs
	RunsPerTask int      // runs packed into one array task
	SharedDir   string   // folder on a file system shared with the compute nodes
	Mdtwin      string   // path of the mdtwin binary on the compute nodes
	Setup       []string // shell lines run before the worker in each task, e.g. "module load go"
}

// Sweep is the [sweep] table.
type Sweep struct {
	Design  string       // "grid", "zip", "lhs", "random" or "posterior"
	Samples int          // design points of lhs, random and posterior designs; 0 for grid and zip
	Params  []SweepParam // in file order; a posterior design's: the posterior's parameters
	// Posterior is the posterior design's posterior (see posterior.go);
	// nil for the other designs.
	Posterior *PosteriorSample
}

// SweepParam is one entry of [sweep.params]: a list of values for grid and
// zip designs, a distribution for lhs and random ones.
type SweepParam struct {
	Name   string
	Values []any // grid, zip: int64, float64, bool or string
	Dist   *Dist // lhs, random
}

// The designs of a sweep.
const (
	Grid   = "grid"   // every combination of the listed values
	Zip    = "zip"    // the i-th value of every list, for each i
	LHS    = "lhs"    // Latin hypercube sample of the distributions
	Random = "random" // independent draws from the distributions
)

// The backends.
const (
	InProc = "inproc"
	Plugin = "plugin"
	Slurm  = "slurm"
)

// MaxRuns is the largest number of runs (design points × replicates) a
// scenario may expand to.
const MaxRuns = 10_000_000

var (
	topKeys     = []string{"study", "params", "inputs", "sweep", "backend", "patient", "calibrate", "cohort"}
	studyKeys   = []string{"name", "model", "seed", "replicates", "output", "doc"}
	sweepKeys   = []string{"design", "samples", "params", "posterior"}
	patientKeys = []string{"id", "store"}
	backendKeys = []string{"kind", "workers", "max_attempts", "run_timeout", "plugin_dir",
		"partition", "account", "time", "mem", "cpus_per_task", "runs_per_task", "shared_dir", "mdtwin", "setup"}
	designs     = []string{Grid, Zip, LHS, Random, Posterior}
	backends    = []string{InProc, Plugin, Slurm}
	studyNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

// Load reads and parses the scenario file at path. A file that cannot be
// read gives an *Error with File set and no position.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return nil, &Error{File: path, Msg: "cannot read scenario: " + msg, err: err}
	}
	return Parse(path, data)
}

// Parse parses and checks the scenario in data; file names it in errors.
// It checks the TOML syntax and the scenario's schema (tables, keys, types,
// ranges, distributions), independently of any model. Every error is an
// *Error positioned at the offending text.
func Parse(file string, data []byte) (*Scenario, error) {
	sum := sha256.Sum256(data)
	s := &Scenario{File: file, Hash: hex.EncodeToString(sum[:])}
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			e := &Error{File: file, Line: pe.Position.Line, Col: pe.Position.Col, Msg: oneLine(pe.Message), err: err}
			if e.Line < 1 {
				// The toml package gives no position to some errors found
				// at the end of the input (an escape cut short by it).
				e.Line, e.Col = endOf(data)
			}
			if strings.Contains(pe.Message, "already been defined") {
				// The toml package points past the value; find the key.
				if p, ok := locate(string(data)).duplicateOn(pe.Position.Line); ok {
					e.Col = p.col
				}
			}
			return nil, e
		}
		return nil, &Error{File: file, Msg: oneLine(err.Error()), err: err}
	}
	s.loc = locate(string(data))
	s.keys = md.Keys()
	if k, bad := s.firstUnknown(nil, raw, topKeys); bad {
		return nil, s.Errorf([]string{k}, "unknown key %q at top level, expected one of: %s", k, strings.Join(topKeys, ", "))
	}
	for _, step := range []func(map[string]any) error{s.parseStudy, s.parseParams, s.parseInputs, s.parseSweep, s.parseBackend, s.parsePatient, s.parseCalibrate, s.parseCohort} {
		if err := step(raw); err != nil {
			return nil, err
		}
	}
	if err := s.checkSize(); err != nil {
		return nil, err
	}
	return s, nil
}

// endOf is the line and column (1-based) just past the last byte of data.
func endOf(data []byte) (line, col int) {
	line = 1 + bytes.Count(data, []byte("\n"))
	col = len(data) - bytes.LastIndexByte(data, '\n')
	return line, col
}

// oneLine keeps the first line of a message.
// Control characters (a NUL the toml package quotes as it found it) are
// written as Go escapes so that the line prints as text.
func oneLine(msg string) string {
	msg, _, _ = strings.Cut(strings.TrimSpace(msg), "\n")
	if strings.IndexFunc(msg, unicode.IsControl) < 0 {
		return msg
	}
	var b strings.Builder
	for _, r := range msg {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Errorf returns an *Error positioned at the key path key, for instance
// []string{"study", "seed"} or []string{"sweep", "params", "dose_mg"}. When
// the key is not in the file it falls back to the nearest enclosing key or
// table header that is, and then to no position.
func (s *Scenario) Errorf(key []string, format string, args ...any) *Error {
	e := &Error{File: s.File, Msg: fmt.Sprintf(format, args...)}
	if s.loc != nil {
		p := s.loc.near(key)
		e.Line, e.Col = p.line, p.col
	}
	return e
}

// missing reports a missing required key of table, positioned at the table's
// header, or at the start of the file when the table is missing too.
func (s *Scenario) missing(table, key, format string, args ...any) *Error {
	msg := fmt.Sprintf("missing [%s] %s", table, key) + fmt.Sprintf(format, args...)
	if _, ok := s.loc.find(strings.Split(table, ".")); !ok {
		return &Error{File: s.File, Line: 1, Col: 1, Msg: msg}
	}
	return s.Errorf(strings.Split(table, "."), "%s", msg)
}

// order returns the keys of table t, found at path, in file order.
func (s *Scenario) order(path []string, t map[string]any) []string {
	names := make([]string, 0, len(t))
	seen := map[string]bool{}
	for _, k := range s.keys {
		if len(k) <= len(path) || !slices.Equal(k[:len(path)], path) {
			continue
		}
		n := k[len(path)]
		if _, ok := t[n]; ok && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	var rest []string // not expected: keys the metadata did not list
	for n := range t {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}

// firstUnknown returns the first key of table t, in file order, that is not
// in allowed.
func (s *Scenario) firstUnknown(path []string, t map[string]any, allowed []string) (string, bool) {
	for _, k := range s.order(path, t) {
		if !slices.Contains(allowed, k) {
			return k, true
		}
	}
	return "", false
}

// table returns the top-level table name, or nil when it is absent.
func (s *Scenario) table(raw map[string]any, name string, allowed []string) (map[string]any, error) {
	v, ok := raw[name]
	if !ok {
		return nil, nil
	}
	t, ok := v.(map[string]any)
	if !ok {
		return nil, s.Errorf([]string{name}, "[%s] must be a table, got %s", name, describe(v))
	}
	if allowed != nil {
		if k, bad := s.firstUnknown([]string{name}, t, allowed); bad {
			return nil, s.Errorf([]string{name, k}, "unknown key %q in [%s], expected one of: %s", k, name, strings.Join(allowed, ", "))
		}
	}
	return t, nil
}

func (s *Scenario) parseStudy(raw map[string]any) error {
	t, err := s.table(raw, "study", studyKeys)
	if err != nil {
		return err
	}
	at := func(k string) []string { return []string{"study", k} }
	str := func(k string) (string, bool, error) {
		v, ok := t[k]
		if !ok {
			return "", false, nil
		}
		x, ok := v.(string)
		if !ok {
			return "", true, s.Errorf(at(k), "[study] %s must be a string, got %s", k, describe(v))
		}
		return x, true, nil
	}
	name, ok, err := str("name")
	switch {
	case err != nil:
		return err
	case !ok:
		return s.missing("study", "name", "")
	case !studyNameRE.MatchString(name):
		return s.Errorf(at("name"), "[study] name %q may only contain letters, digits, '.', '_' and '-'", name)
	case strings.Trim(name, ".") == "":
		return s.Errorf(at("name"), "[study] name must not be %q: it names the output folder", name)
	}
	s.Study.Name = name
	model, ok, err := str("model")
	switch {
	case err != nil:
		return err
	case !ok:
		return s.missing("study", "model", "")
	case model == "":
		return s.Errorf(at("model"), "[study] model must not be empty")
	}
	s.Study.Model = model
	v, ok := t["seed"]
	if !ok {
		return s.missing("study", "seed", "")
	}
	seed, ok := v.(int64)
	if !ok || seed < 0 {
		return s.Errorf(at("seed"), "[study] seed must be a non-negative integer, got %s", describe(v))
	}
	s.Study.Seed = uint64(seed)
	s.Study.Replicates = 1
	if v, ok := t["replicates"]; ok {
		n, ok := v.(int64)
		if !ok || n < 1 || n > MaxRuns {
			return s.Errorf(at("replicates"), "[study] replicates must be an integer from 1 to %d, got %s", MaxRuns, describe(v))
		}
		s.Study.Replicates = int(n)
	}
	out, ok, err := str("output")
	switch {
	case err != nil:
		return err
	case !ok:
		out = "out/" + name
	case out == "":
		return s.Errorf(at("output"), "[study] output must not be empty; leave it out for the default out/%s", name)
	}
	s.Study.Output = out
	if s.Study.Doc, _, err = str("doc"); err != nil {
		return err
	}
	return nil
}

// scalar reports whether v is a parameter value: a number, boolean or string.
func scalar(v any) bool {
	switch v.(type) {
	case int64, float64, bool, string:
		return true
	}
	return false
}

func (s *Scenario) parseParams(raw map[string]any) error {
	t, err := s.table(raw, "params", nil)
	if err != nil || t == nil {
		return err
	}
	s.Params = make(map[string]any, len(t))
	for _, k := range s.order([]string{"params"}, t) {
		v := t[k]
		if !scalar(v) {
			return s.Errorf([]string{"params", k}, "[params] %s must be a number, boolean or string, got %s", k, describe(v))
		}
		s.Params[k] = v
		s.paramOrder = append(s.paramOrder, k)
	}
	return nil
}

func (s *Scenario) parseInputs(raw map[string]any) error {
	t, err := s.table(raw, "inputs", nil)
	if err != nil || t == nil {
		return err
	}
	v, err := s.jsonValue([]string{"inputs"}, "", t)
	if err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return s.Errorf([]string{"inputs"}, "[inputs] cannot be written as JSON: %v", err)
	}
	s.Inputs = b
	return nil
}

// jsonValue converts a decoded TOML value to one encoding/json writes the
// same way on every machine. name is its name in [inputs], for messages.
func (s *Scenario) jsonValue(path []string, name string, v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := s.jsonValue(append(path[:len(path):len(path)], k), strings.TrimPrefix(name+"."+k, "."), e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := s.jsonValue(append(path[:len(path):len(path)], elem(i)), fmt.Sprintf("%s[%d]", name, i), e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := s.jsonValue(path, fmt.Sprintf("%s[%d]", name, i), e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, s.Errorf(path, "[inputs] %s = %s cannot be passed to the model: JSON has no NaN or infinity", name, formatTOMLFloat(x))
		}
		return x, nil
	case time.Time:
		return formatTime(x), nil
	}
	return v, nil
}

func (s *Scenario) parseSweep(raw map[string]any) error {
	t, err := s.table(raw, "sweep", sweepKeys)
	if err != nil || t == nil {
		return err
	}
	at := func(k ...string) []string { return append([]string{"sweep"}, k...) }
	sw := &Sweep{}
	v, ok := t["design"]
	if !ok {
		return s.missing("sweep", "design", ", expected one of: %s", strings.Join(designs, ", "))
	}
	if d, ok := v.(string); !ok || !slices.Contains(designs, d) {
		return s.Errorf(at("design"), "[sweep] design must be one of: %s; got %s", strings.Join(designs, ", "), describe(v))
	}
	sw.Design = v.(string)
	if sw.Design == Posterior {
		return s.parsePosteriorSweep(t, sw) // posterior.go
	}
	sampled := sw.Design == LHS || sw.Design == Random
	if v, ok := t["samples"]; ok {
		if !sampled {
			what := map[string]string{Grid: "every combination of the listed values", Zip: "the i-th values of the lists, for each i"}[sw.Design]
			return s.Errorf(at("samples"), "[sweep] samples is only for lhs and random designs; the points of a %s design are %s", sw.Design, what)
		}
		n, ok := v.(int64)
		if !ok || n < 1 || n > MaxRuns {
			return s.Errorf(at("samples"), "[sweep] samples must be an integer from 1 to %d, got %s", MaxRuns, describe(v))
		}
		sw.Samples = int(n)
	} else if sampled {
		return s.missing("sweep", "samples", ", the number of design points, required by the %s design", sw.Design)
	}
	v, ok = t["params"]
	if !ok {
		return s.Errorf(at(), "[sweep] has no params: add a [sweep.params] table with the parameters to vary")
	}
	params, ok := v.(map[string]any)
	if !ok {
		return s.Errorf(at("params"), "[sweep] params must be a table, got %s", describe(v))
	}
	if len(params) == 0 {
		return s.Errorf(at("params"), "[sweep.params] is empty: list at least one parameter to vary")
	}
	for _, name := range s.order(at("params"), params) {
		path := at("params", name)
		p := SweepParam{Name: name}
		if _, dup := s.Params[name]; dup {
			return s.Errorf(path, "parameter %q is both in [params] and in [sweep.params]; give it in one place", name)
		}
		if sampled {
			if p.Dist, err = s.parseDist(name, path, params[name]); err != nil {
				return err
			}
		} else {
			if _, isTable := params[name].(map[string]any); isTable {
				return s.Errorf(path, "[sweep.params] %s must be a list of values for a %s design, got table (distributions are for lhs and random designs)", name, sw.Design)
			}
			if p.Values, err = s.valueList(path, "[sweep.params] "+name, params[name]); err != nil {
				return err
			}
			if sw.Design == Zip && len(sw.Params) > 0 && len(p.Values) != len(sw.Params[0].Values) {
				first := sw.Params[0]
				return s.Errorf(path, "[sweep.params] %s has %d values but %s has %d; the lists of a zip design must have equal lengths", name, len(p.Values), first.Name, len(first.Values))
			}
		}
		sw.Params = append(sw.Params, p)
	}
	s.Sweep = sw
	return nil
}

// valueList checks a non-empty list of parameter values.
func (s *Scenario) valueList(path []string, name string, v any) ([]any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, s.Errorf(path, "%s must be a list of values, got %s", name, describe(v))
	}
	if len(list) == 0 {
		return nil, s.Errorf(path, "%s is an empty list: give at least one value", name)
	}
	for i, x := range list {
		if !scalar(x) {
			return nil, s.Errorf(append(path[:len(path):len(path)], elem(i)), "%s[%d] must be a number, boolean or string, got %s", name, i, describe(x))
		}
	}
	return list, nil
}

func (s *Scenario) parseBackend(raw map[string]any) error {
	t, err := s.table(raw, "backend", backendKeys)
	if err != nil {
		return err
	}
	s.Backend = Backend{MaxAttempts: 3}
	at := func(k string) []string { return []string{"backend", k} }
	if v, ok := t["kind"]; ok {
		if k, ok := v.(string); !ok || !slices.Contains(backends, k) {
			return s.Errorf(at("kind"), "[backend] kind must be one of: %s; got %s", strings.Join(backends, ", "), describe(v))
		}
		s.Backend.Kind = v.(string)
	}
	if v, ok := t["workers"]; ok {
		n, ok := v.(int64)
		if !ok || n < 0 || n > math.MaxInt32 {
			return s.Errorf(at("workers"), "[backend] workers must be a non-negative integer (0: one per CPU), got %s", describe(v))
		}
		s.Backend.Workers = int(n)
	}
	if v, ok := t["max_attempts"]; ok {
		n, ok := v.(int64)
		if !ok || n < 1 || n > math.MaxInt32 {
			return s.Errorf(at("max_attempts"), "[backend] max_attempts must be an integer >= 1, got %s", describe(v))
		}
		s.Backend.MaxAttempts = int(n)
	}
	if v, ok := t["run_timeout"]; ok {
		str, _ := v.(string)
		d, err := time.ParseDuration(str)
		if err != nil || d <= 0 {
			return s.Errorf(at("run_timeout"), "[backend] run_timeout must be a positive duration such as \"90s\", \"10m\" or \"2h\", got %s", describe(v))
		}
		s.Backend.RunTimeout = d
	}
	if v, ok := t["plugin_dir"]; ok {
		d, ok := v.(string)
		if !ok || d == "" {
			return s.Errorf(at("plugin_dir"), "[backend] plugin_dir must be a non-empty string, got %s", describe(v))
		}
		s.Backend.PluginDir = d
	}
	sl := &s.Backend.Slurm
	strs := []struct {
		key string
		dst *string
	}{{"partition", &sl.Partition}, {"account", &sl.Account}, {"time", &sl.Time}, {"mem", &sl.Mem},
		{"shared_dir", &sl.SharedDir}, {"mdtwin", &sl.Mdtwin}}
	for _, f := range strs { // in a fixed order, so the first error is always the same
		key, dst := f.key, f.dst
		if v, ok := t[key]; ok {
			str, ok := v.(string)
			if !ok || str == "" || strings.ContainsAny(str, "\n\r") {
				return s.Errorf(at(key), "[backend] %s must be a non-empty one-line string, got %s", key, describe(v))
			}
			*dst = str
		}
	}
	ints := []struct {
		key string
		dst *int
	}{{"cpus_per_task", &sl.CPUsPerTask}, {"runs_per_task", &sl.RunsPerTask}}
	for _, f := range ints {
		key, dst := f.key, f.dst
		if v, ok := t[key]; ok {
			n, ok := v.(int64)
			if !ok || n < 1 || n > math.MaxInt32 {
				return s.Errorf(at(key), "[backend] %s must be an integer >= 1, got %s", key, describe(v))
			}
			*dst = int(n)
		}
	}
	if v, ok := t["setup"]; ok {
		list, ok := v.([]any)
		if !ok {
			return s.Errorf(at("setup"), "[backend] setup must be a list of shell lines, got %s", describe(v))
		}
		for i, x := range list {
			line, ok := x.(string)
			if !ok || strings.ContainsAny(line, "\n\r") {
				return s.Errorf(append(at("setup"), elem(i)), "[backend] setup[%d] must be a one-line string, got %s", i, describe(x))
			}
			sl.Setup = append(sl.Setup, line)
		}
	}
	return nil
}

func (s *Scenario) parsePatient(raw map[string]any) error {
	t, err := s.table(raw, "patient", patientKeys)
	if err != nil || t == nil {
		return err
	}
	at := func(k string) []string { return []string{"patient", k} }
	v, ok := t["id"]
	if !ok {
		return s.missing("patient", "id", ", the patient's pseudonymous id in the patient store")
	}
	id, ok := v.(string)
	switch {
	case !ok:
		return s.Errorf(at("id"), "[patient] id must be a string, got %s", describe(v))
	case strings.TrimSpace(id) == "" || strings.ContainsAny(id, "\n\r"):
		return s.Errorf(at("id"), "[patient] id must be a patient's pseudonymous id (as mdtwin ingest reports it), got %s", describe(v))
	}
	s.Patient = &Patient{ID: id}
	if v, ok := t["store"]; ok {
		st, ok := v.(string)
		if !ok || st == "" || strings.ContainsAny(st, "\n\r") {
			return s.Errorf(at("store"), "[patient] store must be a non-empty one-line path, got %s", describe(v))
		}
		s.Patient.Store = st
	}
	return nil
}

// PatientStore returns the path of the [patient] store: as written when
// absolute, else joined to the folder of the scenario file. It is "" when
// the scenario has no [patient] table or the table has no store.
func (s *Scenario) PatientStore() string {
	if s.Patient == nil || s.Patient.Store == "" {
		return ""
	}
	if filepath.IsAbs(s.Patient.Store) {
		return s.Patient.Store
	}
	return filepath.Join(filepath.Dir(s.File), s.Patient.Store)
}

// Points returns the number of design points of the sweep; a nil sweep has
// one. It saturates at MaxRuns+1.
func (sw *Sweep) Points() int {
	if sw == nil {
		return 1
	}
	switch sw.Design {
	case LHS, Random, Posterior:
		return sw.Samples
	case Zip:
		return len(sw.Params[0].Values)
	}
	n := 1
	for _, p := range sw.Params {
		n = min(n*len(p.Values), MaxRuns+1) // both factors are at most MaxRuns+1: no overflow
	}
	return n
}

// NumRuns returns the number of runs the scenario expands to: design points
// times replicates.
func (s *Scenario) NumRuns() int { return s.Sweep.Points() * s.Study.Replicates }

func (s *Scenario) checkSize() error {
	points := s.Sweep.Points()
	if points <= MaxRuns/s.Study.Replicates {
		return nil
	}
	key := []string{"sweep"}
	if s.Sweep == nil {
		key = []string{"study", "replicates"}
	}
	return s.Errorf(key, "the study has more than %d runs (design points × replicates), the most a scenario may have", MaxRuns)
}
