package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models/pluginsdk"
)

// The test binary doubles as the mdtwin binary: with MDTWIN_AS_MAIN=1 it
// runs the CLI instead of the tests. End-to-end tests exec it (and the
// plugin backend re-executes it as `mdtwin plugin serve`, inheriting the
// variable), so no separate build is needed.
//
// With MDTWIN_TEST_PLUGIN=hang it is instead an external model plugin
// serving hangModel (chaos_test.go).
func TestMain(m *testing.M) {
	if os.Getenv("MDTWIN_TEST_PLUGIN") == "hang" {
		pluginsdk.Serve(hangModel{})
		return
	}
	if os.Getenv("MDTWIN_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// mdtwin returns a command running the CLI in a child process.
func mdtwin(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MDTWIN_AS_MAIN=1")
	return cmd
}

// cli runs the CLI in this process.
func cli(dir string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	wd, _ := os.Getwd()
	if dir != "" {
		os.Chdir(dir)
		defer os.Chdir(wd)
	}
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..")
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const goodStudy = `[study]
name = "s"
model = "pk"
seed = 1
output = "out"
`

// Each bad input gets one line naming the file:line:col or the field,
// exit code 2, and no ledger.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name     string
		scenario string
		args     []string
		setup    func(dir string)
		want     string // the whole line, with DIR for the temp folder
	}{
		{"malformed TOML", goodStudy + "[params]\ndose_mg = = 3\n", nil, nil,
			"mdtwin: s.toml:7:11: "},
		{"unknown model", strings.Replace(goodStudy, `"pk"`, `"pkk"`, 1), nil, nil,
			`mdtwin: s.toml:3:1: unknown model "pkk", expected one of: `},
		{"unknown parameter", goodStudy + "[params]\ndose = 3\n", nil, nil,
			`mdtwin: s.toml:7:1: parameter "dose" of model "pk" = 3: unknown parameter; model "pk" has parameters dose_mg, n_doses, tau_h, f, ka_per_h, cl_l_per_h, v_l, omega_cl, omega_v, omega_ka, t_end_h, dt_h, save_curve`},
		{"missing study field", strings.Replace(goodStudy, "seed = 1\n", "", 1), nil, nil,
			`mdtwin: s.toml:1:1: missing [study] seed`},
		{"out-of-range parameter", goodStudy + "[params]\nf = 1.5\n", nil, nil,
			`mdtwin: s.toml:7:1: parameter "f" of model "pk" = 1.5: above the maximum 1`},
		{"wrong-type parameter", goodStudy + "[params]\nn_doses = \"two\"\n", nil, nil,
			`mdtwin: s.toml:7:1: parameter "n_doses" of model "pk" = "two": wrong type string, expected an integer`},
		{"out-of-range sampled value", goodStudy + "[sweep]\ndesign = \"random\"\nsamples = 50\n[sweep.params]\nf = { dist = \"normal\", mean = 0.9, sd = 0.5 }\n", nil, nil,
			`mdtwin: s.toml:10:1: parameter "f" of model "pk" = `},
		{"empty sweep", goodStudy + "[sweep]\ndesign = \"grid\"\n[sweep.params]\ndose_mg = []\n", nil, nil,
			`mdtwin: s.toml:9:1: [sweep.params] dose_mg is an empty list`},
		{"unknown key", goodStudy + "replicate = 3\n", nil, nil,
			`mdtwin: s.toml:6:1: unknown key "replicate" in [study]`},
		{"unwritable output folder", strings.Replace(goodStudy, `"out"`, `"afile/out"`, 1), nil,
			func(dir string) { os.WriteFile(filepath.Join(dir, "afile"), nil, 0o644) },
			"mdtwin: output folder afile/out: cannot create it: not a directory"},
		{"not a plugin", strings.Replace(goodStudy, `"pk"`, `"elsewhere"`, 1), nil,
			func(dir string) {
				os.MkdirAll(filepath.Join(dir, "plugins"), 0o755)
				os.WriteFile(filepath.Join(dir, "plugins", "mdtwin-model-fake"), []byte("#!/bin/sh\necho hello\n"), 0o755)
			},
			`mdtwin: s.toml:3:1: unknown model "elsewhere", expected one of: atrial, avatar, brain, mscohort, pk, statetransition (built-in or plugins in plugins); some plugins there did not start: plugins/mdtwin-model-fake: not an mdtwin model plugin`},
		{"bad backend flag", goodStudy, []string{"--backend", "cloud"}, nil,
			`mdtwin: --backend "cloud": expected inproc, plugin or slurm`},
		{"bad workers flag", goodStudy, []string{"--workers", "x"}, nil,
			`mdtwin: invalid argument "x" for "--workers" flag`},
		{"missing scenario file", "", nil, nil, "mdtwin: nope.toml: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := "s.toml"
			if tc.scenario == "" {
				file = "nope.toml"
			} else {
				write(t, filepath.Join(dir, file), tc.scenario)
			}
			if tc.setup != nil {
				tc.setup(dir)
			}
			code, _, stderr := cli(dir, append([]string{"run", file}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit code %d, want 2; stderr:\n%s", code, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, tc.want) {
				t.Errorf("stderr:\n%s\nwant one line starting with:\n%s", stderr, tc.want)
			}
			for _, p := range []string{"out/ledger.sqlite", "afile/out/ledger.sqlite"} {
				if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
					t.Errorf("%s was written", p)
				}
			}
		})
	}
}

func TestExistingStudyNeedsResume(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "s.toml"), goodStudy)
	if code, _, stderr := cli(dir, "run", "s.toml"); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	code, _, stderr := cli(dir, "run", "s.toml")
	if code != 2 || !strings.Contains(stderr, "already holds a study") || !strings.Contains(stderr, "--resume") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if code, stdout, stderr := cli(dir, "run", "s.toml", "--resume"); code != 0 || !strings.Contains(stdout, "(1 finished before this session)") {
		t.Errorf("resume of a finished study: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestFailedRunsExitOne(t *testing.T) {
	dir := t.TempDir()
	// save_curve with 2e7 samples is refused by the model at run time.
	write(t, filepath.Join(dir, "s.toml"), goodStudy+"[params]\nsave_curve = true\nt_end_h = 20000\ndt_h = 0.001\n")
	// The model's parameter error is bad input: no second attempt, and
	// since every failed run was refused as bad input, exit 2 with one line
	// (not 1 with advice to --retry-failed, which cannot mend it).
	code, stdout, stderr := cli(dir, "run", "s.toml", "--max-attempts", "2")
	if code != 2 || !strings.Contains(stdout, "failed runs:\n  r000000 after 1 attempts: parameter \"dt_h\"") ||
		!strings.HasSuffix(stderr, "mdtwin: s.toml: the model refused the inputs of 1 of 1 runs (bad input, not retried), first r000000: parameter \"dt_h\" of model \"pk\" = 0.001: gives 20000000 samples over t_end_h = 20000; expected at most 1e7\n") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func TestModelsAndVersion(t *testing.T) {
	code, out, _ := cli("", "models")
	if code != 0 || !strings.Contains(out, "pk 1.0.0 (built-in)") || !strings.Contains(out, "ka_per_h") {
		t.Errorf("models: exit %d\n%s", code, out)
	}
	code, out, _ = cli("", "version")
	if code != 0 || !strings.HasPrefix(out, "mdtwin ") {
		t.Errorf("version: exit %d %q", code, out)
	}
}

// TestDemo runs the demo outside the repository (no atrial or brain data:
// their steps are skipped with the reason) and checks its narrative — one
// short block per step, nothing on stderr — and each step's outputs.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := cli(dir, "demo", "--workers", "2")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if stderr != "" || strings.Count(stdout, "\n") > 15 {
		t.Errorf("demo: not a short narrative (stderr %d bytes):\n%s", len(stderr), stdout)
	}
	// The sample patients: the Synthea one, the AF and the epilepsy one have
	// no EDSS; the three invented MS registry patients get a forecast and a
	// report.
	for _, want := range []string{"1. PK sweep: 200 virtual patients", "pk-sweep/results.csv (one row per virtual patient",
		"2. Patients: 6 ingested", "mesh/testdata/atrium_lge.vtp not found (run the demo from the repository root, or give --data)",
		"3. MS twin: ", "for 3 patients with EDSS visits; 3 others have none", "\n  mdtwin serve --store out/demo-"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
	for _, pattern := range []string{"pk-sweep/results.csv", "pk-sweep/report.html", "ms-forecast-p*/report.html", "store.sqlite"} {
		matches, _ := filepath.Glob(filepath.Join(dir, "out", "demo-*", pattern))
		// Three MS forecasts: MS-0001, MS-0002 and MS-0003 (SPMS).
		if want := map[bool]int{true: 3, false: 1}[strings.HasPrefix(pattern, "ms-")]; len(matches) != want {
			t.Errorf("%s: %d files, want %d", pattern, len(matches), want)
		}
	}
}
