package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrialCommand: mdtwin optima on a scenario with [inputs.trial] runs
// the trial (2 substrates of a 20 mm fibrotic sheet, arms none and
// optima, 2 sites, 100 ms per run), prints a line per arm and writes
// trial.csv, trial.json and report.html; mdtwin report writes the page
// again; a bad arm is refused in one line with exit code 2.
func TestTrialCommand(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "trial.toml")
	src := `[study]
name = "trial-cli"
model = "atrial"
seed = 2019
[params]
mesh = "sheet"
length_mm = 20.0
width_mm = 20.0
dx_mm = 0.5
ionic = "aliev_panfilov"
sigma_l = 0.2
sigma_t = 0.2
scheme = "explicit"
dt_ms = 0.05
duration_ms = 100.0
fibrosis_pattern = "patchy"
fibrosis_density = 0.3
fibrosis_seed = 7
phase = "state"
save_lat = false
[inputs.optima]
sites = 2
rounds = 1
[inputs.trial]
substrates = 2
arms = ["none", "optima"]
`
	write(t, sc, src)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := cli("", "optima", sc, "--workers", "2", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "2 fibrosis realisations (patchy, fibrosis_seed 7 … 8)") || !strings.Contains(stdout, "optima ") {
		t.Errorf("stdout %q", stdout)
	}
	for _, f := range []string{"trial.csv", "trial.json", "report.html", "substrate-001/none/plan.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	page := filepath.Join(dir, "page.html")
	if code, _, stderr := cli("", "report", out, "--out", page); code != 0 {
		t.Fatalf("report: exit %d, %s", code, stderr)
	}
	if b, err := os.ReadFile(page); err != nil || !strings.Contains(string(b), "Virtual trial of ablation strategies") {
		t.Errorf("report page: %v", err)
	}
	write(t, sc, strings.Replace(src, `arms = ["none", "optima"]`, `arms = ["none", "ablate"]`, 1))
	if code, _, stderr := cli("", "optima", sc, "--out", filepath.Join(dir, "out2")); code != exitInput ||
		!strings.Contains(stderr, `arm "ablate"`) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("a bad arm: exit %d, %q", code, stderr)
	}
}
