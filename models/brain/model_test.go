package brain_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/brain"
	"github.com/mdtwin/mdtwin/models/pluginsdk/pluginsdktest"
	"github.com/mdtwin/mdtwin/scenarios"
)

// example loads scenarios/examples/vep-resection.toml from the repository
// root (its data paths are relative to it) and expands it.
func example(t *testing.T) (*scenarios.Scenario, models.Descriptor, []scenarios.Run) {
	t.Chdir("../..")
	sc, err := scenarios.Load("scenarios/examples/vep-resection.toml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := brain.Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := sc.Expand(d)
	if err != nil {
		t.Fatal(err)
	}
	return sc, d, runs
}

func run(t *testing.T, sc *scenarios.Scenario, r scenarios.Run, dir string) map[string]float64 {
	res, err := brain.Model{}.Run(context.Background(), models.RunSpec{Model: brain.Name, RunID: r.ID, Seed: r.Seed,
		Params: r.Params, Inputs: sc.Inputs, Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Scalars
}

// TestExampleResection: in the shipped example the EZ seizes and recruits
// the propagation zone; resecting the EZ stops every seizure; resecting the
// propagation zone leaves the EZ seizing, recruiting nothing.
func TestExampleResection(t *testing.T) {
	sc, _, runs := example(t)
	if len(runs) != 3 {
		t.Fatalf("%d runs, want 3", len(runs))
	}
	got := map[string]map[string]float64{}
	for _, r := range runs {
		got[r.Params.String("resection")] = run(t, sc, r, "")
	}
	for name, s := range got {
		t.Logf("%-8s n_seizing %v n_recruited %v first onset %v ms span %v ms", name, s["n_seizing"], s["n_recruited"], s["first_onset_ms"], s["recruitment_span_ms"])
	}
	ez := []string{"seized_rhc", "seized_rphc", "seized_ramyg"}
	pz := []string{"seized_rtci", "seized_rtcv"}
	none, mesial, lateral := got["none"], got["mesial"], got["lateral"]
	for _, k := range append(ez, pz...) {
		if none[k] != 1 {
			t.Errorf("no resection: %s = %v, want 1 (EZ seizes, PZ recruited)", k, none[k])
		}
	}
	if none["n_recruited"] < 2 {
		t.Errorf("no resection: n_recruited = %v, want ≥ 2", none["n_recruited"])
	}
	if mesial["n_seizing"] != 0 || mesial["first_onset_ms"] != -1 {
		t.Errorf("EZ resected: n_seizing = %v, first onset %v; want no seizure", mesial["n_seizing"], mesial["first_onset_ms"])
	}
	for _, k := range ez {
		if lateral[k] != 1 {
			t.Errorf("PZ resected: %s = %v, want 1 (the EZ still seizes)", k, lateral[k])
		}
	}
	if lateral["n_recruited"] != 0 {
		t.Errorf("PZ resected: n_recruited = %v, want 0", lateral["n_recruited"])
	}
}

// TestCouplingOffOnlyEZSeizes: without coupling only the regions above the
// threshold — the EZ — seize; the PZ (x0 −2.1) and the healthy rest.
func TestCouplingOffOnlyEZSeizes(t *testing.T) {
	sc, d, _ := example(t)
	p, err := d.Resolve(map[string]any{"hypothesis": "temporal", "coupling_a": 0.0, "duration": 4000.0})
	if err != nil {
		t.Fatal(err)
	}
	s := run(t, sc, scenarios.Run{ID: "r0", Seed: 1, Params: p}, "")
	if s["n_seizing"] != 3 || s["n_recruited"] != 0 {
		t.Errorf("n_seizing %v, n_recruited %v; want 3 and 0", s["n_seizing"], s["n_recruited"])
	}
	for _, k := range []string{"seized_rhc", "seized_rphc", "seized_ramyg"} {
		if s[k] != 1 {
			t.Errorf("%s = %v, want 1", k, s[k])
		}
	}
}

// TestArtifacts: a run with a folder writes the onset table, the time
// series and the SEEG.
func TestArtifacts(t *testing.T) {
	sc, d, _ := example(t)
	p, err := d.Resolve(map[string]any{"hypothesis": "temporal", "duration": 500.0})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := brain.Model{}.Run(context.Background(), models.RunSpec{Seed: 1, Params: p, Inputs: sc.Inputs, Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"onsets.csv", "timeseries.npy", "timeseries_preview.csv", "seeg.npy", "seeg_preview.csv", "final_state.csv"}
	if strings.Join(res.Artifacts, " ") != strings.Join(want, " ") {
		t.Errorf("artifacts %v, want %v", res.Artifacts, want)
	}
	npy, err := os.ReadFile(filepath.Join(dir, "seeg.npy"))
	if err != nil {
		t.Fatal(err)
	}
	// 500 samples (period 1 ms) of 588 contacts, float32, after a 128-byte header.
	if len(npy) != 128+500*588*4 || !strings.Contains(string(npy[:128]), "'shape': (500, 588)") {
		t.Errorf("seeg.npy: %d bytes, header %q", len(npy), npy[:128])
	}
	on, _ := os.ReadFile(filepath.Join(dir, "onsets.csv"))
	if !strings.HasPrefix(string(on), "rank,region,label,role,x0,first_onset_ms") || !strings.Contains(string(on), ",rHC,ez,-1.6,") {
		t.Errorf("onsets.csv:\n%s", on[:200])
	}
}

// TestBadInputs: data errors name the file and the entry; they surface from
// DescribeInputs, before any run (the CLI exits with code 2).
func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, weights, lengths string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(p, 0o755)
		os.WriteFile(filepath.Join(p, "weights.txt"), []byte(weights), 0o644)
		os.WriteFile(filepath.Join(p, "tract_lengths.txt"), []byte(lengths), 0o644)
		return p
	}
	ok2 := "0 1\n1 0\n"
	cases := []struct {
		name, weights, lengths string
		want                   string
	}{
		{"nonsquare", "0 1\n1 0 2\n", ok2, "weights.txt row 2 (line 2): has 3 entries, expected 2"},
		{"mismatch", "0 1 1\n1 0 1\n1 1 0\n", ok2, "tract_lengths.txt: is 2×2 but weights.txt is 3×3"},
		{"negweight", "0 -1\n1 0\n", ok2, "weights.txt row 1, column 2 (to 0 from 1): negative weight -1"},
		{"neglength", ok2, "0 2\n-2 0\n", "tract_lengths.txt row 2, column 1 (to 1 from 0): negative tract length -2"},
		{"nan", "0 NaN\n1 0\n", ok2, "weights.txt row 1, column 2 (to 0 from 1): weight is NaN"},
		{"text", "0 x\n1 0\n", ok2, `weights.txt line 1, field 2: "x" is not a number`},
	}
	for _, tc := range cases {
		p := write(tc.name, tc.weights, tc.lengths)
		in, _ := json.Marshal(map[string]any{"connectivity": p})
		_, err := brain.Model{}.DescribeInputs(in)
		if err == nil || !strings.Contains(err.Error(), p+": "+tc.want) {
			t.Errorf("%s: got %v\nwant …%s: %s", tc.name, err, p, tc.want)
		}
	}
	t.Chdir("../..")
	for _, tc := range []struct{ inputs, want string }{
		{`{}`, "no connectivity"},
		{`{"connectivity": "models/brain/testdata/nope.zip"}`, "nope.zip: cannot read the connectivity"},
		{`{"connectivity": "models/brain/testdata/seeg_588.txt"}`, "not a TVB connectivity zip archive"},
		{`{"connectivity": "models/brain/testdata/paupau.zip", "resections": {"x": ["rHC"]}}`, `resections.x: no region "rHC"`},
		{`{"connectivity": "models/brain/testdata/paupau.zip", "ez": ["lA1"]}`, `unknown field "ez"`},
		{`{"connectivity": "models/brain/testdata/paupau.zip", "stimuli": [{"name": "s", "contacts": ["A1"], "onset": 0, "frequency": 50, "width": 1, "amplitude": 1, "duration": 10}]}`, `stimuli.s.contacts: no contact positions`},
		{`{"connectivity": "models/brain/testdata/paupau.zip", "stimuli": [{"name": "s", "regions": ["lA1"], "onset": 0, "frequency": 50, "width": 30, "amplitude": 1, "duration": 10}]}`, `stimuli.s.width: 30, expected a pulse width > 0 ms and at most the period 20 ms`},
		{`{"connectivity": "models/brain/testdata/paupau.zip", "regions": {"lA1": {"x9": 1}}}`, `regions.lA1.x9: not a per-region parameter`},
		{`{"connectivity": "models/brain/testdata/paupau.zip", "regions": {"7": {"x0": 1}}}`, `regions.7: region index 7 out of range 0…3`},
		{`{"connectivity": "models/brain/testdata/paupau.zip", "initial": "models/brain/testdata/seeg_588.txt"}`, `seeg_588.txt: line 1: expected the header`},
		{`{"connectivity": "models/brain/testdata/paupau.zip", "record": {"variables": ["x1"], "every": 0}}`, `record.every: 0`},
	} {
		_, err := brain.Model{}.DescribeInputs(json.RawMessage(tc.inputs))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want …%s", tc.inputs, err, tc.want)
		}
	}
	// Parameter-level errors are caught by the bounds at Resolve.
	d := brain.Model{}.Describe()
	for name, v := range map[string]any{"speed": 0.0, "dt": 0.2, "duration": -1.0} {
		if _, err := d.Resolve(map[string]any{name: v}); err == nil {
			t.Errorf("%s = %v accepted", name, v)
		}
	}
}

// bound is the model with the example's inputs bound in and a short
// duration, as the conformance suite runs defaults without inputs.
type bound struct {
	brain.Model
	inputs json.RawMessage
	desc   models.Descriptor
}

func (b bound) Describe() models.Descriptor { return b.desc }
func (b bound) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	spec.Inputs = b.inputs
	return b.Model.Run(ctx, spec, obs)
}

func TestConformance(t *testing.T) {
	sc, d, _ := example(t)
	for k, p := range d.Params {
		switch p.Name {
		case "duration":
			d.Params[k].Default = 200.0
		case "hypothesis":
			d.Params[k].Default = "temporal"
		}
	}
	pluginsdktest.Conformance(t, bound{inputs: sc.Inputs, desc: d})
}
