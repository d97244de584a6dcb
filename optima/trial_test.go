package optima

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/scenarios"
)

// TestWilson checks the interval against its closed form at the points
// where it simplifies (Wilson 1927): at x = 0 the lower bound is 0 and the
// upper z²/(n + z²); at x = n the upper is 1 and the lower n/(n + z²); at
// x = n/2 the interval is symmetric about ½ with half-width
// z/(1 + z²/n)·√(1/(4n) + z²/(4n²)). Tolerance 1e-12 (rounding).
func TestWilson(t *testing.T) {
	z := z95
	for _, n := range []int{1, 4, 10, 40} {
		nf := float64(n)
		cases := []struct {
			x      int
			lo, hi float64
		}{
			{0, 0, z * z / (nf + z*z)},
			{n, nf / (nf + z*z), 1},
		}
		if n%2 == 0 {
			h := z / (1 + z*z/nf) * math.Sqrt(1/(4*nf)+z*z/(4*nf*nf))
			cases = append(cases, struct {
				x      int
				lo, hi float64
			}{n / 2, 0.5 - h, 0.5 + h})
		}
		for _, c := range cases {
			lo, hi := Wilson(c.x, n, z)
			if math.Abs(lo-c.lo) > 1e-12 || math.Abs(hi-c.hi) > 1e-12 {
				t.Errorf("Wilson(%d, %d) = [%g, %g], want [%g, %g]", c.x, n, lo, hi, c.lo, c.hi)
			}
		}
	}
	// z = 1.959963984540054, the 0.975 quantile of the standard normal.
	if math.Abs(z95-1.959963984540054) > 1e-12 {
		t.Errorf("z95 = %.15g", z95)
	}
}

// trialScenario is atriumPVI with a cohort of three fibrosis realisations.
const trialScenario = `
[study]
name = "optima-trial"
model = "atrial"
seed = 7

[params]
mesh = "file"
ionic = "aliev_panfilov"
scheme = "cn"
dt_ms = 0.05
phase = "state"
fibrosis_pattern = "patchy"
fibrosis_density = 0.2
fibrosis_seed = 40

[inputs]
mesh = "../mesh/testdata/atrium.vtp"

[inputs.optima]
sites = 3
rounds = 2
pvi_distance_mm = 4

[inputs.trial]
substrates = 3
`

// recording stands in for the engine like noInduction and records the
// fibrosis seed and the lesions of every round.
type recording struct {
	noInduction
	seeds []int64
}

func (r *recording) execute(ctx context.Context, sc *scenarios.Scenario, out string, resume bool) (engine.Report, error) {
	r.seeds = append(r.seeds, sc.Params["fibrosis_seed"].(int64))
	return r.noInduction.execute(ctx, sc, out, resume)
}

// TestTrialStructure: three substrates under the default arms (none, pvi,
// pvi+optima) run two loops each — one per baseline, each ending at round
// 1 since the stand-in induces nothing — on fibrosis seeds 40, 41, 42;
// trial.csv has the nine outcomes; the pvi and pvi+optima arms have the
// PVI's area (pvi_distance_mm passed through), none has 0; every arm is
// 3 of 3 non-inducible with the Wilson interval [3/(3 + z²), 1].
func TestTrialStructure(t *testing.T) {
	sc := parseSheet(t, trialScenario)
	if !IsTrial(sc) {
		t.Fatal("IsTrial is false")
	}
	var ex recording
	dir := t.TempDir()
	sum, err := RunTrial(context.Background(), sc, Options{OutDir: dir, Execute: ex.execute})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{40, 40, 41, 41, 42, 42}; !equalInts(ex.seeds, want) {
		t.Errorf("fibrosis seeds %v, want %v", ex.seeds, want)
	}
	for k, raw := range ex.inputs {
		in, err := atrial.ParseInputs(raw)
		if err != nil {
			t.Fatal(err)
		}
		pvi := len(in.Lesions) == 1 && in.Lesions[0].Shape == "pvi" && in.Lesions[0].RadiusMM == 4
		if pvi != (k%2 == 1) {
			t.Errorf("loop %d: lesions %+v", k, in.Lesions)
		}
	}
	if len(sum.Outcomes) != 9 || len(sum.Arms) != 3 {
		t.Fatalf("%d outcomes, %d arms", len(sum.Outcomes), len(sum.Arms))
	}
	z := z95
	for _, a := range sum.Arms {
		if a.N != 3 || a.NonInducible != 3 || math.Abs(a.CI95[0]-3/(3+z*z)) > 1e-12 || a.CI95[1] != 1 {
			t.Errorf("arm %+v", a)
		}
		if (a.Arm == ArmNone) != (a.MeanAreaMM2 == 0) {
			t.Errorf("arm %s: mean lesion area %g", a.Arm, a.MeanAreaMM2)
		}
	}
	for i := 0; i < 9; i += 3 {
		if o := sum.Outcomes; o[i+1].LesionAreaMM2 != o[i+2].LesionAreaMM2 || o[i+1].LesionAreaMM2 == 0 {
			t.Errorf("substrate %d: pvi %g mm², pvi+optima %g mm²", i/3, o[i+1].LesionAreaMM2, o[i+2].LesionAreaMM2)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, TrialTable))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 10 || !strings.HasPrefix(lines[1], "0,40,,none,1,0,1,non-inducible,substrate-000/none") {
		t.Errorf("trial.csv:\n%s", b)
	}
	var js map[string]any
	if b, err = os.ReadFile(filepath.Join(dir, TrialFile)); err != nil || json.Unmarshal(b, &js) != nil {
		t.Fatalf("trial.json: %v\n%s", err, b)
	}
	if js["substrates"] != 3.0 || len(js["arms"].([]any)) != 3 {
		t.Errorf("trial.json: %s", b)
	}
}

// TestTrialRefuses: a trial's settings errors name the key.
func TestTrialRefuses(t *testing.T) {
	for edit, want := range map[string]string{
		"substrates = 3":                            "",
		`substrates = 0`:                            "substrates must be 1 to",
		`arms = ["none", "ablate"]`:                 `arm "ablate"`,
		"substrates = 3\narms = [\"pvi\", \"pvi\"]": "listed twice",
		"substrates = 3\nmeshes = [\"a.vtp\"]":      "substrates = 3 but 1 meshes",
	} {
		if want == "" {
			continue
		}
		src := strings.Replace(trialScenario, "substrates = 3", edit, 1)
		_, err := RunTrial(context.Background(), parseSheet(t, src), Options{OutDir: t.TempDir(), Execute: new(noInduction).execute})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", edit, err, want)
		}
	}
	src := strings.Replace(trialScenario, "pvi_distance_mm = 4", `baseline = "pvi"`, 1)
	if _, err := RunTrial(context.Background(), parseSheet(t, src), Options{OutDir: t.TempDir(), Execute: new(noInduction).execute}); err == nil || !strings.Contains(err.Error(), "sets the baseline per arm") {
		t.Errorf("baseline in [inputs.optima]: %v", err)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestExampleTrialTiny runs scenarios/examples/af-strategy-trial.toml at a
// tiny size — 2 substrates, 2 sites, 120 ms per run — through the engine
// in process: the trial completes, the pvi arms ablate the same area on
// both substrates (the PVI does not depend on the fibrosis), and the none
// arm none.
func TestExampleTrialTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 8–12 simulations on atrium.vtp")
	}
	t.Chdir("..")
	sc, err := scenarios.Load("scenarios/examples/af-strategy-trial.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !IsTrial(sc) {
		t.Fatal("the example is not a trial")
	}
	in, err := atrial.ParseInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	var o map[string]any
	if err := json.Unmarshal(in.Optima, &o); err != nil {
		t.Fatal(err)
	}
	o["sites"] = 2
	tiny, err := sc.Derive(scenarios.Derivation{Why: "tiny trial", Params: map[string]any{"duration_ms": 120.0},
		Inputs: map[string]any{"optima": o, "trial": map[string]any{"substrates": 2, "arms": []string{"none", "pvi", "pvi+optima"}}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := RunTrial(context.Background(), tiny, Options{OutDir: dir, Execute: inproc})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Outcomes) != 6 {
		t.Fatalf("%d outcomes", len(sum.Outcomes))
	}
	o0, o1 := sum.Outcomes[1], sum.Outcomes[4]
	if o0.Arm != ArmPVI || o0.LesionAreaMM2 == 0 || o0.LesionAreaMM2 != o1.LesionAreaMM2 || sum.Outcomes[0].LesionAreaMM2 != 0 {
		t.Errorf("outcomes %+v", sum.Outcomes)
	}
	for _, f := range []string{TrialFile, TrialTable, "substrate-001/pvi/plan.json", "substrate-001/none/round-01/results.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}
