package atrial_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial"
)

// splitParams is a sheet paced twice from its left edge: the checkpoint at
// 61 ms falls inside the second pulse (60–62 ms), which must continue.
func splitParams(scheme string) map[string]any {
	return map[string]any{"mesh": "sheet", "length_mm": 6.0, "width_mm": 3.0, "dx_mm": 0.25, "ionic": "aliev_panfilov", "lat_threshold_mv": -60.0,
		"scheme": scheme, "dt_ms": 0.02, "duration_ms": 150.0, "stim_x_mm": 0.0, "stim_y_mm": 1.5, "stim_radius_mm": 1.0,
		"n_beats": int64(2), "bcl_ms": 60.0, "phase": "lat", "frame_ms": 5.0, "save_traces": true}
}

func runCk(t *testing.T, raw map[string]any, inputs, dir string) (models.Result, error) {
	t.Helper()
	p, err := atrial.Model{}.Describe().Resolve(raw)
	if err != nil {
		t.Fatal(err)
	}
	return atrial.Model{}.Run(t.Context(), models.RunSpec{Model: atrial.Name, Params: p, Inputs: []byte(inputs), Dir: dir}, nil)
}

func with(raw map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range raw {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// TestCheckpointSplit runs a paced sheet to 150 ms in one go and split at
// 61 ms (inside a pacing pulse), with the explicit and the Crank–Nicolson
// diffusion step: the two runs' checkpoints at 140 ms — the whole state:
// potentials, ionic states, every LAT and APD and the recorder's
// bookkeeping — are byte-identical, and so are lat.vtu and every scalar.
// A continuation with other pacing of its own that never fires finishes
// the pulse the checkpoint was taken in, as the unsplit run does.
func TestCheckpointSplit(t *testing.T) {
	for _, scheme := range []string{"explicit", "cn"} {
		t.Run(scheme, func(t *testing.T) {
			base := splitParams(scheme)
			whole, split, cont := t.TempDir(), t.TempDir(), t.TempDir()
			resA, err := runCk(t, base, `{"checkpoint_ms": 140}`, whole)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := runCk(t, base, `{"checkpoint_ms": 61}`, split); err != nil {
				t.Fatal(err)
			}
			ckpt := filepath.Join(split, atrial.CheckpointFile)
			in, _ := json.Marshal(map[string]any{"initial": map[string]any{"checkpoint": ckpt}, "checkpoint_ms": 140})
			resB, err := runCk(t, base, string(in), cont)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{atrial.CheckpointFile, "lat.vtu"} {
				a, errA := os.ReadFile(filepath.Join(whole, f))
				b, errB := os.ReadFile(filepath.Join(cont, f))
				if errA != nil || errB != nil {
					t.Fatal(errA, errB)
				}
				if !bytes.Equal(a, b) {
					t.Errorf("%s differs between the unsplit and the continued run", f)
				}
			}
			// A continuation whose own pacing never fires (its S1 starts after
			// the end) still finishes the checkpoint's pending pulse.
			other := t.TempDir()
			inC, _ := json.Marshal(map[string]any{"initial": map[string]any{"checkpoint": ckpt, "pacing_start_ms": 1000}})
			resC, err := runCk(t, with(base, "stim_x_mm", 6.0), string(inC), other)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(filepath.Join(whole, "lat.vtu"))
			c, _ := os.ReadFile(filepath.Join(other, "lat.vtu"))
			if !bytes.Equal(a, c) || resC.Scalars["activations_mean"] != resA.Scalars["activations_mean"] {
				t.Errorf("the checkpoint's pending pulse did not continue: activations_mean %g, unsplit %g",
					resC.Scalars["activations_mean"], resA.Scalars["activations_mean"])
			}
			// The traces (V every 0.5 ms at the pacing site, centre and far
			// node) from 61 ms on are the unsplit run's, bit for bit (the
			// centre's only for the run paced elsewhere).
			ta := table(t, resA, "traces").Rows
			for name, res := range map[string]models.Result{"continued": resB, "other pacing": resC} {
				tb := table(t, res, "traces").Rows
				off := len(ta) - len(tb)
				if off < 0 || ta[off][0] != 61 {
					t.Fatalf("%s: %d trace rows from %v ms, unsplit %d", name, len(tb), tb[0][0], len(ta))
				}
				cols := []int{0, 1, 2, 3}
				if name == "other pacing" {
					cols = []int{0, 2} // its probes near and far from its own site are other nodes
				}
				for i, r := range tb {
					for _, j := range cols {
						if math.Float64bits(r[j]) != math.Float64bits(ta[off+i][j]) {
							t.Fatalf("%s: trace at %g ms column %d: %v, unsplit %v", name, r[0], j, r[j], ta[off+i][j])
						}
					}
				}
			}
			if resA.Scalars["activations_mean"] < 1.5 {
				t.Fatalf("activations_mean %g: the two beats did not both propagate", resA.Scalars["activations_mean"])
			}
			for k, a := range resA.Scalars {
				b := resB.Scalars[k]
				if math.Float64bits(a) != math.Float64bits(b) && !(math.IsNaN(a) && math.IsNaN(b)) {
					t.Errorf("%s: unsplit %v, continued %v", k, a, b)
				}
			}
		})
	}
}

// TestCheckpointRefused checks that a corrupted, truncated, foreign or
// mismatched checkpoint is refused with one line naming the file and what
// is wrong.
func TestCheckpointRefused(t *testing.T) {
	base := splitParams("explicit")
	base["duration_ms"] = 20.0
	dir := t.TempDir()
	if _, err := runCk(t, base, `{"checkpoint_ms": 10}`, dir); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, atrial.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	for _, tc := range []struct {
		name   string
		path   string
		params map[string]any
		want   string
	}{
		{"flipped byte", write("a.bin", flipped), base, "corrupted (CRC-32C mismatch)"},
		{"truncated", write("b.bin", good[:len(good)-100]), base, "corrupted"},
		{"not a checkpoint", write("c.bin", []byte("hello, world")), base, "not an mdtwin checkpoint"},
		{"missing", filepath.Join(dir, "none.bin"), base, "does not exist"},
		{"other mesh", write("d.bin", good), with(base, "length_mm", 7.0), "nodes"},
		{"other mesh, same size", write("e.bin", good), with(base, "width_mm", 3.5, "dx_mm", 0.25), "nodes"},
		{"other dt", write("f.bin", good), with(base, "dt_ms", 0.01), "dt_ms"},
		{"other ionic model", write("g.bin", good), with(base, "ionic", "ms"), "ionic model"},
		{"after the end", write("h.bin", good), with(base, "duration_ms", 10.0), "not before duration_ms"},
	} {
		in, _ := json.Marshal(map[string]any{"initial": map[string]any{"checkpoint": tc.path}})
		_, err := runCk(t, tc.params, string(in), "")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v; want one line naming %s and containing %q", tc.name, err, tc.path, tc.want)
		}
	}
	for _, tc := range []struct {
		raw  string
		want string
	}{
		{`{"checkpoint_ms": 10.01}`, "multiple of dt_ms"},
		{`{"checkpoint_ms": 20.02}`, "not be after duration_ms"},
		{`{"checkpoint_ms": -1}`, "expected a finite time"},
		{`{"initial": {"spiral": {"center": [0, 0, 0], "chirality": 1}, "pacing_start_ms": 5}}`, "pacing_start_ms = 5 goes with checkpoint"},
	} {
		if _, err := runCk(t, base, tc.raw, t.TempDir()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.raw, err, tc.want)
		}
	}
	if _, err := runCk(t, base, `{"checkpoint_ms": 10}`, ""); err == nil || !strings.Contains(err.Error(), "run folder") {
		t.Errorf("checkpoint_ms without a folder: %v", err)
	}
}
