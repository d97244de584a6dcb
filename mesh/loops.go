package mesh

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/go-gl/mathgl/mgl64"
)

// Loop is a closed boundary loop of a triangle surface: the cycle of nodes
// along edges used by a single triangle, such as the rim of a vein or
// valve orifice cut out of an atrial surface.
type Loop struct {
	// Nodes are the loop's nodes in order; the last is joined to the first.
	Nodes []int
	// Perimeter is the loop's length, mm.
	Perimeter float64
	// Centroid is the perimeter-weighted mean of its edge midpoints, mm.
	Centroid mgl64.Vec3
	// Normal is the unit normal of the loop's vector area (Newell's
	// method). The loop runs as the triangles along it run their edges,
	// which (Stokes) is clockwise around the hole seen from the side the
	// triangles face: Normal points against the triangles' normals there
	// — into the body of a closed surface with outward triangles that has
	// the hole cut into it. Zero for a degenerate loop.
	Normal mgl64.Vec3
	// Area is the magnitude of the loop's vector area, mm²: the area of
	// the orifice it closes projected on the plane of Normal.
	Area float64
}

// BoundaryLoops returns the boundary loops of a triangle surface m, the
// longest first (ties: by smallest node index). A boundary edge is an edge
// used by exactly one triangle; a boundary node where more than two
// boundary edges meet (a pinch) is left by the edge that turns first, so
// the loops may then be cut differently from how one would draw them. It
// returns an error for a non-triangle mesh.
func BoundaryLoops(m *Mesh) ([]Loop, error) {
	if m.Kind != Triangle {
		return nil, fmt.Errorf("mesh: boundary loops need a triangle surface, not a %v mesh", m.Kind)
	}
	count := map[[2]int]int{}
	forward := map[[2]int]bool{} // the (last) triangle using the edge runs from its smaller node to its larger
	for e := range m.NumCells() {
		c := m.Cell(e)
		for i := range 3 {
			u, v := c[i], c[(i+1)%3]
			k := [2]int{min(u, v), max(u, v)}
			count[k]++
			forward[k] = u < v
		}
	}
	next := map[int][]int{} // boundary neighbours of each boundary node
	for ed, n := range count {
		if n == 1 {
			next[ed[0]] = append(next[ed[0]], ed[1])
			next[ed[1]] = append(next[ed[1]], ed[0])
		}
	}
	starts := make([]int, 0, len(next))
	for v, nb := range next {
		slices.Sort(nb)
		starts = append(starts, v)
	}
	slices.Sort(starts)
	used := map[[2]int]bool{}
	var loops []Loop
	for _, s := range starts {
		for _, first := range next[s] {
			if used[[2]int{min(s, first), max(s, first)}] {
				continue
			}
			nodes := []int{s}
			prev, cur := s, first
			used[[2]int{min(s, first), max(s, first)}] = true
			for cur != s {
				nodes = append(nodes, cur)
				nx := -1
				for _, w := range next[cur] {
					if k := [2]int{min(cur, w), max(cur, w)}; w != prev && !used[k] {
						nx = w
						break
					}
				}
				if nx < 0 {
					// Open chain (cannot happen on a closed boundary,
					// whose nodes all have even boundary degree):
					// close it back to its start.
					break
				}
				used[[2]int{min(cur, nx), max(cur, nx)}] = true
				prev, cur = cur, nx
			}
			// Run the loop as its triangles run their edges (most of
			// its edges decide, for a surface not consistently oriented),
			// so that Normal points to the side the surface's normals do.
			agree := 0
			for i, u := range nodes {
				v := nodes[(i+1)%len(nodes)]
				if forward[[2]int{min(u, v), max(u, v)}] == (u < v) {
					agree++
				} else {
					agree--
				}
			}
			if agree < 0 {
				slices.Reverse(nodes[1:])
			}
			loops = append(loops, newLoop(m, nodes))
		}
	}
	slices.SortStableFunc(loops, func(a, b Loop) int {
		return cmp.Or(-cmp.Compare(a.Perimeter, b.Perimeter), cmp.Compare(slices.Min(a.Nodes), slices.Min(b.Nodes)))
	})
	return loops, nil
}

func newLoop(m *Mesh, nodes []int) Loop {
	l := Loop{Nodes: nodes}
	var area, c mgl64.Vec3
	for i, v := range nodes {
		p, q := m.Points[v], m.Points[nodes[(i+1)%len(nodes)]]
		s := q.Sub(p).Len()
		l.Perimeter += s
		c = c.Add(p.Add(q).Mul(s / 2))
		area = area.Add(p.Cross(q)) // Newell: A = ½ Σ pᵢ × pᵢ₊₁
	}
	area = area.Mul(0.5)
	if l.Perimeter > 0 {
		l.Centroid = c.Mul(1 / l.Perimeter)
	}
	l.Area = area.Len()
	if l.Area > 0 && !math.IsInf(l.Area, 0) {
		l.Normal = area.Mul(1 / l.Area)
	}
	return l
}
