package statetransition_test

import (
	"context"
	"fmt"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/statetransition"
	"github.com/mdtwin/mdtwin/scenarios"
)

// A two-state model defined in a scenario, described and run as the engine
// does.
func Example() {
	sc, err := scenarios.Parse("example.toml", []byte(`
[study]
name = "example"
model = "statetransition"
seed = 1

[inputs]
states = ["well", "dead"]
dead = ["dead"]
initial = "well"
strategies = ["usual", "screening"]
cycles = 10
correction = "half-cycle"
discount_costs = 0.035
discount_effects = 0.035

[inputs.params]
p_die = { default = 0.1, min = 0, max = 1, doc = "annual probability of death, usual care" }
rr = { default = 0.8, min = 0, doc = "relative risk of death with screening" }

[inputs.matrices.usual]
probs = [["C", "p_die"], [0, 1]]

[inputs.matrices.screened]
base = "usual"
rr = "rr"

[inputs.transitions]
usual = "usual"
screening = "screened"

[[inputs.costs]]
name = "screening"
strategies = ["screening"]
per_cycle = { well = 200 }

[[inputs.utilities]]
weights = { well = 0.9 }
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := statetransition.Model{}
	desc, err := m.DescribeInputs(sc.Inputs)
	if err != nil {
		fmt.Println(err)
		return
	}
	runs, err := sc.Expand(desc)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := m.Run(context.Background(), models.RunSpec{Model: desc.Name, Seed: runs[0].Seed, Params: runs[0].Params, Inputs: sc.Inputs}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := res.Scalars
	fmt.Printf("usual:     %.4f QALYs, cost %.2f\n", s["usual_effect"], s["usual_cost"])
	fmt.Printf("screening: %.4f QALYs, cost %.2f\n", s["screening_effect"], s["screening_cost"])
	fmt.Printf("ICER %.0f per QALY\n", s["screening_icer"])
	// Output:
	// usual:     4.8557 QALYs, cost 0.00
	// screening: 5.2942 QALYs, cost 1176.49
	// ICER 2683 per QALY
}
