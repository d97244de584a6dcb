package mscohort

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestBadInputs: each mistake is an *InputError from DescribeInputs that
// names the table, the row and the column (the CLI reports it against the
// scenario's [inputs] and exits with code 2).
func TestBadInputs(t *testing.T) {
	row := func(vals ...float64) []float64 { return vals }
	matrixWith := func(i, j int, p float64) [][]float64 {
		d, _ := compile(nil)
		m := make([][]float64, NEDSS)
		for r := range m {
			m[r] = append([]float64(nil), d.raw.NaturalHistory.RRMS[r]...)
		}
		m[i][j] = p
		return m
	}
	cases := []struct {
		name   string
		inputs string
		want   string
	}{
		{"probability above 1", mustStr(map[string]any{"natural_history": map[string]any{"rrms": matrixWith(3, 5, 1.2)}}),
			`inputs.natural_history.rrms: row "EDSS 3", column "EDSS 5": probability 1.2 is outside [0, 1]`},
		{"negative probability", mustStr(map[string]any{"natural_history": map[string]any{"spms": matrixWith(0, 9, -0.1)}}),
			`inputs.natural_history.spms: row "EDSS 0", column "EDSS 9": probability -0.1 is outside [0, 1]`},
		{"row not summing to 1", mustStr(map[string]any{"natural_history": map[string]any{"rrms": matrixWith(2, 2, 0.6870001)}}),
			`inputs.natural_history.rrms: row "EDSS 2": the probabilities sum to 1.0000001, expected 1 (within 1e-9)`},
		{"short row", mustStr(map[string]any{"natural_history": map[string]any{"rrms": [][]float64{row(1)}}}),
			`inputs.natural_history.rrms: has 1 rows, expected 10 (EDSS 0 to 9)`},
		{"conversion probability", mustStr(map[string]any{"natural_history": map[string]any{"to_spms": row(0, 0, 0, 1.5, 0, 0, 0, 0, 0, 0)}}),
			`inputs.natural_history.to_spms: column "EDSS 3": probability 1.5 is outside [0, 1]`},
		{"negative relapse rate", mustStr(map[string]any{"natural_history": map[string]any{"relapse_rrms": row(0.7, 0.7, -0.2, 0.7, 0.7, 0.5, 0.5, 0.5, 0.5, 0.5)}}),
			`inputs.natural_history.relapse_rrms: column "EDSS 2": rate -0.2 is negative, expected >= 0`},
		{"negative cost", mustStr(map[string]any{"costs": map[string]any{"edss": row(1, 2, 3, 4, 5, -6, 7, 8, 9, 10)}}),
			`inputs.costs.edss: column "EDSS 5": cost -6 is negative, expected >= 0`},
		{"negative relapse cost", mustStr(map[string]any{"costs": map[string]any{"relapse": -1}}),
			`inputs.costs: relapse: cost -1 is negative, expected >= 0`},
		{"negative drug cost", mustStr(map[string]any{"therapies": map[string]any{"ofatumumab": map[string]any{"cost": -83000}}}),
			`inputs.therapies.ofatumumab: cost -83000 is negative, expected >= 0`},
		{"negative discontinuation rate", mustStr(map[string]any{"therapies": map[string]any{"natalizumab": map[string]any{"discontinuation": -0.1}}}),
			`inputs.therapies.natalizumab: discontinuation: rate -0.1 is negative, expected >= 0`},
		{"negative SMR", mustStr(map[string]any{"mortality": map[string]any{"smr": row(1, 1, 1, 1, 1, 1, 1, 2, -3, 39)}}),
			`inputs.mortality.smr: column "EDSS 8": mortality multiplier -3 is negative, expected >= 0`},
		{"negative death rate", mustStr(map[string]any{"mortality": map[string]any{"female_mx": row(0.01, -0.02)}}),
			`inputs.mortality.female_mx: age 1: death rate -0.02 is negative, expected >= 0`},
		{"baseline shares", mustStr(map[string]any{"baseline": map[string]any{"edss": row(0.5, 0.6, 0, 0, 0, 0, 0, 0, 0, 0)}}),
			`inputs.baseline.edss: the shares sum to 1.1, expected 1 (within 1e-9)`},
		{"unknown key", `{"costs": {"edss_per_year": [1]}}`,
			`inputs.costs: unknown key "edss_per_year", expected one of: edss, relapse`},
		{"unknown therapy", mustStr(map[string]any{"strategies": strategies("s", lines(therapy("fingolimod")))}),
			`inputs.strategies[0] (s).lines[0]: unknown therapy "fingolimod", expected "none" or one of: dimethyl_fumarate, natalizumab, ofatumumab`},
		{"bad strategy name", mustStr(map[string]any{"strategies": strategies("Early", []any{})}),
			`inputs.strategies[0]: name "Early" must match ^[a-z][a-z0-9_]*$: it names the outputs (Early_cost_disc, …)`},
		{"wrong type", `{"costs": {"relapse": "high"}}`,
			`inputs.costs.relapse: expected a number, got a JSON string`},
	}
	for _, tc := range cases {
		_, err := Model{}.DescribeInputs(json.RawMessage(tc.inputs))
		var ie *InputError
		if err == nil || !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.name, err, tc.want)
		}
	}
}

func mustStr(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestDefaultsAreTheirSources recomputes the numbers data/defaults.toml
// marks DERIVED from the sourced ones it names.
func TestDefaultsAreTheirSources(t *testing.T) {
	d, err := compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	nh := d.raw.NaturalHistory
	// The RRMS matrix averaged uniformly over the states of each band gives
	// Campbell et al. 2025's annual probabilities (MSBase Australia).
	band := func(e int) int {
		switch {
		case e == 0:
			return 0
		case e <= 3:
			return 1
		case e <= 6:
			return 2
		}
		return 3
	}
	size := [4]float64{1, 3, 3, 3}
	var b [4][4]float64
	for i := range NEDSS {
		for j := range NEDSS {
			b[band(i)][band(j)] += nh.RRMS[i][j] / size[band(i)]
		}
	}
	for _, c := range []struct {
		from, to int
		want     float64
	}{{0, 0, 0.5424}, {1, 1, 0.8202}, {2, 2, 0.6986}, {3, 3, 0.7783}, {0, 1, 0.4231}, {1, 2, 0.1138}, {2, 3, 0.0941}} {
		if math.Abs(b[c.from][c.to]-c.want) > 1e-9 {
			t.Errorf("band %d → %d: %.6f, Campbell %.4f", c.from, c.to, b[c.from][c.to], c.want)
		}
	}
	// SPMS rows: total worsening W → 1 − (1 − W)^2.509 in the RRMS
	// proportions (4 decimals), improvements unchanged.
	for i := range NEDSS {
		var w float64
		for j := i + 1; j < NEDSS; j++ {
			w += nh.RRMS[i][j]
		}
		wn := 1 - math.Pow(1-w, 2.509)
		for j := range NEDSS {
			want := nh.RRMS[i][j]
			if j > i {
				want = math.Round(nh.RRMS[i][j]*wn/w*1e4) / 1e4
			}
			if j != i && math.Abs(nh.SPMS[i][j]-want) > 1e-12 {
				t.Errorf("SPMS row %d, column %d: %.4f, derivation gives %.4f", i, j, nh.SPMS[i][j], want)
			}
		}
	}
	// RRMS → SPMS from EDSS 3: the EDSS-2 rate × 1.30 per step.
	r2 := -math.Log1p(-0.032)
	for e := 3; e < NEDSS; e++ {
		want := -math.Expm1(-r2 * math.Pow(1.3, float64(e-2)))
		if math.Abs(nh.ToSPMS[e]-want) > 5e-5 {
			t.Errorf("to_spms[%d] = %.4f, derivation gives %.5f", e, nh.ToSPMS[e], want)
		}
	}
	// Ofatumumab versus placebo through teriflunomide (Bucher).
	of := d.raw.Therapies["ofatumumab"]
	if hr := 0.66 * (0.70 + 0.68) / 2; math.Abs(of.HR-hr) > 5e-4 {
		t.Errorf("ofatumumab hr %.4f, derivation %.4f", of.HR, hr)
	}
	if rr := (0.11/0.22 + 0.10/0.25) / 2 * (0.37/0.54 + 0.32/0.50) / 2; math.Abs(of.RR-rr) > 5e-4 {
		t.Errorf("ofatumumab rr %.4f, derivation %.4f", of.RR, rr)
	}
	if se := (math.Log(0.412) - math.Log(0.256)) / 3.92; math.Abs(d.raw.Therapies["natalizumab"].RRSELog-se) > 5e-5 {
		t.Errorf("natalizumab rr_se_log %.4f, from the CI %.5f", d.raw.Therapies["natalizumab"].RRSELog, se)
	}
	// The baseline EDSS mean is near the trials' 2.93.
	var mean float64
	for e, s := range d.raw.Baseline.EDSS {
		mean += float64(e) * s
	}
	if math.Abs(mean-2.93) > 0.05 {
		t.Errorf("baseline mean EDSS %.3f, ASCLEPIOS 2.93", mean)
	}
}

// TestScenarioInputsOverrideDefaults: a scenario's [inputs] replaces single
// keys and keeps the rest.
func TestScenarioInputsOverrideDefaults(t *testing.T) {
	d, err := compile([]byte(`{"costs": {"relapse": 5000}, "therapies": {"ofatumumab": {"cost": 1}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.base.costRelapse != 5000 || d.base.costEDSS[0] != 1859 {
		t.Errorf("relapse cost %v, EDSS 0 cost %v", d.base.costRelapse, d.base.costEDSS[0])
	}
	for i, n := range d.therapyNames {
		if n == "ofatumumab" && (d.base.therapies[i].cost != 1 || d.base.therapies[i].hr != 0.455) {
			t.Errorf("ofatumumab %+v", d.base.therapies[i])
		}
	}
}
