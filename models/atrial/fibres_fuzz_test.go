package atrial

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzFibreInputs feeds arbitrary [inputs] (as JSON) with fibres and
// landmarks to parseInputs: it refuses them with one line, or accepts them
// and then fibres is "" or "rule-based", and landmarks come only with
// "rule-based" — never a panic.
func FuzzFibreInputs(f *testing.F) {
	for _, s := range []string{
		`{"fibres": "rule-based"}`,
		`{"fibres": "rule-based", "landmarks": {"laa": [203, 186.3, 113.7]}}`,
		`{"fibres": "rule-based", "landmarks": {"laa": [0, 0, 0], "veins": [[1, 2, 3], [4, 5, 6]]}}`,
		`{"fibres": "rule-based", "landmarks": {"mitral": [216, 192, 70.8], "laa": [203, 186.3, 113.7]}}`,
		`{"fibres": "atlas"}`,
		`{"landmarks": {"laa": [0, 0, 0]}}`,
		`{"fibres": "rule-based", "landmarks": {"laa": [0, 0]}}`,
		`{"fibres": "rule-based", "landmarks": null}`,
		`{"fibres": 1}`,
		``,
		// The reader's other keys, so that the fuzzer starts from each of
		// them rather than reaching them by chance.
		`{"decremental": {"start_cl_ms": 300, "floor_cl_ms": 200, "step_ms": 20, "beats_per_cl": 4}}`,
		`{"restitution": {"s1_beats": 3, "bcl_ms": 500, "ci_start_ms": 500, "ci_floor_ms": 340, "ci_step_ms": 40, "recovery_ms": 600}}`,
		`{"electrodes": {"grid": {"origin": [0, 0, 1], "u": [2, 0, 0], "v": [0, 2, 0], "nu": 8, "nv": 8}, "sample_ms": 1, "wall_mm": 1}}`,
		`{"electrodes": {"basket": {"center": [0, 0, 0], "radius_mm": 20, "splines": 8, "poles": 8}}}`,
		`{"electrodes": {"circular": {"center": [0, 0, 0], "normal": [0, 0, 1], "radius_mm": 10, "poles": 20}, "ecg_distance_mm": 200}}`,
		`{"checkpoint_ms": 100, "igb_ms": 1}`,
		`{"initial": {"checkpoint": "ck.bin"}}`,
		`{"frame_ms": 0.03}`, // a [params] key (and not a multiple of dt_ms = 0.02) given in [inputs]
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parseInputs(json.RawMessage(b))
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "atrial inputs") {
				t.Fatalf("error %q: want one line starting with \"atrial inputs\"", msg)
			}
			return
		}
		if in.Fibres != "" && in.Fibres != FibresRuleBased {
			t.Fatalf("accepted fibres = %q", in.Fibres)
		}
		if in.Landmarks != nil && in.Fibres != FibresRuleBased {
			t.Fatalf("accepted landmarks without fibres = %q", FibresRuleBased)
		}
	})
}
