package dashboard

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/report"
)

// TestForecastChartAxis: the forecast starts where the observed course
// ends — at the index date's x, on the same time scale as the visits —
// and each strategy's band spans its 5th to 95th percentile. Expected
// coordinates are the chart's own linear maps, computed by hand: EDSS v
// is at y = 204 − 19·v (fcTop 14, fcPlotH 190).
func TestForecastChartAxis(t *testing.T) {
	v := []float64{1.5, 2.5}
	obs := []patient.Observation{{Time: "2018-07-03", Value: &v[1]}, {Time: "2012-06-01", Value: &v[0]}}
	index := time.Date(2018, 7, 3, 0, 0, 0, 0, time.UTC)
	bands := []report.EDSSBand{
		{Strategy: "a", Years: []float64{0, 1, 2}, Mean: []float64{2, 2.5, 3}, P05: []float64{2, 2, 2}, P95: []float64{2, 3, 4}},
		{Strategy: "b", Years: []float64{0, 1, 2}, Mean: []float64{2, 2, 2}, P05: []float64{2, 2, 2}, P95: []float64{2, 2, 3}},
	}
	c := newForecastChart(obs, index, bands)
	if len(c.Dots) != 2 || c.Dots[0].Title != "2012-06-01: EDSS 1.5" || c.Dots[1].Y != 156.5 || c.Dots[0].Y != 175.5 {
		t.Fatalf("observed dots %+v", c.Dots)
	}
	if c.IndexX != c.Dots[1].X {
		t.Errorf("index at x %g, the last visit at %g", c.IndexX, c.Dots[1].X)
	}
	if c.Years != 2 || len(c.Bands) != 2 {
		t.Fatalf("years %d, bands %d", c.Years, len(c.Bands))
	}
	// Band a: 95th percentile forward (2, 3, 4 → y 166, 147, 128), then the
	// 5th back (2, 2, 2 → y 166), from the index date to two years on.
	pts := strings.Fields(c.Bands[0].Band)
	var xs, ys []float64
	for _, p := range pts {
		var x, y float64
		fmt.Sscanf(p, "%g,%g", &x, &y)
		xs, ys = append(xs, x), append(ys, y)
	}
	wantY := []float64{166, 147, 128, 166, 166, 166}
	if len(pts) != 6 || fmt.Sprint(ys) != fmt.Sprint(wantY) || xs[0] != c.IndexX || xs[5] != c.IndexX || xs[2] <= c.IndexX || xs[2] > c.Right {
		t.Errorf("band a %q: want y %v from x %g", c.Bands[0].Band, wantY, c.IndexX)
	}
	if c.Bands[0].Last != "3.0" || c.Bands[1].Colour == c.Bands[0].Colour {
		t.Errorf("legend %+v", c.Bands)
	}
}

// TestPatientPageForecast: MS-0001's page draws the stored MS forecast
// (report/testdata/ms-patient: strategies a and b, both in EDSS state 2
// at year 0) on the patient's EDSS axis, and a brain study's onset chart,
// each with the report one click away.
func TestPatientPageForecast(t *testing.T) {
	f := newFixture(t, "")
	ctx := context.Background()
	out, err := filepath.Abs(filepath.Join("..", "report", "testdata", "ms-patient"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := f.ps.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := w.AddStudy(ctx, patient.Study{Name: "ms-patient", Model: "mscohort", ModelVersion: "1.0.0", Output: out})
	if err != nil {
		t.Fatal(err)
	}
	pid, err := w.AddPrediction(ctx, patient.Prediction{PatientID: f.ms, StudyID: sid, RunID: "r000000", Outputs: map[string]float64{"x": 1}})
	if err != nil {
		t.Fatal(err)
	}
	// A brain study (report/testdata/vep): its onset chart is the picture.
	vep, _ := filepath.Abs(filepath.Join("..", "report", "testdata", "vep"))
	bid, err := w.AddStudy(ctx, patient.Study{Name: "vep", Model: "brain", ModelVersion: "1", Output: vep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddPrediction(ctx, patient.Prediction{PatientID: f.ms, StudyID: bid, RunID: "r000000", Outputs: map[string]float64{"x": 1}}); err != nil {
		t.Fatal(err)
	}
	// One prediction for the Synthea patient: its record line counts it in
	// the singular.
	if _, err := w.AddPrediction(ctx, patient.Prediction{PatientID: f.synthea, StudyID: bid, RunID: "r000000", Outputs: map[string]float64{"x": 1}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	_, page := get(t, f.http.URL+"/patients/"+f.ms)
	for _, want := range []string{
		fmt.Sprintf(`<figure class="forecast" id="forecast-%d">`, sid),
		fmt.Sprintf(`href="/patients/%s/predictions/%d/report">Full report</a>`, f.ms, pid),
		`<g class="strategy" data-strategy="a">`, `<g class="strategy" data-strategy="b">`,
		"index 2018-07-03", "<title>2018-07-03: EDSS 2.5</title>",
		fmt.Sprintf(`<figure class="picture" id="picture-%d" data-model="brain">`, bid), "First seizure onset of each region",
		" · 2 predictions</dd>", // counts in the singular when one
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	_, syn := get(t, f.http.URL+"/patients/"+f.synthea)
	if !strings.Contains(syn, " · 1 prediction</dd>") {
		t.Errorf("the Synthea patient's record line does not count its one prediction in the singular")
	}
	if strings.Contains(syn, `<figure class="forecast"`) {
		t.Errorf("a forecast on the page of a patient without one")
	}
}
