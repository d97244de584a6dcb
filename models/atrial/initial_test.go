package atrial_test

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial"
)

// TestInitialSpiralInducible: [inputs.initial] spiral on the 40 × 40 mm
// Aliev–Panfilov sheet of TestS1S2Inducible, with no pacing at all: the
// rotor the phase map starts at the centre is a driver (inducible 1, ≥ 4
// rotations in 200 ms, as TestSpiralPhaseRotor found with the solver
// alone), and the run is the same for threads 1 and 2 (the solver is
// bit-identical for any number of workers).
func TestInitialSpiralInducible(t *testing.T) {
	raw := map[string]any{"mesh": "sheet", "length_mm": 40.0, "width_mm": 40.0, "dx_mm": 0.5, "ionic": "aliev_panfilov",
		"sigma_l": 0.2, "sigma_t": 0.2, "scheme": "explicit", "dt_ms": 0.05, "duration_ms": 200.0,
		"lat_threshold_mv": -60.0, "phase": "state", "stim_x_mm": 1000.0}
	in := `{"initial": {"spiral": {"center": [20.13, 19.91, 0], "chirality": 1}, "cycle_ms": 40}}`
	s1 := mustRun(t, raw, in, 1, "")
	t.Logf("drivers %v, max rotations %.2f, CL %.1f ms", s1["rd_count"], s1["max_rotations"], s1["mean_cycle_length_ms"])
	if s1["inducible"] != 1 || !(s1["max_rotations"] >= 4) || !(s1["activated_fraction"] > 0.9) {
		t.Errorf("inducible %v, max rotations %v, activated %v; want 1, ≥ 4, > 0.9", s1["inducible"], s1["max_rotations"], s1["activated_fraction"])
	}
	raw["threads"] = int64(2)
	s2 := mustRun(t, raw, in, 1, "")
	for k, v := range s1 {
		if w := s2[k]; v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
			t.Errorf("%s: %v with 1 thread, %v with 2", k, v, w)
		}
	}
}

// TestInitialLATField: a LAT map stored in the mesh file (a planar wave at
// 0.5 mm/ms along x, L = 2·x ms) read back with lat_field and time_ms 10:
// the wave goes on from x = 5 mm without any pacing, so the far end
// activates and the start of the strip (already excited, then refractory)
// does not activate again. The automatic cycle (1.2 × APD90) is used.
func TestInitialLATField(t *testing.T) {
	dir := t.TempDir()
	m := mesh.Sheet(20, 2, 80, 8)
	lat := make([]float64, len(m.Points))
	for i, p := range m.Points {
		lat[i] = 2 * p[0]
	}
	m.PointData = append(m.PointData, mesh.Field{Name: "LAT", Components: 1, Values: lat})
	file := filepath.Join(dir, "strip.vtu")
	if err := mesh.WriteFile(file, m, mesh.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	raw := map[string]any{"mesh": "file", "ionic": "mms", "scheme": "explicit", "dt_ms": 0.01, "duration_ms": 40.0}
	s := mustRun(t, raw, `{"mesh": "`+file+`", "initial": {"lat_field": "LAT", "time_ms": 10}}`, 1, "")
	t.Logf("activated %.3f, activations per node %.3f, far LAT %.2f ms", s["activated_fraction"], s["activations_mean"], s["lat_far_ms"])
	if math.IsNaN(s["lat_far_ms"]) || !(s["activated_fraction"] > 0.6 && s["activated_fraction"] < 0.9) || s["activations_mean"] > 1 {
		t.Errorf("far LAT %v, activated %v, mean activations %v: want the wave to go on to the end and the first quarter not to fire again", s["lat_far_ms"], s["activated_fraction"], s["activations_mean"])
	}
}

// Bad [inputs.initial]: one line naming what is wrong.
func TestInitialBadInputs(t *testing.T) {
	raw := map[string]any{"mesh": "sheet", "length_mm": 4.0, "width_mm": 4.0, "dx_mm": 0.5, "duration_ms": 1.0}
	for _, c := range []struct{ in, want string }{
		{`{"initial": {}}`, "exactly one of spiral, phase_field, lat_field and checkpoint"},
		{`{"initial": {"phase_field": "p", "lat_field": "l"}}`, "exactly one"},
		{`{"initial": {"spiral": {"chirality": 1}}}`, "needs center"},
		{`{"initial": {"spiral": {"center": [2, 2, 0], "chirality": 0}}}`, "chirality 0"},
		{`{"initial": {"phase_field": "p", "time_ms": 3}}`, "time_ms goes with lat_field"},
		{`{"initial": {"phase_field": "nope"}}`, `initial.phase_field "nope"`},
		{`{"initial": {"spiral": {"center": [2, 2, 0], "chirality": 1}, "cycle_ms": 5}}`, "does not respond to every stimulus"},
		{`{"initial": {"spiral": {"center": [2, 2, 0], "chirality": 1}, "bogus": 1}}`, "unknown field"},
	} {
		p, err := atrial.Model{}.Describe().Resolve(raw)
		if err != nil {
			t.Fatal(err)
		}
		_, err = atrial.Model{}.Run(context.Background(), models.RunSpec{Model: atrial.Name, Params: p, Inputs: json.RawMessage(c.in)}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line containing %q", c.in, err, c.want)
		}
	}
}
