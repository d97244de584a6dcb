package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestIngest(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(repoRoot(t), "patient", "testdata", "synthea_r4_Louis_Erdman_55bbe118.json")
	storePath := filepath.Join(dir, "s.sqlite")
	code, stdout, stderr := cli(dir, "ingest", bundle, "--store", storePath)
	if code != 0 || stderr != "" || !strings.HasPrefix(stdout, bundle+": 126 entries: 88 added, 0 updated, 0 unchanged, 38 skipped, 0 failed") ||
		strings.Count(stdout, "\n") != 1 {
		t.Fatalf("first ingest: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = cli(dir, "ingest", bundle, "--store", storePath)
	if code != 0 || !strings.Contains(stdout, ": 126 entries: 0 added, 0 updated, 88 unchanged, 38 skipped, 0 failed") {
		t.Errorf("second ingest: exit %d\n%s", code, stdout)
	}
	// The registry mapping: one line per mapped table (the patients file is
	// mapped twice: patients, and their course as a condition).
	code, stdout, stderr = cli(dir, "ingest", filepath.Join(repoRoot(t), "patient", "testdata", "ms_registry.toml"), "--store", storePath)
	if code != 0 || strings.Count(stdout, "\n") != 5 || !strings.Contains(stdout, "ms_registry_edss.csv: 10 entries: 10 added") {
		t.Errorf("registry: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestIngestBadInput(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b.json"), `{"resourceType": "Bundle", "type": "batch", "entry": [
 {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient", "id": "p1", "gender": "female"}},
 {"fullUrl": "urn:uuid:o1", "resource": {"resourceType": "Observation", "id": "o1", "subject": {"reference": "urn:uuid:p2"},
   "code": {"text": "x"}, "effectiveDateTime": "2020-01-01"}}]}`)
	write(t, filepath.Join(dir, "c.json"), `{"resourceType": "Bundle", "entry": [`)
	code, stdout, stderr := cli(dir, "ingest", "b.json", "c.json", "--store", "s.sqlite", "--source", "urn:test")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stdout, "b.json: 2 entries: 1 added, 0 updated, 0 unchanged, 0 skipped, 1 failed") {
		t.Errorf("stdout:\n%s", stdout)
	}
	want := "mdtwin: b.json: entry[1] (urn:uuid:o1): subject: broken reference urn:uuid:p2: no entry of this bundle has that fullUrl\n" +
		"mdtwin: c.json: 1:38: invalid JSON: unexpected end of JSON input\n" +
		"mdtwin: 1 entry and 1 file failed (listed above); the valid entries were stored in s.sqlite\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
	if code, _, stderr := cli(dir, "ingest"); code != 2 || !strings.Contains(stderr, "needs at least one FILE") {
		t.Errorf("no files: exit %d %s", code, stderr)
	}
	if _, stdout, _ := cli(dir, "ingest", "--help"); !strings.Contains(stdout, "2 when any entry or file failed") {
		t.Errorf("help does not state the exit status:\n%s", stdout)
	}
}

func TestIngestDefaultStore(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	write(t, filepath.Join(dir, "p.ndjson"), `{"resourceType": "Patient", "id": "p1", "gender": "male"}`+"\n")
	code, stdout, stderr := cli(dir, "ingest", "p.ndjson", "--source", "urn:test")
	if code != 0 || !strings.Contains(stdout, "1 added") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := cli(dir, "ingest", "p.ndjson", "--source", "urn:test", "--store", filepath.Join(dir, "data", "mdtwin", "store.sqlite")); code != 0 ||
		!strings.Contains(stdout, "1 unchanged") {
		t.Errorf("the default store is not $XDG_DATA_HOME/mdtwin/store.sqlite:\n%s", stdout)
	}
}
