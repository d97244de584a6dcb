package dashboard

import (
	"testing"

	"github.com/mdtwin/mdtwin/patient"
)

// TestConditionLabel: a coded condition without display text is labelled
// with its concept's name from the terminology mapping (SNOMED 10509002
// is "Acute bronchitis" in patient/terminology/data/omop_concepts.tsv),
// else with its vocabulary and code (426373005, the registry's RRMS
// course, is not in the shipped subset); never with an empty label.
func TestConditionLabel(t *testing.T) {
	for _, c := range []struct {
		code patient.Coded
		want string
	}{
		{patient.Coded{{System: patient.SystemSNOMED, Code: "10509002", Display: "Bronchitis, acute"}}, "Bronchitis, acute"},
		{patient.Coded{{System: patient.SystemSNOMED, Code: "10509002"}}, "Acute bronchitis"},
		{patient.Coded{{System: patient.SystemSNOMED, Code: "426373005"}}, "SNOMED 426373005"},
		{patient.Coded{{System: "urn:example:local", Code: "X1"}}, "urn:example:local X1"},
		{patient.Coded{{System: "urn:example:local", Code: "X1"}, {System: patient.SystemSNOMED, Code: "10509002"}}, "Acute bronchitis"},
	} {
		tl := newTimeline(&patient.Record{Conditions: []patient.Condition{{Code: c.code, Onset: "2012-06-01"}}})
		if len(tl.Lanes) != 1 || len(tl.Lanes[0].Rows) != 1 || tl.Lanes[0].Rows[0].Label != c.want {
			t.Errorf("%v: lanes %+v, want one row labelled %q", c.code, tl.Lanes, c.want)
		}
	}
}

// TestRelapsesAreEpisodes: MS relapses share one row of dated episodes: a
// bar from onset to recovery, a mark at onset when the recovery is not
// recorded; none is drawn as an ongoing condition.
func TestRelapsesAreEpisodes(t *testing.T) {
	relapse := patient.Coded{{System: patient.SystemMS, Code: patient.CodeRelapse, Display: "MS relapse"}}
	rec := &patient.Record{Conditions: []patient.Condition{
		{Code: patient.Coded{{System: patient.SystemSNOMED, Code: "426373005"}}, Onset: "2009-02-17"},
		{Code: relapse, Onset: "2010-08-15"},
		{Code: relapse, Onset: "2012-05-10", Abatement: "2012-07-01"},
	}}
	tl := newTimeline(rec)
	if len(tl.Lanes) != 1 || len(tl.Lanes[0].Rows) != 2 {
		t.Fatalf("lanes %+v, want a diagnosis row and a relapse row", tl.Lanes)
	}
	r := tl.Lanes[0].Rows[1]
	if r.Label != "2 MS relapses" || len(r.Bars) != 1 || len(r.Marks) != 1 || r.Bars[0].Open {
		t.Fatalf("relapse row %+v, want one closed bar and one mark", r)
	}
	if want := "MS relapse: 2012-05-10 – 2012-07-01"; r.Bars[0].Title != want {
		t.Errorf("bar title %q, want %q", r.Bars[0].Title, want)
	}
	if want := "MS relapse: 2010-08-15 (recovery not recorded)"; r.Marks[0].Title != want {
		t.Errorf("mark title %q, want %q", r.Marks[0].Title, want)
	}
}

// TestReadableUnit: UCUM annotations ({score}) are shown as words, and
// UCUM's multiplication dot and square brackets as people write them.
func TestReadableUnit(t *testing.T) {
	for _, c := range []struct{ ucum, want string }{
		{"{score}", "score"},
		{"{beats}/min", "beats/min"},
		{"/(24.h)", "/(24 h)"},
		{"mm[Hg]", "mmHg"},
		{"kg/m2", "kg/m²"},
		{"kg", "kg"},
		{"1", ""},
		{"", ""},
	} {
		if got := readableUnit(c.ucum); got != c.want {
			t.Errorf("readableUnit(%q) = %q, want %q", c.ucum, got, c.want)
		}
	}
	v := 3.5
	rec := &patient.Record{Observations: []patient.Observation{{Code: patient.Coded{{System: patient.SystemMS, Code: patient.CodeEDSS, Display: "EDSS"}},
		Time: "2018-07-03", Value: &v, Unit: "{score}"}}}
	if s := newTimeline(rec).Series; len(s) != 1 || s[0].Unit != "score" || s[0].Dots[0].Title != "2018-07-03: 3.5 score" {
		t.Errorf("EDSS series %+v, want unit score", s)
	}
}
