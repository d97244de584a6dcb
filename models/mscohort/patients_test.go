package mscohort

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// Listed patients start where the baseline would put them: 300 copies of a
// 40-year-old woman at EDSS 3 in RRMS give bit for bit the results of a
// one-hot baseline (female 1, age 40 with sd 0, EDSS 3, spms 0), since the
// baseline draws are made either way and every later draw is the same.
// Two listed patients alternate: patient i starts from row i mod 2.
func TestListedPatientsMatchOneHotBaseline(t *testing.T) {
	oneHot := []float64{0, 0, 0, 1, 0, 0, 0, 0, 0, 0}
	base := mustJSON(t, map[string]any{"baseline": map[string]any{"female": 1.0, "age_mean": 40.0, "age_sd": 0.0, "edss": oneHot, "spms": 0.0}})
	row := map[string]any{"patient_id": "MS-1", "sex": "F", "age": 40.0, "edss": 3.5, "course": "RRMS", "relapse_2y": "no"}
	rows := make([]map[string]any, 300)
	for i := range rows {
		rows[i] = row
	}
	listed := mustJSON(t, map[string]any{"patients": rows})
	raw := map[string]any{"n_patients": int64(300)}
	a, b := run(t, base, raw, 7), run(t, listed, raw, 7)
	for k, v := range a {
		if b[k] != v && !(math.IsNaN(v) && math.IsNaN(b[k])) {
			t.Errorf("%s: listed %v, baseline %v", k, b[k], v)
		}
	}
	// Alternating rows: the same as two half cohorts — in particular a
	// 70-year-old SPMS man makes the cohort older and sicker.
	old := map[string]any{"sex": "male", "age": 70.0, "edss": 6.0, "course": "spms"}
	mixed := run(t, mustJSON(t, map[string]any{"patients": []map[string]any{row, old}}), raw, 7)
	if !(mixed["ofatumumab_first_ly"] < a["ofatumumab_first_ly"]) {
		t.Errorf("life-years with older patients %v, not below %v", mixed["ofatumumab_first_ly"], a["ofatumumab_first_ly"])
	}
}

func TestListedPatientsErrors(t *testing.T) {
	for _, tc := range []struct {
		patients any
		want     string
	}{
		{"x", "inputs.patients: expected a list of tables"},
		{[]any{}, "inputs.patients: is empty"},
		{[]any{map[string]any{"sex": "F", "age": 30.0, "edss": 2.0}}, "inputs.patients[0]: no course"},
		{[]any{map[string]any{"sex": "X", "age": 30.0, "edss": 2.0, "course": "RRMS"}}, `inputs.patients[0]: sex = "X", expected F or M`},
		{[]any{map[string]any{"sex": "F", "age": 30.0, "edss": 10.0, "course": "RRMS"}}, "inputs.patients[0]: edss = 10, expected a number in [0, 10)"},
		{[]any{map[string]any{"sex": "F", "age": "30", "edss": 1.0, "course": "RRMS"}}, "inputs.patients[0]: age = 30, expected a number"},
		{[]any{map[string]any{"sex": "F", "age": 30.0, "edss": 1.0, "course": "PPMS"}}, `course = "PPMS", expected RRMS or SPMS`},
	} {
		_, err := Model{}.DescribeInputs(mustJSON(t, map[string]any{"patients": tc.patients}))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("patients %v: %v, want %q", tc.patients, err, tc.want)
		}
	}
	// The annual cohort cannot take listed patients.
	in := mustJSON(t, map[string]any{"patients": []any{map[string]any{"sex": "F", "age": 30.0, "edss": 1.0, "course": "RRMS"}}})
	desc, err := Model{}.DescribeInputs(in)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := desc.Resolve(map[string]any{"mode": "cohort"})
	if _, err := (Model{}).Run(context.Background(), models.RunSpec{Seed: 1, Params: ps, Inputs: in}, nil); err == nil || !strings.Contains(err.Error(), `mode = "cohort" cannot take listed patients`) {
		t.Errorf("cohort mode with patients: %v", err)
	}
}

// FuzzPatients: any [inputs] patients value gives patients in range or one
// clear error naming inputs.patients, never a panic.
func FuzzPatients(f *testing.F) {
	for _, s := range []string{`[{"sex":"F","age":30,"edss":2.5,"course":"RRMS"}]`, `[]`, `null`, `[{"sex":1}]`,
		`[{"sex":"m","age":99.9,"edss":9.5,"course":"spms","x":[1]}]`, `{"a":1}`, `[{"age":-1}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := parsePatients(data, 100)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "inputs.patients") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q", err)
			}
			return
		}
		for _, p := range ps {
			if p.age < 0 || p.age >= 100 || p.edss < 0 || p.edss >= NEDSS || (p.course != RRMS && p.course != SPMS) {
				t.Errorf("patient out of range: %+v", p)
			}
		}
	})
}
