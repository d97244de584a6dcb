package optima

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/prediction"
	"github.com/mdtwin/mdtwin/scenarios"
)

// sheetScenario is a 30 × 30 mm fibrotic sheet (patchy, 30 %) on which
// burst pacing (6 beats at 28 ms) from some of 6 sites induces drivers.
const sheetScenario = `
[study]
name = "optima-sheet"
model = "atrial"
seed = 2019

[params]
mesh = "sheet"
length_mm = 30.0
width_mm = 30.0
dx_mm = 0.5
ionic = "aliev_panfilov"
sigma_l = 0.2
sigma_t = 0.2
scheme = "explicit"
dt_ms = 0.05
duration_ms = 400.0
lat_threshold_mv = -60.0
n_beats = 6
bcl_ms = 28.0
fibrosis_pattern = "patchy"
fibrosis_density = 0.3
fibrosis_patch_mm = 2.0
fibrosis_seed = 2019
phase = "state"
phase_start_ms = 60.0
driver_min_lifespan_ms = 100.0
driver_min_rotations = 2.0
save_lat = false

[inputs.optima]
sites = 6
rounds = 3
`

func inproc(ctx context.Context, sc *scenarios.Scenario, out string) (engine.Report, error) {
	st, err := prediction.InProcess(sc, out, 2)
	if err != nil {
		return engine.Report{}, err
	}
	return prediction.Execute(ctx, st)
}

func TestLoopOnSheet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs about 20 simulations")
	}
	sc, err := scenarios.Parse("sheet.toml", []byte(sheetScenario))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	plan, err := Run(context.Background(), sc, Options{OutDir: dir, Execute: inproc})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Rounds) == 0 || len(plan.Rounds[0].InducibleRuns) == 0 || len(plan.Rounds[0].Drivers) == 0 {
		t.Fatalf("round 1 is not inducible: %+v", plan.Rounds)
	}
	last := plan.Rounds[len(plan.Rounds)-1]
	switch plan.Outcome {
	case NonInducible:
		if len(last.InducibleRuns) != 0 || plan.Inducible || len(plan.Lesions) == 0 {
			t.Errorf("non-inducible plan with an inducible last round or no lesions: %+v", plan)
		}
	case RoundLimit:
		if len(plan.Rounds) != 3 || !plan.Inducible {
			t.Errorf("round limit with %d rounds, inducible %v", len(plan.Rounds), plan.Inducible)
		}
	default:
		t.Errorf("outcome %q", plan.Outcome)
	}
	t.Logf("outcome %s after %d rounds, %d lesions, %.1f mm²", plan.Outcome, len(plan.Rounds), len(plan.Lesions), plan.TotalLesionAreaMM2)
	for _, rd := range plan.Rounds {
		if _, err := os.Stat(filepath.Join(dir, rd.Dir, "results.csv")); err != nil {
			t.Errorf("round %d: %v", rd.Round, err)
		}
		if len(rd.Sites) != 6 || rd.Runs != 6 {
			t.Errorf("round %d: %d sites, %d runs; want 6", rd.Round, len(rd.Sites), rd.Runs)
		}
	}

	// plan.json and plan.vtu read back.
	b, err := os.ReadFile(filepath.Join(dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Plan
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Outcome != plan.Outcome || len(back.Rounds) != len(plan.Rounds) || len(back.Lesions) != len(plan.Lesions) ||
		back.TotalLesionAreaMM2 != plan.TotalLesionAreaMM2 {
		t.Errorf("plan.json differs from the plan: %+v", back)
	}
	m, err := mesh.ReadFile(filepath.Join(dir, "plan.vtu"))
	if err != nil {
		t.Fatal(err)
	}
	f := m.CellField("LesionRound")
	if f == nil || m.CellField("NonConducting") == nil {
		t.Fatal("plan.vtu lacks LesionRound or NonConducting")
	}
	area, maxRound := 0.0, 0.0
	for e, v := range f.Values {
		if v > 0 {
			area += m.Measure(e)
			maxRound = max(maxRound, v)
		}
	}
	if d := area - plan.TotalLesionAreaMM2; d > 1e-6 || d < -1e-6 || area == 0 {
		t.Errorf("LesionRound area %g mm², plan %g mm²", area, plan.TotalLesionAreaMM2)
	}
	if want := float64(plan.Lesions[len(plan.Lesions)-1].Round); maxRound != want {
		t.Errorf("latest LesionRound %g, want %g", maxRound, want)
	}
}

func TestRefusesScenariosTheLoopCannotRun(t *testing.T) {
	for name, extra := range map[string]string{
		"sweep":      "\n[sweep]\ndesign = \"grid\"\n[sweep.params]\nchi = [100.0, 140.0]\n",
		"site param": "", // stim_x_mm added to [params] below
	} {
		src := sheetScenario + extra
		if name == "site param" {
			src = sheetScenario[:len(sheetScenario)-len("\n[inputs.optima]\nsites = 6\nrounds = 3\n")] + "stim_x_mm = 1.0\n"
		}
		sc, err := scenarios.Parse("bad.toml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = Run(context.Background(), sc, Options{OutDir: t.TempDir(), Execute: inproc})
		var se *scenarios.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: got %v, want a *scenarios.Error", name, err)
		}
	}
}

// TestExampleScenario checks scenarios/examples/af-ablation.toml without
// running it (about 2 min 20 s on 2 cores): the loop accepts it, its
// substrate builds on atrium.vtp and the 8 sites lie on conducting tissue.
func TestExampleScenario(t *testing.T) {
	t.Chdir("..")
	sc, err := scenarios.Load("scenarios/examples/af-ablation.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, in, err := check(sc)
	if err != nil {
		t.Fatal(err)
	}
	set := in.Optima.WithDefaults(sc.Study.Seed)
	if set.Sites != 8 || set.Rounds != 3 {
		t.Errorf("settings %+v", set)
	}
	m, mask, err := atrial.Substrate(p, sc.Inputs, 1)
	if err != nil {
		t.Fatal(err)
	}
	nc := 0
	for _, b := range mask {
		if b {
			nc++
		}
	}
	if len(m.Points) != 10516 || nc == 0 {
		t.Errorf("%d nodes, %d non-conducting elements", len(m.Points), nc)
	}
	if s := atrial.PacingSites(m, mask, set.Sites, set.Seed); len(s) != 8 {
		t.Errorf("%d sites", len(s))
	}
}
