package prediction

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/cohort"
	"github.com/mdtwin/mdtwin/patient"
)

// Similar matches MS-0001 of patient/testdata (woman born 1985-03-14, RRMS
// diagnosed 2012-06-01, latest EDSS 2.5 on 2018-07-03, one relapse in
// 2014, none in the 2 years before) on sex F, age 33, course RRMS, EDSS
// state 2, 6 whole years of disease and 0 relapses, against the 600
// patients of the invented registry, keeping at least SimilarK; the
// Synthea patient, with no EDSS, gets a reason instead; a cohort that
// cannot be read is an error.
func TestSimilar(t *testing.T) {
	ctx := context.Background()
	ps, synthea, ms := patients(t)
	rec, err := ps.Record(ctx, ms)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := Similar(rec, DefaultReferenceCohorts[0])
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"sex", "F"}, {"age", "33"}, {"course", "RRMS"}, {"edss", "2"}, {"disease_duration", "6"},
		{"relapses_prior_2y", "0"}, {"as of", "2018-07-03 (latest EDSS)"}}
	if !reflect.DeepEqual(sp.Features, want) {
		t.Errorf("features %v, want %v", sp.Features, want)
	}
	if sp.Problem != "" || sp.Result == nil || len(sp.Result.Matches) < SimilarK || sp.Result.Candidates != 600 {
		t.Fatalf("match: problem %q, result %+v", sp.Problem, sp.Result)
	}
	if len(sp.Result.AtHorizons) != 2 || sp.Result.AtHorizons[0].Time != 2 || sp.Result.AtHorizons[1].Time != 5 {
		t.Errorf("horizons %+v, want 2 and 5 years", sp.Result.AtHorizons)
	}

	rec, err = ps.Record(ctx, synthea)
	if err != nil {
		t.Fatal(err)
	}
	if sp, err := Similar(rec, DefaultReferenceCohorts[0]); err != nil || sp.Result != nil ||
		!strings.HasPrefix(sp.Problem, "not an MS registry patient: no EDSS observation") {
		t.Errorf("Synthea patient: %+v, %v", sp, err)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("a,b\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if rec, err = ps.Record(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if sp, err := Similar(rec, ReferenceCohort{Name: "bad", Path: bad}); err == nil || len(sp.Features) == 0 {
		t.Errorf("unreadable cohort: %+v, %v", sp, err)
	}
}

// SimilarIn matches on the columns the cohort has, notes a course the
// cohort lacks and leaves it out of the match, and gives a one-line
// problem when the cohort lacks the outcomes.
func TestSimilarIn(t *testing.T) {
	csv := "sex,age,course,edss,relapse_2y,edss_2y,worsening_years,worsening\n"
	for i := 0; i < 30; i++ {
		csv += []string{"F,30,RRMS,2,no,2,5,0\n", "M,45,SPMS,5,yes,6,2,1\n", "F,38,RRMS,3,no,3,4,1\n"}[i%3]
	}
	ref, err := cohort.ReadCSV(strings.NewReader(csv), "small.csv", cohort.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp := SimilarIn(ref, map[string]string{"sex": "F", "age": "33", "course": "PPMS", "edss": "2", "disease_duration": "6"})
	if sp.Problem != "" || sp.Result == nil {
		t.Fatalf("no match: %q", sp.Problem)
	}
	if len(sp.Features) != 1 || sp.Features[0] != [2]string{"note", "course PPMS is not in this cohort: not matched on"} {
		t.Errorf("features %v", sp.Features)
	}
	bare, err := cohort.ReadCSV(strings.NewReader("sex,age\nF,33\nM,40\n"), "bare.csv", cohort.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp = SimilarIn(bare, map[string]string{"sex": "F", "age": "33"})
	if sp.Result != nil || !strings.HasPrefix(sp.Problem, "no match: ") || strings.ContainsAny(sp.Problem, "\n\r") {
		t.Errorf("cohort without outcomes: %+v", sp)
	}
}

// TestMSQueryDiagnosisDatedToTheMonth: a diagnosis dated to the month
// (FHIR allows YYYY-MM) gives the disease duration, as embodiment reads
// the same record; the query's own date reader used to need a full date
// and dropped the feature.
func TestMSQueryDiagnosisDatedToTheMonth(t *testing.T) {
	edss := 2.0
	rec := &patient.Record{
		Patient: patient.Patient{ID: "p1", BirthDate: "1980-01-01", Sex: "female"},
		Observations: []patient.Observation{{ID: 1, Code: patient.Coded{{System: patient.SystemMS, Code: patient.CodeEDSS}},
			Time: "2020-06-15", Value: &edss}},
		Conditions: []patient.Condition{{Code: patient.Coded{{System: patient.SystemSNOMED, Code: "426373005"}}, Onset: "2010-03"}},
	}
	q, _, why := msQuery(rec)
	if why != "" || q["disease_duration"] != "10" || q["course"] != "RRMS" {
		t.Errorf("query %v (%s); want disease_duration 10 (2010-03-01 to 2020-06-15), course RRMS", q, why)
	}
}
