package atrial_test

import (
	"context"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/scenarios"
)

// TestExampleAFAblation runs scenarios/examples/af-fibrosis-ablation.toml:
// without a lesion the S1–S2 protocol induces a driver (inducible = 1,
// rd_count ≥ 1) on the fibrotic sheet; with the line from the driver site
// to the edge it does not (inducible = 0). Both runs share the fibrosis
// (fibrosis_seed). About 2 s.
func TestExampleAFAblation(t *testing.T) {
	t.Chdir("../..")
	sc, err := scenarios.Load("scenarios/examples/af-fibrosis-ablation.toml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := atrial.Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := sc.Expand(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs, want 2", len(runs))
	}
	var frac []float64
	for _, r := range runs {
		res, err := atrial.Model{}.Run(context.Background(), models.RunSpec{Model: atrial.Name, RunID: r.ID, Seed: r.Seed,
			Params: r.Params, Inputs: sc.Inputs}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := res.Scalars
		t.Logf("%s: fib %.3f lesion %.1f gaps %v PS %v RD %v inducible %v rot %.2f longest %.0f CL %.1f act %.2f", r.Params.String("lesion_set"),
			s["fibrotic_fraction"], s["lesion_area_mm2"], s["lesion_gaps"], s["ps_count"], s["rd_count"], s["inducible"], s["max_rotations"], s["longest_track_ms"], s["mean_cycle_length_ms"], s["activations_mean"])
		frac = append(frac, s["fibrotic_fraction"])
		switch r.Params.String("lesion_set") {
		case "none":
			if s["inducible"] != 1 || !(s["rd_count"] >= 1) || s["lesion_area_mm2"] != 0 {
				t.Errorf("no lesion: inducible %v, rd_count %v, lesion area %v; want 1, ≥ 1, 0", s["inducible"], s["rd_count"], s["lesion_area_mm2"])
			}
		case "driver_line":
			if s["inducible"] != 0 || s["rd_count"] != 0 || !(s["lesion_area_mm2"] > 0) || s["lesion_gaps"] != 0 {
				t.Errorf("driver line: inducible %v, rd_count %v, lesion area %v, gaps %v; want 0, 0, > 0, 0", s["inducible"], s["rd_count"], s["lesion_area_mm2"], s["lesion_gaps"])
			}
		}
		for _, tb := range res.Tables {
			if tb.Name != "rotor_tracks" {
				continue
			}
			last := -1.0
			for _, row := range tb.Rows {
				if row[8] == 1 && row[0] != last {
					t.Logf("  driver track %v charge %v from %v at (%.1f, %.1f), rot %.2f life %.0f", row[0], row[1], row[2], row[3], row[4], row[6], row[7])
					last = row[0]
				}
			}
		}
	}
	if frac[0] != frac[1] || frac[0] == 0 {
		t.Errorf("fibrotic fractions %v: want one shared, non-zero substrate", frac)
	}
}
