package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/store"
)

// TestRunForSPMSPatient: MS-0003 of the invented registry, coded SPMS
// (SNOMED CT 425500002), gets a forecast through run --patient: mscohort
// starts her in SPMS at EDSS state 6, so under the example's stop_at_spms
// the delayed strategies have her off therapy from the start (no years on
// any therapy). ofatumumab_first is given stop_at_spms = false here, so
// that she stays on ofatumumab and the strategies differ (with every
// strategy stopped at time 0 the ICERs are undefined, stored as null: the
// demo forecasts her that way).
func TestRunForSPMSPatient(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store.sqlite")
	pid := ingestMSRegistry(t, dir, st, "MS-0003")
	sc := exampleCopy(t, dir, "ms-ofatumumab-first-vs-delayed.toml", "n_patients = 10000", "n_patients = 200",
		`output = "out/ms-ofatumumab-first-vs-delayed"`, `output = "out"`,
		`name = "ofatumumab_first"`, "name = \"ofatumumab_first\"\nstop_at_spms = false")
	code, stdout, stderr := cli(dir, "run", sc, "--patient", pid, "--store", st, "--workers", "2")
	if code != 0 || !strings.Contains(stdout, "stored 1 predictions for patient "+pid) {
		t.Fatalf("run --patient: exit %d\n%s%s", code, stdout, stderr)
	}
	ps, err := store.OpenPatients(st, "test")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ps.Record(context.Background(), pid)
	ps.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Predictions) != 1 {
		t.Fatalf("predictions %+v", rec.Predictions)
	}
	out := rec.Predictions[0].Outputs
	for _, k := range []string{"dmf_then_ofatumumab_3y_years_on_dimethyl_fumarate", "dmf_then_ofatumumab_3y_years_on_ofatumumab", "dmf_then_ofatumumab_1y_years_on_ofatumumab"} {
		if v, ok := out[k]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v), want 0: stop_at_spms at time 0", k, v, ok)
		}
	}
	// Without a stop she continues ofatumumab until discontinuation (rate
	// 0.1 a year) or death: years on it well above 0.
	if y := out["ofatumumab_first_years_on_ofatumumab"]; y < 1 {
		t.Errorf("ofatumumab_first without stop_at_spms: %v years on ofatumumab", y)
	}
	// Relapses at the SPMS rates (≤ 0.52 a year from EDSS 5 up) lowered by
	// ofatumumab's rate ratio: fewer than with no therapy.
	if a, b := out["ofatumumab_first_relapses"], out["dmf_then_ofatumumab_3y_relapses"]; !(a > 0 && a < b) {
		t.Errorf("relapses: %v on ofatumumab, %v untreated", a, b)
	}
}
