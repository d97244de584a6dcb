package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/store"
)

const synthea = "../testdata/synthea_r4_Louis_Erdman_55bbe118.json"

func openStore(t *testing.T) *store.Patients {
	t.Helper()
	ps, err := store.OpenPatients(filepath.Join(t.TempDir(), "store.sqlite"), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	return ps
}

func counts(t *testing.T, ps *store.Patients) map[string]int {
	t.Helper()
	n, err := ps.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// rawBundle is the sample bundle decoded generically, to count what it
// holds independently of the ingest code.
type rawBundle struct {
	Type  string `json:"type"`
	Entry []struct {
		FullURL  string         `json:"fullUrl"`
		Resource map[string]any `json:"resource"`
	} `json:"entry"`
}

func readRaw(t *testing.T) rawBundle {
	t.Helper()
	data, err := os.ReadFile(synthea)
	if err != nil {
		t.Fatal(err)
	}
	var b rawBundle
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// expectedRows counts, from the raw bundle, the rows each table should get.
func expectedRows(b rawBundle) map[string]int {
	want := map[string]int{}
	table := map[string]string{"Patient": "patients", "Encounter": "encounters", "Observation": "observations",
		"Condition": "conditions", "MedicationRequest": "therapies", "MedicationStatement": "therapies",
		"Procedure": "procedures", "DiagnosticReport": "reports", "ImagingStudy": "assets",
		"Immunization": "therapies", "AllergyIntolerance": "observations", "QuestionnaireResponse": "observations"}
	for _, e := range b.Entry {
		r := e.Resource
		typ := r["resourceType"].(string)
		if tb, ok := table[typ]; ok {
			want[tb]++
			want["sources"]++
		}
		if comps, ok := r["component"].([]any); ok {
			want["observations"] += len(comps) // each component is a row of its own
		}
		if res, ok := r["result"].([]any); ok {
			want["report_results"] += len(res)
		}
	}
	return want
}

func TestSyntheaBundle(t *testing.T) {
	ctx := context.Background()
	ps := openStore(t)
	raw := readRaw(t)
	want := expectedRows(raw)
	// The sample's content as PROVENANCE.md describes it: one patient, 126 entries.
	if want["patients"] != 1 || len(raw.Entry) != 126 {
		t.Fatalf("unexpected sample: %v, %d entries", want, len(raw.Entry))
	}
	sums, err := File(ctx, ps, synthea)
	if err != nil {
		t.Fatal(err)
	}
	s := sums[0]
	if s.Failed != 0 || s.Entries != 126 || s.Added != want["sources"] || s.Added+s.SkippedCount() != 126 {
		t.Fatalf("first ingest: %s\n%v", s, s.Problems)
	}
	got := counts(t, ps)
	for table, n := range want {
		if got[table] != n {
			t.Errorf("%s: %d rows, want %d (counted in the bundle)", table, got[table], n)
		}
	}
	// Idempotent: the same bundle again adds nothing.
	sums, err = File(ctx, ps, synthea)
	if err != nil {
		t.Fatal(err)
	}
	if s := sums[0]; s.Added != 0 || s.Updated != 0 || s.Failed != 0 || s.Unchanged != want["sources"] {
		t.Errorf("second ingest: %s", s)
	}
	again := counts(t, ps)
	delete(again, "audit")
	for table, n := range again {
		if got[table] != n {
			t.Errorf("second ingest changed %s: %d rows, then %d", table, got[table], n)
		}
	}
	checkSynthea(t, ps, raw)
}

// checkSynthea checks that references were resolved to the stored rows and
// that codes were kept.
func checkSynthea(t *testing.T, ps *store.Patients, raw rawBundle) {
	t.Helper()
	ctx := context.Background()
	pts, err := ps.PatientList(ctx)
	if err != nil || len(pts) != 1 {
		t.Fatalf("patients: %v %v", pts, err)
	}
	pt := pts[0]
	// Pseudonym of the MR identifier; no part of the Synthea id shows.
	if pt.ID != ps.Pseudonym("http://hospital.smarthealthit.org", "http://hospital.smarthealthit.org|55bbe118-e08d-4408-86e5-6084457500d4") ||
		strings.Contains(pt.ID, "55bbe118") || pt.BirthDate != "1989-07-27" || pt.Sex != "male" {
		t.Errorf("patient %+v", pt)
	}
	rec, err := ps.Record(ctx, pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Encounter references (urn:uuid) resolve to the encounter with the
	// referenced period: compare each Observation's encounter start.
	start := map[string]string{}
	for _, e := range raw.Entry {
		if e.Resource["resourceType"] == "Encounter" {
			start[e.FullURL] = e.Resource["period"].(map[string]any)["start"].(string)
		}
	}
	encStart := map[int64]string{}
	for _, e := range rec.Encounters {
		encStart[e.ID] = e.Start
	}
	byKey := map[string]patient.Observation{}
	for _, o := range rec.Observations {
		if o.ParentID == 0 {
			byKey[o.Code.Primary().Code+"@"+o.Time] = o
		}
	}
	checked := 0
	for _, e := range raw.Entry {
		r := e.Resource
		if r["resourceType"] != "Observation" {
			continue
		}
		code := r["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)
		if code["system"] != patient.SystemLOINC {
			t.Errorf("sample observation not LOINC-coded: %v", code)
		}
		o, ok := byKey[code["code"].(string)+"@"+r["effectiveDateTime"].(string)]
		if !ok {
			t.Errorf("observation %s not stored", e.FullURL)
			continue
		}
		if o.Code.Primary().System != patient.SystemLOINC {
			t.Errorf("observation %s: code %+v, want LOINC kept", e.FullURL, o.Code)
		}
		ref := r["encounter"].(map[string]any)["reference"].(string)
		if encStart[o.EncounterID] != start[ref] {
			t.Errorf("observation %s: encounter %d starts %q, want %s's start %q", e.FullURL, o.EncounterID,
				encStart[o.EncounterID], ref, start[ref])
		}
		checked++
	}
	if checked != 50 {
		t.Errorf("checked %d observations, want the sample's 50", checked)
	}
	// Diagnostic report results resolve to observations of the same time.
	obsTime := map[int64]string{}
	for _, o := range rec.Observations {
		obsTime[o.ID] = o.Time
	}
	for _, r := range rec.Reports {
		if len(r.Results) == 0 {
			t.Errorf("report %d has no results", r.ID)
		}
		for _, id := range r.Results {
			if obsTime[id] != r.Time {
				t.Errorf("report %d (%s): result %d at %q", r.ID, r.Time, id, obsTime[id])
			}
		}
	}
	// SNOMED codes kept on conditions, RxNorm on prescriptions, CVX on
	// immunizations (therapies of one day).
	for _, c := range rec.Conditions {
		if c.Code.Primary().System != patient.SystemSNOMED || c.Code.Primary().Code == "" {
			t.Errorf("condition code %+v", c.Code)
		}
	}
	for _, th := range rec.Therapies {
		if th.Origin == "Immunization" && th.Drug.Primary().System == "http://hl7.org/fhir/sid/cvx" && th.Start != "" && th.Stop == "" {
			continue
		}
		if th.Drug.Primary().System != patient.SystemRxNorm || th.Start == "" || th.Origin != "MedicationRequest" {
			t.Errorf("therapy %+v", th)
		}
	}
	if len(rec.Assets) != 1 || rec.Assets[0].Modality != "DX" || rec.Assets[0].Kind != "imaging-study" {
		t.Errorf("assets %+v", rec.Assets)
	}
}

// TestNDJSON splits the sample into a bulk export (one file per type,
// relative references) and ingests it in the order Order gives.
func TestNDJSON(t *testing.T) {
	ctx := context.Background()
	raw := readRaw(t)
	dir := t.TempDir()
	urls := map[string]string{}
	for _, e := range raw.Entry {
		urls[e.FullURL] = e.Resource["resourceType"].(string) + "/" + e.Resource["id"].(string)
	}
	files := map[string]*strings.Builder{}
	for _, e := range raw.Entry {
		b, _ := json.Marshal(e.Resource)
		line := string(b)
		for u, rel := range urls {
			line = strings.ReplaceAll(line, `"`+u+`"`, `"`+rel+`"`)
		}
		typ := e.Resource["resourceType"].(string)
		if files[typ] == nil {
			files[typ] = &strings.Builder{}
		}
		files[typ].WriteString(line + "\n")
	}
	var paths []string
	for typ, b := range files {
		p := filepath.Join(dir, typ+".000.ndjson")
		os.WriteFile(p, []byte(b.String()), 0o644)
		paths = append(paths, p)
	}
	ordered := Order(paths)
	if filepath.Base(ordered[0]) != "Patient.000.ndjson" || filepath.Base(ordered[len(ordered)-1]) != "DiagnosticReport.000.ndjson" {
		t.Errorf("order: %v", ordered)
	}
	ps := openStore(t)
	// A bulk export's files name no source (no meta.source; only the
	// Patient file has identifiers): give the one the bundle's patient has.
	opt := Options{Source: "http://hospital.smarthealthit.org"}
	for _, p := range ordered {
		sums, err := opt.File(ctx, ps, p)
		if err != nil || sums[0].Failed > 0 {
			t.Fatalf("%s: %v %v", p, err, sums[0].Problems)
		}
	}
	want := expectedRows(raw)
	got := counts(t, ps)
	for table, n := range want {
		if got[table] != n {
			t.Errorf("%s: %d rows, want %d", table, got[table], n)
		}
	}
	checkSynthea(t, ps, raw)
	// The bundle holds the same resources (same type/id): nothing to add.
	sums, err := File(ctx, ps, synthea)
	if err != nil || sums[0].Added != 0 || sums[0].Failed != 0 {
		t.Errorf("bundle after its NDJSON export: %s %v", sums[0], err)
	}
}

const badBundle = `{"resourceType": "Bundle", "type": "collection", "entry": [
 {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-05-06",
   "identifier": [{"system": "urn:test", "value": "42"}]}},
 {"fullUrl": "urn:uuid:e1", "resource": {"resourceType": "Encounter", "id": "e1", "subject": {"reference": "urn:uuid:p1"},
   "period": {"start": "2020-01-01T10:00:00+01:00", "end": "2020-01-01T11:00:00+01:00"}}},
 {"fullUrl": "urn:uuid:o1", "resource": {"resourceType": "Observation", "id": "o1", "status": "final",
   "code": {"coding": [{"system": "http://loinc.org", "code": "8302-2", "display": "Body Height"}]},
   "subject": {"reference": "urn:uuid:p1"}, "encounter": {"reference": "urn:uuid:e1"},
   "effectiveDateTime": "2020-01-01T10:30:00+01:00", "valueQuantity": {"value": 170, "unit": "cm", "system": "http://unitsofmeasure.org", "code": "cm"}}},
 {"fullUrl": "urn:uuid:o2", "resource": {"resourceType": "Observation", "id": "o2", "status": "final",
   "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}, "subject": {"reference": "urn:uuid:p1"},
   "effectiveDateTime": "2019-02-30", "valueQuantity": {"value": 70}}},
 {"fullUrl": "urn:uuid:x1", "resource": {"resourceType": "Spaceship", "id": "x1"}},
 {"fullUrl": "urn:uuid:o3", "resource": {"resourceType": "Observation", "id": "o3", "status": "final",
   "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}, "subject": {"reference": "urn:uuid:nobody"},
   "effectiveDateTime": "2020-01-01"}},
 {"fullUrl": "urn:uuid:e2", "resource": {"resourceType": "Encounter", "id": "e2", "subject": {"reference": "urn:uuid:p1"},
   "period": {"start": "2020-03-02", "end": "2020-03-01"}}},
 {"fullUrl": "urn:uuid:c1", "resource": {"resourceType": "Condition", "id": "c1", "subject": {"reference": "urn:uuid:p1"},
   "encounter": {"reference": "urn:uuid:e2"}, "code": {"coding": [{"system": "http://snomed.info/sct", "code": "24700007"}]},
   "onsetDateTime": "2020-03-01"}},
 {"fullUrl": "urn:uuid:o4", "resource": {"resourceType": "Observation", "id": "o4", "subject": {"reference": "urn:uuid:p1"},
   "code": {"text": "weight"}, "effectiveDateTime": "2020-01-01", "valueQuantity": "heavy"}},
 {"fullUrl": "urn:uuid:o5", "resource": {"resourceType": "Observation", "id": "o5", "subject": {"reference": "urn:uuid:p1"},
   "code": {"text": "note"}, "effectiveDateTime": "2020-01-01", "valueString": "ok",
   "hasMember": [{"reference": "urn:uuid:gone"}]}},
 {"fullUrl": "urn:uuid:org", "resource": {"resourceType": "Organization", "id": "org"}}
]}`

// Each class of bad input is reported with the entry's index and fullUrl,
// the valid entries land, and a failing entry leaves no rows.
func TestBadEntries(t *testing.T) {
	ctx := context.Background()
	ps := openStore(t)
	sum, err := Bundle(ctx, ps, "bad.json", []byte(badBundle))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`bad.json: entry[3] (urn:uuid:o2): effective "2019-02-30" is an impossible date`,
		`bad.json: entry[4] (urn:uuid:x1): unknown resource type "Spaceship" (not a FHIR R4 resource)`,
		`bad.json: entry[5] (urn:uuid:o3): subject: broken reference urn:uuid:nobody: no entry of this bundle has that fullUrl`,
		`bad.json: entry[6] (urn:uuid:e2): period ends (2020-03-01) before it starts (2020-03-02)`,
		`bad.json: entry[7] (urn:uuid:c1): encounter: broken reference urn:uuid:e2: entry[6] was not stored (it failed or its type is not stored)`,
		`bad.json: entry[8] (urn:uuid:o4): Observation.valueQuantity: JSON string where an object was expected`,
		`bad.json: entry[9] (urn:uuid:o5): hasMember[0]: broken reference urn:uuid:gone: no entry of this bundle has that fullUrl`,
	}
	var got []string
	for _, p := range sum.Problems {
		got = append(got, p.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if sum.Added != 3 || sum.Failed != 7 || sum.SkippedCount() != 1 {
		t.Errorf("summary: %s", sum)
	}
	n := counts(t, ps)
	for table, c := range map[string]int{"patients": 1, "encounters": 1, "observations": 1, "conditions": 0, "sources": 3} {
		if n[table] != c {
			t.Errorf("%s: %d rows, want %d (the valid entries only)", table, n[table], c)
		}
	}
	// Invalid JSON: a whole bundle is refused with the position; an NDJSON
	// line is reported alone.
	_, err = Bundle(ctx, ps, "broken.json", []byte("{\"resourceType\": \"Bundle\",\n \"entry\": [}"))
	var fe *FileError
	if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "broken.json: 2:13: invalid JSON") {
		t.Errorf("invalid bundle JSON: %v", err)
	}
	nd := `{"resourceType": "Patient", "id": "p9", "gender": "male"}
{"resourceType": "Observation", "id": "o9", "subject": {"reference": "Patient/p9"}, "code": {"text": "x"
{"resourceType": "Observation", "id": "o10", "subject": {"reference": "Patient/p9"}, "code": {"text": "y"}, "effectiveDateTime": "2021-04-31"}
{"resourceType": "Observation", "id": "o11", "subject": {"reference": "Patient/p9"}, "code": {"text": "z"}, "effectiveDateTime": "2021-04-30"}
`
	sum, err = Options{Source: "urn:test"}.NDJSON(ctx, ps, "x.ndjson", strings.NewReader(nd))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 2 || sum.Failed != 2 || !strings.HasPrefix(sum.Problems[0].Error(), "x.ndjson:2: invalid JSON: ") ||
		sum.Problems[1].Error() != `x.ndjson:3 (Observation/o10): effective "2021-04-31" is an impossible date` {
		t.Errorf("NDJSON: %s %v", sum, sum.Problems)
	}
}

func TestCheckDate(t *testing.T) {
	for _, ok := range []string{"", "2020", "2020-02", "2020-02-29", "2019-12-31T23:59:59Z", "2019-12-31T23:59:59.123+14:00"} {
		if err := checkDate("d", ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"2019-02-29", "2020-13", "2020-00-10", "2020-01-01T24:00:00Z", "2020-01-01T10:00:00",
		"2020-01-01T10:00:00+15:00", "01/02/2020", "20200101"} {
		if err := checkDate("d", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRegistry(t *testing.T) {
	ctx := context.Background()
	ps := openStore(t)
	sums, err := File(ctx, ps, "../testdata/ms_registry.toml")
	if err != nil {
		t.Fatal(err)
	}
	// Rows per file, counted in the invented CSV files (header excluded).
	added := map[string]int{}
	for _, s := range sums {
		if s.Failed != 0 {
			t.Errorf("%s: %v", s, s.Problems)
		}
		added[filepath.Base(s.File)] = s.Added
	}
	wantAdded := map[string]int{"ms_registry_patients.csv [patient]": 3, "ms_registry_patients.csv [condition]": 3,
		"ms_registry_edss.csv": 10, "ms_registry_relapses.csv": 4, "ms_registry_therapies.csv": 5}
	for f, n := range wantAdded {
		if added[f] != n {
			t.Errorf("%s: %d added, want %d", f, added[f], n)
		}
	}
	pid := ps.Pseudonym("urn:example:ms-registry", "urn:example:ms-registry|MS-0001")
	if strings.Contains(pid, "0001") {
		t.Errorf("pseudonym %s shows the registry id", pid)
	}
	rec, err := ps.As("modeller").Record(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	edss := rec.Series(patient.SystemMS, patient.CodeEDSS)
	var vals []float64
	for _, o := range edss {
		vals = append(vals, *o.Value)
	}
	// MS-0001's rows of ms_registry_edss.csv; her conditions are two relapses
	// and her course at diagnosis, RRMS (SNOMED CT 426373005).
	if len(vals) != 4 || vals[0] != 1.5 || vals[3] != 2.5 || edss[0].Time != "2012-06-01" {
		t.Errorf("EDSS series %v", vals)
	}
	if rec.Patient.Sex != "female" || rec.Patient.BirthDate != "1985-03-14" || len(rec.Conditions) != 3 ||
		rec.Conditions[0].Code.Primary().Code != patient.CodeRelapse || rec.Conditions[1].Code.Primary().Code != "426373005" || len(rec.Therapies) != 2 ||
		rec.Therapies[1].Drug.Primary().Display != "ocrelizumab" || rec.Therapies[1].Stop != "" || rec.Therapies[0].Stop != "2014-12-31" {
		t.Errorf("record: %+v", rec)
	}
	// Again: nothing added.
	sums, err = File(ctx, ps, "../testdata/ms_registry.toml")
	for _, s := range sums {
		if s.Added != 0 || s.Updated != 0 {
			t.Errorf("second ingest: %s", s)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	// The audit log names who wrote and who read the record.
	log, err := ps.Audit(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	writes, reads := 0, map[string]bool{}
	for _, a := range log {
		switch {
		case a.Action == "write" && a.Actor == "test":
			writes++
		case a.Action == "read" && a.Actor == "modeller":
			reads[a.Kind] = true
		}
	}
	// 1 patient + 1 course + 4 EDSS + 2 relapses + 2 therapies written by "test".
	if writes != 10 || !reads["patients"] || !reads["observations"] || !reads["therapies"] || len(log) != writes+len(reads) {
		t.Errorf("audit: %d writes, reads %v, %d rows", writes, reads, len(log))
	}
}

func TestRegistryBadRows(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "m.toml"), []byte(`identifier_system = "urn:r"
[[table]]
file = "p.csv"
kind = "patient"
columns = { id = "id", birth_date = "born", sex = "sex" }
[[table]]
file = "v.csv"
kind = "observation"
code = { system = "urn:mdtwin:ms", code = "edss" }
range = [0, 10]
columns = { patient = "id", time = "date", value = "edss" }
`), 0o644)
	os.WriteFile(filepath.Join(dir, "p.csv"), []byte("id,born,sex\nA,1980-01-01,female\nB,1980-02-30,male\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "v.csv"), []byte("id,date,edss\nA,2020-01-01,3\nA,2021-01-01,12\nB,2020-01-01,2\nA,2022-01-01,x\n"), 0o644)
	ps := openStore(t)
	sums, err := File(ctx, ps, filepath.Join(dir, "m.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sums {
		for _, p := range s.Problems {
			got = append(got, strings.TrimPrefix(p.Error(), dir+"/"))
		}
	}
	want := []string{
		`p.csv:3: birth_date "1980-02-30" is not a date of the form 2006-01-02`,
		`v.csv:3: value 12 outside [0, 10]`,
		`v.csv:4: patient "B" is not in the store (ingest its patient table or record first)`,
		`v.csv:5: value "x" is not a number`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := counts(t, ps); n["patients"] != 1 || n["observations"] != 1 {
		t.Errorf("rows: %v", n)
	}
	os.WriteFile(filepath.Join(dir, "bad.toml"), []byte("identifier_system = \"urn:r\"\n[[table]]\nfile = \"p.csv\"\nkind = \"patient\"\ncolumns = { id = \"id\", birth_date = \"born\", sex = \"gender\" }\n"), 0o644)
	if _, err := File(ctx, ps, filepath.Join(dir, "bad.toml")); err == nil || !strings.Contains(err.Error(), `column "gender" (mapped to sex) is not in the header`) {
		t.Errorf("bad mapping: %v", err)
	}
}
