package atrial_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial"
)

// TestIGBOutput writes V every 1 ms of a paced 6 × 3 mm sheet (25 × 13
// nodes) to vm.igb and reads it back with mesh.ReadIGB: 11 frames of 325
// nodes from 0 ms, each equal (as float32) to the traces at the pacing
// site (node 150, at (0, 1.5)) and the far node (node 24, at (6, 0), the
// first of the two farthest) at the same time.
func TestIGBOutput(t *testing.T) {
	dir := t.TempDir()
	raw := with(splitParams("explicit"), "duration_ms", 10.0)
	res, err := runCk(t, raw, `{"igb_ms": 1}`, dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, atrial.IGBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, data, err := mesh.ReadIGB(f, atrial.IGBFile)
	if err != nil {
		t.Fatal(err)
	}
	if h.Nodes != 325 || h.Frames != 11 || h.T0 != 0 || h.Dt != 1 || h.Units != "mV" {
		t.Fatalf("header %+v", h)
	}
	checked := 0
	for _, r := range table(t, res, "traces").Rows {
		k := int(r[0])
		if float64(k) != r[0] {
			continue
		}
		if got := data[k*325+150]; got != float32(r[1]) {
			t.Errorf("t = %g ms, site: igb %g, trace %g", r[0], got, r[1])
		}
		if got := data[k*325+24]; got != float32(r[3]) {
			t.Errorf("t = %g ms, far node: igb %g, trace %g", r[0], got, r[3])
		}
		checked++
	}
	if checked != 11 {
		t.Fatalf("%d frames checked, want 11", checked)
	}
	if _, err := runCk(t, raw, `{"igb_ms": 0.03}`, t.TempDir()); err == nil || !strings.Contains(err.Error(), "igb_ms") {
		t.Errorf("igb_ms 0.03 with dt 0.02: %v", err)
	}
}
