package tissue

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
)

// BenchmarkIonicSets: per-node ionic sets on the 100k-node sheet of
// BenchmarkMonodomainSheet100k (explicit, 2 workers): two sets, one per
// half of the sheet (two long runs per row: regions), and a second set on
// a random 20 % of the nodes (runs of a few nodes: diffuse fibrotic
// remodelling, the worst case), for the modified MS (dt 0.01 ms) and
// Courtemanche (dt 0.01 ms). Compare node-steps/s with the homogeneous
// benchmarks.
func BenchmarkIonicSets(b *testing.B) {
	m := mesh.Sheet(50, 50, 316, 316)
	m.Fibres = mesh.ProjectedFibres(m, mgl64.Vec3{1, 0, 0})
	halves := make([]uint8, len(m.Points))
	scattered := make([]uint8, len(m.Points))
	rng := rand.New(rand.NewPCG(1, 1))
	for i, p := range m.Points {
		if p[0] > 25 {
			halves[i] = 1
		}
		if rng.Float64() < 0.2 {
			scattered[i] = 1
		}
	}
	slowMMS := ionic.AtrialMMS()
	slowMMS.TauClose = 120
	for _, c := range []struct {
		name string
		sets []ionic.Model
	}{{"mms", []ionic.Model{ionic.AtrialMMS(), slowMMS}}, {"courtemanche", []ionic.Model{ionic.CRN98(), ionic.CourtemancheFibrotic()}}} {
		for _, layout := range []struct {
			name  string
			index []uint8
		}{{"halves", halves}, {"scattered20", scattered}} {
			b.Run(fmt.Sprintf("%s/%s/workers=2", c.name, layout.name), func(b *testing.B) {
				md, err := NewMonodomain(Passive{Mesh: m, Sigma: mesh.Uniform(mesh.TransverselyIsotropic(0.3, 0.06))}, nil,
					Protocol{{Radius: 2, Duration: 2, Strength: 50}},
					Options{Dt: 0.01, Scheme: Explicit, Workers: 2, IonicSets: c.sets, IonicIndex: layout.index})
				if err != nil {
					b.Fatal(err)
				}
				benchSteps(b, md, 300) // 3 ms: past the stimulus
			})
		}
	}
}
