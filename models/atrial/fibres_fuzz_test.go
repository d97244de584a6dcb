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
