package brain

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestEpileptorDriftSSE2: the vector Epileptor drift gives the Go loop's
// values bit for bit, for states spread over both branches of every
// condition (x1 < 0, z < 0, x2 ≥ −0.25, with exact −0.25 and 0 among
// them), odd and even region counts, and non-default parameters.
func TestEpileptorDriftSSE2(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 7, 76} {
		e := NewEpileptor(n)
		e.Ks, e.Kf, e.Kvf, e.Slope, e.Tt, e.R = -0.3, 0.1, 0.2, 0.5, 1.3, 0.0007
		for i := range e.X0 {
			e.X0[i] = -3 + 2*rng.Float64()
		}
		x, c := make([]float64, 6*n), make([]float64, 2*n)
		for trial := 0; trial < 50; trial++ {
			for k := range x {
				x[k] = 6 * (rng.Float64() - 0.5)
			}
			for k := range c {
				c[k] = rng.NormFloat64()
			}
			if n > 1 {
				x[0], x[2*n], x[3*n+1] = 0, 0, -0.25 // boundaries of the branches
			}
			a, b := make([]float64, 6*n), make([]float64, 6*n)
			useSIMDDrift = true
			e.Drift(a, x, c, n)
			useSIMDDrift = false
			e.Drift(b, x, c, n)
			useSIMDDrift = true
			for k := range a {
				if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
					t.Fatalf("n %d: dst[%d] (var %d, region %d) = %v, Go loop %v", n, k, k/n, k%n, a[k], b[k])
				}
			}
		}
	}
}
