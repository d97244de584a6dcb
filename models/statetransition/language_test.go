package statetransition

import "testing"

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
