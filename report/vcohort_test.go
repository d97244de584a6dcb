package report

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/engine"
)

// CompareCohorts on hand numbers (issue 16, item 7). Characteristics: ages
// 30, 40, 50 (mean 40, SD 10 with divisor n − 1) against 35, 45, 40 (mean
// 40, SD 5); women 2 of 3 in both; the id, distinct in every row, is left
// out. Outputs, each a study mean with Monte Carlo interval mean ±
// 1.96·SD/√n: qaly 10 (SD 2, 100 runs: se 0.2) against 10.5 (se 0.2), a
// difference of 0.5 within ±1.96·√(0.2² + 0.2²) = ±0.5544 (Monte Carlo
// noise); cost 1000 against 1200 (SD 100, 4 runs: se 50), a difference of
// 200 beyond ±1.96·√(50² + 50²) = ±138.59, relative 0.2; a single run has
// no interval (NaN); an output of one arm only is not compared.
func TestCompareCohorts(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	row := func(id string, age float64, sex string) map[string]any {
		return map[string]any{"id": id, "age": age, "sex": sex}
	}
	real := CohortArm{Label: "registry", Rows: []map[string]any{row("a", 30, "F"), row("b", 40, "M"), row("c", 50, "F")},
		Study: &StudyOutputs{Outputs: map[string]engine.OutputSummary{
			"qaly": {N: 100, Mean: f(10), SD: f(2)}, "cost": {N: 4, Mean: f(1000), SD: f(100)},
			"one_run": {N: 1, Mean: f(3)}, "real_only": {N: 4, Mean: f(1), SD: f(1)}}}}
	virtual := CohortArm{Label: "avatar copy", Rows: []map[string]any{row("x", 35, "F"), row("y", 45, "F"), row("z", 40, "M")},
		Study: &StudyOutputs{Outputs: map[string]engine.OutputSummary{
			"qaly": {N: 100, Mean: f(10.5), SD: f(2)}, "cost": {N: 4, Mean: f(1200), SD: f(100)}, "one_run": {N: 1, Mean: f(3)}}}}
	c := CompareCohorts(real, virtual)

	if len(c.Characteristics) != 3 {
		t.Fatalf("characteristics %+v; want age, sex = F, sex = M", c.Characteristics)
	}
	age, women := c.Characteristics[0], c.Characteristics[1]
	if age.Field != "age" || age.Share || age.Real != 40 || age.RealSD != 10 || age.Virtual != 40 || age.VirtSD != 5 {
		t.Errorf("age %+v; want 40 (10) against 40 (5)", age)
	}
	if women.Field != "sex" || women.Value != "F" || !women.Share || math.Abs(women.Real-2.0/3) > 1e-15 || math.Abs(women.Virtual-2.0/3) > 1e-15 {
		t.Errorf("sex = F %+v; want 2/3 in both", women)
	}

	if len(c.Outputs) != 3 || c.Outputs[0].Output != "cost" || c.Outputs[1].Output != "one_run" || c.Outputs[2].Output != "qaly" {
		t.Fatalf("outputs %+v; want cost, one_run, qaly", c.Outputs)
	}
	cost, one, qaly := c.Outputs[0], c.Outputs[1], c.Outputs[2]
	if cost.Difference != 200 || math.Abs(cost.DiffHalf-1.96*math.Sqrt(2)*50) > 1e-9 || math.Abs(cost.DiffHalf-138.59) > 0.005 ||
		cost.RealHalf != 1.96*50 || !cost.Beyond || cost.Relative != 0.2 {
		t.Errorf("cost %+v; want a difference of 200 ± 138.59, beyond Monte Carlo noise, relative 0.2", cost)
	}
	if math.Abs(qaly.Difference-0.5) > 1e-12 || math.Abs(qaly.DiffHalf-0.5544) > 5e-5 || qaly.Beyond {
		t.Errorf("qaly %+v; want 0.5 ± 0.5544, within Monte Carlo noise", qaly)
	}
	if !math.IsNaN(one.RealHalf) || !math.IsNaN(one.DiffHalf) || one.Beyond {
		t.Errorf("one run %+v; want no interval", one)
	}

	var b bytes.Buffer
	if err := c.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"registry", "avatar copy", "qaly", "cost"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if _, err := c.MarshalJSON(); err != nil {
		t.Errorf("JSON: %v", err)
	}
}
