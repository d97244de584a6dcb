package atrial

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStepsPer: intervals that are whole multiples of dt (to 10⁻⁹ of the
// interval: 0.3/0.1 is 2.9999999999999996 in float64) give the step count;
// others, zero and negatives give the one message igb_ms, checkpoint_ms
// and electrodes' sample_ms share.
func TestStepsPer(t *testing.T) {
	for _, c := range []struct {
		interval, dt float64
		want         int // 0: an error
	}{
		{1, 0.05, 20}, {0.3, 0.1, 3}, {0.05, 0.05, 1}, {400, 0.02, 20000},
		{0.03, 0.02, 0}, {0.01, 0.02, 0}, {0, 0.05, 0}, {-1, 0.05, 0},
	} {
		n, err := stepsPer("igb_ms", c.interval, c.dt)
		switch {
		case c.want == 0 && (err == nil || !strings.Contains(err.Error(), "atrial inputs: igb_ms = ") ||
			!strings.Contains(err.Error(), "is not a positive multiple of dt_ms = ")):
			t.Errorf("stepsPer(%g, %g) = %d, %v; want the not-a-multiple error", c.interval, c.dt, n, err)
		case c.want != 0 && (err != nil || n != c.want):
			t.Errorf("stepsPer(%g, %g) = %d, %v; want %d", c.interval, c.dt, n, err, c.want)
		}
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
