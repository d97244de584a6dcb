package ionic

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestModifiedMSKernelAVX512: the kernel with its AVX-512F blocks gives
// the bits of its Go loop on states spanning an action potential (U from
// −0.2 to 1.2 with values on both sides of and at V_gate, h from 0 to 1),
// for ranges of every length modulo 8, three parameter sets and two time
// steps.
func TestModifiedMSKernelAVX512(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512F on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, m := range []ModifiedMS{AtrialMMS(), TorchCorMMS(), FileMMS()} {
		for _, dt := range []float64{0.025, 0.01} {
			n := 203
			v0, s0 := make([]float64, n), make([]float64, n)
			r := m.VMax - m.VMin
			for i := range n {
				v0[i] = m.VMin + r*(rng.Float64()*1.4-0.2)
				s0[i] = rng.Float64()
				switch i % 11 {
				case 1:
					v0[i] = m.VMin + r*m.VGate // u at V_gate up to rounding
				case 2:
					v0[i] = m.VMin
					s0[i] = 1
				case 3:
					s0[i] = 0
				}
			}
			k := m.Kernel(dt)
			for _, lo := range []int{0, 5} {
				for hi := lo; hi <= lo+40; hi++ {
					t.Run(fmt.Sprintf("tauout=%g/dt=%g/%d-%d", m.TauOut, dt, lo, hi), func(t *testing.T) {
						va, sa := append([]float64(nil), v0...), append([]float64(nil), s0...)
						vg, sg := append([]float64(nil), v0...), append([]float64(nil), s0...)
						k(va, sa, lo, hi)
						useAVX512 = false
						k(vg, sg, lo, hi)
						useAVX512 = true
						for i := range n {
							if math.Float64bits(va[i]) != math.Float64bits(vg[i]) || math.Float64bits(sa[i]) != math.Float64bits(sg[i]) {
								t.Fatalf("node %d: AVX-512 (%v, %v), Go loop (%v, %v)", i, va[i], sa[i], vg[i], sg[i])
							}
						}
					})
				}
			}
		}
	}
}
