package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/store"
)

// exampleCopy writes scenarios/examples/name into dir as name with the
// replacements old → new applied (each must occur).
func exampleCopy(t *testing.T, dir, name string, oldNew ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "scenarios", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(oldNew); i += 2 {
		if !strings.Contains(s, oldNew[i]) {
			t.Fatalf("%s has no %q", name, oldNew[i])
		}
		s = strings.ReplaceAll(s, oldNew[i], oldNew[i+1])
	}
	path := filepath.Join(dir, name)
	write(t, path, s)
	return path
}

func TestReportOfHTAStudy(t *testing.T) {
	dir := t.TempDir()
	sc := exampleCopy(t, dir, "hiv-chancellor-psa.toml", "samples = 1000", "samples = 15", `output = "out/hiv-chancellor-psa"`, `output = "out"`)
	if code, _, stderr := cli(dir, "run", sc, "--workers", "2"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := cli(dir, "report", "out", "--out", "r.html")
	if code != 0 || stdout != "report written to r.html\n" {
		t.Fatalf("report: exit %d\n%s%s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "r.html"))
	html := string(b)
	for _, want := range []string{`<figure id="ceac">`, "Cost-effectiveness acceptability curve</text>", `<table id="frontier">`, "<td>monotherapy</td>", "<td>combination</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %s", want)
		}
	}
	if code, _, stderr := cli(dir, "report", "nowhere"); code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "not a study output folder") {
		t.Errorf("missing folder: exit %d %q", code, stderr)
	}
}

// ingestMSRegistry ingests the invented MS registry (patient/testdata) into
// the store st and returns the pseudonym of its patient id (e.g. MS-0001).
func ingestMSRegistry(t *testing.T, dir, st, id string) string {
	t.Helper()
	if code, _, stderr := cli(dir, "ingest", "--store", st, filepath.Join(repoRoot(t), "patient", "testdata", "ms_registry.toml")); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	ps, err := store.OpenPatients(st, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	return ps.Pseudonym("urn:example:ms-registry", "urn:example:ms-registry|"+id)
}

func TestRunAndReportForPatient(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := filepath.Join(dir, "store.sqlite")
	pid := ingestMSRegistry(t, dir, st, "MS-0001")
	sc := exampleCopy(t, dir, "ms-ofatumumab-first-vs-delayed.toml", "n_patients = 10000", "n_patients = 100",
		`output = "out/ms-ofatumumab-first-vs-delayed"`, `output = "out"`)

	code, stdout, stderr := cli(dir, "run", sc, "--patient", pid, "--store", st, "--workers", "2")
	if code != 0 || !strings.Contains(stdout, "stored 1 predictions for patient "+pid) {
		t.Fatalf("run --patient: exit %d\n%s%s", code, stdout, stderr)
	}
	ps, err := store.OpenPatients(st, "test")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ps.Record(ctx, pid)
	ps.Close()
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(filepath.Join(dir, "out"))
	abs, _ = filepath.EvalSymlinks(abs)
	if len(rec.Predictions) != 1 || len(rec.Studies) != 1 {
		t.Fatalf("predictions %+v studies %+v", rec.Predictions, rec.Studies)
	}
	s, p := rec.Studies[0], rec.Predictions[0]
	out, _ := filepath.EvalSymlinks(s.Output)
	if s.Model != "mscohort" || s.ModelVersion == "" || len(s.ScenarioSHA256) != 64 || out != abs ||
		p.RunID != "r000000" || p.Outputs["ofatumumab_first_qaly_disc"] <= 0 {
		t.Errorf("study %+v prediction run %s outputs %d", s, p.RunID, len(p.Outputs))
	}
	// The manifest carries the personalised hash, not the file's.
	if m, _ := os.ReadFile(filepath.Join(dir, "out", "manifest.json")); !strings.Contains(string(m), s.ScenarioSHA256) {
		t.Error("the manifest's scenario hash is not the one stored with the prediction")
	}

	code, stdout, stderr = cli(dir, "report", "out", "--patient", pid, "--store", st)
	if code != 0 {
		t.Fatalf("report --patient: exit %d %s", code, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "out", "report.html"))
	for _, want := range []string{"Prediction report: patient " + pid, `<table id="predictions">`, "<td>2018-07-03</td><td>2.5</td>", `<table id="strategy-outcomes">`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("patient report lacks %s", want)
		}
	}

	for _, args := range [][]string{{"run", sc, "--patient", "pnobody", "--store", st}, {"report", "out", "--patient", "pnobody", "--store", st}} {
		code, _, stderr := cli(dir, args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, `no patient "pnobody" in the store`) {
			t.Errorf("%s with an unknown patient: exit %d, stderr %q", args[0], code, stderr)
		}
	}
	// A store path that does not exist is refused, and no store is made there.
	missing := filepath.Join(dir, "typo.sqlite")
	code, _, stderr = cli(dir, "report", "out", "--patient", pid, "--store", missing)
	if _, err := os.Stat(missing); code != 2 || !strings.Contains(stderr, "does not exist (mdtwin ingest creates it)") || err == nil {
		t.Errorf("report with a missing store: exit %d, stderr %q, stat %v", code, stderr, err)
	}
}
