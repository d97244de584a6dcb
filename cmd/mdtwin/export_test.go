package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportOMOP(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(repoRoot(t), "patient", "testdata", "synthea_r4_Louis_Erdman_55bbe118.json")
	if code, _, stderr := cli(dir, "ingest", bundle, "--store", "s.sqlite"); code != 0 {
		t.Fatal(stderr)
	}
	code, stdout, stderr := cli(dir, "export", "omop", "--store", "s.sqlite", "--out", "omop")
	// Counts: see patient/omop's TestSynthea for their derivation.
	if code != 0 || !strings.Contains(stdout, "visit_occurrence      12 rows") || !strings.Contains(stdout, "measurement           50 rows") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, f := range []string{"person.csv", "person.parquet", "observation.parquet"} {
		if _, err := os.Stat(filepath.Join(dir, "omop", f)); err != nil {
			t.Error(err)
		}
	}
	for _, c := range [][]string{{"export", "omop", "--store", "s.sqlite"}, {"export", "omop", "--store", "none.sqlite", "--out", "x"}, {"export"}} {
		if code, _, stderr := cli(dir, c...); code != 2 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d %q", c, code, stderr)
		}
	}
}
