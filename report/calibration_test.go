package report

import (
	"bytes"
	"strings"
	"testing"
)

// The calibration page of a calibration's outputs (testdata/calibration:
// calibration.json, posterior.csv, populations.csv as mdtwin calibrate
// writes them) shows the posterior, its plots, the fit and the schedule.
func TestCalibrationReport(t *testing.T) {
	if !IsCalibration("testdata/calibration") || IsCalibration("testdata") {
		t.Fatal("IsCalibration does not tell a calibration folder")
	}
	c, err := LoadCalibration("testdata/calibration")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Params) != 2 || len(c.Particles) != 4 || c.Weights[2] != 0.25 || len(c.Schedule) != 3 {
		t.Fatalf("loaded %v params, %d particles, %d populations", c.Params, len(c.Particles), len(c.Schedule))
	}
	var b bytes.Buffer
	if err := Calibration(&b, c); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{`id="posterior"`, `id="marginals"`, `id="pairs"`, `id="correlations"`, `id="fit"`,
		`id="fit-scalars"`, `id="fit-plasma-concentration"`, `id="schedule"`, `id="tolerance"`, `id="acceptance"`, `id="ess"`,
		"reached temperature 1", "a paper", "lognormal(mu=1.609438, sigma=0.5)"} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	if strings.Contains(html, "<script") || strings.Contains(html, "http://") && !strings.Contains(html, "http://www.w3.org") {
		t.Error("the report is not self-contained")
	}
	var again bytes.Buffer
	Calibration(&again, c)
	if again.String() != html {
		t.Error("the report is not deterministic")
	}
}
