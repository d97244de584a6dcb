package prediction

import (
	"slices"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/scenarios/examples"
)

// TestBuiltinDescribesTheFixedMass: a brain scenario that fixes its neural
// mass is described with only the parameters that mass's runs read (the
// Montbrió–Pazó–Roxin mass has no excitability x0 and none of the
// Epileptor's parameters), so results.csv does not list values no run
// used; sweeping the mass keeps every mass's parameters.
func TestBuiltinDescribesTheFixedMass(t *testing.T) {
	t.Chdir("..") // the scenario names its data files from the repository root
	data, err := examples.FS.ReadFile("resting-state-bold.toml")
	if err != nil {
		t.Fatal(err)
	}
	names := func(src string) []string {
		sc, err := scenarios.Parse("scenarios/examples/resting-state-bold.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		_, desc, err := Builtin(sc)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range desc.Params {
			out = append(out, p.Name)
		}
		return out
	}
	fixed := names(string(data))
	for _, p := range []string{"x0_ez", "x0_healthy", "iext", "kvf"} {
		if slices.Contains(fixed, p) {
			t.Errorf("mass fixed to montbrio_pazo_roxin: parameter %s listed", p)
		}
	}
	if !slices.Contains(fixed, "mass") || !slices.Contains(fixed, "coupling_a") {
		t.Errorf("mass fixed: %v", fixed)
	}
	// Setting a parameter the fixed mass does not have says so.
	if sc, err := scenarios.Parse("scenarios/examples/resting-state-bold.toml", data); err != nil {
		t.Fatal(err)
	} else if _, desc, err := Builtin(sc); err != nil {
		t.Fatal(err)
	} else if _, err := desc.Resolve(map[string]any{"x0_ez": -1.5}); err == nil || !strings.Contains(err.Error(), "the neural mass montbrio_pazo_roxin does not have it") {
		t.Errorf("x0_ez with the MPR mass: %v", err)
	}
	// A derived scenario may vary a parameter its [params] also sets (the
	// file parser refuses that; Derive, as dsa and optima use it, does
	// not): the [sweep] wins, and every mass's parameters are listed.
	sc, err := scenarios.Parse("scenarios/examples/resting-state-bold.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	d, err := sc.Derive(scenarios.Derivation{Why: "test", Sweep: &scenarios.Sweep{Design: "grid",
		Params: []scenarios.SweepParam{{Name: "mass", Values: []any{"montbrio_pazo_roxin", "epileptor"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, desc, err := Builtin(d); err != nil || desc.Params == nil || !slices.ContainsFunc(desc.Params, func(p models.Param) bool { return p.Name == "x0_ez" }) {
		t.Errorf("mass fixed in [params] and swept by a derivation: x0_ez not listed (%v)", err)
	}
	// A fixed value that is no mass is left to the scenario's checks,
	// which name its line: the descriptor is every mass's.
	bad := strings.Replace(string(data), `mass = "montbrio_pazo_roxin"`, `mass = "wilson_cowan"`, 1)
	if all := names(bad); !slices.Contains(all, "x0_ez") {
		t.Errorf("mass = wilson_cowan: %v", all)
	}
	swept := strings.Replace(string(data), "[sweep.params]", "[sweep.params]\nmass = [\"montbrio_pazo_roxin\", \"epileptor\"]", 1)
	swept = strings.Replace(swept, "[params]\nmass = \"montbrio_pazo_roxin\"\n", "[params]\n", 1)
	if strings.Count(swept, "mass = ") != strings.Count(string(data), "mass = ") {
		t.Fatal("the scenario's [params] mass or [sweep.params] moved")
	}
	if all := names(swept); !slices.Contains(all, "x0_ez") || !slices.Contains(all, "iext") {
		t.Errorf("mass swept: %v", all)
	}
}
