package brain

import (
	"math"
	"testing"
)

// TestStimulusThreshold: an isolated Epileptor resting at x0 = −2.4 (and
// −2.2) is kicked into a seizure by one 400-ms pulse on x1 of 1.15× the
// threshold I* of StimulusThreshold2D (derived from the fast nullcline,
// I* ≈ 0.193 at −2.4) and not by one of 0.9×: within 600 ms x1 reaches the
// right branch (> −0.5) or stays on the left one (< −1.2). The derivation
// holds for r → 0, so the test takes r = 10⁻⁵ (z drifts by < 0.01 during the
// pulse, as much as the threshold moves). The pulse is long because the
// escape past the vanished branch creeps through its ghost: ≈ π/√(4·ΔI)
// ≈ 10 ms for the 2-D Epileptor at 1.15×, and about 15 times that for the
// 6-D one, whose y1 lags x1 (y1 = c − d·x1² has slope −10·x1 ≈ 14 at the
// knee, found by simulating 50-ms pulses: the 6-D model needed 2× there).
func TestStimulusThreshold(t *testing.T) {
	if got := StimulusThreshold2D(4.1, -2.4); math.Abs(got-0.1928) > 5e-4 {
		// By hand: x1r ≈ −1.6231 (x³ + 2x² + 4x = −5.5), z = 3.1076, I* = 3.1076 − 4.1 + 32/27.
		t.Fatalf("I*(−2.4) = %v, want ≈ 0.1928", got)
	}
	for _, x0 := range []float64{-2.4, -2.2} {
		thr := StimulusThreshold2D(4.1, x0)
		for _, mass := range []string{"2d", "6d"} {
			for _, f := range []float64{0.9, 1.15} {
				var m NeuralMass
				if mass == "2d" {
					e := NewEpileptor2D(1)
					e.X0[0], e.R = x0, 1e-5
					m = e
				} else {
					e := NewEpileptor(1)
					e.X0[0], e.R = x0, 1e-5
					m = e
				}
				net := NewNetwork(NetworkConfig{Mass: m, Weights: []float64{0}, Dt: 0.05, Integrator: Heun, Coupling: Coupling{Kind: Difference},
					Stimuli: []PulseTrain{{Onset: 50, Period: 1000, Width: 400, Duration: 500, Amplitude: f * thr, Weights: []float64{1}}}})
				x1 := math.Inf(-1)
				for s := 0; s < 12000; s++ { // 600 ms
					net.Step()
					x1 = max(x1, net.State()[0])
				}
				seized := x1 > -0.5
				if seized != (f > 1) || !seized && x1 > -1.2 {
					t.Errorf("%s x0 %v: pulse %.2f·I* (I* = %.4f): highest x1 %.3f; want a seizure: %v", mass, x0, f, thr, x1, f > 1)
				}
			}
		}
	}
}

// TestPulseTrainAt: pulses of width 2 ms every 10 ms from onset 5 for 25 ms.
func TestPulseTrainAt(t *testing.T) {
	p := PulseTrain{Onset: 5, Period: 10, Width: 2, Duration: 25, Amplitude: 3}
	for _, c := range []struct{ t, want float64 }{{4.99, 0}, {5, 3}, {6.99, 3}, {7, 0}, {15, 3}, {25.5, 3}, {27, 0}, {30, 0}, {35, 0}} {
		if got := p.At(c.t); got != c.want {
			t.Errorf("At(%v) = %v, want %v", c.t, got, c.want)
		}
	}
}
