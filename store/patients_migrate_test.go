package store

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/patient"
)

// v1Store writes a patient store as version 1 of mdtwin left it: schema
// version 1, the key in table meta, one patient with one observation keyed
// on "<Type>/<id>" alone, and two audit rows without hashes.
func v1Store(t *testing.T, path string) (key []byte, pid string) {
	t.Helper()
	db, err := Open(path, []string{patientMigrations[0].sql})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key = make([]byte, 32)
	for i := range key {
		key[i] = byte(i*7 + 1)
	}
	old := &Patients{key: key}
	pid = old.legacyPseudonym("urn:h|1")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO meta(key, value) VALUES ('pseudonym_key', ?)`, []any{hex.EncodeToString(key)}},
		{`INSERT INTO patients VALUES (?, '1970-01-01', 'female', '', 't', 't')`, []any{pid}},
		{`INSERT INTO sources VALUES (?, 'patients', 0, ?, 'd', 't')`, []any{old.legacySourceKey("Patient/1"), pid}},
		{`INSERT INTO observations(id, patient_id, category, system, code, display, codings, time, value, value_text,
			value_system, value_code, unit, status) VALUES (1, ?, '', 'http://loinc.org', '29463-7', '', '[]', '2020', 70, '', '', '', 'kg', 'final')`, []any{pid}},
		{`INSERT INTO sources VALUES (?, 'observations', 1, ?, 'd', 't')`, []any{old.legacySourceKey("Observation/1"), pid}},
		{`INSERT INTO audit(at, actor, action, kind, record, patient_id, detail) VALUES ('t', 'mdtwin ingest', 'write', 'patients', ?, ?, 'added')`, []any{pid, pid}},
		{`INSERT INTO audit(at, actor, action, kind, record, patient_id, detail) VALUES ('t', 'mdtwin serve', 'read', 'observations', ?, ?, '')`, []any{pid, pid}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	return key, pid
}

// A version-1 store is migrated: the key leaves the store for the key
// file, the file becomes 0600, the audit rows are chained, the pseudonyms
// stay, and the source that re-sends a record claims it instead of
// duplicating it.
func TestMigrateV1Store(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.sqlite")
	key, pid := v1Store(t, path)
	ps := openTestPatients(t, path)
	if hexKey(ps) != hex.EncodeToString(key) {
		t.Fatal("the migrated store has another key")
	}
	kf, err := os.ReadFile(KeyFile(path))
	if err != nil || strings.TrimSpace(string(kf)) != hex.EncodeToString(key) {
		t.Fatalf("key file: %q, %v", kf, err)
	}
	for _, f := range []string{path, KeyFile(path)} {
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
	var v int
	ps.db.QueryRow("PRAGMA user_version").Scan(&v)
	if v != 2 {
		t.Errorf("schema version %d, want 2", v)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), hex.EncodeToString(key)) {
			t.Errorf("%s still holds the key after the migration", filepath.Base(f))
		}
	}
	if rep, err := ps.VerifyAudit(ctx); err != nil || !rep.OK() || rep.Rows != 2 {
		t.Errorf("audit after migration: %v %v", rep, err)
	}
	// The same source re-sends Patient/1 and Observation/1: nothing new.
	src := "http://h.example/fhir"
	w, err := ps.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The observation first: claiming it names the patient's source too.
	v70 := 70.0
	_, ch, err := w.PutObservation(ctx, Ref{src, "Observation/1"}, patient.Observation{PatientID: pid, Code: patient.Coded{{System: "http://loinc.org", Code: "29463-7"}},
		Time: "2020", Value: &v70, Unit: "kg", Status: "final"})
	if err != nil {
		t.Fatal(err)
	}
	got, ch, err := w.PutPatient(ctx, Ref{src, "Patient/1"}, "urn:h|1", patient.Patient{BirthDate: "1970-01-01", Sex: "female"})
	if err != nil || got != pid {
		t.Fatalf("re-sent patient: %s %v %v, want the old pseudonym %s", got, ch, err, pid)
	}
	// Another source's Patient/1 (another identifier) is another patient.
	other, _, err := w.PutPatient(ctx, Ref{"http://other.example", "Patient/1"}, "urn:o|1", patient.Patient{BirthDate: "1990-01-01", Sex: "male"})
	if err != nil || other == pid {
		t.Fatalf("another source's Patient/1: %s %v", other, err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	n, _ := ps.Counts(ctx)
	if n["patients"] != 2 || n["observations"] != 1 || n["sources"] != 3 {
		t.Errorf("after re-sending: %v", n)
	}
	pt, _, _ := ps.Patient(ctx, pid)
	if pt.BirthDate != "1970-01-01" || pt.Source != src {
		t.Errorf("the migrated patient: %+v", pt)
	}
	// Reopening without the key file fails with one line saying so.
	ps.Close()
	os.Rename(KeyFile(path), KeyFile(path)+".bak")
	if _, err := OpenPatients(path, "test"); err == nil || !strings.Contains(err.Error(), "key file") || strings.Contains(err.Error(), "\n") {
		t.Errorf("opening without the key: %v", err)
	}
	// The key may come from the environment instead.
	t.Setenv(KeyEnv, hex.EncodeToString(key))
	if ps, err := OpenPatients(path, "test"); err != nil {
		t.Errorf("key from $%s: %v", KeyEnv, err)
	} else {
		ps.Close()
	}
	t.Setenv(KeyEnv, strings.Repeat("ab", 32))
	if _, err := OpenPatients(path, "test"); err == nil || !strings.Contains(err.Error(), "not this store's key") {
		t.Errorf("a wrong key: %v", err)
	}
}
