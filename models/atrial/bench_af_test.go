package atrial

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
)

// BenchmarkAFAtrium100k is benchmarks/af-atrium-100k.toml through the
// model: atrium.vtp remeshed to 0.36 mm edges (94,338 nodes; the remesh is
// set-up, not timed), modified MS, 20 % patchy fibrosis, a rotor started by
// a phase map, 1 s of activity on 2 threads with phase tracking; one op is
// the whole run (set-up of the substrate, 40,000 steps, outputs in memory).
// The issue asks ≤ 60 s. Run it alone:
//
//	go test -run '^$' -bench AFAtrium100k -benchtime 1x -timeout 30m ./models/atrial
func BenchmarkAFAtrium100k(b *testing.B) {
	m, err := mesh.ReadFile("../../mesh/testdata/atrium.vtp")
	if err != nil {
		b.Fatal(err)
	}
	r, err := mesh.Remesh(m, 0.36, mesh.RemeshOptions{})
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "atrium-100k.vtu")
	if err := mesh.WriteFile(file, r, mesh.WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	p, err := Model{}.Describe().Resolve(map[string]any{"mesh": "file", "ionic": "mms", "sigma_l": 0.3, "sigma_t": 0.06,
		"scheme": "explicit", "dt_ms": 0.025, "duration_ms": 1000.0, "threads": int64(2),
		"fibrosis_pattern": "patchy", "fibrosis_density": 0.2, "fibrosis_patch_mm": 3.0, "fibrosis_seed": int64(2019),
		"phase": "state", "frame_ms": 1.0, "driver_min_lifespan_ms": 300.0, "driver_min_rotations": 1.0})
	if err != nil {
		b.Fatal(err)
	}
	in, _ := json.Marshal(map[string]any{"mesh": file,
		"initial": map[string]any{"spiral": map[string]any{"center": []float64{204.15, 170.49, 108.97}, "chirality": 1}}})
	for b.Loop() {
		res, err := Model{}.Run(context.Background(), models.RunSpec{Model: Name, Params: p, Inputs: in, Seed: 1}, nil)
		if err != nil {
			b.Fatal(err)
		}
		s := res.Scalars
		b.ReportMetric(s["n_nodes"], "nodes")
		b.ReportMetric(s["activations_mean"], "activations/node")
		b.ReportMetric(s["mean_cycle_length_ms"], "CL-ms")
		b.ReportMetric(s["ps_count"], "PS-tracks")
		b.ReportMetric(s["n_nodes"]*40000/b.Elapsed().Seconds(), "node-steps/s")
	}
}

// TestAFBenchmarkScenario keeps benchmarks/af-atrium-100k.toml valid: it
// loads, expands to one run with the parameters BenchmarkAFAtrium100k
// uses, and its [inputs] (mesh path, initial spiral) parse.
func TestAFBenchmarkScenario(t *testing.T) {
	t.Chdir("../..")
	sc, err := scenarios.Load("benchmarks/af-atrium-100k.toml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := sc.Expand(d)
	if err != nil {
		t.Fatal(err)
	}
	in, err := parseInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	p := runs[0].Params
	if len(runs) != 1 || p.Int("threads") != 2 || p.Float("duration_ms") != 1000 || p.Float("dt_ms") != 0.025 || p.String("ionic") != "mms" ||
		in.Mesh != "out/atrium-100k.vtu" || in.Initial == nil || in.Initial.Spiral == nil || in.Initial.Spiral.Chirality != 1 {
		t.Errorf("%d runs, params %v, inputs %+v", len(runs), p, in)
	}
}
