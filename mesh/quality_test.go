package mesh

import (
	"math"
	"testing"

	"github.com/go-gl/mathgl/mgl64"
)

// TestCheck builds one crafted defect per case and expects exactly it.
func TestCheck(t *testing.T) {
	clean := Sphere(1, 1)
	if q := clean.Check(); !q.OK() || q.Boundary != 0 || q.Components != 1 {
		t.Fatalf("icosphere: %s, want no defects and closed", q.String())
	}
	if q := Slab(1, 1, 1, 2, 2, 2).Check(); !q.OK() || q.Boundary != 6*2*2*2 { // 6 faces × 2×2 squares × 2 triangles
		t.Fatalf("slab: %s, want no defects and 48 boundary faces", q.String())
	}

	degen := Sheet(1, 1, 2, 2)
	// Moving the centre (point 4) onto point 1 = (0.5, 0) makes cell 0 = (0,1,4)
	// collinear and cell 2 = (1,2,4) a repeated position.
	degen.Points[4] = mgl64.Vec3{0.5, 0, 0}
	degen.Cells = append(degen.Cells, 0, 1, 1) // repeated node
	q := degen.Check()
	if !equalInts(q.Degenerate, []int{0, 2, degen.NumCells() - 1}) {
		t.Errorf("degenerate: %v, want [0 2 %d]", q.Degenerate, degen.NumCells()-1)
	}

	inv := Sheet(1, 1, 3, 3)
	c := inv.Cell(4)
	c[1], c[2] = c[2], c[1] // flip one triangle
	if q := inv.Check(); len(q.Inverted) != 1 || q.Inverted[0] != 4 {
		t.Errorf("inverted triangle: %v, want [4]", q.Inverted)
	}
	tet := Slab(1, 1, 1, 1, 1, 1)
	c = tet.Cell(2)
	c[0], c[1] = c[1], c[0]
	if q := tet.Check(); len(q.Inverted) != 1 || q.Inverted[0] != 2 {
		t.Errorf("inverted tetrahedron: %v, want [2]", q.Inverted)
	}

	fin := Sheet(1, 1, 1, 1) // cells (0,1,3), (0,3,2): add a fin on edge 0–3
	fin.Points = append(fin.Points, mgl64.Vec3{0.5, 0.5, 1})
	fin.Cells = append(fin.Cells, 0, 3, 4)
	if q := fin.Check(); len(q.NonManifold) != 1 || q.NonManifold[0] != [2]int{0, 3} {
		t.Errorf("non-manifold: %v, want [[0 3]]", q.NonManifold)
	}

	two := Sheet(1, 1, 1, 1)
	off := len(two.Points)
	for _, p := range Sheet(1, 1, 1, 1).Points {
		two.Points = append(two.Points, p.Add(mgl64.Vec3{5, 0, 0}))
	}
	for _, v := range Sheet(1, 1, 1, 1).Cells {
		two.Cells = append(two.Cells, v+off)
	}
	two.Points = append(two.Points, mgl64.Vec3{9, 9, 9})
	if q := two.Check(); q.Components != 2 || len(q.UnusedPoints) != 1 || q.OK() {
		t.Errorf("two parts: %s, want 2 components and 1 unused point", q.String())
	}
}

// TestRemeshSphere: remeshing an icosphere (mean edge ≈ 0.17 at 3
// subdivisions) to a coarser and to a finer target keeps it closed and
// manifold (Euler characteristic V−E+F = 2) with mean edge length within 10 %
// of the target.
func TestRemeshSphere(t *testing.T) {
	onSphere := func(p mgl64.Vec3) mgl64.Vec3 { return p.Normalize() }
	for _, target := range []float64{0.3, 0.1} {
		for _, project := range []func(mgl64.Vec3) mgl64.Vec3{nil, onSphere} {
			r, err := Remesh(Sphere(1, 3), target, RemeshOptions{Project: project})
			if err != nil {
				t.Fatal(err)
			}
			q := r.Check()
			euler := len(r.Points) - len(r.Edges()) + r.NumCells()
			if !q.OK() || q.Boundary != 0 || euler != 2 {
				t.Errorf("target %v: %s, Euler %d; want closed manifold, χ=2", target, q.String(), euler)
			}
			mean := r.MeanEdgeLength()
			if math.Abs(mean-target) > 0.1*target {
				t.Errorf("target %v (projected %v): mean edge %v", target, project != nil, mean)
			}
			t.Logf("target %v projected %v: %d points, mean edge %.4f", target, project != nil, len(r.Points), mean)
		}
	}
}

// TestRemeshKeepsBoundary: a sheet's outline is kept (boundary vertices do not move).
func TestRemeshKeepsBoundary(t *testing.T) {
	m := Sheet(2, 1, 10, 5)
	m.Regions = make([]int, m.NumCells())
	r, err := Remesh(m, 0.1, RemeshOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a := r.TotalMeasure(); math.Abs(a-2) > 1e-9 {
		t.Errorf("area %v after remeshing, want 2 (outline kept, plane kept)", a)
	}
	if q := r.Check(); !q.OK() || len(r.Regions) != r.NumCells() {
		t.Errorf("%s", q.String())
	}
	if mean := r.MeanEdgeLength(); math.Abs(mean-0.1) > 0.015 {
		t.Errorf("mean edge %v, want 0.1 ± 15 %%", mean)
	}
}
