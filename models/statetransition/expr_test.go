package statetransition

import (
	"math"
	"testing"
)

func TestExpr(t *testing.T) {
	sc := &scope{index: map[string]int{"a": 0, "b_2": 1}, names: []string{"a", "b_2"}}
	v := env{3, 0.5, 4} // a, b_2, cycle
	cases := []struct {
		src   string
		want  float64
		cycle bool
		konst bool
	}{
		{"1", 1, false, true},
		{"1.5e-3", 0.0015, false, true},
		{".25", 0.25, false, true},
		{"a", 3, false, false},
		{"a + b_2 * 2", 4, false, false},
		{"(a + b_2) * 2", 7, false, false},
		{"a - b_2 - 1", 1.5, false, false},
		{"a / b_2 / 2", 3, false, false},
		{"-a + +2", -1, false, false},
		{"--a", 3, false, false},
		{"2 × a ÷ 4 − 1", 0.5, false, false},
		{"cycle * b_2", 2, true, false},
		{"1 - exp(-0.1 * cycle)", 1 - math.Exp(-0.4), true, false},
		{"log(a)", math.Log(3), false, false},
		{"min(a, b_2, 1)", 0.5, false, false},
		{"max(a, cycle)", 4, true, false},
		{" a*b_2 ", 1.5, false, false},
		// Comparisons, conditionals and the other functions (a = 3,
		// b_2 = 0.5, cycle = 4), each value worked by hand.
		{"a ^ 2", 9, false, false},
		{"2 ^ 3 ^ 2", 512, false, true}, // right-associative: 2^9
		{"-a ^ 2", -9, false, false},    // −(3²)
		{"2 ^ -1", 0.5, false, true},    // a sign in the exponent
		{"a * 2 ^ 2", 12, false, false}, // ^ before *
		{"cycle <= 2", 0, true, false},  // 4 ≤ 2 is false
		{"cycle > 2", 1, true, false},
		{"a == 3", 1, false, false},
		{"a != 3", 0, false, false},
		{"a ≥ 3", 1, false, false},
		{"b_2 < a + 1", 1, false, false}, // 0.5 < 4: arithmetic first
		{"if(cycle <= 2, 0.509, 1)", 1, true, false},
		{"if(cycle > 2, a, 1 / 0)", 3, true, false}, // the other branch is not evaluated
		{"if(0, 1, 2)", 2, false, true},
		{"abs(b_2 - a)", 2.5, false, false},
		{"floor(a / 2)", 1, false, false},
		{"floor(-b_2)", -1, false, false},
		{"mod(cycle, 3)", 1, true, false}, // 4 = 1·3 + 1
		{"mod(-1, 3)", 2, false, true},    // −1 − 3·floor(−1/3) = −1 + 3
		{"mod(cycle - 1, 2) == 0", 0, true, false},
		{"max(0, min(1, a - 2.5))", 0.5, false, false},
	}
	for _, c := range cases {
		e, err := parseExpr(c.src, sc)
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if got := e.eval(v); math.Abs(got-c.want) > 1e-15 || e.cycle != c.cycle || e.konst != c.konst {
			t.Errorf("%q = %v (cycle %t, const %t), want %v (%t, %t)", c.src, got, e.cycle, e.konst, c.want, c.cycle, c.konst)
		}
	}
}

func TestExprErrors(t *testing.T) {
	sc := &scope{index: map[string]int{"a": 0}, names: []string{"a"}}
	for _, c := range []struct{ src, want string }{
		{"", `empty expression "": expected a number, a parameter or an arithmetic expression`},
		{"a +", `in "a +" at character 4: expected a number, a parameter or "(", got end of expression`},
		{"a b", `in "a b" at character 3: unexpected "b"`},
		{"(a", `in "(a" at character 3: expected ")", got end of expression`},
		{"a = 2", `in "a = 2" at character 3: unexpected character "="; expected numbers, parameter names, + - * / ^ ( ), comparisons (< <= > >= == !=) and exp, log, abs, floor, min, max, mod, if`},
		{"a < 2 < 3", `in "a < 2 < 3" at character 7: comparisons do not chain (a < b < c); write them apart, e.g. (a < b) * (b < c)`},
		{"if(a, 1)", `in "if(a, 1)": if takes 3 argument, got 2`},
		{"1.2.3", `in "1.2.3" at character 1: bad number "1.2.3"`},
		{"x * 2", `in "x * 2" at character 1: unknown name "x"; expected a parameter declared in [inputs.params] (a) or "cycle"`},
		{"exp(1, 2)", `in "exp(1, 2)": exp takes 1 argument, got 2`},
		{"min(1)", `in "min(1)": min takes two or more arguments, got 1`},
		{"exp 2", `in "exp 2" at character 5: function exp needs its arguments in parentheses, got "2"`},
		{"C", `in "C" at character 1: unknown name "C"; expected a parameter declared in [inputs.params] (a) or "cycle"`},
	} {
		_, err := parseExpr(c.src, sc)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: error\n  %v\nwant\n  %s", c.src, err, c.want)
		}
	}
}
