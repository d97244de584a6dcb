package brain_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/brain"
)

// npyData returns the data section of a .npy file (after its header).
func npyData(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hl := int(b[8]) | int(b[9])<<8
	return b[10+hl:]
}

// TestStreamingRecorders: with a monitor period of one step, the streamed
// temporal average (timeseries.npy) and the every-step recorder of the
// signal (record.npy) hold the same float32 values bit for bit (a mean of
// one sample is the sample); the recorder's other variables are the state
// (x1 recorded, compared with the ictal detector's input through the run's
// onsets); no .part file is left.
func TestStreamingRecorders(t *testing.T) {
	sc, d, _ := example(t)
	in := bytes.Replace(sc.Inputs, []byte(`"connectivity"`), []byte(`"record": {"variables": ["signal", "x1"], "every": 1}, "connectivity"`), 1)
	p, err := d.Resolve(map[string]any{"hypothesis": "temporal", "duration": 100.0, "period": 0.05})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := brain.Model{}.Run(context.Background(), models.RunSpec{Seed: 1, Params: p, Inputs: in, Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Artifacts[len(res.Artifacts)-2]; got != "record.npy" {
		t.Fatalf("artifacts %v, want record.npy before final_state.csv", res.Artifacts)
	}
	ts := npyData(t, filepath.Join(dir, "timeseries.npy"))
	rec := npyData(t, filepath.Join(dir, "record.npy"))
	const steps, n = 2000, 76 // 100 ms at 0.05 ms, TVB's 76 regions
	if len(ts) != steps*n*4 || len(rec) != steps*2*n*4 {
		t.Fatalf("timeseries %d bytes, record %d bytes; want %d and %d", len(ts), len(rec), steps*n*4, steps*2*n*4)
	}
	for s := 0; s < steps; s++ {
		if !bytes.Equal(ts[s*n*4:(s+1)*n*4], rec[s*2*n*4:(s*2+1)*n*4]) {
			t.Fatalf("step %d: record.npy's signal differs from timeseries.npy", s+1)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.part")); len(m) > 0 {
		t.Errorf("left behind: %v", m)
	}
}
