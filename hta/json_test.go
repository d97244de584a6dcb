package hta

import (
	"encoding/json"
	"math"
	"testing"
)

func TestSummaryJSON(t *testing.T) {
	b, _ := json.Marshal(Interval{Mean: 1.5, Lo: math.NaN(), Hi: math.Inf(1)}.JSON())
	if string(b) != `{"mean":1.5,"lo":null,"hi":null}` {
		t.Errorf("got %s", b)
	}
	if rows := FrontierSummary([]Strategy{{"a", 1, math.NaN()}}); len(rows) != 0 {
		t.Errorf("a non-finite effect must give no frontier, got %v", rows)
	}
	// One draw: no acceptability analysis.
	if c, f, e := Acceptability([]string{"a", "b"}, [][]float64{{1, 2}}, [][]float64{{1, 2}}, []float64{0}); c != nil || f != nil || e != nil {
		t.Error("one draw must give no CEAC")
	}
	// Two draws where b always costs 1 more for 1 more effect: at λ = 0 a
	// wins every draw, at λ = 2 b does (NMB_b − NMB_a = λ − 1).
	c, f, e := Acceptability([]string{"a", "b"}, [][]float64{{1, 2}, {3, 4}}, [][]float64{{1, 2}, {2, 3}}, []float64{0, 2})
	if c[0].Prob[0] != 1 || c[1].Prob[1] != 1 || f[0] != "a" || f[1] != "b" || e[0] != 0 || e[1] != 0 {
		t.Errorf("ceac %v ceaf %v evpi %v", c, f, e)
	}
}
