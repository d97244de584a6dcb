package statetransition

import (
	"fmt"
	"math"
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

// TestDerivedMatrixSetCells: a matrix derived from another with its
// progressions halved and one cell given its own value. By hand, with base
// rows A = (0.7, 0.2, 0.1), B = (0, 0.8, 0.2): the derived rows are
// A = (0.6, 0.1, 0.3 set), B = (0, 0.9, 0.1); from A the alive occupancy
// is 0.6 + 0.1 after one cycle and 0.36 + (0.06 + 0.09) after two, so 1.21
// life-years with end counting.
func TestDerivedMatrixSetCells(t *testing.T) {
	const def = `
[inputs]
states = ["A", "B", "C"]
dead = ["C"]
initial = "A"
strategies = ["base", "derived"]
cycles = 2

[inputs.params]
p_ac = 0.3

[inputs.matrices.m]
probs = [[0.7, 0.2, 0.1], [0, 0.8, 0.2], [0, 0, 1]]

[inputs.matrices.d]
base = "m"
rr = 0.5
%s

[inputs.transitions]
base = "m"
derived = "d"
`
	out := mustRun(t, inputsOf(t, fmtSprintf(def, `set = { A = { C = "p_ac" } }`)), nil)
	if got := out["derived_ly"]; relErr(got, 1.21) > 1e-14 {
		t.Errorf("life-years %.15g, by hand 1.21", got)
	}
	// set alone keeps the other cells: A = (0.6, 0.2, 0.2 set), B as the
	// base; alive 0.6 + 0.2 after one cycle, 0.36 + (0.12 + 0.16) after two.
	out = mustRun(t, inputsOf(t, replaceOnce(t, fmtSprintf(def, `set = { A = { C = 0.2 } }`), "rr = 0.5\n", "")), nil)
	if got := out["derived_ly"]; relErr(got, 0.8+0.36+0.12+0.16) > 1e-14 {
		t.Errorf("set alone: life-years %.15g, by hand 1.44", got)
	}
	for _, c := range []struct{ set, want string }{
		{`set = { A = { A = 0.5 } }`, "set.A.A: the diagonal is the complement of the row and cannot be set"},
		{`set = { A = { X = 0.5 } }`, `set.A: unknown state "X"`},
		{`set = { A = { C = 1.5 } }`, `set: row "A", column "C": probability 1.5 is outside [0, 1]`},
	} {
		_, err := Model{}.DescribeInputs(inputsOf(t, fmtSprintf(def, c.set)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.set, err)
		}
	}
}

// TestStartCosts: a cost at time 0 (at_start) is counted once, undiscounted,
// under every counting convention. By hand, with 100 a cycle alive,
// survival 0.9 a cycle and costs discounted at 3.5 %: end counting gives
// 1000 + Σ_{t=1..4} 100·(0.9/1.035)^t, beginning 1000 + Σ_{t=0..3} of the
// same, half-cycle the mean of the two.
func TestStartCosts(t *testing.T) {
	const costs = `
[[inputs.costs]]
name = "care"
per_cycle = { alive = 100 }

[[inputs.costs]]
name = "start-up"
at_start = { alive = 1000 }
`
	var end, beginning float64
	for t := range 5 {
		x := 100 * math.Pow(0.9/1.035, float64(t))
		if t > 0 {
			end += x
		}
		if t < 4 {
			beginning += x
		}
	}
	for _, c := range []struct {
		line string
		want float64
	}{
		{`counting = "end"`, 1000 + end},
		{`counting = "beginning"`, 1000 + beginning},
		{`correction = "half-cycle"`, 1000 + (end+beginning)/2},
	} {
		def := fmtSprintf(survival, c.line+"\ndiscount_costs = 0.035") + costs
		out := mustRun(t, inputsOf(t, def), nil)
		if got := out["only_cost"]; relErr(got, c.want) > 1e-13 {
			t.Errorf("%s: cost %.12g, by hand %.12g", c.line, got, c.want)
		}
	}
}

// lifeTableDef: alive → dead with the probability of a life table by age
// and sex, the cohort aged 40 at the start; %s is cycle_years.
const lifeTableDef = `
[inputs]
states = ["alive", "dead"]
dead = ["dead"]
initial = "alive"
strategies = ["only"]
cycles = 4
cycle_years = %s
age = 40

[inputs.params]
female = 1

[inputs.tables.qx_f]
x = [0, 41, 42, 43]
y = [0.1, 0.2, 0.3, 0.4]

[inputs.tables.qx_m]
x = [0]
y = [0.2]

[inputs.matrices.m]
probs = [["C", "if(female, lookup(qx_f, age), lookup(qx_m, age))"], [0, 1]]

[inputs.transitions]
only = "m"
`

// TestLifeTableLookup: the age advances by cycle_years each cycle and
// lookup reads the step function. By hand (end counting, life-years =
// cycle_years × the alive share after each cycle): women with annual
// cycles meet q = 0.1, 0.2, 0.3, 0.4, so 0.9 + 0.72 + 0.504 + 0.3024;
// men q = 0.2 throughout, 0.8 + 0.64 + 0.512 + 0.4096; women with
// half-year cycles are 40, 40.5, 41, 41.5: q = 0.1, 0.1, 0.2, 0.2, so
// 0.5·(0.9 + 0.81 + 0.648 + 0.5184).
func TestLifeTableLookup(t *testing.T) {
	for _, c := range []struct {
		dt     string
		female float64
		want   float64
	}{
		{"1", 1, 0.9 + 0.72 + 0.504 + 0.3024},
		{"1", 0, 0.8 + 0.64 + 0.512 + 0.4096},
		{"0.5", 1, 0.5 * (0.9 + 0.81 + 0.648 + 0.5184)},
	} {
		out := mustRun(t, inputsOf(t, fmtSprintf(lifeTableDef, c.dt)), map[string]any{"female": c.female})
		if got := out["only_ly_undisc"]; relErr(got, c.want) > 1e-14 {
			t.Errorf("cycle_years %s, female %v: life-years %.15g, by hand %.15g", c.dt, c.female, got, c.want)
		}
	}
	for _, c := range []struct{ old, new, want string }{
		{"x = [0, 41, 42, 43]", "x = [0, 41, 41, 43]", "x must increase: x[2] = 41 after 41"},
		{`lookup(qx_m, age)`, `lookup(qx_z, age)`, "lookup's first argument must be a table of [inputs.tables] (qx_f, qx_m)"},
		{"age = 40\n", "", `unknown name "age"`},
	} {
		_, err := Model{}.DescribeInputs(inputsOf(t, replaceOnce(t, fmtSprintf(lifeTableDef, "1"), c.old, c.new)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.new, err, c.want)
		}
	}
}

// tunnelDef: well → sick → dead, where the chance of dying when sick falls
// after the first cycle of the illness and care costs more in it.
const tunnelDef = `
[inputs]
states = ["well", "sick", "dead"]
dead = ["dead"]
initial = "well"
strategies = ["only"]
cycles = 6
discount_costs = 0.035
tunnels = { sick = 2 }

[inputs.matrices.m]
probs = [
  ["C", 0.2, 0.05],
  [0.1, "C", "if(tunnel == 1, 0.3, 0.1)"],
  [0, 0, 1],
]

[inputs.transitions]
only = "m"

[[inputs.costs]]
name = "care"
per_cycle = { sick = "if(tunnel == 1, 5000, 1000)" }
on_entry = { sick = 300 }
`

// tunnelByHand is tunnelDef with the two positions of sick written out by
// hand, as analysts did without tunnels: entering sick is entering sick_1,
// staying moves sick_1 to sick_2, and sick_2 keeps those who stay.
const tunnelByHand = `
[inputs]
states = ["well", "sick_1", "sick_2", "dead"]
dead = ["dead"]
initial = "well"
strategies = ["only"]
cycles = 6
discount_costs = 0.035

[inputs.matrices.m]
probs = [
  ["C", 0.2, 0, 0.05],
  [0.1, 0, "C", 0.3],
  [0.1, 0, "C", 0.1],
  [0, 0, 0, 1],
]

[inputs.transitions]
only = "m"

[[inputs.costs]]
name = "care"
per_cycle = { sick_1 = 5000, sick_2 = 1000 }
on_entry = { sick_1 = 300 }
`

// TestTunnelStates: the tunnel definition gives exactly the outputs of the
// model written out by hand, and its trace names the positions.
func TestTunnelStates(t *testing.T) {
	got := mustRun(t, inputsOf(t, tunnelDef), nil)
	want := mustRun(t, inputsOf(t, tunnelByHand), nil)
	for k, w := range want {
		if relErr(got[k], w) > 1e-15 {
			t.Errorf("%s = %.15g, by hand %.15g", k, got[k], w)
		}
	}
	res, err := runWith(t, inputsOf(t, tunnelDef), map[string]any{ParamSaveTrace: true}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if cols := strings.Join(res.Tables[0].Columns, ","); cols != "t,years,well,sick_1,sick_2,dead" {
		t.Errorf("trace columns %s", cols)
	}
	for _, c := range []struct{ old, new, want string }{
		{"tunnels = { sick = 2 }", "tunnels = { ill = 2 }", `inputs.tunnels: unknown state "ill"`},
		{"tunnels = { sick = 2 }", "tunnels = { sick = 1.5 }", "sick: number 1.5, expected a whole number of cycles from 2 to 1000"},
		{"probs = [", "rates = [", "a rates matrix cannot have tunnel states"},
	} {
		_, err := Model{}.DescribeInputs(inputsOf(t, replaceOnce(t, tunnelDef, c.old, c.new)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.new, err, c.want)
		}
	}
}

// csvLifeTableDef: alive → dead with the England and Wales 2019 death
// rates of testdata/lifetable_ew_2019.csv (HMD, CC BY 4.0; provenance in
// the file), by age and sex: two tables of one file, read by lookup with
// the cohort's advancing age.
const csvLifeTableDef = `
[inputs]
states = ["alive", "dead"]
dead = ["dead"]
initial = "alive"
strategies = ["only"]
cycles = %d
cycle_years = %s
age = 60

[inputs.params]
female = 1
dt = %s

[inputs.tables.mx_f]
csv = "testdata/lifetable_ew_2019.csv"
x = "age"
y = "female"

[inputs.tables.mx_m]
csv = "testdata/lifetable_ew_2019.csv"
x = "age"
y = "male"

[inputs.matrices.m]
probs = [["C", "1 - exp(-dt * if(female, lookup(mx_f, age), lookup(mx_m, age)))"], [0, 1]]

[inputs.transitions]
only = "m"
`

// TestLifeTableFromCSV: a cohort aged 60 followed for 40 years with the
// life table read from a CSV file. By hand, from the file read here line
// by line: with end counting the life-years are Σ_{k=1..n} Δ·S_k, S_k =
// Π_{j<k} e^(−Δ·m(⌊60 + j·Δ⌋)), the age-year's central death rate m of
// the cohort's sex (annual cycles, and half-year cycles whose two halves
// of a year share that year's rate). Tolerance 1e-12 relative (sums of 40
// to 80 products).
func TestLifeTableFromCSV(t *testing.T) {
	mx := map[string][]float64{}
	for _, line := range strings.Split(string(mustRead(t, "testdata/lifetable_ew_2019.csv")), "\n") {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) != 3 || strings.HasPrefix(line, "#") || f[0] == "age" {
			continue
		}
		var v [3]float64
		for i := range f {
			if _, err := fmt.Sscan(f[i], &v[i]); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
		}
		mx["female"], mx["male"] = append(mx["female"], v[1]), append(mx["male"], v[2])
	}
	for _, c := range []struct {
		cycles int
		dt     float64
		female bool
	}{{40, 1, true}, {40, 1, false}, {80, 0.5, true}} {
		col, fem := "male", 0.0
		if c.female {
			col, fem = "female", 1
		}
		var ly float64
		s := 1.0
		for k := 0; k < c.cycles; k++ {
			s *= math.Exp(-c.dt * mx[col][int(math.Floor(60+float64(k)*c.dt))])
			ly += c.dt * s
		}
		dt := fmt.Sprint(c.dt)
		out := mustRun(t, inputsOf(t, fmt.Sprintf(csvLifeTableDef, c.cycles, dt, dt)), map[string]any{"female": fem})
		if got := out["only_ly_undisc"]; relErr(got, ly) > 1e-12 {
			t.Errorf("%s, cycle %v: life-years %.15g, by hand %.15g", col, c.dt, got, ly)
		}
	}
	def := fmt.Sprintf(csvLifeTableDef, 40, "1", "1")
	for _, c := range []struct{ old, new, want string }{
		{`y = "male"`, `y = "men"`, `has no column "age" or "men"; its columns are "age, female, male"`},
		{`csv = "testdata/lifetable_ew_2019.csv"` + "\nx = \"age\"\ny = \"male\"", `csv = "testdata/none.csv"` + "\nx = \"age\"\ny = \"male\"", `csv "testdata/none.csv": no such file or directory`},
		{`y = "male"`, `y = 3`, "needs csv (the file), x and y (column names), all strings"},
		{`y = "male"`, "y = \"male\"\nz = 1", `unknown key`},
	} {
		_, err := Model{}.DescribeInputs(inputsOf(t, replaceOnce(t, def, c.old, c.new)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.new, err, c.want)
		}
	}
}
