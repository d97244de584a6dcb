package statetransition

import (
	"strings"
	"testing"
)

// chancellorWithIf is the HIV/Chancellor model written without periods or
// a cost item limited to cycles 1–2: one combination matrix and one drug
// cost whose cells switch with if(cycle <= 2, …).
const chancellorWithIf = `
[inputs]
states = ["A", "B", "C", "D"]
dead = ["D"]
initial = "A"
strategies = ["monotherapy", "combination"]
cycles = 20
counting = "end"
discount_costs = 0.06

[inputs.params]
rr = 0.509

[inputs.matrices.mono]
counts = [[1251, 350, 116, 17], [0, 731, 512, 15], [0, 0, 1312, 437], [0, 0, 0, 1]]

[inputs.matrices.comb]
probs = [
  ["C", "if(cycle <= 2, rr, 1) * 350/1734", "if(cycle <= 2, rr, 1) * 116/1734", "if(cycle <= 2, rr, 1) * 17/1734"],
  [0, "C", "if(cycle <= 2, rr, 1) * 512/1258", "if(cycle <= 2, rr, 1) * 15/1258"],
  [0, 0, "C", "if(cycle <= 2, rr, 1) * 437/1749"],
  [0, 0, 0, 1],
]

[inputs.transitions]
monotherapy = "mono"
combination = "comb"

[[inputs.costs]]
name = "medical and zidovudine"
per_cycle = { A = "1701 + 1055 + 2278", B = "1774 + 1278 + 2278", C = "6948 + 2059 + 2278" }

[[inputs.costs]]
name = "lamivudine"
strategies = ["combination"]
per_cycle = { A = "if(cycle <= 2, 2086.5, 0)", B = "if(cycle <= 2, 2086.5, 0)", C = "if(cycle <= 2, 2086.5, 0)" }
`

// TestConditionalExpressions: the Chancellor model written with if() and
// comparisons reproduces the published results (DMHEE ex. 2.5, as in
// checkChancellor).
func TestConditionalExpressions(t *testing.T) {
	checkChancellor(t, mustRun(t, inputsOf(t, chancellorWithIf), nil))
}

// survival is a two-state model, alive → dead with probability 0.1 a cycle,
// for 4 cycles, counting life-years only; %s is its counting line.
const survival = `
[inputs]
states = ["alive", "dead"]
dead = ["dead"]
initial = "alive"
strategies = ["only"]
cycles = 4
%s

[inputs.matrices.m]
probs = [["C", 0.1], [0, 1]]

[inputs.transitions]
only = "m"
`

// TestUserWeights: life-years with user-given trace-point weights are
// Σ_t w_t·0.9^t; Simpson's weights given by hand equal correction =
// "simpson".
func TestUserWeights(t *testing.T) {
	// 0.25 + 0.5·0.9 + 1·0.81 + 2·0.729 + 0.25·0.6561, by hand.
	const want = 0.25 + 0.45 + 0.81 + 1.458 + 0.164025
	got := mustRun(t, inputsOf(t, fmtSprintf(survival, "weights = [0.25, 0.5, 1, 2, 0.25]")), nil)["only_ly"]
	if relErr(got, want) > 1e-14 {
		t.Errorf("life-years %.15g, by hand %.15g", got, want)
	}
	simpson := mustRun(t, inputsOf(t, fmtSprintf(survival, `correction = "simpson"`)), nil)["only_ly"]
	byHand := mustRun(t, inputsOf(t, fmtSprintf(survival, "weights = [0.333333333333333333, 1.33333333333333333, 0.666666666666666667, 1.33333333333333333, 0.333333333333333333]")), nil)["only_ly"]
	if relErr(byHand, simpson) > 1e-14 {
		t.Errorf("Simpson by hand %.15g, correction %.15g", byHand, simpson)
	}
	for _, c := range []struct{ line, want string }{
		{"weights = [1, 1]", "weights must be a list of 5 numbers, the weights of trace points 0..4 (cycles + 1)"},
		{"weights = [0, 1, 1, 1, 1]\ncorrection = \"simpson\"", "weights and counting or correction: give one"},
	} {
		_, err := Model{}.DescribeInputs(inputsOf(t, fmtSprintf(survival, c.line)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v", c.line, err)
		}
	}
}
