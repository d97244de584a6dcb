package mesh

import (
	"fmt"
	"slices"
)

// RCMOrder returns a reverse Cuthill–McKee ordering of m's points (Cuthill &
// McKee 1969; reversed as George 1971): perm[k] is the old index of the
// point that comes k-th. Neighbours in the mesh get nearby indices, so the
// stiffness matrix has a small bandwidth and a sweep over the nodes reads
// memory nearly in order. Each connected part starts at a point of least
// degree found by repeated breadth-first search (a pseudo-peripheral
// point, Gibbs–Poole–Stockmeyer 1976), parts in order of their lowest
// point index; ties are broken by index, so the order is deterministic.
func RCMOrder(m *Mesh) []int {
	g := PointGraph(m)
	n := g.Len()
	deg := func(i int) int { return g.Start[i+1] - g.Start[i] }
	placed := make([]bool, n)
	perm := make([]int, 0, n)
	level := make([]int, n)
	// bfs from s over unplaced points; returns the last level's points
	bfs := func(s int, visit func(int)) (last []int, depth int) {
		for i := range level {
			level[i] = -1
		}
		level[s] = 0
		queue := []int{s}
		for h := 0; h < len(queue); h++ {
			v := queue[h]
			if visit != nil {
				visit(v)
			}
			nb := slices.Clone(g.Neighbours(v))
			slices.SortStableFunc(nb, func(a, b int32) int { return deg(int(a)) - deg(int(b)) })
			for _, u := range nb {
				if level[u] < 0 && !placed[u] {
					level[u] = level[v] + 1
					queue = append(queue, int(u))
				}
			}
		}
		depth = level[queue[len(queue)-1]]
		for _, v := range queue {
			if level[v] == depth {
				last = append(last, v)
			}
		}
		return last, depth
	}
	for s0 := 0; s0 < n; s0++ {
		if placed[s0] {
			continue
		}
		start := s0
		last, depth := bfs(start, nil)
		for range 8 { // pseudo-peripheral point: move to the far level while it deepens
			best := slices.MinFunc(last, func(a, b int) int {
				if deg(a) != deg(b) {
					return deg(a) - deg(b)
				}
				return a - b
			})
			l2, d2 := bfs(best, nil)
			if d2 <= depth {
				break
			}
			start, last, depth = best, l2, d2
		}
		from := len(perm)
		bfs(start, func(v int) { perm = append(perm, v); placed[v] = true })
		slices.Reverse(perm[from:])
	}
	return perm
}

// Permuted returns a copy of m with its points in the order perm (perm[k]
// is the old index of new point k, a permutation of 0…len(Points)−1, as
// RCMOrder returns): point data move with their points, cells keep their
// order and refer to the new indices.
func Permuted(m *Mesh, perm []int) (*Mesh, error) {
	n := len(m.Points)
	if len(perm) != n {
		return nil, fmt.Errorf("mesh: permutation of %d points for a mesh of %d", len(perm), n)
	}
	inv := make([]int, n)
	for i := range inv {
		inv[i] = -1
	}
	for k, old := range perm {
		if old < 0 || old >= n || inv[old] >= 0 {
			return nil, fmt.Errorf("mesh: not a permutation: entry %d is %d", k, old)
		}
		inv[old] = k
	}
	c := m.Clone()
	for k, old := range perm {
		c.Points[k] = m.Points[old]
	}
	for i, v := range m.Cells {
		c.Cells[i] = inv[v]
	}
	for fi, f := range m.PointData {
		nc := f.Components
		for k, old := range perm {
			copy(c.PointData[fi].Values[k*nc:(k+1)*nc], f.Values[old*nc:(old+1)*nc])
		}
	}
	return c, nil
}

// Bandwidth returns the largest difference between the indices of two
// points of one cell.
func Bandwidth(m *Mesh) int {
	k := int(m.Kind)
	b := 0
	for e := 0; e < m.NumCells(); e++ {
		c := m.Cells[e*k : (e+1)*k]
		b = max(b, slices.Max(c)-slices.Min(c))
	}
	return b
}

// Renumbered returns a copy of m ordered for memory locality: points in
// reverse Cuthill–McKee order (RCMOrder) and cells sorted by their lowest
// new point index (ties keep their order), with the region tags, fibres,
// sheets and cell data moved along. The geometry and every field are the
// same, only the numbering differs.
func Renumbered(m *Mesh) *Mesh {
	c, err := Permuted(m, RCMOrder(m))
	if err != nil {
		panic(err) // RCMOrder returns a permutation
	}
	k, nc := int(c.Kind), c.NumCells()
	order := make([]int, nc)
	low := make([]int, nc)
	for e := range order {
		order[e] = e
		low[e] = slices.Min(c.Cells[e*k : (e+1)*k])
	}
	slices.SortStableFunc(order, func(a, b int) int { return low[a] - low[b] })
	src := c.Clone()
	for i, e := range order {
		copy(c.Cells[i*k:(i+1)*k], src.Cells[e*k:(e+1)*k])
		if c.Regions != nil {
			c.Regions[i] = src.Regions[e]
		}
		if c.Fibres != nil {
			c.Fibres[i] = src.Fibres[e]
		}
		if c.Sheets != nil {
			c.Sheets[i] = src.Sheets[e]
		}
		for fi, f := range src.CellData {
			n := f.Components
			copy(c.CellData[fi].Values[i*n:(i+1)*n], f.Values[e*n:(e+1)*n])
		}
	}
	return c
}
