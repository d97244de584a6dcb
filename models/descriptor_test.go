package models

import (
	"testing"
)

var testDesc = Descriptor{
	Name: "toy", Version: "0.1.0",
	Params: []Param{
		{Name: "rate", Kind: Float, Unit: "1/h", Default: 1.0, Min: Bound(0), Max: Bound(10)},
		{Name: "n", Kind: Int, Default: int64(3), Min: Bound(1)},
		{Name: "on", Kind: Bool, Default: true},
		{Name: "mode", Kind: String, Default: "a", Choices: []string{"a", "b"}},
	},
	Outputs: []Output{{Name: "y"}},
}

func TestResolveDefaultsAndCoercion(t *testing.T) {
	p, err := testDesc.Resolve(map[string]any{"rate": int64(2), "n": 5.0})
	if err != nil {
		t.Fatal(err)
	}
	if p.Float("rate") != 2 || p.Int("n") != 5 || !p.Bool("on") || p.String("mode") != "a" {
		t.Errorf("got %v", p)
	}
}

func TestResolveErrors(t *testing.T) {
	cases := []struct {
		raw  map[string]any
		want string
	}{
		{map[string]any{"speed": 1.0}, `parameter "speed" of model "toy" = 1: unknown parameter; model "toy" has parameters rate, n, on, mode`},
		{map[string]any{"rate": "fast"}, `parameter "rate" of model "toy" = "fast": wrong type string, expected a number 1/h`},
		{map[string]any{"rate": 11.0}, `parameter "rate" of model "toy" = 11: above the maximum 10 1/h`},
		{map[string]any{"rate": -0.5}, `parameter "rate" of model "toy" = -0.5: below the minimum 0 1/h`},
		{map[string]any{"n": 2.5}, `parameter "n" of model "toy" = 2.5: expected an integer`},
		{map[string]any{"n": int64(0)}, `parameter "n" of model "toy" = 0: below the minimum 1`},
		{map[string]any{"on": int64(1)}, `parameter "on" of model "toy" = 1: wrong type integer, expected true or false`},
		{map[string]any{"mode": "c"}, `parameter "mode" of model "toy" = "c": expected one of ["a" "b"]`},
	}
	for _, tc := range cases {
		_, err := testDesc.Resolve(tc.raw)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Resolve(%v):\n got %v\nwant %s", tc.raw, err, tc.want)
		}
		if _, ok := err.(*ParamError); !ok {
			t.Errorf("Resolve(%v) error is %T, want *ParamError", tc.raw, err)
		}
	}
}

// TestResolveUnread: a parameter the descriptor leaves out for the
// scenario (Unread) is refused with the reason, not as unknown.
func TestResolveUnread(t *testing.T) {
	d := testDesc
	d.Unread = map[string]string{"speed": "the mode chosen has none"}
	_, err := d.Resolve(map[string]any{"speed": 1.0})
	if want := `parameter "speed" of model "toy" = 1: not read by this scenario's runs: the mode chosen has none`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestCheckCatchesBadDescriptors(t *testing.T) {
	bad := []Descriptor{
		{Name: "Bad"},
		{Name: "x", Params: []Param{{Name: "a", Kind: Float, Default: 1.0}, {Name: "a", Kind: Float, Default: 1.0}}},
		{Name: "x", Params: []Param{{Name: "a", Kind: Float, Default: 5.0, Max: Bound(1)}}},
		{Name: "x", Params: []Param{{Name: "a", Kind: Int, Default: 1.0}}},
		{Name: "x", Outputs: []Output{{Name: "y"}, {Name: "y"}}},
	}
	for i, d := range bad {
		if d.Check() == nil {
			t.Errorf("descriptor %d: Check accepted %+v", i, d)
		}
	}
	if err := testDesc.Check(); err != nil {
		t.Error(err)
	}
}

func TestFormatFloatRoundTrips(t *testing.T) {
	for _, f := range []float64{0, 1, 0.1, 1.0 / 3, 1e-300, 123456789.125} {
		s := FormatFloat(f)
		var g float64
		if _, err := fmtSscan(s, &g); err != nil || g != f {
			t.Errorf("FormatFloat(%v) = %q does not round-trip", f, s)
		}
	}
}
