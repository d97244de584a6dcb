package atrial_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/scenarios"
)

func run(t testing.TB, raw map[string]any, dir string) models.Result {
	t.Helper()
	p, err := atrial.Model{}.Describe().Resolve(raw)
	if err != nil {
		t.Fatal(err)
	}
	res, err := atrial.Model{}.Run(context.Background(), models.RunSpec{Model: atrial.Name, Params: p, Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestDescriptor(t *testing.T) {
	if err := (atrial.Model{}).Describe().Check(); err != nil {
		t.Fatal(err)
	}
}

// TestExampleSweep runs scenarios/examples/atrial-cv-sweep.toml: every run
// activates the whole strip once, and CV grows as √σ — successive σ
// doublings multiply it by √2 within 1.5 % (at dx 0.1 mm the CV's own
// discretisation error is 0.7–1.3 %, TestCVConvergence).
func TestExampleSweep(t *testing.T) {
	t.Chdir("../..")
	sc, err := scenarios.Load("scenarios/examples/atrial-cv-sweep.toml")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := sc.Expand(atrial.Model{}.Describe())
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 {
		t.Fatalf("%d runs, want 4", len(runs))
	}
	var prev float64
	for i, r := range runs {
		res, err := atrial.Model{}.Run(context.Background(), models.RunSpec{Model: atrial.Name, RunID: r.ID, Seed: r.Seed,
			Params: r.Params, Inputs: sc.Inputs}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := res.Scalars
		t.Logf("σ_l %g: CV %.4f mm/ms, far end %.2f ms, APD %.1f ms", r.Params.Float("sigma_l"), s["cv_fibre_mm_per_ms"], s["lat_far_ms"], s["apd_ms"])
		if s["activated_fraction"] != 1 || s["activations_mean"] != 1 {
			t.Errorf("run %d: activated fraction %v, mean activations %v; want 1, 1", i, s["activated_fraction"], s["activations_mean"])
		}
		if i > 0 {
			if r := s["cv_fibre_mm_per_ms"] / prev; math.Abs(r-math.Sqrt2) > 0.015*math.Sqrt2 {
				t.Errorf("run %d: CV ratio %.4f for 2× σ, want √2 ± 1.5 %%", i, r)
			}
		}
		prev = s["cv_fibre_mm_per_ms"]
	}
}

// TestRunArtifacts: a sheet run with a folder writes lat.vtu, readable back
// with the LAT field; traces come back as a table; two runs give the same
// scalars (determinism); cross-fibre CV is √(σ_l/σ_t) times slower within
// 10 % (point stimulus: curved fronts, coarse dx).
func TestRunArtifacts(t *testing.T) {
	dir := t.TempDir()
	raw := map[string]any{"mesh": "sheet", "length_mm": 8.0, "width_mm": 8.0, "dx_mm": 0.2, "dt_ms": 0.05,
		"duration_ms": 30.0, "stim_x_mm": 4.0, "stim_y_mm": 4.0, "stim_radius_mm": 1.0,
		"sigma_l": 0.4, "sigma_t": 0.1, "save_traces": true}
	res := run(t, raw, dir)
	again := run(t, raw, "")
	for k, v := range res.Scalars {
		if math.Float64bits(v) != math.Float64bits(again.Scalars[k]) {
			t.Errorf("%s: %v then %v", k, v, again.Scalars[k])
		}
	}
	t.Logf("%v", res.Scalars)
	if len(res.Artifacts) != 1 || res.Artifacts[0] != "lat.vtu" {
		t.Fatalf("artifacts %v", res.Artifacts)
	}
	m, err := mesh.ReadFile(filepath.Join(dir, "lat.vtu"))
	if err != nil {
		t.Fatal(err)
	}
	if f := m.PointField("LAT"); f == nil || f.Len() != 41*41 {
		t.Errorf("lat.vtu: LAT field %v", f)
	}
	if len(res.Tables) != 1 || res.Tables[0].Name != "traces" || len(res.Tables[0].Rows) != 61 {
		t.Errorf("tables: %d, want traces with 61 rows", len(res.Tables))
	}
	if r := res.Scalars["cv_fibre_mm_per_ms"] / res.Scalars["cv_cross_mm_per_ms"]; math.Abs(r-2) > 0.2 {
		t.Errorf("CV_L/CV_T = %.3f, want 2 ± 0.2", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "lat.vtu")); err != nil {
		t.Error(err)
	}
}

// TestBadTimeStep: an explicit dt beyond the stability limit is a parameter
// error naming dt_ms and the largest stable dt.
func TestBadTimeStep(t *testing.T) {
	p, _ := atrial.Model{}.Describe().Resolve(map[string]any{"scheme": "explicit", "dt_ms": 0.05, "duration_ms": 1.0})
	_, err := atrial.Model{}.Run(context.Background(), models.RunSpec{Params: p}, nil)
	pe, ok := err.(*models.ParamError)
	if !ok || pe.Param != "dt_ms" {
		t.Fatalf("err = %v, want a ParamError on dt_ms", err)
	}
	t.Log(err)
}
