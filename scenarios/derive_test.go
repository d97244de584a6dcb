package scenarios

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// Derive changes a copy: the parent keeps its maps and hash; the copy's
// hash depends on the parent, the changes and the reason; the derived
// scenario expands as a file with the same values would.
func TestDerive(t *testing.T) {
	src := "[study]\nname = \"d\"\nmodel = \"m\"\nseed = 1\n[params]\na = 2.0\n[inputs]\nmesh = \"x.vtp\"\n"
	s, err := Parse("d.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Derive(Derivation{Why: "patient p1", Params: map[string]any{"a": 3.5, "n": 4},
		Inputs: map[string]any{"fibrosis": map[string]any{"field": "lge"}}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Params["a"] != 2.0 || len(s.Params) != 1 || string(s.Inputs) != `{"mesh":"x.vtp"}` {
		t.Errorf("the parent changed: %v %s", s.Params, s.Inputs)
	}
	if d.Params["a"] != 3.5 || d.Params["n"] != int64(4) || string(d.Inputs) != `{"fibrosis":{"field":"lge"},"mesh":"x.vtp"}` {
		t.Errorf("derived: %v %s", d.Params, d.Inputs)
	}
	if d.Hash == s.Hash || len(d.Hash) != 64 {
		t.Errorf("hash %q not recomputed", d.Hash)
	}
	again, _ := s.Derive(Derivation{Why: "patient p1", Params: map[string]any{"n": int64(4), "a": 3.5},
		Inputs: map[string]any{"fibrosis": map[string]any{"field": "lge"}}})
	other, _ := s.Derive(Derivation{Why: "patient p2", Params: map[string]any{"a": 3.5, "n": 4},
		Inputs: map[string]any{"fibrosis": map[string]any{"field": "lge"}}})
	if again.Hash != d.Hash || other.Hash == d.Hash {
		t.Error("the hash must depend only on the parent, the changes and the reason")
	}
	desc := models.Descriptor{Name: "m", Params: []models.Param{{Name: "a", Kind: models.Float, Default: 0.0},
		{Name: "n", Kind: models.Int, Default: int64(1)}}}
	runs, err := d.Expand(desc)
	if err != nil {
		t.Fatal(err)
	}
	file, _ := Parse("f.toml", []byte("[study]\nname = \"d\"\nmodel = \"m\"\nseed = 1\n[params]\na = 3.5\nn = 4\n"))
	want, _ := file.Expand(desc)
	if !reflect.DeepEqual(runs, want) {
		t.Errorf("derived runs %+v, from a file %+v", runs, want)
	}
	// A derived sweep replaces the parent's; values are checked at expansion.
	sw, _ := s.Derive(Derivation{Why: "sweep", Sweep: &Sweep{Design: Zip, Params: []SweepParam{{Name: "n", Values: []any{int64(1), 2.5}}}}})
	if _, err := sw.Expand(desc); err == nil {
		t.Error("2.5 for an int parameter passed")
	}
	var in map[string]any
	if err := json.Unmarshal(sw.Inputs, &in); err != nil || in["mesh"] != "x.vtp" {
		t.Errorf("inputs %s", sw.Inputs)
	}
}
