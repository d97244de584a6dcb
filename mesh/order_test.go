package mesh

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/go-gl/mathgl/mgl64"
)

// TestRenumberedShuffledSheet: a 40 × 10-cell sheet whose points are
// shuffled has a bandwidth near the node count; reverse Cuthill–McKee
// brings it back to the order of the short side (a structured grid's
// natural numbering along the long side has bandwidth ny + 2 = 12; RCM
// levels are anti-diagonals, at most 2·11 wide), and the renumbered mesh
// is the same surface: same area, same point set, same fields.
func TestRenumberedShuffledSheet(t *testing.T) {
	m := Sheet(4, 1, 40, 10)
	rng := rand.New(rand.NewPCG(1, 2))
	perm := rng.Perm(len(m.Points))
	m.PointData = []Field{{Name: "x", Components: 1, Values: make([]float64, len(m.Points))}}
	for i, p := range m.Points {
		m.PointData[0].Values[i] = p[0]
	}
	m.Regions = make([]int, m.NumCells())
	for e := range m.Regions {
		m.Regions[e] = e % 3
	}
	m.CellData = []Field{{Name: "cx", Components: 1, Values: make([]float64, m.NumCells())}}
	for e := range m.Regions {
		m.CellData[0].Values[e] = m.Centroid(e)[0]
	}
	s, err := Permuted(m, perm)
	if err != nil {
		t.Fatal(err)
	}
	if b := Bandwidth(s); b < 200 {
		t.Fatalf("shuffled bandwidth %d; the test needs a scrambled mesh", b)
	}
	r := Renumbered(s)
	if b := Bandwidth(r); b > 22 {
		t.Errorf("bandwidth after RCM %d, want ≤ 22", b)
	}
	if q := r.Check(); !q.OK() || math.Abs(r.TotalMeasure()-4) > 1e-12 {
		t.Errorf("renumbered: %s, area %v", q.String(), r.TotalMeasure())
	}
	for i, p := range r.Points {
		if r.PointData[0].Values[i] != p[0] {
			t.Fatalf("point %d: field %v, x %v: point data did not move with its point", i, r.PointData[0].Values[i], p[0])
		}
	}
	for e := 0; e < r.NumCells(); e++ {
		if math.Abs(r.CellData[0].Values[e]-r.Centroid(e)[0]) > 1e-12 {
			t.Fatalf("cell %d: cell data did not move with its cell", e)
		}
	}
	hist := func(tags []int) [3]int {
		var h [3]int
		for _, v := range tags {
			h[v]++
		}
		return h
	}
	if hist(r.Regions) != hist(m.Regions) {
		t.Errorf("region tags %v, want %v", hist(r.Regions), hist(m.Regions))
	}
	sortPts := func(ps []mgl64.Vec3) []mgl64.Vec3 {
		ps = slices.Clone(ps)
		slices.SortFunc(ps, func(a, b mgl64.Vec3) int {
			if a[0] != b[0] {
				return cmp.Compare(a[0], b[0])
			}
			return cmp.Compare(a[1], b[1])
		})
		return ps
	}
	if !slices.Equal(sortPts(r.Points), sortPts(m.Points)) {
		t.Error("point set changed")
	}
	if _, err := Permuted(m, []int{0, 0}); err == nil {
		t.Error("a short permutation was accepted")
	}
	bad := slices.Clone(perm)
	bad[0] = bad[1]
	if _, err := Permuted(m, bad); err == nil {
		t.Error("a repeated index was accepted")
	}
}

// TestRemeshAtriumBoundary: remeshing the LA surface keeps no tiny edge —
// the cut openings of atrium.vtp have boundary edges down to 0.3 µm (the
// mesh's own), which would limit an explicit time step to µs — keeps the
// openings (same number of boundary loops, area within 1 %) and comes out
// RCM-numbered.
func TestRemeshAtriumBoundary(t *testing.T) {
	if testing.Short() {
		t.Skip("remeshes the atrium")
	}
	m, err := ReadFile("testdata/atrium.vtp")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Remesh(m, 1.0, RemeshOptions{})
	if err != nil {
		t.Fatal(err)
	}
	minEdge := math.Inf(1)
	for _, e := range r.Edges() {
		minEdge = min(minEdge, r.Points[e[0]].Sub(r.Points[e[1]]).Len())
	}
	if minEdge < 0.25 {
		t.Errorf("shortest edge %.4f mm after remeshing to 1 mm, want ≥ 0.25", minEdge)
	}
	q0, q := m.Check(), r.Check()
	if !q.OK() || q.Components != q0.Components {
		t.Errorf("remeshed: %s (source %s)", q.String(), q0.String())
	}
	if a0, a := m.TotalMeasure(), r.TotalMeasure(); math.Abs(a-a0) > 0.01*a0 {
		t.Errorf("area %v, source %v", a, a0)
	}
	if b := Bandwidth(r); b > len(r.Points)/20 {
		t.Errorf("bandwidth %d of %d points: not renumbered", b, len(r.Points))
	}
	t.Logf("%d → %d points, shortest edge %.3f mm, bandwidth %d", len(m.Points), len(r.Points), minEdge, Bandwidth(r))
}
