package ingest

import (
	"context"
	"strings"
	"testing"
)

// hospitalBundle is a one-patient bundle from a hospital naming itself in
// Bundle.meta.source; both hospitals use the local id "1".
func hospitalBundle(source, system, born string) string {
	return `{"resourceType": "Bundle", "type": "collection", "meta": {"source": "` + source + `"}, "entry": [
 {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": "1", "gender": "female", "birthDate": "` + born + `",
   "identifier": [{"system": "` + system + `", "value": "1"}]}},
 {"fullUrl": "urn:uuid:o1", "resource": {"resourceType": "Observation", "id": "1", "status": "final",
   "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}, "subject": {"reference": "urn:uuid:p1"},
   "effectiveDateTime": "2020-01-01", "valueQuantity": {"value": 70}}}]}`
}

// Defect 1 of issue 20: hospital A's Patient/1 and hospital B's Patient/1
// became one patient, B's birth date overwriting A's.
func TestSourcesDoNotMerge(t *testing.T) {
	ctx := context.Background()
	ps := openStore(t)
	for _, b := range []string{hospitalBundle("http://a.example/fhir", "urn:a:mrn", "1970-01-01"),
		hospitalBundle("http://b.example/fhir", "urn:b:mrn", "1980-02-02")} {
		s, err := Bundle(ctx, ps, "b.json", []byte(b))
		if err != nil || s.Failed > 0 {
			t.Fatalf("%v %v", err, s.Problems)
		}
		if s.Added != 2 {
			t.Errorf("%s: want 2 added (a new patient and observation)", s)
		}
	}
	n := counts(t, ps)
	if n["patients"] != 2 || n["observations"] != 2 {
		t.Errorf("two hospitals' Patient/1: %d patients and %d observations, want 2 and 2", n["patients"], n["observations"])
	}
	pts, _ := ps.PatientList(ctx)
	var born []string
	for _, p := range pts {
		born = append(born, p.BirthDate)
	}
	if !strings.Contains(strings.Join(born, " "), "1970-01-01") {
		t.Errorf("hospital A's birth date was overwritten: %v", born)
	}
}

func problems(s *Summary) string {
	var out []string
	for _, p := range s.Problems {
		out = append(out, p.Error())
	}
	return strings.Join(out, "\n")
}

// Defect 7: a transaction bundle is all or nothing.
func TestTransactionAllOrNothing(t *testing.T) {
	ctx := context.Background()
	ps := openStore(t)
	b := strings.Replace(badBundle, `"type": "collection"`, `"type": "transaction"`, 1)
	s, err := Bundle(ctx, ps, "tx.json", []byte(b))
	if err == nil && s.Failed == 0 {
		t.Fatalf("a transaction with bad entries was accepted: %s", s)
	}
	if n := counts(t, ps); n["patients"]+n["encounters"]+n["observations"]+n["sources"] != 0 {
		t.Errorf("a failed transaction left rows: %v", n)
	}
}

// Defect 7: STU3 and DSTU2 bundles are refused with the version named.
func TestOlderFHIRVersionsRefused(t *testing.T) {
	ctx := context.Background()
	ps := openStore(t)
	for _, c := range []struct{ file, want string }{
		{"../testdata/synthea_stu3_excerpt.json", "FHIR STU3"},
		{"../testdata/synthea_dstu2_excerpt.json", "FHIR DSTU2"},
	} {
		_, err := File(ctx, ps, c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line naming %s", c.file, err, c.want)
		}
	}
	if n := counts(t, ps); n["patients"] != 0 {
		t.Errorf("an older-version bundle stored %d patients", n["patients"])
	}
}

// Defect 7: coded fields are checked against their value sets, invalid
// UTF-8 and duplicate fullUrls or ids are reported, and size caps hold.
func TestEntryValidation(t *testing.T) {
	ctx := context.Background()
	pat := func(id, extra string) string {
		return `{"fullUrl": "urn:uuid:` + id + `", "resource": {"resourceType": "Patient", "id": "` + id + `",
		 "identifier": [{"system": "urn:h", "value": "` + id + `"}]` + extra + `}}`
	}
	bundle := func(entries ...string) []byte {
		return []byte(`{"resourceType": "Bundle", "type": "batch", "entry": [` + strings.Join(entries, ",\n") + `]}`)
	}
	big := strings.Repeat("x", MaxFieldBytes+1)
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"gender", bundle(pat("p1", `, "gender": "mail"`)), `gender "mail" is not in the value set administrative-gender (male, female, other, unknown)`},
		{"status", bundle(pat("p1", `, "gender": "male"`), `{"fullUrl": "urn:uuid:o1", "resource": {"resourceType": "Observation", "id": "o1",
		  "status": "done", "code": {"text": "x"}, "subject": {"reference": "urn:uuid:p1"}, "effectiveDateTime": "2020"}}`),
			`status "done" is not in the value set observation-status`},
		{"utf8", bundle(pat("p1", `, "gender": "male", "name": [{"text": "Jo`+"\xff"+`"}]`)), "invalid UTF-8"},
		{"fullUrl", bundle(pat("p1", ""), pat("p1", "")), "duplicate fullUrl urn:uuid:p1"},
		{"field", bundle(pat("p1", `, "gender": "male"`), `{"fullUrl": "urn:uuid:o1", "resource": {"resourceType": "Observation", "id": "o1",
		  "code": {"text": "x"}, "subject": {"reference": "urn:uuid:p1"}, "effectiveDateTime": "2020", "valueString": "`+big+`"}}`),
			"valueString is 65537 bytes, more than the cap of 65536 per field"},
	} {
		ps := openStore(t)
		s, err := Bundle(ctx, ps, "v.json", c.data)
		got := problems(s)
		if err != nil {
			got += err.Error()
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// NDJSON lines: invalid UTF-8, duplicate ids and a line over the size cap
// are reported with their line; the others are stored. A file naming no
// source is refused as a whole.
func TestNDJSONValidation(t *testing.T) {
	ctx := context.Background()
	ps := openStore(t)
	nd := `{"resourceType": "Patient", "id": "1", "gender": "male"}
{"resourceType": "Patient", "id": "2", "gender": "male", "name": [{"text": "` + "\xc3\x28" + `"}]}
{"resourceType": "Patient", "id": "3", "gender": "female"}
{"resourceType": "Patient", "id": "3", "gender": "male"}
{"resourceType": "Patient", "id": "4", "note": "` + strings.Repeat("x", MaxResourceBytes) + `"}
{"resourceType": "Patient", "id": "5", "gender": "other"}
`
	if _, err := NDJSON(ctx, ps, "p.ndjson", strings.NewReader(nd)); err == nil || !strings.Contains(err.Error(), "the source of its records is unknown") {
		t.Errorf("no source: %v", err)
	}
	s, err := Options{Source: "urn:h"}.NDJSON(ctx, ps, "p.ndjson", strings.NewReader(nd))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"p.ndjson:2: invalid UTF-8 at column 77",
		"p.ndjson:3 (Patient/3): duplicate resource Patient/3 (also line 4): neither is stored",
		"p.ndjson:4 (Patient/3): duplicate resource Patient/3 (also line 3): neither is stored",
		"p.ndjson:5: the line is more than the cap of 4194304 bytes per resource",
	}
	if got := problems(s); got != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if s.Added != 2 {
		t.Errorf("%s, want Patient/1 and Patient/5 added", s)
	}
}

// Mapping errors name the file, line and column.
func TestMappingErrorsPositioned(t *testing.T) {
	for _, c := range []struct{ toml, want string }{
		{"identifier_system = \"urn:r\"\n[[table]]\nfile = \"p.csv\"\nkind = \"patient\"\ncolumns = { id = \"id\", birth_date = \"b\", sex = \"s\", colour = \"c\" }\n",
			`m.toml:5:53: table 1 (p.csv): a patient table has no field "colour"`},
		{"identifier_system = \"urn:r\"\n[[table]]\nfile = \"p.csv\"\nkind = \"patients\"\n", `m.toml:4:1: table 1 (p.csv): kind "patients"`},
		{"identifier_system = \"urn:r\"\nstray = 1\n[[table]]\n", `m.toml:2:1: unknown key "stray"`},
		{"identifier_system = \"urn:r\n", `m.toml:1:`},
	} {
		_, err := ParseMapping("m.toml", []byte(c.toml))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: %v, want %s…", c.toml, err, c.want)
		}
	}
}
