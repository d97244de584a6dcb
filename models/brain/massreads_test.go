package brain_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/brain"
)

// epileptorParams is the descriptor's parameter list as it was before
// DescribeMass (every mass's parameters, the 6-D Epileptor's order):
// DescribeInputs and DescribeMass for the 6-D Epileptor must keep it.
var epileptorParams = []string{"hypothesis", "resection", "x0_ez", "x0_pz", "x0_healthy", "mass", "r", "tt", "iext", "iext2",
	"ks", "kf", "kvf", "coupling", "coupling_a", "coupling_b", "normalise", "delays", "speed", "integrator", "nsig", "dt",
	"duration", "period", "onset_threshold", "offset_threshold", "smoothing", "seeg_gain", "save_timeseries"}

// readsInputs exercise every parameter a run can read: a hypothesis with
// EZ and PZ, a resection, a regional region (x0_rhc), SEEG contacts (the
// gain law seeg_gain) and a stimulus (stimulus, stim_scale).
const readsInputs = `{"connectivity": "testdata/connectivity_76.zip", "seeg": "testdata/seeg_588.txt",
	"hypotheses": {"h": {"ez": ["rAMYG"], "pz": ["rTCI"]}}, "resections": {"cut": ["rTCV"]}, "regional": ["rHC"],
	"stimuli": [{"name": "s", "contacts": ["C1"], "onset": 0.1, "frequency": 50, "width": 0.2, "amplitude": 0.1, "duration": 1}]}`

// runReads runs one short run (1 ms) of params and returns the name of the
// parameter whose read panicked ("" when none did): models.Params panics
// on a missing name.
func runReads(t *testing.T, params models.Params) (missing string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			if !strings.HasPrefix(msg, "models: parameter ") {
				panic(r)
			}
			missing = strings.Split(msg, `"`)[1]
		}
	}()
	_, err := brain.Model{}.Run(context.Background(), models.RunSpec{Model: brain.Name, Seed: 1, Params: params,
		Inputs: json.RawMessage(readsInputs), Dir: t.TempDir()}, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return ""
}

// TestDescribeMassReads: for every mass, the parameters DescribeMass lists
// are exactly those a run of the mass reads. A run given only the listed
// parameters completes (it reads nothing else: an unlisted read panics),
// and a run missing any one of them panics on reading it. The inputs set
// every optional part (hypothesis, resection, regional region, SEEG,
// stimulus) and hypothesis and resection name them, so that each
// parameter's read is reached. The 6-D Epileptor's list and order are the
// model's full list (epileptorParams), unchanged; the 6-D Epileptor and
// epileptor_rs keep every Epileptor parameter, the 2-D one all but iext2
// and kf, the masses without x0 none of x0_* and none of r … kvf.
func TestDescribeMassReads(t *testing.T) {
	full, err := brain.Model{}.DescribeInputs(json.RawMessage(readsInputs))
	if err != nil {
		t.Fatal(err)
	}
	extra := []string{"x0_rhc", "stimulus", "stim_scale"} // from the inputs
	if got, want := names(full.Params), append(slices.Clone(epileptorParams), extra...); !slices.Equal(got, want) {
		t.Fatalf("DescribeInputs lists\n%v\nwant\n%v", got, want)
	}
	if got := names(brain.Model{}.Describe().Params); !slices.Equal(got, epileptorParams) {
		t.Fatalf("Describe lists\n%v\nwant\n%v", got, epileptorParams)
	}
	x0 := []string{"x0_ez", "x0_pz", "x0_healthy", "x0_rhc"}
	epi := []string{"r", "tt", "iext", "iext2", "ks", "kf", "kvf"}
	without := map[string][]string{ // the parameters of the full list a mass does not read
		brain.MassEpileptor:   nil,
		brain.MassEpileptorRS: nil,
		brain.MassEpileptor2D: {"iext2", "kf"},
		brain.MassOscillator:  append(slices.Clone(x0), epi...),
		brain.MassMPR:         append(slices.Clone(x0), epi...),
		brain.MassJansenRit:   append(slices.Clone(x0), epi...),
		brain.MassCodim3:      append(slices.Clone(x0), epi...),
		brain.MassCodim3Slow:  append(slices.Clone(x0), epi...),
	}
	var choices []string
	for _, p := range full.Params {
		if p.Name == "mass" {
			choices = p.Choices
		}
	}
	if len(choices) != len(without) {
		t.Fatalf("mass has %d choices, the test knows %d", len(choices), len(without))
	}
	for _, mass := range choices {
		t.Run(mass, func(t *testing.T) {
			d, err := brain.Model{}.DescribeMass(json.RawMessage(readsInputs), mass)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, n := range names(full.Params) {
				if !slices.Contains(without[mass], n) {
					want = append(want, n)
				}
			}
			if got := names(d.Params); !slices.Equal(got, want) {
				t.Fatalf("DescribeMass lists\n%v\nwant\n%v", got, want)
			}
			base, err := d.Resolve(map[string]any{"mass": mass, "hypothesis": "h", "resection": "cut", "duration": 1.0})
			if err != nil {
				t.Fatal(err)
			}
			if name := runReads(t, base); name != "" {
				t.Fatalf("a run reads %s, which DescribeMass does not list", name)
			}
			for _, p := range d.Params {
				params := maps.Clone(base)
				delete(params, p.Name)
				if name := runReads(t, params); name != p.Name {
					t.Errorf("without %s: the run read %q missing, want it to read %s", p.Name, name, p.Name)
				}
			}
		})
	}
	if _, err := (brain.Model{}).DescribeMass(json.RawMessage(readsInputs), "wilson_cowan"); err == nil || !strings.Contains(err.Error(), `"wilson_cowan" is not a mass`) {
		t.Errorf("an unknown mass: %v", err)
	}
}

func names(ps []models.Param) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}
