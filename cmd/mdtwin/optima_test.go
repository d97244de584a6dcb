package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `mdtwin optima` on a small fibrotic sheet, one round: it writes the
// round's study, plan.json and plan.vtu; --resume continues only the loop
// of the same scenario and settings; a scenario with a [sweep] exits 2.
func TestOptimaCommand(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "sheet.toml")
	src := `[study]
name = "optima-cli"
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
`
	write(t, sc, src)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := cli("", "optima", sc, "--rounds", "1", "--workers", "2", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "round 1: 2 sites") {
		t.Errorf("stdout %q", stdout)
	}
	for _, f := range []string{"plan.json", "plan.vtu", "round-01/results.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	plan, err := os.ReadFile(filepath.Join(out, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}

	// The folder now holds a loop: without --resume it is refused; with
	// it the finished loop is read back (nothing runs) and the plan is the
	// same; another scenario is refused in one line (a higher --rounds
	// continues the loop: optima.TestResumeWithMoreRounds).
	if code, _, stderr := cli("", "optima", sc, "--rounds", "1", "--out", out); code != exitInput || !strings.Contains(stderr, "--resume") {
		t.Errorf("again without --resume: exit %d, %s", code, stderr)
	}
	code, stdout, stderr = cli("", "optima", sc, "--rounds", "1", "--out", out, "--resume")
	if code != 0 || !strings.Contains(stdout, "(1 finished before this session)") {
		t.Errorf("--resume of the finished loop: exit %d, %s %s", code, stdout, stderr)
	}
	if again, err := os.ReadFile(filepath.Join(out, "plan.json")); err != nil || string(again) != string(plan) {
		t.Errorf("plan.json changed on --resume (%v)", err)
	}
	write(t, sc, strings.Replace(src, "duration_ms = 100.0", "duration_ms = 90.0", 1))
	if code, _, stderr := cli("", "optima", sc, "--rounds", "1", "--out", out, "--resume"); code != exitInput ||
		!strings.Contains(stderr, "another scenario") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("--resume with a changed scenario: exit %d, %q", code, stderr)
	}

	write(t, sc, src+"[sweep]\ndesign = \"grid\"\n[sweep.params]\nchi = [100.0, 140.0]\n")
	if code, _, stderr := cli("", "optima", sc, "--out", filepath.Join(dir, "out2")); code != exitInput || !strings.Contains(stderr, "remove [sweep]") {
		t.Errorf("with a sweep: exit %d, %s", code, stderr)
	}
}

// TestRunRefusesOptimaScenario: mdtwin run on a scenario written for the
// planning loop ([inputs.optima], af-ablation.toml) is refused with one
// line naming the command to use, exit 2, before any run starts.
func TestRunRefusesOptimaScenario(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := cli("../..", "run", "scenarios/examples/af-ablation.toml", "--out", out)
	if code != 2 || !strings.Contains(stderr, "run it with: mdtwin optima scenarios/examples/af-ablation.toml") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("exit %d, stderr %q: want exit 2 and one line naming mdtwin optima", code, stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("the refused run left %d entries in its output folder", len(entries))
	}
}
