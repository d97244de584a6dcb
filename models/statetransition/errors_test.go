package statetransition

import (
	"context"
	"errors"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// validDef is a small valid definition; each bad-input case edits it.
const validDef = `
[inputs]
states = ["H", "S", "D"]
dead = ["D"]
initial = "H"
strategies = ["usual", "new"]
cycles = 5
discount_costs = 0.035
[inputs.params]
p_hs = { default = 0.2, min = 0, max = 1 }
rr = 0.5
c_s = 500
[inputs.matrices.m]
probs = [["C", "p_hs", 0.05], [0, "C", 0.3], [0, 0, 1]]
[inputs.matrices.treated]
base = "m"
rr = "rr"
[inputs.transitions]
usual = "m"
new = [{ to = 2, matrix = "treated" }, { from = 3, matrix = "m" }]
[[inputs.costs]]
name = "care"
per_cycle = { S = "c_s" }
[[inputs.costs]]
name = "drug"
strategies = ["new"]
to = 2
per_cycle = { H = 100, S = 100 }
`

// secondEdit holds the cases of TestBadInputs that edit validDef twice.
var secondEdit = map[string][2]string{
	"rr makes the diagonal negative": {`[0, "C", 0.3]`, `[0.5, "C", 0.3]`},
}

// TestBadInputs checks the message of each class of bad input, as
// DescribeInputs reports it (the CLI shows it at [inputs], exit code 2).
func TestBadInputs(t *testing.T) {
	cases := []struct {
		name     string
		old, new string // edit of validDef
		want     string
	}{
		{"probability above 1", `0.05], [0, "C", 0.3]`, `1.2], [0, "C", 0.3]`,
			`inputs.matrices.m: row "H", column "D": probability 1.2 is outside [0, 1]`},
		{"negative probability", `[0, "C", 0.3]`, `[-0.1, "C", 0.3]`,
			`inputs.matrices.m: row "S", column "H": probability -0.1 is outside [0, 1]`},
		{"expression outside [0, 1]", `"p_hs", 0.05]`, `"p_hs * 6", 0.05]`,
			`inputs.matrices.m: row "H", column "S": probability "p_hs * 6" = 1.2000000000000002 is outside [0, 1]`},
		{"row not summing to 1", `[0, "C", 0.3]`, `[0, 0.6, 0.3]`,
			`inputs.matrices.m: row "S": the probabilities sum to 0.8999999999999999, expected 1 (within 1e-9); write "C" in one cell for the complement`},
		{"complement negative", `[0, "C", 0.3]`, `[0.8, "C", 0.3]`,
			`inputs.matrices.m: row "S": the probabilities of the other columns sum to 1.1 > 1, so the complement in column "S" would be negative`},
		{"two complements", `[0, "C", 0.3]`, `["#", "C", 0.3]`,
			`inputs.matrices.m: row "S" has more than one complement ("C" or "#"), expected at most one`},
		{"negative cost", `per_cycle = { H = 100, S = 100 }`, `per_cycle = { H = -100, S = 100 }`,
			`inputs.costs[1] (drug): per_cycle, state "H": cost -100 is negative, expected >= 0`},
		{"unknown state", `per_cycle = { S = "c_s" }`, `per_cycle = { X = "c_s" }`,
			`inputs.costs[0] (care).per_cycle: unknown state "X"; expected one of the states: H, S, D`},
		{"unknown dead state", `dead = ["D"]`, `dead = ["Dead"]`,
			`inputs: dead lists "Dead", which is not a state; expected one of the states: H, S, D`},
		{"unknown parameter", `"p_hs", 0.05]`, `"p_sh", 0.05]`,
			`inputs.matrices.m: row "H", column "S": in "p_sh" at character 1: unknown name "p_sh"; expected a parameter declared in [inputs.params] (c_s, p_hs, rr) or "cycle"`},
		{"syntax error", `"p_hs", 0.05]`, `"p_hs * (2", 0.05]`,
			`inputs.matrices.m: row "H", column "S": in "p_hs * (2" at character 10: expected ")", got end of expression`},
		{"too few rows", `[0, "C", 0.3], [0, 0, 1]]`, `[0, "C", 0.3]]`,
			`inputs.matrices.m: probs has 2 rows, expected 3 (one per state: H, S, D)`},
		{"too many columns", `[0, 0, 1]]`, `[0, 0, 1, 0]]`,
			`inputs.matrices.m: row "D" has 4 columns, expected 3 (one per state: H, S, D)`},
		{"initial sizes", `initial = "H"`, `initial = [1, 0]`,
			`inputs: initial has 2 shares, expected 3 (one per state: H, S, D)`},
		{"initial shares", `initial = "H"`, `initial = [0.5, 0.4, 0]`,
			`inputs.initial: the shares sum to 0.9, expected 1 (within 1e-9)`},
		{"unknown key", `cycles = 5`, `cycles = 5
horizon = 5`, `inputs: unknown key "horizon", expected one of: states, dead, initial, strategies, cycles, cycle_years, counting, correction, weights, discount_costs, discount_effects, currency, params, matrices, transitions, costs, utilities, wtp, mvn, tables, age, tunnels`},
		{"unknown matrix", `usual = "m"`, `usual = "mm"`,
			`inputs.transitions.usual: unknown matrix "mm", expected one of: m, treated`},
		{"unknown strategy", `usual = "m"`, `usual = "m"
old = "m"`, `inputs.transitions: unknown strategy "old", expected one of: usual, new`},
		{"periods overlap", `{ from = 3, matrix = "m" }`, `{ from = 2, matrix = "m" }`,
			`inputs.transitions.new[1]: cycle 2 already has a matrix (treated); the periods of a strategy may not overlap`},
		{"periods leave a gap", `{ from = 3, matrix = "m" }`, `{ from = 4, matrix = "m" }`,
			`inputs.transitions.new: cycles 3 to 3 have no matrix; the periods must cover cycles 1 to 5`},
		{"cycle out of range", `to = 2
per_cycle`, `to = 6
per_cycle`, `inputs.costs[1] (drug): to must be an integer from 1 to 5, got number 6`},
		{"bad strategy name", `strategies = ["usual", "new"]`, `strategies = ["usual", "New drug"]`,
			`inputs: strategy name "New drug" must match ^[a-z][a-z0-9_]*$: it names the outputs (New drug_cost, …)`},
		{"rr makes a probability negative", `rr = 0.5`, `rr = -0.5`,
			`inputs.matrices.treated: rr "rr" = -0.5 must be a non-negative number`},
		{"rr too large", `rr = 0.5`, `rr = 4`,
			`inputs.matrices.treated: row "S", column "D": rr "rr" = 4 makes probability 0.3 into 1.2, above 1`},
		{"rr makes the diagonal negative", `rr = 0.5`, `rr = 1.5`,
			`inputs.matrices.treated: row "S": with rr "rr" = 1.5 the probabilities of leaving sum to 1.2 > 1, so the diagonal would be negative`},
		{"base is itself", `base = "m"`, `base = "treated"`,
			`inputs.matrices.treated: base "treated" is not another matrix; expected one of: m`},
		{"bases in a loop", `probs = [["C", "p_hs", 0.05], [0, "C", 0.3], [0, 0, 1]]`, `base = "treated"
rr = 1`, `inputs.matrices.m: the bases form a loop: m → treated → m`},
		{"reserved parameter", `rr = 0.5`, `mode = 0.5`,
			`inputs.params: parameter name "mode" is reserved (built-in parameters: mode, n_patients, psa, save_trace; variable: cycle; functions: abs, exp, floor, if, log, max, min, mod, lookup)`},
		{"default out of bounds", `default = 0.2, min`, `default = 1.2, min`,
			`inputs.params.p_hs: default 1.2 is outside [min, max]`},
		{"discount rate", `discount_costs = 0.035`, `discount_costs = -0.01`,
			`inputs: discount_costs = -0.01: expected a rate >= 0 per year (e.g. 0.035)`},
		{"counting and correction", `cycles = 5`, `cycles = 5
counting = "end"
correction = "trapezoid"`, `inputs: counting = "end" and correction = "trapezoid": give one; a within-cycle correction sets the weights of both ends of each cycle`},
		{"counts row of zeros", `probs = [["C", "p_hs", 0.05], [0, "C", 0.3], [0, 0, 1]]`, `counts = [[5, 3, 2], [0, 7, 3], [0, 0, 0]]`,
			`inputs.matrices.m: row "D": the counts sum to 0; an absorbing state counts 1 on its diagonal`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := replaceOnce(t, validDef, c.old, c.new)
			if e, ok := secondEdit[c.name]; ok {
				def = replaceOnce(t, def, e[0], e[1])
			}
			in := inputsOf(t, def)
			_, err := Model{}.DescribeInputs(in)
			if err == nil {
				t.Fatal("no error")
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Errorf("error %T, want *InputError", err)
			}
			if err.Error() != c.want {
				t.Errorf("error\n  %s\nwant\n  %s", err, c.want)
			}
		})
	}
}

// TestRunErrors: values that break the model only with the run's
// parameters are reported by Run, naming the cell; a value that breaks it
// in one cycle names the cycle.
func TestRunErrors(t *testing.T) {
	in := inputsOf(t, validDef)
	for _, c := range []struct {
		raw  map[string]any
		want string
	}{
		{map[string]any{"rr": 4.0}, `inputs.matrices.treated: row "S", column "D": rr "rr" = 4 makes probability 0.3 into 1.2, above 1`},
		{map[string]any{"c_s": -5.0}, `inputs.costs[0] (care): per_cycle, state "S": cost "c_s" = -5 is negative, expected >= 0`},
	} {
		_, err := runWith(t, in, c.raw, 1)
		if err == nil || err.Error() != c.want {
			t.Errorf("Run with %v: error\n  %v\nwant\n  %s", c.raw, err, c.want)
		}
	}
	bad := inputsOf(t, replaceOnce(t, validDef, `"p_hs", 0.05]`, `"0.3 * cycle", 0.05]`))
	_, err := Model{}.DescribeInputs(bad)
	if want := `inputs.matrices.m: row "H", column "S", cycle 4: probability "0.3 * cycle" = 1.2 is outside [0, 1]`; err == nil || err.Error() != want {
		t.Errorf("error\n  %v\nwant\n  %s", err, want)
	}
	_, err = Model{}.Run(context.Background(), models.RunSpec{Model: Name, Params: models.Params{}}, nil)
	if want := "inputs: missing: the model is defined in the scenario's [inputs] table (states, strategies, matrices, costs…; see the documentation of models/statetransition)"; err == nil || err.Error() != want {
		t.Errorf("Run without inputs: %v", err)
	}
}
