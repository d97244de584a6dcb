package store

import (
	"context"
	"encoding/hex"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/patient"
)

func hexKey(p *Patients) string { return hex.EncodeToString(p.key) }

func openTestPatients(t *testing.T, path string) *Patients {
	t.Helper()
	ps, err := OpenPatients(path, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	return ps
}

func TestPseudonyms(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "store.sqlite")
	ps := openTestPatients(t, path)
	const src, id = "http://hospital.example/fhir", "http://hospital.example|MRN-12345"
	p1 := ps.Pseudonym(src, id)
	if p1 != ps.Pseudonym(src, id) {
		t.Errorf("pseudonym not stable: %s, %s", p1, ps.Pseudonym(src, id))
	}
	for _, part := range []string{"MRN", "12345", "hospital"} {
		if strings.Contains(strings.ToLower(p1), strings.ToLower(part)) {
			t.Errorf("pseudonym %s contains %q", p1, part)
		}
	}
	if p1 == ps.Pseudonym(src, id+"6") {
		t.Error("two identifiers share a pseudonym")
	}
	if p1 == ps.Pseudonym("http://other.example/fhir", id) {
		t.Error("two sources' patients of one identifier share a pseudonym")
	}
	ps.Close()
	if again := openTestPatients(t, path).Pseudonym(src, id); again != p1 {
		t.Errorf("pseudonym changed on reopening the store: %s, then %s", p1, again)
	}
	if other := openTestPatients(t, filepath.Join(dir, "b.sqlite")).Pseudonym(src, id); other == p1 {
		t.Error("another store gives the same pseudonym (the key should be per store)")
	}
}

func TestPutIsIdempotentAndAudited(t *testing.T) {
	ctx := context.Background()
	ps := openTestPatients(t, filepath.Join(t.TempDir(), "s.sqlite"))
	write := func(value float64) (pid string, chs []Change) {
		w, err := ps.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Rollback()
		err = w.Entry(ctx, func() error {
			var ch Change
			pid, ch, err = w.PutPatient(ctx, Ref{"urn:test", "Patient/1"}, "sys|1", patient.Patient{BirthDate: "1980-01-02", Sex: "female"})
			chs = append(chs, ch)
			if err != nil {
				return err
			}
			var enc int64
			enc, ch, err = w.PutEncounter(ctx, Ref{"urn:test", "Encounter/1"}, patient.Encounter{PatientID: pid, Class: "AMB", Start: "2020-01-01"})
			chs = append(chs, ch)
			if err != nil {
				return err
			}
			_, ch, err = w.PutObservation(ctx, Ref{"urn:test", "Observation/1"}, patient.Observation{PatientID: pid, EncounterID: enc,
				Code: patient.Coded{{System: "http://loinc.org", Code: "55284-4", Display: "Blood Pressure"}}, Time: "2020-01-01",
				Components: []patient.Observation{{Code: patient.Coded{{System: "http://loinc.org", Code: "8480-6"}}, Value: &value, Unit: "mm[Hg]"}}})
			chs = append(chs, ch)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		return pid, chs
	}
	pid, chs := write(120)
	if pid != ps.Pseudonym("urn:test", "sys|1") || chs[0] != Added || chs[1] != Added || chs[2] != Added {
		t.Fatalf("first write: %s %v", pid, chs)
	}
	if _, chs := write(120); chs[0] != Unchanged || chs[1] != Unchanged || chs[2] != Unchanged {
		t.Errorf("same write again: %v, want all unchanged", chs)
	}
	if _, chs := write(130); chs[2] != Updated || chs[1] != Unchanged {
		t.Errorf("changed component: %v, want the observation updated", chs)
	}
	obs, err := ps.As("dr. who").Observations(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	// One observation and its one component (the old component was replaced).
	if len(obs) != 2 || obs[1].ParentID != obs[0].ID || *obs[1].Value != 130 || obs[0].Code.Primary().Code != "55284-4" {
		t.Fatalf("observations: %+v", obs)
	}
	log, err := ps.Audit(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range log {
		got = append(got, a.Actor+" "+a.Action+" "+a.Kind+" "+a.Detail)
	}
	want := []string{"test write patients added", "test write encounters added", "test write observations added",
		"test write observations updated", "dr. who read observations "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFailedEntryLeavesNothing(t *testing.T) {
	ctx := context.Background()
	ps := openTestPatients(t, filepath.Join(t.TempDir(), "s.sqlite"))
	w, err := ps.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = w.Entry(ctx, func() error {
		pid, _, err := w.PutPatient(ctx, Ref{"urn:test", "Patient/1"}, "sys|1", patient.Patient{Sex: "male"})
		if err != nil {
			return err
		}
		if _, _, err := w.PutCondition(ctx, Ref{"urn:test", "Condition/1"}, patient.Condition{PatientID: pid, Onset: "2020"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Entry: %v", err)
	}
	if err := w.Entry(ctx, func() error {
		_, _, err := w.PutAsset(ctx, Ref{"urn:test", "x"}, patient.Asset{PatientID: "nobody", Kind: "mesh"})
		return err
	}); err == nil || !strings.Contains(err.Error(), "no SHA-256") {
		t.Errorf("asset without checksum: %v", err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	n, err := ps.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"patients", "conditions", "sources", "audit", "assets"} {
		if n[table] != 0 {
			t.Errorf("%s has %d rows after a failed entry", table, n[table])
		}
	}
}

func TestStudiesAndPredictions(t *testing.T) {
	ctx := context.Background()
	ps := openTestPatients(t, filepath.Join(t.TempDir(), "s.sqlite"))
	w, _ := ps.Begin(ctx)
	pid, _, err := w.PutPatient(ctx, Ref{"urn:test", "Patient/1"}, "sys|1", patient.Patient{Sex: "female"})
	if err != nil {
		t.Fatal(err)
	}
	sid, err := w.AddStudy(ctx, patient.Study{Name: "ms", Model: "mscohort", ModelVersion: "1.0.0", ScenarioSHA256: "ab"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddPrediction(ctx, patient.Prediction{PatientID: pid, StudyID: sid, RunID: "r000000",
		Outputs: map[string]float64{"edss_10y": 4.5, "icer": math.NaN(), "nmb": math.Inf(1)}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	preds, err := ps.Predictions(ctx, pid)
	if err != nil || len(preds) != 1 || preds[0].Outputs["edss_10y"] != 4.5 || preds[0].StudyID != sid {
		t.Fatalf("predictions: %+v, %v", preds, err)
	}
	// an undefined output (NaN, e.g. an ICER of strategies that do not
	// differ) or an infinite one is stored as JSON null and read back NaN
	if v, ok := preds[0].Outputs["icer"]; !ok || !math.IsNaN(v) || !math.IsNaN(preds[0].Outputs["nmb"]) {
		t.Errorf("non-finite outputs read back as %v", preds[0].Outputs)
	}
	studies, err := ps.Studies(ctx, sid)
	if err != nil || len(studies) != 1 || studies[0].Model != "mscohort" {
		t.Fatalf("studies: %+v, %v", studies, err)
	}
}
