package report

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/patient/ingest"
	"github.com/mdtwin/mdtwin/store"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden reports in testdata")

// golden compares got with testdata/name, or rewrites it with -rewrite.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *rewrite {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -rewrite to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the report written now (review, then go test ./report -rewrite)", path)
	}
}

func studyReport(t *testing.T, dir string) string {
	t.Helper()
	st, err := LoadStudy(filepath.Join("testdata", dir))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Study(&b, st); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	Study(&again, st)
	if !bytes.Equal(b.Bytes(), again.Bytes()) {
		t.Fatalf("%s: two reports of the same outputs differ", dir)
	}
	golden(t, dir+".golden.html", b.Bytes())
	return b.String()
}

// selfContained fails on anything a browser would fetch (the SVG
// namespace names are identifiers, not fetched).
func selfContained(t *testing.T, html string) {
	t.Helper()
	html = strings.ReplaceAll(html, "http://www.w3.org/2000/svg", "")
	html = strings.ReplaceAll(html, "http://www.w3.org/1999/xlink", "")
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url(", "http://", "https://"} {
		if strings.Contains(html, bad) {
			t.Errorf("report contains %q: not self-contained", bad)
		}
	}
}

func TestStudyReportHTA(t *testing.T) {
	html := studyReport(t, "hiv-psa")
	selfContained(t, html)
	for _, want := range []string{`<table id="frontier">`, `<figure id="ceac">`, `<figure id="ce-plane">`, `<table id="increments">`,
		"<td>combination</td>", "non-dominated", `<table id="outputs">`} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %s", want)
		}
	}
	if n := strings.Count(html, "<svg"); n != 2 {
		t.Errorf("%d SVG plots, want 2 (CE plane, CEAC)", n)
	}
}

func TestStudyReportMSForecast(t *testing.T) {
	html := studyReport(t, "ms-patient")
	selfContained(t, html)
	// The one patient starts in EDSS state 2 in both strategies: year 0 is
	// exactly 2 with a degenerate interval (testdata/ms-patient: edss one-hot
	// at state 2).
	for _, want := range []string{`<figure id="edss-forecast-plot">`, "<tr><td>a</td><td>2.00 (2–2)</td>", "<tr><td>b</td><td>2.00 (2–2)</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %s", want)
		}
	}
}

func TestStudyReportBrain(t *testing.T) {
	html := studyReport(t, "vep")
	selfContained(t, html)
	// testdata/vep/results.csv: no resection and the lateral resection
	// leave the EZ seizing (3 regions); the mesial resection stops it.
	for _, want := range []string{`<figure id="onset-map">`, `<table id="resection-table">`, "r000001 (resection mesial): no region seized.", "<td>rHC</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %s", want)
		}
	}
}

func TestPatientReport(t *testing.T) {
	ctx := context.Background()
	ps, err := store.OpenPatients(filepath.Join(t.TempDir(), "s.sqlite"), "report test")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	if _, err := ingest.Registry(ctx, ps, "../patient/testdata/ms_registry.toml"); err != nil {
		t.Fatal(err)
	}
	rec, err := ps.Record(ctx, ps.Pseudonym("urn:example:ms-registry", "urn:example:ms-registry|MS-0001"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := LoadStudy("testdata/ms-patient")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Patient(&b, rec, st); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	selfContained(t, html)
	// MS-0001's visits (patient/testdata/ms_registry_edss.csv): four, the last 2.5 on 2018-07-03.
	for _, want := range []string{"patient " + rec.Patient.ID, "<tr><td>2018-07-03</td><td>2.5</td></tr>", "<td>ocrelizumab</td>", `<figure id="edss-forecast-plot">`} {
		if !strings.Contains(html, want) {
			t.Errorf("patient report lacks %s", want)
		}
	}
}

func TestLoadStudyErrors(t *testing.T) {
	if _, err := LoadStudy(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is not a study output folder") {
		t.Errorf("empty folder: %v", err)
	}
}
