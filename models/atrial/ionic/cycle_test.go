package ionic

import (
	"math"
	"testing"
)

// TestPacedCycle: the sampled cycle of the modified MS atrial set paced at
// 400 ms starts at rest-ish (the end of the previous cycle), is excited by
// its stimulus (peak above 10 mV; V_max is 20 mV), and is
// back near rest at its end; at a 20 ms cycle length (far below the
// refractory period, ≈ τclose·ln(…) ≫ 20 ms) the cell cannot follow and
// PacedCycle says so.
func TestPacedCycle(t *testing.T) {
	ion := AtrialMMS()
	c, err := PacedCycle(ion, 400, 0.02, 35.7, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	peak := math.Inf(-1)
	for _, v := range c.V {
		peak = max(peak, v)
	}
	if !(peak > 10) || math.Abs(c.V[len(c.V)-1]-ion.VMin) > 2 || len(c.V) != 20000 {
		t.Errorf("peak %.2f mV (want 10…%g), end %.2f mV (want ≈ %g), %d samples", peak, ion.VMax, c.V[len(c.V)-1], ion.VMin, len(c.V))
	}
	s := make([]float64, 1)
	if v := c.At(1e9, s); v != c.V[len(c.V)-1] {
		t.Errorf("At beyond the cycle: %v, want the last sample", v)
	}
	if _, err := PacedCycle(ion, 20, 0.02, 35.7, 2, 3); err == nil {
		t.Error("a 20 ms cycle was accepted")
	}
}
