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

// TestDSAJSON checks the bytes of dsa.json's form: non-finite outcomes are
// null, an analysis not asked for is null, a threshold run without
// crossings has [] and keys are in alphabetical order. The expected string
// is what cmd/mdtwin's map-based encoder (before DSAJSON) wrote for this
// DSA.
func TestDSAJSON(t *testing.T) {
	d := &DSA{Outcome: "icer", Base: math.NaN(), Level: 6000,
		OneWay:     []TornadoBar{{Param: "rr", LowValue: 0.9, HighValue: 1, Low: 21849.5, High: math.Inf(1), Range: math.Inf(1)}},
		Thresholds: []ThresholdRun{{Param: "rr", X: []float64{0.9, 1}, Outcome: []float64{21849.5, math.NaN()}, Thresholds: []float64{}}},
	}
	b, err := json.Marshal(d.JSON())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"base":null,"level":6000,` +
		`"one_way":[{"high":null,"high_value":1,"low":21849.5,"low_value":0.9,"param":"rr","range":null}],` +
		`"outcome":"icer",` +
		`"thresholds":[{"outcome":[21849.5,null],"param":"rr","thresholds":[],"x":[0.9,1]}],` +
		`"two_way":null}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	d.OneWay, d.Thresholds = nil, nil
	d.TwoWay = []TwoWay{{XParam: "rr", YParam: "c", X: []float64{1}, Y: []float64{2, 3}, Outcome: [][]float64{{math.Inf(-1), 4}}}}
	b, _ = json.Marshal(d.JSON())
	want = `{"base":null,"level":6000,"one_way":null,"outcome":"icer","thresholds":null,` +
		`"two_way":[{"outcome":[[null,4]],"x":[1],"x_param":"rr","y":[2,3],"y_param":"c"}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
