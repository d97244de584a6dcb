package mesh

import (
	"math"
	"testing"
)

// TestBoundaryLoopsSheet: the 8 × 4 mm sheet has one boundary loop, its
// rectangle: perimeter 24 mm, area 32 mm² and centroid (4, 2, 0) (exact
// geometry), with 2·(32 + 16) = 96 nodes on the 32 × 16 grid. The sheet's
// triangles face +z, so the outer loop runs anticlockwise seen from +z:
// Normal +z.
func TestBoundaryLoopsSheet(t *testing.T) {
	m := Sheet(8, 4, 32, 16)
	ls, err := BoundaryLoops(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 1 {
		t.Fatalf("%d loops, want 1", len(ls))
	}
	l := ls[0]
	const tol = 1e-9
	if len(l.Nodes) != 96 || math.Abs(l.Perimeter-24) > tol || math.Abs(l.Area-32) > tol ||
		l.Centroid.Sub([3]float64{4, 2, 0}).Len() > tol || l.Normal.Sub([3]float64{0, 0, 1}).Len() > tol {
		t.Errorf("loop: %d nodes, perimeter %g, area %g, centroid %v, normal %v; want 96, 24, 32, (4,2,0), +z",
			len(l.Nodes), l.Perimeter, l.Area, l.Centroid, l.Normal)
	}
	if _, err := BoundaryLoops(Slab(1, 1, 1, 1, 1, 1)); err == nil {
		t.Error("a tetrahedral mesh was accepted")
	}
}

// TestBoundaryLoopsHoles: a sphere (outward triangles) with the triangles
// whose centroid lies above z = 0.8 r and below z = −0.5 r removed has two
// loops; the larger is the lower hole (its rim circle has radius √(1−0.5²)
// r against √(1−0.8²) r for the upper). Each hole's Normal points into the
// sphere (Stokes: the rim runs clockwise around the hole seen from
// outside): −z for the upper hole, +z for the lower. Areas lie within 10 %
// of the rim circles' πρ² (the rim zig-zags along the triangles around the
// circle: measured −0.26 % and +0.38 % at this resolution), and the zig-zag
// perimeters are no shorter than 2πρ (less 5 % for the chords).
func TestBoundaryLoopsHoles(t *testing.T) {
	s := Sphere(1, 4)
	m := &Mesh{Points: s.Points, Kind: Triangle}
	for e := range s.NumCells() {
		if z := s.Centroid(e)[2]; z > 0.8 || z < -0.5 {
			continue
		}
		m.Cells = append(m.Cells, s.Cell(e)...)
	}
	ls, err := BoundaryLoops(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 {
		t.Fatalf("%d loops, want 2", len(ls))
	}
	for i, want := range []struct{ rho, nz float64 }{{math.Sqrt(1 - 0.25), 1}, {math.Sqrt(1 - 0.64), -1}} {
		l := ls[i]
		if rel := math.Abs(l.Area-math.Pi*want.rho*want.rho) / (math.Pi * want.rho * want.rho); rel > 0.1 {
			t.Errorf("loop %d: area %g, want π·%.3g² within 10 %%", i, l.Area, want.rho)
		}
		if l.Perimeter < 2*math.Pi*want.rho*0.95 {
			t.Errorf("loop %d: perimeter %g shorter than the rim circle's 2π·%.3g", i, l.Perimeter, want.rho)
		}
		if l.Normal[2]*want.nz < 0.95 {
			t.Errorf("loop %d: normal %v, want %+g z", i, l.Normal, want.nz)
		}
	}
}
