package brain_test

import (
	"testing"

	"github.com/mdtwin/mdtwin/scenarios"
)

// TestStimulationExample: in scenarios/examples/vep-stimulation.toml, cut to
// 1 s, the latent EZ does not seize unstimulated (half amplitude on C1), the
// contact in the EZ (C1) triggers it at amplitude 1, and the healthy
// cortex's contact (OP4) does not at that amplitude.
func TestStimulationExample(t *testing.T) {
	t.Chdir("../..")
	sc, err := scenarios.Load("scenarios/examples/vep-stimulation.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		contact string
		scale   float64
		seize   bool
	}{{"C1", 0.5, false}, {"C1", 1, true}, {"OP4", 1, false}} {
		params := map[string]any{}
		for k, v := range sc.Params {
			params[k] = v
		}
		params["duration"], params["stimulus"], params["stim_scale"] = 1000.0, c.contact, c.scale
		got := runIn(t, sc.Inputs, params, "")
		if (got["seized_rhc"] == 1) != c.seize {
			t.Errorf("%s × %v: seized_rhc %v, want a seizure: %v (n_seizing %v)", c.contact, c.scale, got["seized_rhc"], c.seize, got["n_seizing"])
		}
	}
}
