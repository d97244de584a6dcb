package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrialReport writes the page of a small trial folder (the shape
// optima.RunTrial writes; numbers made up for the page, not results) and
// checks the table rows, the plot and the single-substrate dash.
func TestTrialReport(t *testing.T) {
	dir := t.TempDir()
	js := `{"study": "t", "scenario": "t.toml", "scenario_hash": "ab", "cohort": "2 fibrosis realisations", "substrates": 2,
	"sites": 3, "rounds": 2, "endpoint": "non-inducible",
	"arms": [
	 {"arm": "none", "n": 2, "non_inducible": 0, "proportion": 0, "ci95": [0, 0.6576], "mean_lesion_area_mm2": 0, "sd_lesion_area_mm2": 0, "lesion_area_ci95": [0, 0]},
	 {"arm": "pvi+optima", "n": 2, "non_inducible": 2, "proportion": 1, "ci95": [0.3424, 1], "mean_lesion_area_mm2": 900, "sd_lesion_area_mm2": null, "lesion_area_ci95": [null, null]}]}`
	csv := "substrate,fibrosis_seed,mesh,arm,non_inducible,lesion_area_mm2,rounds,outcome,dir\n0,1,,none,0,0,1,x,substrate-000/none\n"
	for f, s := range map[string]string{"trial.json": js, "trial.csv": csv} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !IsTrial(dir) || IsTrial(t.TempDir()) {
		t.Fatal("IsTrial")
	}
	tr, err := LoadTrial(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Trial(&b, tr); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	for _, want := range []string{`id="arm-plot"`, "<svg", "<td>pvi&#43;optima</td><td>2</td><td>2</td><td>1</td><td>0.3424 to 1</td><td>900</td><td>–</td><td>– to –</td>", "substrate-000/none", "Wilson"} {
		if !strings.Contains(h, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if _, err := LoadTrial(t.TempDir()); err == nil {
		t.Error("an empty folder loaded")
	}
}
