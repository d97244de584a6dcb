package emax_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/examples/plugin-emax/emax"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pluginsdk/pluginsdktest"
)

func run(t *testing.T, raw map[string]any, inputs string) (models.Result, error) {
	t.Helper()
	m := emax.Model{}
	ps, err := m.Describe().Resolve(raw)
	if err != nil {
		t.Fatal(err)
	}
	spec := models.RunSpec{Model: "emax", Params: ps}
	if inputs != "" {
		spec.Inputs = json.RawMessage(inputs)
	}
	return m.Run(context.Background(), spec, nil)
}

func TestConformance(t *testing.T) {
	pluginsdktest.Conformance(t, emax.Model{})
}

func TestAnalyticValues(t *testing.T) {
	const tol = 1e-14 // relative; the formulas are a few correctly rounded operations
	for _, tc := range []struct {
		name                    string
		e0, emax, ec50, hill, c float64
		effect, fraction, ec90  float64
	}{
		// At C = EC50, f = 1/2 exactly for any n, so E = E0 + Emax/2.
		{"C=EC50, n=1", 10, 80, 2, 1, 2, 50, 0.5, 18},       // EC90 = 9·EC50 for n = 1
		{"C=EC50, n=2", -5, 40, 3, 2, 3, 15, 0.5, 9},        // EC90 = 3·EC50 for n = 2
		{"C=EC50, n=0.5", 0, -60, 4, 0.5, 4, -30, 0.5, 324}, // EC90 = 81·EC50 for n = 1/2; inhibitory
		// n = 1, C = 3·EC50: f = 3/4 (hyperbolic Emax model).
		{"C=3·EC50, n=1", 0, 100, 1, 1, 3, 75, 0.75, 9},
		// C = 0: no drug, baseline effect.
		{"C=0", 7, 100, 1, 4, 0, 7, 0, 1 * math.Sqrt(math.Sqrt(9))},
		// n = 2, C = 2·EC50: f = 4/5.
		{"C=2·EC50, n=2", 1, 10, 5, 2, 10, 9, 0.8, 15},
	} {
		res, err := run(t, map[string]any{"e0": tc.e0, "emax": tc.emax, "ec50_mg_per_l": tc.ec50, "hill": tc.hill, "c_mg_per_l": tc.c}, "")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, o := range []struct {
			name      string
			got, want float64
		}{
			{"effect", res.Scalars["effect"], tc.effect},
			{"fractional_occupancy", res.Scalars["fractional_occupancy"], tc.fraction},
			{"ec90_mg_per_l", res.Scalars["ec90_mg_per_l"], tc.ec90},
		} {
			if math.Abs(o.got-o.want) > tol*math.Max(1, math.Abs(o.want)) {
				t.Errorf("%s: %s = %v, want %v", tc.name, o.name, o.got, o.want)
			}
		}
	}
}

func TestEC90GivesNinetyPercent(t *testing.T) {
	// EC90 is defined by f(EC90) = 0.9; check the closed form against the
	// definition over a range of Hill coefficients.
	for _, n := range []float64{0.1, 0.3, 1, 1.7, 4, 10} {
		ec50 := 2.5
		if f := emax.Fraction(emax.EC90(ec50, n), ec50, n); math.Abs(f-0.9) > 1e-14 {
			t.Errorf("n = %v: f(EC90) = %v, want 0.9", n, f)
		}
	}
}

func TestEffectCurve(t *testing.T) {
	res, err := run(t, map[string]any{"e0": 5.0, "emax": 20.0, "ec50_mg_per_l": 2.0, "hill": 1.0},
		`{"concentrations_mg_per_l": [0, 2, 6, 1e6]}`)
	if err != nil {
		t.Fatal(err)
	}
	// f = 0, 1/2, 3/4 and 1/(1+2e-6) at C = 0, EC50, 3·EC50 and 5e5·EC50.
	want := [][]float64{{0, 5}, {2, 15}, {6, 20}, {1e6, 5 + 20/(1+2e-6)}}
	if len(res.Tables) != 1 || res.Tables[0].Name != "effect_curve" || len(res.Tables[0].Rows) != len(want) {
		t.Fatalf("tables: %+v", res.Tables)
	}
	for i, row := range res.Tables[0].Rows {
		if row[0] != want[i][0] || math.Abs(row[1]-want[i][1]) > 1e-13 {
			t.Errorf("row %d = %v, want %v", i, row, want[i])
		}
	}
	for _, tc := range []struct{ inputs, want string }{
		{`{"concentrations_mg_per_l": [1, -2]}`, "concentrations_mg_per_l[1] = -2: expected a finite concentration ≥ 0 mg/L"},
		{`{"concentration": [1]}`, `unknown field "concentration"`},
		{`[1, 2]`, "expected {\"concentrations_mg_per_l\""},
	} {
		if _, err := run(t, nil, tc.inputs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("inputs %s: error %v, want %q", tc.inputs, err, tc.want)
		}
	}
}

func TestBoundsNameTheParameter(t *testing.T) {
	_, err := emax.Model{}.Describe().Resolve(map[string]any{"hill": 20.0})
	if err == nil || err.Error() != `parameter "hill" of model "emax" = 20: above the maximum 10` {
		t.Errorf("error %v", err)
	}
}

func Example() {
	m := emax.Model{}
	ps, _ := m.Describe().Resolve(map[string]any{"emax": 100.0, "ec50_mg_per_l": 2.0, "hill": 2.0, "c_mg_per_l": 2.0})
	res, _ := m.Run(context.Background(), models.RunSpec{Params: ps}, nil)
	fmt.Printf("effect %.1f, occupancy %.2f, EC90 %.1f mg/L\n",
		res.Scalars["effect"], res.Scalars["fractional_occupancy"], res.Scalars["ec90_mg_per_l"])
	// Output: effect 50.0, occupancy 0.50, EC90 6.0 mg/L
}
