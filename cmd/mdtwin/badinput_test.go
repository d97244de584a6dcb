package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunRefusedInputExitsTwo: a parameter value inside its bounds that
// the model cannot run with (mscohort: nh_worsening_hr = 100 under
// edss_timing = "annual" makes the EDSS-0 row's annual probabilities sum
// past 1) is the scenario's mistake: the run is not retried (one attempt),
// and mdtwin exits 2 with one line on stderr naming the scenario, not 1 as
// for a run failure that --retry-failed could mend. With a sound value the
// same scenario exits 0.
func TestRunRefusedInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	write := func(hr string) string {
		sc := filepath.Join(dir, "bad.toml")
		text := "[study]\nname = \"bad\"\nmodel = \"mscohort\"\nseed = 1\noutput = \"out-" + hr + "\"\n\n[params]\nmode = \"cohort\"\nedss_timing = \"annual\"\nhorizon_years = 2\nnh_worsening_hr = " + hr + "\n"
		if err := os.WriteFile(sc, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return sc
	}
	code, stdout, stderr := cli(dir, "run", write("100"))
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1]
	if code != 2 || !strings.Contains(last, "bad.toml: the model refused the inputs of 1 of 1 runs (bad input, not retried)") ||
		!strings.Contains(stdout, "r000000 after 1 attempts") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if code, stdout, stderr := cli(dir, "run", write("1.2")); code != 0 {
		t.Fatalf("nh_worsening_hr 1.2: exit %d\n%s%s", code, stdout, stderr)
	}
}
