package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `mdtwin optima` on a small fibrotic sheet, one round: it writes the
// round's study, plan.json and plan.vtu; a scenario with a [sweep] exits 2.
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
	write(t, sc, src+"[sweep]\ndesign = \"grid\"\n[sweep.params]\nchi = [100.0, 140.0]\n")
	if code, _, stderr := cli("", "optima", sc, "--out", filepath.Join(dir, "out2")); code != exitInput || !strings.Contains(stderr, "remove [sweep]") {
		t.Errorf("with a sweep: exit %d, %s", code, stderr)
	}
}
