package mesh

import (
	"fmt"
	"math"
	"strings"
)

// QualityReport lists the defects found by Check. Element and point indices
// refer to the checked mesh.
type QualityReport struct {
	// Degenerate elements: a repeated node, or a normalised quality below
	// DegenerateQuality (triangles: 4√3·A/Σℓ²; tetrahedra: 6√2·|V|/ℓ_rms³;
	// both 1 for the equilateral element).
	Degenerate []int
	// Inverted elements: tetrahedra with negative volume; triangles whose
	// orientation disagrees with the majority of their connected part
	// (orientation propagated across shared manifold edges).
	Inverted []int
	// NonManifold lists edges (triangles) shared by more than two elements,
	// or, for tetrahedra, edges of faces shared by more than two elements
	// (reported as the face's first two nodes).
	NonManifold [][2]int
	// BoundaryEdges (triangles) or BoundaryFaces (tetrahedra) is the number of
	// edges/faces used by exactly one element; zero for a closed surface.
	Boundary int
	// Components is the number of connected parts (elements sharing a node
	// are connected); UnusedPoints are points in no element.
	Components   int
	UnusedPoints []int
}

// DegenerateQuality is the quality below which Check reports an element as degenerate.
const DegenerateQuality = 1e-6

// OK reports whether no defect was found (open boundaries are not defects).
func (q *QualityReport) OK() bool {
	return len(q.Degenerate) == 0 && len(q.Inverted) == 0 && len(q.NonManifold) == 0 && q.Components <= 1 && len(q.UnusedPoints) == 0
}

func (q *QualityReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d degenerate, %d inverted, %d non-manifold, %d boundary, %d components, %d unused points",
		len(q.Degenerate), len(q.Inverted), len(q.NonManifold), q.Boundary, q.Components, len(q.UnusedPoints))
	return b.String()
}

// Quality returns the normalised quality of element e (see QualityReport.Degenerate);
// negative for inverted tetrahedra.
func (m *Mesh) Quality(e int) float64 {
	c := m.Cell(e)
	k := len(c)
	sum := 0.0
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			d := m.Points[c[i]].Sub(m.Points[c[j]])
			sum += d.Dot(d)
		}
	}
	if sum == 0 {
		return 0
	}
	if m.Kind == Triangle {
		return 4 * math.Sqrt(3) * m.Measure(e) / sum
	}
	lrms := math.Sqrt(sum / 6)
	return 6 * math.Sqrt(2) * m.Measure(e) / (lrms * lrms * lrms)
}

// Check inspects m for degenerate and inverted elements, non-manifold edges
// (faces), open boundaries, disconnected parts and unused points.
func (m *Mesh) Check() QualityReport {
	var q QualityReport
	nc := m.NumCells()
	for e := 0; e < nc; e++ {
		c := m.Cell(e)
		rep := false
		for i := range c {
			for j := i + 1; j < len(c); j++ {
				rep = rep || c[i] == c[j]
			}
		}
		qe := m.Quality(e)
		if rep || math.Abs(qe) < DegenerateQuality || math.IsNaN(qe) {
			q.Degenerate = append(q.Degenerate, e)
		} else if m.Kind == Tetrahedron && qe < 0 {
			q.Inverted = append(q.Inverted, e)
		}
	}
	// connectivity by union-find over nodes
	parent := make([]int, len(m.Points))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	used := make([]bool, len(m.Points))
	for e := 0; e < nc; e++ {
		c := m.Cell(e)
		for _, v := range c {
			used[v] = true
			a, b := find(c[0]), find(v)
			if a != b {
				parent[a] = b
			}
		}
	}
	roots := map[int]bool{}
	for i, u := range used {
		if !u {
			q.UnusedPoints = append(q.UnusedPoints, i)
		} else {
			roots[find(i)] = true
		}
	}
	q.Components = len(roots)
	if m.Kind == Triangle {
		m.checkSurface(&q)
	} else {
		m.checkVolume(&q)
	}
	return q
}

func (m *Mesh) checkSurface(q *QualityReport) {
	nc := m.NumCells()
	type use struct{ elem, dir int } // dir +1 if the element traverses a→b with a<b
	edges := map[[2]int][]use{}
	for e := 0; e < nc; e++ {
		c := m.Cell(e)
		for i := 0; i < 3; i++ {
			a, b := c[i], c[(i+1)%3]
			if a == b {
				continue
			}
			d := 1
			if a > b {
				a, b, d = b, a, -1
			}
			edges[[2]int{a, b}] = append(edges[[2]int{a, b}], use{e, d})
		}
	}
	adj := make([][]use, nc) // neighbour and whether orientations agree (+1) or not (−1)
	for key, us := range edges {
		switch {
		case len(us) == 1:
			q.Boundary++
		case len(us) > 2:
			q.NonManifold = append(q.NonManifold, key)
		default:
			agree := -us[0].dir * us[1].dir // consistent neighbours traverse the edge oppositely
			adj[us[0].elem] = append(adj[us[0].elem], use{us[1].elem, agree})
			adj[us[1].elem] = append(adj[us[1].elem], use{us[0].elem, agree})
		}
	}
	sortEdges(q.NonManifold)
	// propagate orientation over each part; the minority orientation is "inverted"
	flip := make([]int, nc) // 0 unvisited, +1 / −1 relative orientation
	for s := 0; s < nc; s++ {
		if flip[s] != 0 {
			continue
		}
		flip[s] = 1
		part := []int{s}
		for i := 0; i < len(part); i++ {
			e := part[i]
			for _, n := range adj[e] {
				if flip[n.elem] == 0 {
					flip[n.elem] = flip[e] * n.dir
					part = append(part, n.elem)
				}
			}
		}
		plus := 0
		for _, e := range part {
			if flip[e] > 0 {
				plus++
			}
		}
		sign := -1
		if 2*plus < len(part) {
			sign = 1
		}
		for _, e := range part {
			if flip[e] == sign {
				q.Inverted = append(q.Inverted, e)
			}
		}
	}
	sortInts(q.Inverted)
}

func (m *Mesh) checkVolume(q *QualityReport) {
	faces := map[[3]int]int{}
	for e := 0; e < m.NumCells(); e++ {
		c := m.Cell(e)
		for _, f := range [4][3]int{{0, 1, 2}, {0, 1, 3}, {0, 2, 3}, {1, 2, 3}} {
			key := [3]int{c[f[0]], c[f[1]], c[f[2]]}
			sort3(&key)
			faces[key]++
		}
	}
	for key, n := range faces {
		if n == 1 {
			q.Boundary++
		} else if n > 2 {
			q.NonManifold = append(q.NonManifold, [2]int{key[0], key[1]})
		}
	}
	sortEdges(q.NonManifold)
}

func sort3(k *[3]int) {
	if k[0] > k[1] {
		k[0], k[1] = k[1], k[0]
	}
	if k[1] > k[2] {
		k[1], k[2] = k[2], k[1]
	}
	if k[0] > k[1] {
		k[0], k[1] = k[1], k[0]
	}
}
