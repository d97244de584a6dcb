package hta

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestCompare: three draws of two strategies. The expected numbers are
// computed by hand from the draws: mean costs 100 and 130, mean effects 1
// and 1.5, so the second is non-dominated versus the first at an ICER of
// 30/0.5 = 60; the cost differences 20, 30, 40 (mean 30), the effect
// differences 0.4, 0.5, 0.6 (mean 0.5) and the NMB differences at λ = 100
// 20, 20, 20.
func TestCompare(t *testing.T) {
	d := Draws{
		Names:   []string{"a", "b"},
		Costs:   [][]float64{{90, 110}, {100, 130}, {110, 150}},
		Effects: [][]float64{{0.9, 1.3}, {1, 1.5}, {1.1, 1.7}},
		NMB:     [][]float64{{0, 20}, {0, 20}, {0, 20}},
		WTP:     []float64{0, 100},
	}
	var s Summary[string]
	s.Compare(d)
	const tol = 1e-12
	near := func(got Number, want float64) bool {
		return math.Abs(float64(got)-want) <= tol*math.Max(1, math.Abs(want))
	}
	if len(s.Frontier) != 2 || s.Frontier[1].Status != string(NonDominated) || !near(s.Frontier[1].ICER, 60) {
		t.Errorf("frontier %+v, want b non-dominated at ICER 60", s.Frontier)
	}
	if len(s.Increments) != 1 {
		t.Fatalf("increments %+v", s.Increments)
	}
	inc := s.Increments[0]
	if inc.Strategy != "b" || inc.Versus != "a" || !near(inc.IncCost.Mean, 30) || !near(inc.IncEffect.Mean, 0.5) || !near(inc.ICER, 60) ||
		inc.IncNMB == nil || !near(inc.IncNMB.Mean, 20) {
		t.Errorf("increment %+v", inc)
	}
	if len(s.CEPlane) != 1 || len(s.CEPlane[0].IncCost) != 3 || !near(s.CEPlane[0].IncCost[2], 40) {
		t.Errorf("CE plane %+v", s.CEPlane)
	}
	// At λ = 0 the cheaper a is optimal in every draw; at λ = 100 the NMB
	// differences 100·ΔE − ΔC are 20, 20, 20, so b is.
	if len(s.CEAC) != 2 || s.CEAC[0].Prob[0] != 1 || s.CEAC[1].Prob[1] != 1 || len(s.WTP) != 2 || s.CEAF[1] != "b" {
		t.Errorf("CEAC %+v, CEAF %v, WTP %v", s.CEAC, s.CEAF, s.WTP)
	}
	s.Compare(Draws{Names: d.Names, Costs: d.Costs[:1], Effects: d.Effects[:1]})
	if s.Increments[0].IncNMB != nil {
		t.Error("NMB increments without NMB draws")
	}
}

// TestIncrementJSON: the effect difference is written under inc_effect or
// inc_<EffectKey>, after inc_cost and before icer; null is NaN; decoding
// and encoding again gives the same bytes.
func TestIncrementJSON(t *testing.T) {
	d := Draws{Names: []string{"a", "b"}, Costs: [][]float64{{1, 2}, {1, 3}}, Effects: [][]float64{{1, 1}, {1, 1}}}
	for _, c := range []struct {
		key, nmb, want string
	}{
		{"", "", `{"strategy":"b","versus":"a","inc_cost":{"mean":1.5,"lo":1.025,"hi":1.975},"inc_effect":{"mean":0,"lo":0,"hi":0},"icer":null}`},
		{"qaly", "with NMB", `{"strategy":"b","versus":"a","inc_cost":{"mean":1.5,"lo":1.025,"hi":1.975},"inc_qaly":{"mean":0,"lo":0,"hi":0},"icer":null,"inc_nmb":{"mean":-1.5,"lo":-1.975,"hi":-1.025}}`},
	} {
		dd := d
		dd.EffectKey = c.key
		if c.nmb != "" {
			dd.NMB = [][]float64{{0, -1}, {0, -2}}
		}
		var s Summary[json.RawMessage]
		s.Compare(dd)
		b, err := json.Marshal(s.Increments[0])
		if err != nil || string(b) != c.want {
			t.Errorf("key %q: %s, %v\nwant %s", c.key, b, err, c.want)
		}
		var back Increment
		if err := json.Unmarshal(b, &back); err != nil || !math.IsNaN(float64(back.ICER)) {
			t.Errorf("key %q: decoded %+v, %v", c.key, back, err)
		}
		if again, _ := json.Marshal(back); string(again) != string(b) {
			t.Errorf("key %q: re-encoded %s", c.key, again)
		}
		p, _ := json.Marshal(s.CEPlane[0])
		if want := `"inc_` + map[string]string{"": "effect", "qaly": "qaly"}[c.key] + `":[0,0]}`; !strings.HasSuffix(string(p), want) {
			t.Errorf("key %q: CE plane %s, want the effect differences last as %s", c.key, p, want)
		}
	}
	var two Increment
	if err := json.Unmarshal([]byte(`{"inc_effect":{},"inc_qaly":{}}`), &two); err == nil {
		t.Error("an increment with two effect differences was accepted")
	}
}
