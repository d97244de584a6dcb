package omop

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/mdtwin/mdtwin/patient/ingest"
	"github.com/mdtwin/mdtwin/store"
)

func syntheaStore(t *testing.T) *store.Patients {
	t.Helper()
	ps, err := store.OpenPatients(filepath.Join(t.TempDir(), "s.sqlite"), "omop test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	if _, err := ingest.File(context.Background(), ps, "../testdata/synthea_r4_Louis_Erdman_55bbe118.json"); err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestSynthea exports the shipped Synthea bundle and checks it against the
// rules of OHDSI ETL-Synthea (v5.4 SQL), applied by hand to the bundle:
//
//	person               1   one Patient (male → 8507, born 1989-07-27)
//	observation_period   1   first encounter start 1990-12-19 to last end 2021-02-18
//	visit_occurrence    12   11 ambulatory encounters, each its own start → 11 outpatient visits (9202),
//	                         1 emergency encounter (2018-04-13) → 1 ER visit (9203)
//	condition_occurrence 3   acute bronchitis, fracture of rib, viral sinusitis (all of the Condition domain)
//	drug_exposure       13   4 MedicationRequests (type 32838) + 9 Immunizations (type 32827)
//	measurement         50   42 Observations of the Measurement domain + the 2 components (systolic,
//	                         diastolic) of each of 4 blood-pressure panels (the panel itself has no value)
//	observation          5   4 smoking-status Observations (LOINC 72166-2, Observation domain,
//	                         type 38000280) + 1 AllergyIntolerance (type 32827)
func TestSynthea(t *testing.T) {
	ps := syntheaStore(t)
	cdm, err := Build(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"person": 1, "observation_period": 1, "visit_occurrence": 12, "condition_occurrence": 3,
		"drug_exposure": 13, "measurement": 50, "observation": 5}
	got := cdm.Counts()
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d rows, want %d", k, got[k], n)
		}
	}
	p := cdm.Person[0]
	if p.GenderConceptID != 8507 || p.YearOfBirth != 1989 || *p.MonthOfBirth != 7 || *p.DayOfBirth != 27 ||
		!strings.HasPrefix(p.PersonSourceValue, "p") || len(p.PersonSourceValue) != 21 || p.GenderSourceValue != "male" {
		t.Errorf("person %+v", p)
	}
	if op := cdm.ObservationPeriod[0]; op.ObservationPeriodStartDate != "1990-12-19" || op.ObservationPeriodEndDate != "2021-02-18" ||
		op.PeriodTypeConceptID != 32882 {
		t.Errorf("observation period %+v", op)
	}
	// Visits in time order: the 6th is 2016-10-16 (acute bronchitis), the
	// 9th the emergency visit of 2018-04-13 (fracture of rib).
	er := cdm.VisitOccurrence[8]
	if er.VisitConceptID != 9203 || er.VisitStartDate != "2018-04-13" || er.VisitTypeConceptID != 32827 ||
		*er.PrecedingVisitOccurrenceID != 8 || er.VisitSourceValue != "EMER" {
		t.Errorf("ER visit %+v", er)
	}
	for i, v := range cdm.VisitOccurrence {
		if i != 8 && v.VisitConceptID != 9202 {
			t.Errorf("visit %d: concept %d, want 9202 (outpatient)", i+1, v.VisitConceptID)
		}
	}
	// Hand-derived rows (concept ids from Eunomia's CONCEPT.csv).
	c := cdm.ConditionOccurrence[0]
	if c.ConditionConceptID != 260139 || c.ConditionStartDate != "2016-10-16" || *c.ConditionEndDate != "2016-10-23" ||
		c.ConditionSourceValue != "10509002" || c.ConditionSourceConceptID != 260139 || c.ConditionTypeConceptID != 32827 ||
		*c.VisitOccurrenceID != 6 || *c.VisitDetailID != 1000006 {
		t.Errorf("acute bronchitis %+v", c)
	}
	var acet, flu *DrugExposure
	for i, d := range cdm.DrugExposure {
		if d.DrugSourceValue == "313782" {
			acet = &cdm.DrugExposure[i]
		}
		if d.DrugSourceValue == "140" && flu == nil {
			flu = &cdm.DrugExposure[i]
		}
	}
	if acet == nil || acet.DrugConceptID != 1127433 || acet.DrugExposureStartDate != "2018-04-13" || acet.DrugExposureEndDate != "2018-04-13" ||
		acet.DrugTypeConceptID != 32838 || *acet.DaysSupply != 0 || acet.VerbatimEndDate != nil || *acet.VisitOccurrenceID != 9 {
		t.Errorf("acetaminophen 325 mg %+v", acet)
	}
	// CVX is not in the shipped vocabulary subset: concept 0, the code kept.
	if flu == nil || flu.DrugConceptID != 0 || flu.DrugTypeConceptID != 32827 || flu.DrugExposureStartDate != "2012-02-09" ||
		*flu.VisitOccurrenceID != 4 {
		t.Errorf("influenza vaccine %+v", flu)
	}
	m := cdm.Measurement[0]
	for _, x := range cdm.Measurement {
		if x.MeasurementSourceValue == "8302-2" {
			m = x
			break
		}
	}
	if m.MeasurementConceptID != 3036277 || m.MeasurementDate != "2012-02-09" || *m.ValueAsNumber != 178.81252042484218 ||
		m.UnitConceptID != 8582 || *m.UnitSourceValue != "cm" || m.MeasurementTypeConceptID != 32827 || *m.VisitOccurrenceID != 4 {
		t.Errorf("body height %+v", m)
	}
	var smoking, allergy *Observation
	for i, o := range cdm.Observation {
		switch o.ObservationSourceValue {
		case "72166-2":
			if smoking == nil {
				smoking = &cdm.Observation[i]
			}
		case "417532002":
			allergy = &cdm.Observation[i]
		}
	}
	if smoking == nil || smoking.ObservationConceptID != 43054909 || smoking.ObservationTypeConceptID != 38000280 ||
		*smoking.ValueSourceValue != "Current every day smoker" || smoking.ObservationDate != "2012-02-09" {
		t.Errorf("smoking status %+v", smoking)
	}
	if allergy == nil || allergy.ObservationConceptID != 0 || allergy.ObservationTypeConceptID != 32827 || allergy.ObservationDate != "1991-01-02" {
		t.Errorf("allergy to fish %+v", allergy)
	}
}

// TestWrite writes CSV and Parquet and reads both back: same row counts,
// no identifier other than the store's pseudonym.
func TestWrite(t *testing.T) {
	ps := syntheaStore(t)
	cdm, err := Build(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Write(dir, cdm); err != nil {
		t.Fatal(err)
	}
	for _, table := range Tables {
		f, err := os.Open(filepath.Join(dir, table+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(rows)-1 != cdm.Counts()[table] {
			t.Errorf("%s.csv: %d rows (%v), want %d", table, len(rows)-1, err, cdm.Counts()[table])
		}
	}
	people, err := parquet.ReadFile[Person](filepath.Join(dir, "person.parquet"))
	if err != nil || len(people) != 1 || people[0].GenderConceptID != 8507 {
		t.Errorf("person.parquet: %v %v", people, err)
	}
	ms, err := parquet.ReadFile[Measurement](filepath.Join(dir, "measurement.parquet"))
	if err != nil || len(ms) != 50 {
		t.Errorf("measurement.parquet: %d rows, %v", len(ms), err)
	}
	// No raw identifier: neither the Synthea id nor the MRN appears.
	for _, table := range Tables {
		b, _ := os.ReadFile(filepath.Join(dir, table+".csv"))
		if strings.Contains(string(b), "55bbe118") || strings.Contains(string(b), "76bc2bcd") || strings.Contains(string(b), "999-16-9721") {
			t.Errorf("%s.csv holds a source identifier", table)
		}
	}
}

// TestRegistry: registry therapies carry no code; they export with concept
// 0 and their text as the source value; EDSS scores (a local code) go to
// measurement by their numeric value.
func TestRegistry(t *testing.T) {
	ps := syntheaStore(t)
	if _, err := ingest.File(context.Background(), ps, "../testdata/ms_registry.toml"); err != nil {
		t.Fatal(err)
	}
	cdm, err := Build(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cdm.Person); n != 4 {
		t.Fatalf("%d persons, want 4", n)
	}
	found := false
	for _, d := range cdm.DrugExposure {
		if d.DrugSourceValue == "ocrelizumab" && d.DrugConceptID == 0 && d.DrugTypeConceptID == 32838 {
			found = true
		}
	}
	if !found {
		t.Error("no ocrelizumab row with its text as the source value")
	}
	edss := 0
	for _, m := range cdm.Measurement {
		if m.MeasurementSourceValue == "edss" && m.MeasurementConceptID == 0 && m.ValueAsNumber != nil {
			edss++
		}
	}
	if edss != 10 { // ms_registry_edss.csv has 10 visits
		t.Errorf("%d EDSS measurements, want 10", edss)
	}
}
