package main

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The example external plugin (examples/plugin-emax) is built, found in the
// plugin folder and run through the engine like any model.
func TestExternalPluginThroughEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "plugins", "mdtwin-model-emax"), "./examples/plugin-emax")
	build.Dir = repoRoot(t)
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the example plugin: %v\n%s", err, b)
	}
	write(t, filepath.Join(dir, "emax.toml"), `[study]
name = "emax-grid"
model = "emax"
seed = 3
output = "out"
[params]
e0 = 10.0
emax = 80.0
ec50_mg_per_l = 2.0
[sweep]
design = "grid"
[sweep.params]
hill = [1.0, 2.0]
c_mg_per_l = [0.0, 2.0, 18.0]
`)
	code, out, _ := cli(dir, "models", "emax")
	if code != 0 || !strings.Contains(out, "emax ") || !strings.Contains(out, "plugin plugins/mdtwin-model-emax") {
		t.Fatalf("models emax: exit %d\n%s", code, out)
	}
	// No --backend: an external model selects the plugin backend.
	code, out, errOut := cli(dir, "run", "emax.toml", "--workers", "2")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	f, err := os.Open(filepath.Join(dir, "out", "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	num := func(r []string, name string) float64 {
		v, err := strconv.ParseFloat(r[col[name]], 64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 6 runs and a header", len(rows)-1)
	}
	for _, r := range rows[1:] {
		n, c := num(r, "hill"), num(r, "c_mg_per_l")
		// Sigmoid Emax: E = E0 + Emax·Cⁿ/(EC50ⁿ + Cⁿ) (Holford & Sheiner 1981):
		// 10 at C = 0, 10 + 80/2 = 50 at C = EC50, and at C = 18 = 9·EC50
		// 10 + 80·9ⁿ/(1 + 9ⁿ): 82 for n = 1, 10 + 80·81/82 for n = 2.
		want := map[float64]float64{0: 10, 2: 50, 18: 10 + 80*map[float64]float64{1: 9.0 / 10, 2: 81.0 / 82}[n]}[c]
		if got := num(r, "effect"); abs(got-want) > 1e-9*want {
			t.Errorf("hill=%g c=%g: effect %g, want %g", n, c, got, want)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
