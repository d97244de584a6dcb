package atrial

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
)

// TestPVIInput: a "pvi" lesion in [inputs] builds the wide-antral lesion
// set on atrium.vtp — two lesions (one per vein pair), no gap, so a run
// with require_continuous accepts it — and a pvi lesion with a gap, or
// veins on another shape, is refused with the lesion named.
func TestPVIInput(t *testing.T) {
	raw := json.RawMessage(`{"mesh": "../../mesh/testdata/atrium.vtp", "lesions": [{"shape": "pvi"}]}`)
	desc, err := Model{}.DescribeInputs(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := desc.Resolve(map[string]any{"mesh": "file", "require_continuous": true})
	if err != nil {
		t.Fatal(err)
	}
	in, err := parseInputs(raw)
	if err != nil {
		t.Fatal(err)
	}
	s, err := build(p, in)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := buildSubstrate(s.m, p, in, 1, mesh.Uniform(mesh.Isotropic(0.1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(sub.lesions) != 2 || sub.gaps != 0 || sub.names[1] != "lesions[0] (antral 2 of 2)" {
		t.Errorf("%d lesions named %v, %d with gaps; want 2, no gaps", len(sub.lesions), sub.names, sub.gaps)
	}
	for src, want := range map[string]string{
		`{"lesions": [{"shape": "pvi", "gap": [0, 0, 0]}]}`:                           "lesions[0]: a pvi lesion set takes no gap",
		`{"lesions": [{"shape": "disc", "center": [0, 0, 0], "veins": [[0, 0, 0]]}]}`: "lesions[0]: veins is for a pvi lesion set",
	} {
		if _, err := parseInputs(json.RawMessage(src)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", src, err, want)
		}
	}
}
