package scenarios

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// head is a valid [study] table of four lines, so that the line numbers of
// the cases below count from 5.
const head = "[study]\nname = \"s\"\nmodel = \"pk\"\nseed = 1\n"

// TestParseErrors checks the position and message of each class of error
// Parse reports. The positions were counted by hand in the sources: lines
// and byte columns from 1.
func TestParseErrors(t *testing.T) {
	for _, tc := range parseErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.toml", []byte(tc.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want an *Error", err, err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if strings.Contains(e.Msg, "\n") {
				t.Errorf("message has several lines: %q", e.Msg)
			}
		})
	}
}

var parseErrorCases = []struct {
	name, src, want string
}{
	// Syntax errors come from the toml package, with its position.
	{"syntax/unterminated string", "[study]\nname = \"s\nmodel = \"pk\"\n",
		`s.toml:2:10: strings cannot contain newlines`},
	{"syntax/duplicate key", head + "seed = 2\n",
		`s.toml:5:1: Key 'study.seed' has already been defined.`},
	{"syntax/bad value", head + "replicates = two\n",
		`s.toml:5:14: expected value but found "two" instead`},
	{"syntax/int64 range", "[study]\nseed = 18446744073709551615\n",
		`s.toml:2:8: 18446744073709551615 is out of range for int64`},

	// Unknown keys.
	{"unknown/top level", "repeats = 3\n" + head,
		`s.toml:1:1: unknown key "repeats" at top level, expected one of: study, params, inputs, sweep, backend, patient, calibrate, cohort`},
	{"unknown/top-level table", head + "[sweeps]\ndesign = \"grid\"\n",
		`s.toml:5:1: unknown key "sweeps" at top level, expected one of: study, params, inputs, sweep, backend, patient, calibrate, cohort`},
	{"unknown/study", "[study]\nname = \"s\"\nmodel = \"pk\"\nreplicate = 2\nseed = 1\nfoo = 1\n",
		`s.toml:4:1: unknown key "replicate" in [study], expected one of: name, model, seed, replicates, output, doc`},
	{"unknown/study dotted", "study.name = \"s\"\nstudy.  model = \"pk\"\nstudy.Seed = 1\n",
		`s.toml:3:7: unknown key "Seed" in [study], expected one of: name, model, seed, replicates, output, doc`},
	{"unknown/sweep", head + "[sweep]\ndesign = \"grid\"\nsamples_n = 3\n",
		`s.toml:7:1: unknown key "samples_n" in [sweep], expected one of: design, samples, params, posterior`},
	{"unknown/backend", head + "[backend]\nkind = \"inproc\"\n  threads = 4 # per node\n",
		`s.toml:7:3: unknown key "threads" in [backend], expected one of: kind, workers, max_attempts, run_timeout, plugin_dir, partition, account, time, mem, cpus_per_task, runs_per_task, shared_dir, mdtwin, setup`},
	{"unknown/distribution", head + "[sweep]\ndesign = \"lhs\"\nsamples = 4\n[sweep.params]\nka = { dist = \"normal\", mean = 1, sigma = 2 }\n",
		`s.toml:9:35: unknown key "sigma" in [sweep.params] ka (normal distribution), expected one of: dist, mean, sd`},
	{"unknown/distribution sub-table", head + "[sweep]\ndesign = \"random\"\nsamples = 4\n[sweep.params.ka]\ndist = \"uniform\"\nmin = 0\nmax = 1\n\"step\" = 0.1\n",
		`s.toml:12:1: unknown key "step" in [sweep.params] ka (uniform distribution), expected one of: dist, min, max`},

	// Tables of the wrong type.
	{"type/study not a table", "study = \"s\"\n",
		`s.toml:1:1: [study] must be a table, got string "s"`},
	{"type/array of tables", head + "[[backend]]\nkind = \"inproc\"\n",
		`s.toml:5:1: [backend] must be a table, got array of tables`},
	{"type/sweep.params not a table", head + "[sweep]\ndesign = \"grid\"\nparams = [1, 2]\n",
		`s.toml:7:1: [sweep] params must be a table, got array`},

	// Missing keys: at the table's header, or 1:1 without the table.
	{"missing/study table", "[params]\ndose_mg = 1\n",
		`s.toml:1:1: missing [study] name`},
	{"missing/model", "# A study.\n\n[study] # the study\nname = \"s\"\nseed = 1\n",
		`s.toml:3:1: missing [study] model`},
	{"missing/seed dotted", "# c\n  study.name = \"s\"\nstudy.model = \"pk\"\n",
		`s.toml:2:3: missing [study] seed`},
	{"missing/design", head + "[sweep]\n[sweep.params]\ndose_mg = [1]\n",
		`s.toml:5:1: missing [sweep] design, expected one of: grid, zip, lhs, random, posterior`},
	{"missing/design implicit sweep", head + "[sweep.params]\ndose_mg = [1]\n",
		`s.toml:5:1: missing [sweep] design, expected one of: grid, zip, lhs, random, posterior`},
	{"missing/samples", head + "[sweep]\ndesign = \"lhs\"\n[sweep.params]\nka = { dist = \"uniform\", min = 0, max = 1 }\n",
		`s.toml:5:1: missing [sweep] samples, the number of design points, required by the lhs design`},
	{"missing/sweep params", head + "[sweep]\ndesign = \"grid\"\n",
		`s.toml:5:1: [sweep] has no params: add a [sweep.params] table with the parameters to vary`},
	{"missing/dist", head + "[sweep]\ndesign = \"lhs\"\nsamples = 3\n[sweep.params]\nka = { min = 0, max = 1 }\n",
		`s.toml:9:1: missing dist in [sweep.params] ka, expected one of: uniform, normal, lognormal, beta, gamma, triangular, discrete`},
	{"missing/dist key", head + "[sweep]\ndesign = \"lhs\"\nsamples = 3\n[sweep.params]\nka = { dist = \"lognormal\", sigma = 1 }\n",
		`s.toml:9:1: missing mu in [sweep.params] ka (lognormal distribution)`},

	// Wrong types and values in [study].
	{"study/name type", "[study]\nname = 1\n",
		`s.toml:2:1: [study] name must be a string, got integer 1`},
	{"study/name characters", "[study]\nname = \"pk sweep\"\n",
		`s.toml:2:1: [study] name "pk sweep" may only contain letters, digits, '.', '_' and '-'`},
	{"study/name dots", "[study]\nname = \"..\"\n",
		`s.toml:2:1: [study] name must not be "..": it names the output folder`},
	{"study/model empty", "[study]\nname = \"s\"\nmodel = \"\"\n",
		`s.toml:3:1: [study] model must not be empty`},
	{"study/seed string", "[study]\nname = \"s\"\nmodel = \"pk\"\nseed = \"x\"\n",
		`s.toml:4:1: [study] seed must be a non-negative integer, got string "x"`},
	{"study/seed negative", "[study]\nname = \"s\"\nmodel = \"pk\"\nseed = -1\n",
		`s.toml:4:1: [study] seed must be a non-negative integer, got integer -1`},
	{"study/seed float", "[study]\nname = \"s\"\nmodel = \"pk\"\nseed = 1.0\n",
		`s.toml:4:1: [study] seed must be a non-negative integer, got float 1.0`},
	{"study/replicates zero", head + "replicates = 0\n",
		`s.toml:5:1: [study] replicates must be an integer from 1 to 10000000, got integer 0`},
	{"study/output empty", head + "output = ''\n",
		`s.toml:5:1: [study] output must not be empty; leave it out for the default out/s`},
	{"study/doc type", head + "doc = [\"a\"]\n",
		`s.toml:5:1: [study] doc must be a string, got array`},

	// [params] and [inputs].
	{"params/array", head + "[params]\ndose_mg = 1\nka = [1, 2]\n",
		`s.toml:7:1: [params] ka must be a number, boolean or string, got array`},
	{"params/table", head + "[params.ka]\nvalue = 1\n",
		`s.toml:5:1: [params] ka must be a number, boolean or string, got table`},
	{"params/datetime", head + "[params]\nstart = 2026-01-01\n",
		`s.toml:6:1: [params] start must be a number, boolean or string, got datetime 2026-01-01`},
	{"params/also swept", head + "[params]\ndose_mg = 1\n[sweep]\ndesign = \"zip\"\n[sweep.params]\ndose_mg = [1, 2]\n",
		`s.toml:10:1: parameter "dose_mg" is both in [params] and in [sweep.params]; give it in one place`},
	{"inputs/not a table", "inputs = 3\n" + head,
		`s.toml:1:1: [inputs] must be a table, got integer 3`},
	{"inputs/nan", head + "[inputs]\nmesh = { scale = [1.0, nan] }\n",
		`s.toml:6:24: [inputs] mesh.scale[1] = nan cannot be passed to the model: JSON has no NaN or infinity`},

	// [sweep].
	{"sweep/design", head + "[sweep]\ndesign = \"full-factorial\"\n",
		`s.toml:6:1: [sweep] design must be one of: grid, zip, lhs, random, posterior; got string "full-factorial"`},
	{"sweep/samples for grid", head + "[sweep]\ndesign = \"grid\"\nsamples = 10\n",
		`s.toml:7:1: [sweep] samples is only for lhs and random designs; the points of a grid design are every combination of the listed values`},
	{"sweep/samples zero", head + "[sweep]\ndesign = \"random\"\nsamples = 0\n",
		`s.toml:7:1: [sweep] samples must be an integer from 1 to 10000000, got integer 0`},
	{"sweep/empty params", head + "[sweep]\ndesign = \"grid\"\n[sweep.params]\n",
		`s.toml:7:1: [sweep.params] is empty: list at least one parameter to vary`},
	{"sweep/empty list", head + "[sweep]\ndesign = \"grid\"\n[sweep.params]\ndose_mg = [1]\nka = []\n",
		`s.toml:9:1: [sweep.params] ka is an empty list: give at least one value`},
	{"sweep/not a list", head + "[sweep]\ndesign = \"grid\"\n[sweep.params]\ndose_mg = 100\n",
		`s.toml:8:1: [sweep.params] dose_mg must be a list of values, got integer 100`},
	{"sweep/distribution in grid", head + "[sweep]\ndesign = \"grid\"\n[sweep.params]\ndose_mg = { dist = \"uniform\", min = 0, max = 1 }\n",
		`s.toml:8:1: [sweep.params] dose_mg must be a list of values for a grid design, got table (distributions are for lhs and random designs)`},
	{"sweep/bad list element", head + "[sweep]\ndesign = \"grid\"\n[sweep.params]\ndose_mg = [\n  1,\n  [2, 3],\n]\n",
		`s.toml:10:3: [sweep.params] dose_mg[1] must be a number, boolean or string, got array`},
	{"sweep/zip lengths", head + "[sweep]\ndesign = \"zip\"\n[sweep.params]\ndose_mg = [1, 2, 3]\nka = [1, 2]\n",
		`s.toml:9:1: [sweep.params] ka has 2 values but dose_mg has 3; the lists of a zip design must have equal lengths`},
	{"sweep/list in lhs", head + "[sweep]\ndesign = \"lhs\"\nsamples = 2\n[sweep.params]\nka = [1, 2]\n",
		`s.toml:9:1: [sweep.params] ka must be a distribution table such as { dist = "uniform", min = 0, max = 1 }, got array`},
	{"sweep/too many runs", "[study]\nname = \"s\"\nmodel = \"pk\"\nseed = 1\nreplicates = 2\n[sweep]\ndesign = \"lhs\"\nsamples = 10000000\n[sweep.params]\nka = { dist = \"uniform\", min = 0, max = 1 }\n",
		`s.toml:6:1: the study has more than 10000000 runs (design points × replicates), the most a scenario may have`},
	{"sweep/too many grid runs", head + "[sweep]\ndesign = \"grid\"\n[sweep.params]\n" + bigGrid,
		`s.toml:5:1: the study has more than 10000000 runs (design points × replicates), the most a scenario may have`},

	// Distributions.
	{"dist/unknown", head + sampled + "ka = { dist = \"weibull\", k = 1 }\n",
		`s.toml:9:8: [sweep.params] ka: unknown dist "weibull", expected one of: uniform, normal, lognormal, beta, gamma, triangular, discrete`},
	{"dist/not a string", head + sampled + "ka = { dist = 1 }\n",
		`s.toml:9:8: [sweep.params] ka.dist must be a string, one of: uniform, normal, lognormal, beta, gamma, triangular, discrete; got integer 1`},
	{"dist/number type", head + sampled + "ka = { dist = \"normal\", mean = \"1\", sd = 1 }\n",
		`s.toml:9:25: [sweep.params] ka.mean must be a number, got string "1"`},
	{"dist/nan", head + sampled + "ka = { dist = \"normal\", mean = nan, sd = 1 }\n",
		`s.toml:9:25: [sweep.params] ka.mean must be a finite number, got float nan`},
	{"dist/normal sd", head + sampled + "ka = { dist = \"normal\", mean = 1, sd = 0 }\n",
		`s.toml:9:35: [sweep.params] ka.sd must be > 0, got 0`},
	{"dist/lognormal sigma", head + sampled + "ka = { dist = \"lognormal\", mu = 0, sigma = -0.5 }\n",
		`s.toml:9:36: [sweep.params] ka.sigma must be > 0, got -0.5`},
	{"dist/uniform order", head + sampled + "ka = { dist = \"uniform\", min = 2, max = 1 }\n",
		`s.toml:9:35: [sweep.params] ka: min must be less than max, got min = 2, max = 1`},
	{"dist/uniform equal", head + sampled + "ka = { dist = \"uniform\", max = 1, min = 1 }\n",
		`s.toml:9:26: [sweep.params] ka: min must be less than max, got min = 1, max = 1`},
	{"dist/beta alpha", head + sampled + "ka = { dist = \"beta\", alpha = 0, beta = 1 }\n",
		`s.toml:9:23: [sweep.params] ka.alpha must be > 0, got 0`},
	{"dist/beta range", head + sampled + "ka = { dist = \"beta\", alpha = 1, beta = 1, min = 2 }\n",
		`s.toml:9:44: [sweep.params] ka: min must be less than max, got min = 2, max = 1`},
	{"dist/gamma rate", head + sampled + "ka = { dist = \"gamma\", shape = 2, rate = 0 }\n",
		`s.toml:9:35: [sweep.params] ka.rate must be > 0, got 0`},
	{"dist/triangular mode", head + sampled + "ka = { dist = \"triangular\", min = 0, mode = 5, max = 3 }\n",
		`s.toml:9:38: [sweep.params] ka.mode must be within [min, max] = [0, 3], got 5`},
	{"dist/triangular order", head + sampled + "ka = { dist = \"triangular\", min = 3, mode = 3, max = 3 }\n",
		`s.toml:9:48: [sweep.params] ka: min must be less than max, got min = 3, max = 3`},
	{"dist/discrete no values", head + sampled + "ka = { dist = \"discrete\", values = [] }\n",
		`s.toml:9:27: [sweep.params] ka.values is an empty list: give at least one value`},
	{"dist/discrete bad value", head + sampled + "ka = { dist = \"discrete\", values = [1, { a = 1 }] }\n",
		`s.toml:9:40: [sweep.params] ka.values[1] must be a number, boolean or string, got table`},
	{"dist/discrete weights length", head + sampled + "ka = { dist = \"discrete\", values = [1, 2], weights = [1] }\n",
		`s.toml:9:44: [sweep.params] ka.weights must have one weight per value: got 1 for 2 values`},
	{"dist/discrete negative weight", head + sampled + "ka = { dist = \"discrete\", values = [1, 2], weights = [1, -1] }\n",
		`s.toml:9:58: [sweep.params] ka.weights[1] must be a finite number >= 0, got integer -1`},
	{"dist/discrete weight type", head + sampled + "ka = { dist = \"discrete\", values = [1, 2], weights = [1, \"2\"] }\n",
		`s.toml:9:58: [sweep.params] ka.weights[1] must be a number, got string "2"`},
	{"dist/discrete zero sum", head + sampled + "ka = { dist = \"discrete\", values = [1, 2], weights = [0, 0.0] }\n",
		`s.toml:9:44: [sweep.params] ka.weights must have a finite, positive sum`},
	{"dist/split over lines", head + sampled + "ka = {\n  dist = \"normal\",\n  mean = 1,\n  sd = -1,\n}\n",
		`s.toml:12:3: [sweep.params] ka.sd must be > 0, got -1`},

	// [backend].
	{"backend/kind", head + "[backend]\nkind = \"kubernetes\"\n",
		`s.toml:6:1: [backend] kind must be one of: inproc, plugin, slurm; got string "kubernetes"`},
	{"backend/workers", head + "[backend]\nworkers = -2\n",
		`s.toml:6:1: [backend] workers must be a non-negative integer (0: one per CPU), got integer -2`},
	{"backend/cpus_per_task", head + "[backend]\nkind = \"slurm\"\ncpus_per_task = 0\n",
		`s.toml:7:1: [backend] cpus_per_task must be an integer >= 1, got integer 0`},
	{"backend/partition", head + "[backend]\npartition = \"\"\n",
		`s.toml:6:1: [backend] partition must be a non-empty one-line string, got string ""`},
	{"backend/setup element", head + "[backend]\nsetup = [\"module load go\", 3]\n",
		`s.toml:6:28: [backend] setup[1] must be a one-line string, got integer 3`},
	{"backend/max_attempts", head + "[backend]\nmax_attempts = 0\n",
		`s.toml:6:1: [backend] max_attempts must be an integer >= 1, got integer 0`},
	{"backend/run_timeout", head + "[backend]\nrun_timeout = \"ten minutes\"\n",
		`s.toml:6:1: [backend] run_timeout must be a positive duration such as "90s", "10m" or "2h", got string "ten minutes"`},
	{"backend/run_timeout number", head + "[backend]\nrun_timeout = 600\n",
		`s.toml:6:1: [backend] run_timeout must be a positive duration such as "90s", "10m" or "2h", got integer 600`},
	{"backend/plugin_dir", head + "[backend]\nplugin_dir = 1\n",
		`s.toml:6:1: [backend] plugin_dir must be a non-empty string, got integer 1`},

	// [patient].
	{"patient/unknown key", head + "[patient]\nid = \"p1\"\n  store_path = \"p.sqlite\"\n",
		`s.toml:7:3: unknown key "store_path" in [patient], expected one of: id, store`},
	{"patient/id type", head + "[patient]\nid = 42\n",
		`s.toml:6:1: [patient] id must be a string, got integer 42`},
	{"patient/empty id", head + "\n[patient]\nid = \"\"\nstore = \"p.sqlite\"\n",
		`s.toml:7:1: [patient] id must be a patient's pseudonymous id (as mdtwin ingest reports it), got string ""`},
	{"patient/missing id", head + "[patient] # whose\nstore = \"p.sqlite\"\n",
		`s.toml:5:1: missing [patient] id, the patient's pseudonymous id in the patient store`},
	{"patient/store type", head + "[patient]\nid = \"p1\"\nstore = [\"a\", \"b\"]\n",
		`s.toml:7:1: [patient] store must be a non-empty one-line path, got array`},
	{"patient/not a table", "patient = \"p1\"\n" + head,
		`s.toml:1:1: [patient] must be a table, got string "p1"`},
}

// sampled opens an lhs design on lines 5 to 8; its first parameter is on line 9.
const sampled = "[sweep]\ndesign = \"lhs\"\nsamples = 3\n[sweep.params]\n"

// bigGrid is 4 lists of 100 values: 10⁸ design points.
var bigGrid = func() string {
	var b strings.Builder
	for _, name := range []string{"a", "b", "c", "d"} {
		b.WriteString(name + " = [0")
		for i := 1; i < 100; i++ {
			b.WriteString(", 0")
		}
		b.WriteString("]\n")
	}
	return b.String()
}()

func TestLoad(t *testing.T) {
	s, err := Load(filepath.Join("testdata", "load.toml"))
	if err != nil {
		t.Fatal(err)
	}
	// sha256sum testdata/load.toml
	if s.File != "testdata/load.toml" || s.Hash != loadHash {
		t.Errorf("File, Hash = %q, %q; want testdata/load.toml, %s", s.File, s.Hash, loadHash)
	}

	_, err = Load("testdata/missing.toml")
	var e *Error
	if !errors.As(err, &e) || e.File != "testdata/missing.toml" || e.Line != 0 || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %#v, want an *Error for the file wrapping fs.ErrNotExist", err)
	}
	if want := "testdata/missing.toml: cannot read scenario: no such file or directory"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

const loadHash = "44dd12de20a2016c959ee67469b53d66237dc9bc2b6305fc27d61ea3961cc0e9"

func TestErrorString(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{File: "a.toml", Line: 3, Col: 7, Msg: "m"}, "a.toml:3:7: m"},
		{Error{File: "a.toml", Line: 3, Msg: "m"}, "a.toml:3: m"},
		{Error{File: "a.toml", Msg: "m"}, "a.toml: m"},
		{Error{File: "a.toml", Col: 7, Msg: "m"}, "a.toml: m"},
		{Error{Line: 3, Col: 7, Msg: "m"}, "3:7: m"},
		{Error{Msg: "m"}, "m"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestErrorf(t *testing.T) {
	src := head + "[backend]\nworkers = 4\n"
	s, err := Parse("s.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  []string
		want string
	}{
		{[]string{"backend", "workers"}, "s.toml:6:1: m 4"},
		{[]string{"backend", "kind"}, "s.toml:5:1: m 4"}, // not in the file: its table
		{[]string{"study", "seed"}, "s.toml:4:1: m 4"},
		{[]string{"sweep", "design"}, "s.toml: m 4"}, // no [sweep]: no position
		{nil, "s.toml: m 4"},
	} {
		if got := s.Errorf(tc.key, "m %d", 4).Error(); got != tc.want {
			t.Errorf("Errorf(%q): got %q, want %q", tc.key, got, tc.want)
		}
	}
}
