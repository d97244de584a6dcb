package mesh

import (
	"math"

	"github.com/go-gl/mathgl/mgl64"
)

// Sheet returns a planar triangle mesh of the rectangle [0,lx]×[0,ly] (mm) at
// z = 0 with nx×ny squares, each cut into two triangles along alternating
// diagonals (a "union jack" pattern, which has no preferred direction at the
// scale of two cells). Triangles are counter-clockwise (normal +z). Point
// (i, j) has index j*(nx+1)+i.
func Sheet(lx, ly float64, nx, ny int) *Mesh {
	if nx < 1 || ny < 1 || !(lx > 0) || !(ly > 0) {
		panic("mesh: Sheet needs positive sizes and at least one division")
	}
	m := &Mesh{Kind: Triangle, Points: make([]mgl64.Vec3, 0, (nx+1)*(ny+1)), Cells: make([]int, 0, 6*nx*ny)}
	for j := 0; j <= ny; j++ {
		for i := 0; i <= nx; i++ {
			m.Points = append(m.Points, mgl64.Vec3{lx * float64(i) / float64(nx), ly * float64(j) / float64(ny), 0})
		}
	}
	id := func(i, j int) int { return j*(nx+1) + i }
	for j := 0; j < ny; j++ {
		for i := 0; i < nx; i++ {
			a, b, c, d := id(i, j), id(i+1, j), id(i+1, j+1), id(i, j+1)
			if (i+j)%2 == 0 {
				m.Cells = append(m.Cells, a, b, c, a, c, d)
			} else {
				m.Cells = append(m.Cells, a, b, d, b, c, d)
			}
		}
	}
	return m
}

// Strip returns a Sheet of length × width (mm) with squares of side at most h
// (at least one square across), the flat strip used for conduction-velocity tests.
func Strip(length, width, h float64) *Mesh {
	nx := max(1, int(math.Ceil(length/h-1e-9)))
	ny := max(1, int(math.Ceil(width/h-1e-9)))
	return Sheet(length, width, nx, ny)
}

// Slab returns a tetrahedral mesh of the box [0,lx]×[0,ly]×[0,lz] (mm) with
// nx×ny×nz cubes, each split into six positively oriented tetrahedra sharing
// the cube's main diagonal (Kuhn/Freudenthal subdivision, conforming across
// cubes). Point (i, j, k) has index (k*(ny+1)+j)*(nx+1)+i.
func Slab(lx, ly, lz float64, nx, ny, nz int) *Mesh {
	if nx < 1 || ny < 1 || nz < 1 || !(lx > 0) || !(ly > 0) || !(lz > 0) {
		panic("mesh: Slab needs positive sizes and at least one division")
	}
	m := &Mesh{Kind: Tetrahedron, Points: make([]mgl64.Vec3, 0, (nx+1)*(ny+1)*(nz+1)), Cells: make([]int, 0, 24*nx*ny*nz)}
	for k := 0; k <= nz; k++ {
		for j := 0; j <= ny; j++ {
			for i := 0; i <= nx; i++ {
				m.Points = append(m.Points, mgl64.Vec3{lx * float64(i) / float64(nx), ly * float64(j) / float64(ny), lz * float64(k) / float64(nz)})
			}
		}
	}
	id := func(i, j, k int) int { return (k*(ny+1)+j)*(nx+1) + i }
	perms := [6][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	for k := 0; k < nz; k++ {
		for j := 0; j < ny; j++ {
			for i := 0; i < nx; i++ {
				for _, p := range perms {
					v := [3]int{i, j, k}
					var t [4]int
					t[0] = id(v[0], v[1], v[2])
					for s := 0; s < 3; s++ {
						v[p[s]]++
						t[s+1] = id(v[0], v[1], v[2])
					}
					if signedVolume(m.Points[t[0]], m.Points[t[1]], m.Points[t[2]], m.Points[t[3]]) < 0 {
						t[1], t[2] = t[2], t[1]
					}
					m.Cells = append(m.Cells, t[:]...)
				}
			}
		}
	}
	return m
}

// Sphere returns an icosphere of the given radius (mm): an icosahedron whose
// triangles are split into four, subdivisions times, with new points
// projected onto the sphere. It has 10·4^s+2 points and 20·4^s outward-facing
// triangles; the mean edge length is about 1.1·radius/2^s.
func Sphere(radius float64, subdivisions int) *Mesh {
	t := (1 + math.Sqrt(5)) / 2
	pts := []mgl64.Vec3{
		{-1, t, 0}, {1, t, 0}, {-1, -t, 0}, {1, -t, 0},
		{0, -1, t}, {0, 1, t}, {0, -1, -t}, {0, 1, -t},
		{t, 0, -1}, {t, 0, 1}, {-t, 0, -1}, {-t, 0, 1},
	}
	cells := []int{
		0, 11, 5, 0, 5, 1, 0, 1, 7, 0, 7, 10, 0, 10, 11,
		1, 5, 9, 5, 11, 4, 11, 10, 2, 10, 7, 6, 7, 1, 8,
		3, 9, 4, 3, 4, 2, 3, 2, 6, 3, 6, 8, 3, 8, 9,
		4, 9, 5, 2, 4, 11, 6, 2, 10, 8, 6, 7, 9, 8, 1,
	}
	for i := range pts {
		pts[i] = pts[i].Normalize()
	}
	for s := 0; s < subdivisions; s++ {
		mid := map[[2]int]int{}
		midpoint := func(a, b int) int {
			if a > b {
				a, b = b, a
			}
			if v, ok := mid[[2]int{a, b}]; ok {
				return v
			}
			pts = append(pts, pts[a].Add(pts[b]).Normalize())
			mid[[2]int{a, b}] = len(pts) - 1
			return len(pts) - 1
		}
		next := make([]int, 0, 4*len(cells))
		for f := 0; f < len(cells); f += 3 {
			a, b, c := cells[f], cells[f+1], cells[f+2]
			ab, bc, ca := midpoint(a, b), midpoint(b, c), midpoint(c, a)
			next = append(next, a, ab, ca, b, bc, ab, c, ca, bc, ab, bc, ca)
		}
		cells = next
	}
	for i := range pts {
		pts[i] = pts[i].Mul(radius)
	}
	return &Mesh{Kind: Triangle, Points: pts, Cells: cells}
}

func signedVolume(p0, p1, p2, p3 mgl64.Vec3) float64 {
	return p1.Sub(p0).Dot(p2.Sub(p0).Cross(p3.Sub(p0))) / 6
}
