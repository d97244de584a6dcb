package mscohort

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// startState is one patient's state at time 0, from [inputs] patients.
type startState struct {
	female bool
	age    float64 // years
	edss   int     // state 0..9
	course Course
}

// errCohortPatients refuses mode = "cohort" with listed patients.
const errCohortPatients = `mode = "cohort" cannot take listed patients: the annual cohort stratifies by age and sex and draws EDSS and course independently; use mode = "des"`

// parsePatients reads [inputs] patients: a list of tables, one per patient,
// each with
//
//	sex     "F" or "M" ("female", "male"; any case)
//	age     years at time 0, in [0, max_age)
//	edss    EDSS at time 0, in [0, 10); state k stands for EDSS k to k+0.5,
//	        so 3 and 3.5 are state 3
//	course  "RRMS" or "SPMS" (any case)
//
// and any other keys ignored, so that the rows of a registry extract, or of
// its avatar copy, can be passed as they are (scenarios [cohort] does so).
// Patient i of a run (0-based) starts from row i mod len(patients), so a
// run of n_patients = len(patients) simulates each listed patient once;
// the baseline therapy and its years still come from [inputs.baseline].
// Absent or null: nil, and the patients are drawn from [inputs.baseline].
func parsePatients(raw json.RawMessage, maxAge float64) ([]startState, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var rows []map[string]any
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, inputErr("inputs.patients", "expected a list of tables {sex, age, edss, course}: %v", err)
	}
	if len(rows) == 0 {
		return nil, inputErr("inputs.patients", "is empty: list at least one patient, or leave it out to draw them from [inputs.baseline]")
	}
	out := make([]startState, len(rows))
	for i, r := range rows {
		where := fmt.Sprintf("inputs.patients[%d]", i)
		str := func(key string) (string, error) {
			v, ok := r[key]
			if !ok || v == nil {
				return "", inputErr(where, "no %s", key)
			}
			s, ok := v.(string)
			if !ok {
				return "", inputErr(where, "%s = %v, expected a string", key, v)
			}
			return s, nil
		}
		num := func(key string, lo, hi float64) (float64, error) {
			v, ok := r[key]
			if !ok || v == nil {
				return 0, inputErr(where, "no %s", key)
			}
			x, ok := v.(float64)
			if !ok || !(x >= lo && x < hi) {
				return 0, inputErr(where, "%s = %v, expected a number in [%s, %s)", key, v, fmtNum(lo), fmtNum(hi))
			}
			return x, nil
		}
		sex, err := str("sex")
		if err != nil {
			return nil, err
		}
		switch strings.ToLower(sex) {
		case "f", "female":
			out[i].female = true
		case "m", "male":
		default:
			return nil, inputErr(where, "sex = %q, expected F or M", sex)
		}
		if out[i].age, err = num("age", 0, maxAge); err != nil {
			return nil, err
		}
		edss, err := num("edss", 0, NEDSS)
		if err != nil {
			return nil, err
		}
		out[i].edss = int(math.Floor(edss))
		course, err := str("course")
		if err != nil {
			return nil, err
		}
		switch strings.ToUpper(course) {
		case "RRMS":
		case "SPMS":
			out[i].course = SPMS
		default:
			return nil, inputErr(where, "course = %q, expected RRMS or SPMS (the model simulates relapsing MS)", course)
		}
	}
	return out, nil
}
