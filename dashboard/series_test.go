package dashboard

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/ingest"
)

// TestDeviceAndPROSeries: the wearable's daily steps and the PHQ-9 scores
// streamed in for the Synthea patient are series of their own groups on
// the patient's page. The last day, Thursday 2021-04-29 (day 59), has
// 6000 + (59·37 mod 2500) = 8183 steps; the last PHQ-9 score is 5.
func TestDeviceAndPROSeries(t *testing.T) {
	f := newFixture(t, "")
	ctx := context.Background()
	opt := ingest.Options{Source: syntheaSource}
	for _, name := range []string{"wearable_steps.ndjson", "phq9_responses.ndjson"} {
		r, err := os.Open(filepath.Join("..", "patient", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		_, err = opt.Stream(ctx, f.ps, name, r, 500, time.Minute)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Get(f.http.URL + "/patients/" + f.synthea)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	for _, want := range []string{
		`<div class="series-group" id="series-device"><h3>Device data</h3>`,
		`<figure class="series" data-code="http://loinc.org|41950-7" data-group="device">`,
		`<div class="series-group" id="series-prom"><h3>Patient-reported outcomes</h3>`,
		`<figure class="series" data-code="http://loinc.org|44261-6" data-group="prom">`,
		`PHQ-9 total score (0–27)`, `/(24 h) · last 8183 · 60 values`, `score · last 5 · 4 values`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestSeriesUnits: values of one code in two units make one series in the
// terminology's unit (body weight in kg: 154 [lb_av] = 69.85 kg).
func TestSeriesUnits(t *testing.T) {
	v1, v2 := 70.0, 154.0
	rec := &patient.Record{Observations: []patient.Observation{
		{Code: patient.Coded{{System: patient.SystemLOINC, Code: "29463-7", Display: "Body Weight"}}, Time: "2020-01-01", Value: &v1, Unit: "kg"},
		{Code: patient.Coded{{System: patient.SystemLOINC, Code: "29463-7", Display: "Body Weight"}}, Time: "2021-01-01", Value: &v2, Unit: "[lb_av]"},
	}}
	tl := newTimeline(rec)
	if len(tl.Series) != 1 || tl.Series[0].Unit != "kg" || tl.Series[0].Last != "69.85" || tl.Series[0].Label != "Body weight" {
		t.Fatalf("%+v", tl.Series)
	}
}
