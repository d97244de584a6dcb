package tissue

import (
	"math"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/analysis"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
)

// TestCourtemancheTissue: a planar wave of CRN98 on a 40 × 4 mm sheet
// (dx 0.2 mm, σ 0.3 mS/mm, explicit dt 0.01 ms) propagates with a CV of
// 0.3–1.2 mm/ms (atrial range, order of magnitude only), and one and two
// workers give the same bits.
func TestCourtemancheTissue(t *testing.T) {
	if testing.Short() {
		t.Skip("CRN on 4221 nodes")
	}
	m := mesh.Sheet(40, 4, 200, 20)
	var lats [2][]float64
	for w := range 2 {
		md, err := NewMonodomain(Passive{Mesh: m, Sigma: mesh.Uniform(mesh.Isotropic(0.3))}, ionic.CRN98(),
			Protocol{{Nodes: leftEnd(m, 1), Duration: 2, Strength: 50}}, Options{Dt: 0.01, Scheme: Explicit, Workers: w + 1})
		if err != nil {
			t.Fatal(err)
		}
		act := analysis.NewActivations(len(m.Points), -81.18, -10, 0.9)
		for md.Time() < 60 {
			if err := md.Step(); err != nil {
				t.Fatal(err)
			}
			act.Record(md.Time(), md.V)
		}
		lats[w] = make([]float64, len(m.Points))
		act.First(lats[w])
	}
	for i := range lats[0] {
		if math.Float64bits(lats[0][i]) != math.Float64bits(lats[1][i]) {
			t.Fatalf("node %d: LAT %v with one worker, %v with two", i, lats[0][i], lats[1][i])
		}
	}
	cv, n := analysis.CVAlongLine(m, lats[0], mgl64.Vec3{10, 0, 0}, mgl64.Vec3{30, 0, 0}, 1e-6)
	t.Logf("CV %.3f mm/ms over %d nodes", cv, n)
	if !(cv > 0.3 && cv < 1.2) {
		t.Errorf("CV %.3f mm/ms, want 0.3–1.2", cv)
	}
}
