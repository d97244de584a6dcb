package ionic

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAlievPanfilovKernelAVX512: the kernel with its AVX-512F blocks gives
// the bits of the Go loop (and of Step) on states spanning an action
// potential (u from −0.2 to 1.2, w from 0 to 3, zeros and negative zeros
// included), for ranges of every length modulo 8, two time scales and two
// time steps.
func TestAlievPanfilovKernelAVX512(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512F on this CPU")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, m := range []AlievPanfilov{DefaultAlievPanfilov(), {K: 8, A: 0.15, Eps0: 0.002, Mu1: 0.2, Mu2: 0.3, TimeScale: 12.9, VMin: -86, VMax: 25}} {
		for _, dt := range []float64{0.05, 0.013} {
			n := 203
			v0, s0 := make([]float64, n), make([]float64, n)
			for i := range n {
				v0[i] = m.VMin + (m.VMax-m.VMin)*(rng.Float64()*1.4-0.2)
				s0[i] = 3 * rng.Float64()
				switch i % 13 {
				case 1:
					s0[i] = 0
				case 2:
					s0[i] = math.Copysign(0, -1)
				case 3:
					v0[i] = m.VMin
				}
			}
			k := m.Kernel(dt)
			for _, lo := range []int{0, 3} {
				for hi := lo; hi <= lo+40; hi++ {
					t.Run(fmt.Sprintf("ts=%g/dt=%g/%d-%d", m.TimeScale, dt, lo, hi), func(t *testing.T) {
						va, sa := append([]float64(nil), v0...), append([]float64(nil), s0...)
						vg, sg := append([]float64(nil), v0...), append([]float64(nil), s0...)
						k(va, sa, lo, hi)
						useAVX512 = false
						k(vg, sg, lo, hi)
						useAVX512 = true
						for i := range n {
							vs := v0[i]
							ss := []float64{s0[i]}
							if i >= lo && i < hi {
								vs = m.Step(ss, vs, dt)
							}
							if math.Float64bits(va[i]) != math.Float64bits(vg[i]) || math.Float64bits(sa[i]) != math.Float64bits(sg[i]) ||
								math.Float64bits(vg[i]) != math.Float64bits(vs) || math.Float64bits(sg[i]) != math.Float64bits(ss[0]) {
								t.Fatalf("node %d: AVX-512 (%v, %v), Go loop (%v, %v), Step (%v, %v)", i, va[i], sa[i], vg[i], sg[i], vs, ss[0])
							}
						}
					})
				}
			}
		}
	}
}
