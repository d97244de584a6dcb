package statetransition

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/scenarios"
)

// FuzzParseExpr feeds arbitrary text to the expression compiler: it must
// not panic (a deeply nested expression must not exhaust the stack either),
// an error must be one line quoting the expression, and an expression it
// accepts must evaluate without panicking.
func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"1", "1.5e-3", "a + b_2 * 2", "(a + b_2) * 2", "-a + +2", "2 × a ÷ 4 − 1",
		"1 - exp(-0.1 * cycle)", "log(a)", "min(a, b_2, 1)", "max(a, cycle)", "a ^ 2", "1.2.3", "exp 2", "",
		"if(cycle <= 2, a, 1 / 0)", "2 ^ 3 ^ 2", "mod(-1, 3) == 0", "abs(floor(b_2 - a)) != 1", "a < 2 < 3",
		"lookup(t, age)", "lookup(t, a) * if(age >= 41, 2, 1)", "lookup(z, 1)"} {
		f.Add(s)
	}
	years := 1.0
	sc := &scope{index: map[string]int{"a": 0, "b_2": 1}, names: []string{"a", "b_2"},
		tables: map[string]*lookupTable{"t": {name: "t", x: []float64{0, 41}, y: []float64{0.1, 0.2}}},
		age:    &ageVar{start: 40, dt: &years}}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := parseExpr(src, sc)
		if err != nil {
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error is not one line: %q", msg)
			}
			return
		}
		v := e.eval(env{3, 0.5, 4})
		if e.konst && e.cycle {
			t.Fatalf("%q is both constant and cycle-dependent", src)
		}
		_ = math.IsNaN(v)
	})
}

// FuzzDescribeInputs feeds arbitrary JSON to the model-definition compiler
// (the [inputs] table of a scenario, with its cell expressions). It must
// not panic and must answer errors with one line naming where in [inputs]
// the problem is.
func FuzzDescribeInputs(f *testing.F) {
	for _, path := range []string{"../../scenarios/examples/hiv-chancellor.toml", "../../scenarios/examples/hiv-chancellor-psa.toml"} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		sc, err := scenarios.Parse(path, b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(sc.Inputs))
	}
	f.Add([]byte(`{"states":["well","dead"],"strategies":["a"],"matrices":{"a":[[0.9,0.1],[0,1]]},"cycles":3}`))
	for _, def := range []string{fmtSprintf(lifeTableDef, "1"), mvnDef, chancellorWithIf, tunnelDef, fmtSprintf(survival, "weights = [0.25, 0.5, 1, 2, 0.25]")} {
		sc, err := scenarios.Parse("seed.toml", []byte("[study]\nname = \"t\"\nmodel = \"statetransition\"\nseed = 1\n\n"+def))
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(sc.Inputs))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return // the scenario loader hands the model JSON it made itself
		}
		_, err := Model{}.DescribeInputs(data)
		if err != nil {
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || !strings.HasPrefix(msg, "inputs") {
				t.Fatalf("error is not one line starting with its place in [inputs]: %q", msg)
			}
		}
	})
}

// FuzzCSVTable feeds arbitrary file contents to the CSV look-up table
// reader ([inputs.tables.<name>] csv): it returns a table or one-line
// error, never panics, and a table it returns has increasing x.
func FuzzCSVTable(f *testing.F) {
	b, err := os.ReadFile("testdata/lifetable_ew_2019.csv")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(b), "age,female,male\n0,1,2\n", "age,female\n1,2\n0,3\n", "# c\nage,female,male\n1,x,2\n", "", "age\n", "age,female,male\n1,2\n"} {
		f.Add([]byte(s))
	}
	path := filepath.Join(f.TempDir(), "t.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		lt, err := readCSVTable(table{where: "inputs.tables.t", m: map[string]any{"csv": path, "x": "age", "y": "female"}}, "t")
		if err != nil {
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error is not one line: %q", msg)
			}
			return
		}
		for i := 1; i < len(lt.x); i++ {
			if !(lt.x[i] > lt.x[i-1]) {
				t.Fatalf("x not increasing: %v", lt.x)
			}
		}
	})
}
