package optima

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzSettings: [inputs.optima] and [inputs.trial] read from a user's
// scenario (as JSON, the form the scenario parser hands over) are accepted
// — and then valid — or refused with one line; never a panic.
func FuzzSettings(f *testing.F) {
	f.Add([]byte(`{"sites": 4, "rounds": 2, "seed": 724, "baseline": "pvi", "prepace_beats": 4, "prepace_bcl_ms": 500}`),
		[]byte(`{"substrates": 5, "arms": ["none", "pvi", "pvi+optima"]}`))
	f.Add([]byte(`{"sites": -1, "pvi_width_mm": 1e400}`), []byte(`{"meshes": ["a.vtp", "b.vtp"], "substrates": 3}`))
	f.Add([]byte(`{"baseline": "maze"}`), []byte(`{"arms": ["pvi", "pvi"]}`))
	f.Fuzz(func(t *testing.T, settings, trial []byte) {
		if !json.Valid(settings) || !json.Valid(trial) {
			return
		}
		if o, err := parseSettings(settings); err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
		} else if err := o.check(); err != nil {
			t.Fatalf("accepted settings fail their check: %v", err)
		}
		tr, err := parseTrial(trial)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if tr.Substrates < 1 || tr.Substrates > MaxSubstrates || len(tr.Arms) == 0 {
			t.Fatalf("accepted trial with %d substrates and %d arms", tr.Substrates, len(tr.Arms))
		}
	})
}
