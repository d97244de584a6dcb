package scenarios

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const cohortScenario = `[study]
name = "virtual"
model = "mscohort"
seed = 1

[cohort]
table = "registry.csv"
columns = { age = "age_at_entry" }
`

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A [cohort] table's rows reach the model in [inputs] patients, numbers as
// numbers, renamed columns under the model's field name, missing fields
// left out; the hash covers the table's content.
func TestCohortTable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.toml")
	writeFile(t, file, cohortScenario)
	writeFile(t, filepath.Join(dir, "registry.csv"), "patient_id,sex,age_at_entry,edss,course\nMS-1,F,34.5,2,RRMS\nMS-2,M,51,,SPMS\n")
	sc, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var in struct {
		Patients []map[string]any `json:"patients"`
	}
	if err := json.Unmarshal(sc.Inputs, &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Patients) != 2 || in.Patients[0]["age"] != 34.5 || in.Patients[0]["sex"] != "F" || in.Patients[0]["patient_id"] != "MS-1" ||
		in.Patients[1]["edss"] != nil || in.Patients[0]["age_at_entry"] != nil {
		t.Errorf("patients %v", in.Patients)
	}
	c := sc.Cohort
	if c == nil || c.Rows != 2 || c.Input != "patients" || c.Path != filepath.Join(dir, "registry.csv") || len(c.SHA256) != 64 {
		t.Fatalf("cohort %+v", c)
	}
	// The hash is not the file's alone, and changes with the table.
	h1 := sc.Hash
	writeFile(t, filepath.Join(dir, "registry.csv"), "patient_id,sex,age_at_entry,edss,course\nMS-1,F,34.5,3,RRMS\nMS-2,M,51,,SPMS\n")
	sc2, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if sc2.Hash == h1 {
		t.Error("changing the table did not change the scenario hash")
	}
	// Another table with the same columns: the avatar copy of a registry.
	other := filepath.Join(dir, "avatars.csv")
	writeFile(t, other, "sex,age_at_entry,edss,course\nM,60,4,SPMS\n")
	sc3, err := sc.WithCohortTable(other)
	if err != nil {
		t.Fatal(err)
	}
	if sc3.Cohort.Rows != 1 || sc3.Hash == sc.Hash || !strings.Contains(string(sc3.Inputs), `"age":60`) || sc.Cohort.Rows != 2 {
		t.Errorf("WithCohortTable: %+v %s", sc3.Cohort, sc3.Inputs)
	}
}

func TestCohortTableErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "registry.csv"), "sex,age\nF,30\n")
	writeFile(t, filepath.Join(dir, "ragged.csv"), "sex,age\nF,30\nM\n")
	head := "[study]\nname = \"v\"\nmodel = \"m\"\nseed = 1\n"
	for _, tc := range []struct{ body, want string }{
		{"[cohort]\ninput = \"x\"\n", "s.toml:5:1: missing [cohort] table"},
		{"[cohort]\ntable = \"nowhere.csv\"\n", "s.toml:6:1: [cohort] table " + filepath.Join(dir, "nowhere.csv") + ": cannot read it: no such file or directory"},
		{"[cohort]\ntable = \"ragged.csv\"\n", "s.toml:6:1: " + filepath.Join(dir, "ragged.csv") + ":3:1: wrong number of fields"},
		{"[cohort]\ntable = \"registry.csv\"\ncolumns = { edss = \"EDSS\" }\n", `[cohort] columns.edss = "EDSS": ` + filepath.Join(dir, "registry.csv") + " has no such column (columns: sex, age)"},
		{"[cohort]\ntable = \"registry.csv\"\ntabel = 1\n", `s.toml:7:1: unknown key "tabel" in [cohort], expected one of: table, input, columns`},
		{"[cohort]\ntable = \"registry.csv\"\ninput = \"a-b\"\n", "[cohort] input must be the name of an [inputs] key"},
		{"[inputs]\npatients = []\n[cohort]\ntable = \"registry.csv\"\n", `[inputs] already has a key "patients"`},
	} {
		file := filepath.Join(dir, "s.toml")
		writeFile(t, file, head+tc.body)
		_, err := Load(file)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want one line containing %q", tc.body, err, tc.want)
		}
	}
}

// FuzzCohortTable: any bytes give rows or one clear error, never a panic,
// and every row value is a finite number or a non-empty string.
func FuzzCohortTable(f *testing.F) {
	for _, s := range []string{"sex,age\nF,30\n", "a,b\n1,\n", "\ufeffa,a\n", "a\n\"x", "a,b\nNaN,Inf\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		names, rows, err := readCohortCSV(data, "t.csv")
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("two-line error %q", err)
			}
			return
		}
		if len(names) == 0 || len(rows) == 0 {
			t.Fatalf("no error and no rows: %v %v", names, rows)
		}
		for _, r := range rows {
			for k, v := range r {
				switch x := v.(type) {
				case float64:
				case string:
					if x == "" {
						t.Errorf("%s: empty string kept", k)
					}
				default:
					t.Errorf("%s: %T", k, v)
				}
			}
		}
		if _, err := json.Marshal(rows); err != nil {
			t.Errorf("rows do not encode: %v", err)
		}
	})
}

// A resumed study whose [cohort] table changed is refused naming the
// table (the engine compares fingerprints).
func TestCohortTableInFingerprint(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.toml")
	writeFile(t, file, cohortScenario)
	writeFile(t, filepath.Join(dir, "registry.csv"), "patient_id,sex,age_at_entry,edss,course\nMS-1,F,34.5,2,RRMS\n")
	fingerprint := func() Fingerprint {
		sc, err := Load(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := sc.Fingerprint()
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	before := fingerprint()
	writeFile(t, filepath.Join(dir, "registry.csv"), "patient_id,sex,age_at_entry,edss,course\nMS-1,F,34.5,3,RRMS\n")
	ch := fingerprint().Changes(before)
	if !slices.Contains(ch, "file registry.csv (its content)") {
		t.Errorf("changes %v, want the table named", ch)
	}
}
