package optima

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/models/atrial/substrate"
	"github.com/mdtwin/mdtwin/scenarios"
)

// atriumPVI is a loop on atrium.vtp with the PVI baseline; the tests
// execute its rounds with a stand-in executor, so nothing is simulated.
const atriumPVI = `
[study]
name = "optima-pvi"
model = "atrial"
seed = 7

[params]
mesh = "file"
ionic = "aliev_panfilov"
scheme = "cn"
dt_ms = 0.05
phase = "state"

[inputs]
mesh = "../mesh/testdata/atrium.vtp"

[inputs.optima]
sites = 4
rounds = 2
baseline = "pvi"
`

// noInduction stands in for the engine: it records each round's [inputs]
// and writes a results.csv in which no site is inducible.
type noInduction struct{ inputs []json.RawMessage }

func (n *noInduction) execute(ctx context.Context, sc *scenarios.Scenario, out string, resume bool) (engine.Report, error) {
	n.inputs = append(n.inputs, sc.Inputs)
	desc, err := atrial.Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		return engine.Report{}, err
	}
	runs, err := sc.Expand(desc)
	if err != nil {
		return engine.Report{}, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return engine.Report{}, err
	}
	var b strings.Builder
	b.WriteString("run_id,status,inducible\n")
	for _, r := range runs {
		fmt.Fprintf(&b, "%s,done,0\n", r.ID)
	}
	return engine.Report{Runs: len(runs), Done: len(runs)}, os.WriteFile(filepath.Join(out, "results.csv"), []byte(b.String()), 0o644)
}

// TestBaselinePVI: with baseline = "pvi" every round's [inputs] carry the
// pvi lesion set, the plan records it as its baseline (not among the
// lesions it proposed), its total lesion area is the PVI's — the two
// antral lesions of substrate.Ablation.PulmonaryVeinIsolation on the same
// mesh — and plan.vtu marks the PVI's elements in its Baseline field.
func TestBaselinePVI(t *testing.T) {
	sc := parseSheet(t, atriumPVI)
	var ex noInduction
	dir := t.TempDir()
	plan, err := Run(context.Background(), sc, Options{OutDir: dir, Execute: ex.execute})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Outcome != NonInducible || len(plan.Rounds) != 1 || len(plan.Lesions) != 0 {
		t.Fatalf("plan: %s after %d rounds, %d lesions", plan.Outcome, len(plan.Rounds), len(plan.Lesions))
	}
	if len(plan.Baseline) != 1 || plan.Baseline[0].Shape != "pvi" {
		t.Errorf("baseline %+v", plan.Baseline)
	}
	in, err := atrial.ParseInputs(ex.inputs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Lesions) != 1 || in.Lesions[0].Shape != "pvi" {
		t.Errorf("round 1 lesions %+v, want the pvi set", in.Lesions)
	}

	m, err := mesh.ReadFile("../mesh/testdata/atrium.vtp")
	if err != nil {
		t.Fatal(err)
	}
	a, err := substrate.NewAblation(m)
	if err != nil {
		t.Fatal(err)
	}
	ls, _, err := a.PulmonaryVeinIsolation(substrate.PVIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	seen := map[int]bool{}
	for _, l := range ls {
		for _, e := range l.Elements {
			if !seen[e] {
				seen[e] = true
				want += m.Measure(e)
			}
		}
	}
	// The same elements summed in another order: equal to rounding.
	if d := plan.TotalLesionAreaMM2 - want; d > 1e-9*want || d < -1e-9*want || want == 0 {
		t.Errorf("total lesion area %g mm², want the PVI's %g", plan.TotalLesionAreaMM2, want)
	}
	if d := plan.Rounds[0].LesionAreaMM2 - want; d > 1e-9*want || d < -1e-9*want {
		t.Errorf("round 1 lesion area %g mm², want %g", plan.Rounds[0].LesionAreaMM2, want)
	}
	vtu, err := mesh.ReadFile(filepath.Join(dir, "plan.vtu"))
	if err != nil {
		t.Fatal(err)
	}
	f := vtu.CellField("Baseline")
	if f == nil {
		t.Fatal("plan.vtu has no Baseline field")
	}
	n := 0
	for e, v := range f.Values {
		if (v == 1) != seen[e] {
			t.Fatalf("Baseline field at element %d is %g", e, v)
		}
		if v == 1 {
			n++
		}
	}
	if n != len(seen) {
		t.Errorf("Baseline marks %d elements, want %d", n, len(seen))
	}
}

// TestBaselineSettings: the settings' errors name the key.
func TestBaselineSettings(t *testing.T) {
	for src, want := range map[string]string{
		`{"baseline": "box"}`:                     `baseline "box"`,
		`{"baseline": "pvi", "pvi_width_mm": -1}`: "non-negative",
	} {
		if _, err := parseSettings(json.RawMessage(src)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want one containing %q", src, err, want)
		}
	}
	if o, err := parseSettings(json.RawMessage(`{"baseline": "pvi", "pvi_distance_mm": 8}`)); err != nil || o.baseline()[0].RadiusMM != 8 {
		t.Errorf("pvi settings: %+v, %v", o, err)
	}
}
