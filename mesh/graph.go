package mesh

import (
	"container/heap"
	"math"
	"slices"

	"github.com/go-gl/mathgl/mgl64"
)

// Graph is an undirected graph in compressed adjacency form: the neighbours
// of vertex i are Adj[Start[i]:Start[i+1]], sorted, and, when Weight is not
// nil, Weight[k] is the length of the arc to Adj[k]. Build one with
// PointGraph or CellGraph.
type Graph struct {
	Start  []int
	Adj    []int32
	Weight []float64
}

// Len returns the number of vertices.
func (g *Graph) Len() int { return len(g.Start) - 1 }

// Neighbours returns the neighbours of vertex i (a view into g.Adj).
func (g *Graph) Neighbours(i int) []int32 { return g.Adj[g.Start[i]:g.Start[i+1]:g.Start[i+1]] }

// PointGraph returns the edge graph of m: one vertex per point, one arc per
// unique mesh edge (see Mesh.Edges), weighted by the edge length in mm.
func PointGraph(m *Mesh) *Graph {
	es := m.Edges()
	n := len(m.Points)
	g := &Graph{Start: make([]int, n+1), Adj: make([]int32, 2*len(es)), Weight: make([]float64, 2*len(es))}
	for _, e := range es {
		g.Start[e[0]+1]++
		g.Start[e[1]+1]++
	}
	for i := 0; i < n; i++ {
		g.Start[i+1] += g.Start[i]
	}
	fill := append([]int(nil), g.Start[:n]...)
	for _, e := range es { // edges are sorted, so every row comes out sorted
		l := m.Points[e[0]].Sub(m.Points[e[1]]).Len()
		for _, ab := range [2][2]int{{e[0], e[1]}, {e[1], e[0]}} {
			g.Adj[fill[ab[0]]] = int32(ab[1])
			g.Weight[fill[ab[0]]] = l
			fill[ab[0]]++
		}
	}
	for i := 0; i < n; i++ { // rows of the larger endpoint were filled in order of the smaller: sort
		lo, hi := g.Start[i], g.Start[i+1]
		sortArcs(g.Adj[lo:hi], g.Weight[lo:hi])
	}
	return g
}

// Adjacency says which elements CellGraph joins.
type Adjacency int

const (
	// ShareFacet joins elements that share an edge (triangles) or a face
	// (tetrahedra): the dual graph of the mesh.
	ShareFacet Adjacency = iota
	// ShareNode joins elements that share at least one node. In P1 finite
	// elements two elements exchange current through any shared node, so
	// this is the graph along which a wave can pass from element to element.
	ShareNode
)

// CellGraph returns the element adjacency graph of m: one vertex per
// element, arcs by adj, weighted by the distance between the element
// centroids in mm.
func CellGraph(m *Mesh, adj Adjacency) *Graph {
	k := int(m.Kind)
	nc := m.NumCells()
	n := len(m.Points)
	// node → elements
	cnt := make([]int, n+1)
	for _, v := range m.Cells {
		cnt[v+1]++
	}
	for i := 0; i < n; i++ {
		cnt[i+1] += cnt[i]
	}
	elems := make([]int32, len(m.Cells))
	fill := append([]int(nil), cnt[:n]...)
	for e := 0; e < nc; e++ {
		for _, v := range m.Cell(e) {
			elems[fill[v]] = int32(e)
			fill[v]++
		}
	}
	cent := make([]mgl64.Vec3, nc)
	for e := range cent {
		cent[e] = m.Centroid(e)
	}
	g := &Graph{Start: make([]int, nc+1)}
	var row []int32
	for e := 0; e < nc; e++ {
		row = row[:0]
		for _, v := range m.Cell(e) {
			for _, f := range elems[cnt[v]:cnt[v+1]] {
				if int(f) != e {
					row = append(row, f)
				}
			}
		}
		slices.Sort(row)
		if adj == ShareFacet {
			// An element sharing a facet appears once per shared node: k−1 times.
			out := row[:0]
			for i := 0; i < len(row); {
				j := i
				for j < len(row) && row[j] == row[i] {
					j++
				}
				if j-i >= k-1 {
					out = append(out, row[i])
				}
				i = j
			}
			row = out
		} else {
			row = slices.Compact(row)
		}
		for _, f := range row {
			g.Adj = append(g.Adj, f)
			g.Weight = append(g.Weight, cent[e].Sub(cent[f]).Len())
		}
		g.Start[e+1] = len(g.Adj)
	}
	return g
}

// Centroid returns the mean of the nodes of element e.
func (m *Mesh) Centroid(e int) mgl64.Vec3 {
	var s mgl64.Vec3
	c := m.Cell(e)
	for _, v := range c {
		s = s.Add(m.Points[v])
	}
	return s.Mul(1 / float64(len(c)))
}

// ShortestPaths runs Dijkstra's algorithm on g from the sources, source i
// starting at distance start[i] (nil: all zero). The arc from i to j has
// length weight(i, j, k), k its index in g.Adj, or g.Weight[k] when weight
// is nil; lengths must be non-negative. It returns the distance of every
// vertex (+Inf where unreachable) and its predecessor on a shortest path
// (−1 for sources and unreachable vertices). Ties are broken by vertex
// index, so the result is deterministic.
func (g *Graph) ShortestPaths(sources []int, start []float64, weight func(i, j, k int) float64) (dist []float64, prev []int) {
	n := g.Len()
	dist = make([]float64, n)
	prev = make([]int, n)
	for i := range dist {
		dist[i] = math.Inf(1)
		prev[i] = -1
	}
	if start != nil && len(start) != len(sources) {
		panic("mesh: ShortestPaths needs one start distance per source")
	}
	q := &distHeap{}
	for i, s := range sources {
		d := 0.0
		if start != nil {
			d = start[i]
		}
		if d < dist[s] {
			dist[s] = d
			heap.Push(q, distItem{d, s})
		}
	}
	done := make([]bool, n)
	for q.Len() > 0 {
		it := heap.Pop(q).(distItem)
		i := it.v
		if done[i] {
			continue
		}
		done[i] = true
		for k := g.Start[i]; k < g.Start[i+1]; k++ {
			j := int(g.Adj[k])
			if done[j] {
				continue
			}
			var w float64
			if weight != nil {
				w = weight(i, j, k)
			} else {
				w = g.Weight[k]
			}
			if d := dist[i] + w; d < dist[j] {
				dist[j] = d
				prev[j] = i
				heap.Push(q, distItem{d, j})
			}
		}
	}
	return dist, prev
}

// PathTo returns the vertices of the shortest path from a source to target,
// following prev from ShortestPaths. For an unreachable target (distance
// +Inf) it returns just [target]; check the distance first.
func PathTo(prev []int, target int) []int {
	var p []int
	for v := target; v >= 0; v = prev[v] {
		p = append(p, v)
		if len(p) > len(prev) {
			panic("mesh: PathTo found a cycle in prev")
		}
	}
	slices.Reverse(p)
	return p
}

// Components labels the connected components of the subgraph of g induced
// by the vertices with keep(i) true (keep nil: all vertices). It returns a
// label per vertex, 0 … count−1 in order of each component's lowest vertex,
// and −1 for vertices left out.
func (g *Graph) Components(keep func(i int) bool) (label []int, count int) {
	n := g.Len()
	label = make([]int, n)
	for i := range label {
		label[i] = -1
	}
	var stack []int
	for s := 0; s < n; s++ {
		if label[s] >= 0 || (keep != nil && !keep(s)) {
			continue
		}
		label[s] = count
		stack = append(stack[:0], s)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, j := range g.Neighbours(i) {
				if label[j] < 0 && (keep == nil || keep(int(j))) {
					label[j] = count
					stack = append(stack, int(j))
				}
			}
		}
		count++
	}
	return label, count
}

type distItem struct {
	d float64
	v int
}

type distHeap []distItem

func (h distHeap) Len() int { return len(h) }
func (h distHeap) Less(i, j int) bool {
	if h[i].d != h[j].d {
		return h[i].d < h[j].d
	}
	return h[i].v < h[j].v
}
func (h distHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *distHeap) Push(x any)   { *h = append(*h, x.(distItem)) }
func (h *distHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// sortArcs sorts adj ascending, permuting w alongside (rows are short).
func sortArcs(adj []int32, w []float64) {
	for i := 1; i < len(adj); i++ {
		for j := i; j > 0 && adj[j] < adj[j-1]; j-- {
			adj[j], adj[j-1] = adj[j-1], adj[j]
			w[j], w[j-1] = w[j-1], w[j]
		}
	}
}
