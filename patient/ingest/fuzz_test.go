package ingest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/store"
)

// The fuzz targets of the patient readers (issue 12): a reader never
// panics, reads a small hostile input in bounded memory (the size caps),
// and answers each problem with one line that names the file and where in
// it (line:col, entry[i] or the line). Seed corpora: testdata/fuzz/<name>/
// plus the files of ../testdata added below.

// fuzzStore is one store per fuzzing process; entries accumulate in it.
func fuzzStore(f *testing.F) *store.Patients {
	ps, err := store.OpenPatients(filepath.Join(f.TempDir(), "fuzz.sqlite"), "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ps.Close() })
	return ps
}

// checkAnswer fails unless every problem and the error are one line
// starting with the file's name.
func checkAnswer(t *testing.T, name string, sums []*Summary, err error) {
	t.Helper()
	var msgs []string
	for _, s := range sums {
		if s == nil {
			continue
		}
		for _, p := range s.Problems {
			msgs = append(msgs, p.Error())
		}
	}
	for _, e := range unjoin(err) {
		msgs = append(msgs, e.Error())
	}
	for _, m := range msgs {
		if strings.ContainsAny(m, "\n\r") || !strings.HasPrefix(m, name) {
			t.Fatalf("answer is not one line naming %s: %q", name, m)
		}
	}
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}

func addFile(f *testing.F, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
}

func FuzzBundle(f *testing.F) {
	for _, p := range []string{"../testdata/synthea_stu3_excerpt.json", "../testdata/synthea_dstu2_excerpt.json"} {
		addFile(f, p)
	}
	f.Add([]byte(badBundle))
	f.Add([]byte(hospitalBundle("http://a.example/fhir", "urn:a", "1970-01-01")))
	ps := fuzzStore(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		o := Options{}
		if len(data)%2 == 0 {
			o.Source = "urn:fuzz"
		}
		s, err := o.Bundle(context.Background(), ps, "fuzz.json", data)
		checkAnswer(t, "fuzz.json", []*Summary{s}, err)
	})
}

func FuzzNDJSON(f *testing.F) {
	f.Add([]byte(`{"resourceType": "Patient", "id": "p9", "gender": "male"}
{"resourceType": "Observation", "id": "o9", "subject": {"reference": "Patient/p9"}, "code": {"text": "x"}, "effectiveDateTime": "2021-04-30", "valueQuantity": {"value": 1}}
`))
	f.Add([]byte("{\"resourceType\": \"Encounter\", \"class\": \"outpatient\", \"patient\": {\"reference\": \"Patient/1\"}}\n"))
	ps := fuzzStore(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Options{Source: "urn:fuzz"}.NDJSON(context.Background(), ps, "fuzz.ndjson", bytes.NewReader(data))
		checkAnswer(t, "fuzz.ndjson", []*Summary{s}, err)
	})
}

func FuzzRegistryCSV(f *testing.F) {
	for _, p := range []string{"ms_registry_patients.csv", "ms_registry_edss.csv", "ms_registry_relapses.csv", "ms_registry_therapies.csv"} {
		addFile(f, filepath.Join("../testdata", p))
	}
	m, err := ReadMapping("../testdata/ms_registry.toml")
	if err != nil {
		f.Fatal(err)
	}
	ps := fuzzStore(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tb := m.Tables[len(data)%len(m.Tables)] // each kind of table in turn
		s, err := m.Table(context.Background(), ps, "fuzz.csv", bytes.NewReader(data), tb)
		checkAnswer(t, "fuzz.csv", []*Summary{s}, err)
	})
}

func FuzzMapping(f *testing.F) {
	addFile(f, "../testdata/ms_registry.toml")
	f.Add([]byte("identifier_system = \"urn:r\"\n[[table]]\nfile = \"p.csv\"\nkind = \"patient\"\ncolumns = { id = \"id\", birth_date = \"born\", sex = \"gender\", x = \"y\" }\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseMapping("fuzz.toml", data)
		if err == nil {
			return
		}
		var me *MappingError
		if !errors.As(err, &me) {
			t.Fatalf("not a *MappingError: %T %v", err, err)
		}
		checkAnswer(t, "fuzz.toml", nil, err)
	})
}
