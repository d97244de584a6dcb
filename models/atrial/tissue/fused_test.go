package tissue

import (
	"math"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
)

// TestFusedStepBitIdentical: the fused explicit step (ionic update and
// diffusion in one pass per worker range, seams afterwards) gives the same
// bits as the plain order — every ionic update, then A·V — for 1, 2 and 3
// workers and each two-variable model, through a stimulus and the wave
// that follows.
func TestFusedStepBitIdentical(t *testing.T) {
	m := mesh.Sheet(40, 4, 200, 20) // 4221 nodes, dx 0.2 mm: above the parallel threshold
	for _, ion := range []ionic.Model{ionic.AtrialMMS(), ionic.StandardMS(), ionic.DefaultAlievPanfilov()} {
		var ref *Monodomain
		for _, w := range []int{0, 1, 2, 3} {
			md, err := NewMonodomain(Passive{Mesh: m, Sigma: mesh.Uniform(mesh.Isotropic(0.3))}, ion,
				Protocol{{Radius: 1.5, Duration: 2, Strength: 50}}, Options{Dt: 0.005, Scheme: Explicit, Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			for range 1200 { // 6 ms
				if w == 0 { // the unfused order, serially
					md.run(md.ionicFn)
					if tm := md.Time() + md.dt/2; md.sites[0].Active(tm) {
						for _, v := range md.sites[0].nodes {
							md.V[v] += md.dt * md.sites[0].rate
						}
					}
					md.run(md.explicitFn)
					md.V, md.buf = md.buf, md.V
					md.n++
				} else if err := md.Step(); err != nil {
					t.Fatal(err)
				}
			}
			if w == 0 {
				ref = md
				continue
			}
			for i := range md.V {
				if math.Float64bits(md.V[i]) != math.Float64bits(ref.V[i]) || math.Float64bits(md.S[i]) != math.Float64bits(ref.S[i]) {
					t.Fatalf("%s, %d workers, node %d: V %v, s %v; unfused %v, %v", ion.Name(), w, i, md.V[i], md.S[i], ref.V[i], ref.S[i])
				}
			}
		}
		if up := upNodes(ref.V, -40); up < 100 {
			t.Errorf("%s: %d nodes above −40 mV after 6 ms, want a wave under way", ion.Name(), up)
		}
	}
}

func upNodes(v []float64, thr float64) int {
	n := 0
	for _, x := range v {
		if x > thr {
			n++
		}
	}
	return n
}
