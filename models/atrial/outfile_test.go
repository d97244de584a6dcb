package atrial

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

// TestStepsPer: intervals that are whole multiples of dt (to 10⁻⁹ of the
// interval: 0.3/0.1 is 2.9999999999999996 in float64) give the step count;
// others, zero and negatives give the one message igb_ms, checkpoint_ms
// and electrodes' sample_ms share, as a *models.InputError.
func TestStepsPer(t *testing.T) {
	for _, c := range []struct {
		interval, dt float64
		want         int // 0: an error
	}{
		{1, 0.05, 20}, {0.3, 0.1, 3}, {0.05, 0.05, 1}, {400, 0.02, 20000},
		{0.03, 0.02, 0}, {0.01, 0.02, 0}, {0, 0.05, 0}, {-1, 0.05, 0},
	} {
		n, err := stepsPer("inputs: igb_ms", c.interval, c.dt)
		var ie *models.InputError
		switch {
		case c.want == 0 && (!errors.As(err, &ie) || !strings.Contains(err.Error(), "atrial inputs: igb_ms = ") ||
			!strings.Contains(err.Error(), "is not a positive multiple of dt_ms = ")):
			t.Errorf("stepsPer(%g, %g) = %d, %v; want the not-a-multiple error", c.interval, c.dt, n, err)
		case c.want != 0 && (err != nil || n != c.want):
			t.Errorf("stepsPer(%g, %g) = %d, %v; want %d", c.interval, c.dt, n, err, c.want)
		}
	}
}

// TestStepMultiplesRefused: a run whose igb_ms, checkpoint_ms,
// electrodes' sample_ms or (with phase tracking) frame_ms is not a
// multiple of dt_ms is refused with one line naming the key, as bad input
// (models.IsBadInput: the engine does not retry it, and mdtwin run exits
// 2).
func TestStepMultiplesRefused(t *testing.T) {
	sheet := map[string]any{"mesh": "sheet", "length_mm": 2.0, "width_mm": 2.0, "dx_mm": 0.5, "dt_ms": 0.02, "duration_ms": 1.0}
	for _, c := range []struct {
		params map[string]any // over sheet
		inputs map[string]any
		key    string
	}{
		{nil, map[string]any{"igb_ms": 0.03}, "inputs: igb_ms"},
		{nil, map[string]any{"checkpoint_ms": 0.03}, "inputs: checkpoint_ms"},
		{nil, map[string]any{"electrodes": map[string]any{"ecg_distance_mm": 50, "sample_ms": 0.03}}, "inputs: electrodes: sample_ms"},
		{map[string]any{"phase": "lat", "frame_ms": 0.03}, nil, "frame_ms"},
		{map[string]any{"phase": "state", "frame_ms": 0.03}, nil, "frame_ms"},
	} {
		raw := maps.Clone(sheet)
		maps.Copy(raw, c.params)
		_, err := runModel(t, raw, c.inputs, t.TempDir())
		want := "atrial " + c.key + " = 0.03 is not a positive multiple of dt_ms = 0.02"
		if c.params != nil { // a parameter: a *models.ParamError
			want = `parameter "frame_ms" of model "atrial" = 0.03: not a positive multiple of dt_ms = 0.02`
		}
		if err == nil || err.Error() != want || !models.IsBadInput(err) {
			t.Errorf("%s = 0.03: error %v (bad input: %v); want %q, bad input", c.key, err, models.IsBadInput(err), want)
		}
	}
}

// TestIntervalsBeyondTheRunRefused: a checkpoint after the run's end is
// bad input too (models.IsBadInput: not retried, mdtwin run exits 2), with
// one line naming the key and the limit.
func TestIntervalsBeyondTheRunRefused(t *testing.T) {
	sheet := map[string]any{"mesh": "sheet", "length_mm": 2.0, "width_mm": 2.0, "dx_mm": 0.5, "dt_ms": 0.02, "duration_ms": 1.0}
	_, err := runModel(t, sheet, map[string]any{"checkpoint_ms": 2.0}, t.TempDir())
	want := "atrial inputs: checkpoint_ms = 2 must not be after duration_ms = 1"
	if err == nil || err.Error() != want || !models.IsBadInput(err) {
		t.Errorf("checkpoint_ms = 2: error %v (bad input: %v); want %q, bad input", err, models.IsBadInput(err), want)
	}
}

// TestPendingFile: a committed file appears under its name with what was
// written and no .tmp is left; a discarded one leaves nothing.
func TestPendingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.bin")
	f, err := createPending(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("the file is under its name before commit")
	}
	if _, err := f.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	if err := f.commit(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "abc" {
		t.Fatalf("committed file: %q, %v", b, err)
	}
	g, err := createPending(filepath.Join(dir, "gone.bin"))
	if err != nil {
		t.Fatal(err)
	}
	g.Write([]byte("x"))
	g.discard()
	if ents, _ := os.ReadDir(dir); len(ents) != 1 || ents[0].Name() != "out.bin" {
		t.Fatalf("folder after commit and discard: %v, want out.bin only", ents)
	}
}
