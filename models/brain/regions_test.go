package brain_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/brain"
)

// withInputs returns the example's inputs with extra keys merged in.
func withInputs(t *testing.T, base json.RawMessage, extra map[string]any) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(base, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runIn runs the model with the given inputs and parameter overrides into
// dir and returns its scalars.
func runIn(t *testing.T, in json.RawMessage, params map[string]any, dir string) map[string]float64 {
	t.Helper()
	return runInSeed(t, in, params, dir, 5)
}

// runInSeed is runIn with a run seed.
func runInSeed(t *testing.T, in json.RawMessage, params map[string]any, dir string, seed uint64) map[string]float64 {
	t.Helper()
	d, err := brain.Model{}.DescribeInputs(in)
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Resolve(params)
	if err != nil {
		t.Fatal(err)
	}
	res, err := brain.Model{}.Run(context.Background(), models.RunSpec{Seed: seed, Params: p, Inputs: in, Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Scalars
}

func sameFile(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Errorf("%s and %s differ", a, b)
	}
}

// TestRegionsReproduceClasses: a regions table giving the EZ −1.6 and the
// PZ −2.1 (the classes' x0) with no hypothesis gives the three-class run's
// time series and SEEG bit for bit — inline and from a CSV file; a ks column
// holding the scenario's ks in every region (the per-region drift path)
// does too.
func TestRegionsReproduceClasses(t *testing.T) {
	sc, _, _ := example(t)
	params := map[string]any{"hypothesis": "temporal", "duration": 400.0}
	ref := t.TempDir()
	want := runIn(t, sc.Inputs, params, ref)
	if want["n_seizing"] < 3 {
		t.Fatalf("reference run: %v seizing regions, want the EZ at least", want["n_seizing"])
	}
	inline := map[string]any{"rHC": map[string]float64{"x0": -1.6}, "rPHC": map[string]float64{"x0": -1.6}, "rAMYG": map[string]float64{"x0": -1.6},
		"31": map[string]float64{"x0": -2.1}, "rTCV": map[string]float64{"x0": -2.1}} // 31 = rTCI
	csvPath := filepath.Join(t.TempDir(), "regions.csv")
	var sb strings.Builder
	sb.WriteString("region,x0,ks\n")
	for i := 0; i < 76; i++ {
		x0 := ""
		switch i {
		case 2, 9, 24: // rAMYG, rHC, rPHC
			x0 = "-1.6"
		case 31, 34: // rTCI, rTCV
			x0 = "-2.1"
		}
		sb.WriteString(strings.Join([]string{strconv.Itoa(i), x0, "-0.2"}, ",") + "\n")
	}
	if err := os.WriteFile(csvPath, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, regions := range map[string]any{"inline": inline, "csv": csvPath} {
		in := withInputs(t, sc.Inputs, map[string]any{"regions": regions})
		dir := t.TempDir()
		got := runIn(t, in, params, dir)
		if got["n_seizing"] != want["n_seizing"] || got["first_onset_ms"] != want["first_onset_ms"] {
			t.Errorf("%s: n_seizing %v first onset %v, three classes %v %v", name, got["n_seizing"], got["first_onset_ms"], want["n_seizing"], want["first_onset_ms"])
		}
		for _, f := range []string{"timeseries.npy", "seeg.npy", brainState} {
			sameFile(t, filepath.Join(ref, f), filepath.Join(dir, f))
		}
	}
}

const brainState = "final_state.csv"

// TestInitialContinues: without coupling (coupling_a = 0: the delayed
// history plays no part) and with the deterministic Heun scheme, 300 ms
// from rest end in the same state, bit for bit, as 200 ms from rest then
// 100 ms from that run's folder (initial = its folder: its final_state.csv,
// written with round-trip precision).
func TestInitialContinues(t *testing.T) {
	sc, _, _ := example(t)
	base := map[string]any{"hypothesis": "temporal", "coupling_a": 0.0, "integrator": "heun"}
	with := func(d float64) map[string]any {
		m := map[string]any{"duration": d}
		for k, v := range base {
			m[k] = v
		}
		return m
	}
	long, first, second := t.TempDir(), t.TempDir(), t.TempDir()
	runIn(t, sc.Inputs, with(300), long)
	runIn(t, sc.Inputs, with(200), first)
	runIn(t, withInputs(t, sc.Inputs, map[string]any{"initial": first}), with(100), second)
	sameFile(t, filepath.Join(long, brainState), filepath.Join(second, brainState))
	b, _ := os.ReadFile(filepath.Join(first, brainState))
	if !strings.HasPrefix(string(b), "region,label,x1,y1,z,x2,y2,g\n0,rA1,") {
		t.Errorf("final_state.csv starts %q", b[:min(len(b), 60)])
	}
}

// TestPresetTVB: preset "tvb" sets TVB's class defaults (no coupling gains,
// x0 −1.6 everywhere, TVB's dt and monitor period).
func TestPresetTVB(t *testing.T) {
	sc, _, _ := example(t)
	d, err := brain.Model{}.DescribeInputs(withInputs(t, sc.Inputs, map[string]any{"preset": "tvb"}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"ks": 0.0, "kf": 0.0, "x0_healthy": -1.6, "x0_pz": -1.6, "dt": 0.01220703125, "period": 0.9765625, "integrator": "heun"}
	for _, p := range d.Params {
		if w, ok := want[p.Name]; ok && p.Default != w {
			t.Errorf("%s default %v, want %v", p.Name, p.Default, w)
		}
	}
	if _, err := (brain.Model{}).DescribeInputs(withInputs(t, sc.Inputs, map[string]any{"preset": "nope"})); err == nil || !strings.Contains(err.Error(), "tvb") {
		t.Errorf("unknown preset: %v", err)
	}
}

func parseF(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
