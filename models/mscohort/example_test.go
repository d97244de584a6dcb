package mscohort_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/mscohort"
)

// A study's [inputs] defines the strategies; DescribeInputs gives the
// parameters and outputs, Run one run. Here the annual cohort twin (exact
// expectations, no Monte Carlo error) of ofatumumab first versus no
// treatment, for a cohort aged 40 at the start.
func Example() {
	inputs := json.RawMessage(`{
		"baseline": {"age_mean": 40, "age_sd": 0},
		"strategies": [
			{"name": "untreated", "lines": []},
			{"name": "ofatumumab", "lines": [{"therapy": "ofatumumab"}]}
		]}`)
	m := mscohort.Model{}
	desc, err := m.DescribeInputs(inputs)
	if err != nil {
		fmt.Println(err)
		return
	}
	ps, _ := desc.Resolve(map[string]any{"mode": "cohort"})
	res, err := m.Run(context.Background(), models.RunSpec{Seed: 1, Params: ps, Inputs: inputs}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	out := res.Scalars
	fmt.Printf("QALYs: untreated %.2f, ofatumumab %.2f\n", out["untreated_qaly_disc"], out["ofatumumab_qaly_disc"])
	fmt.Printf("relapses: untreated %.1f, ofatumumab %.1f\n", out["untreated_relapses"], out["ofatumumab_relapses"])
	fmt.Printf("ICER: %.0f USD per QALY\n", out["ofatumumab_icer"])
	// Output:
	// QALYs: untreated 12.44, ofatumumab 13.27
	// relapses: untreated 21.3, ofatumumab 18.6
	// ICER: 589079 USD per QALY
}
