package mesh

import (
	"math"
	"slices"
	"testing"
)

// checkSymmetric fails unless every arc i→j of g has its reverse j→i with
// the same weight and rows are sorted without self-loops.
func checkSymmetric(t *testing.T, g *Graph) {
	t.Helper()
	for i := 0; i < g.Len(); i++ {
		row := g.Neighbours(i)
		if !slices.IsSorted(row) {
			t.Fatalf("row %d not sorted: %v", i, row)
		}
		for k := g.Start[i]; k < g.Start[i+1]; k++ {
			j := int(g.Adj[k])
			if j == i {
				t.Fatalf("self-loop at %d", i)
			}
			r, ok := slices.BinarySearch(g.Neighbours(j), int32(i))
			if !ok {
				t.Fatalf("arc %d→%d has no reverse", i, j)
			}
			if w := g.Weight[g.Start[j]+r]; w != g.Weight[k] {
				t.Fatalf("arc %d↔%d weights %g and %g", i, j, g.Weight[k], w)
			}
		}
	}
}

// TestPointGraph: the edge graph of an nx×ny union-jack sheet has
// nx(ny+1) + (nx+1)ny axis edges plus nx·ny diagonals, each stored twice.
func TestPointGraph(t *testing.T) {
	const nx, ny = 5, 3
	m := Sheet(5, 3, nx, ny)
	g := PointGraph(m)
	checkSymmetric(t, g)
	want := nx*(ny+1) + (nx+1)*ny + nx*ny
	if len(g.Adj) != 2*want {
		t.Errorf("%d arcs, want 2×%d", len(g.Adj), want)
	}
}

// TestCellGraph counts facet neighbours: each interior facet joins two
// elements, so the arcs number twice the interior facets. On a sheet the
// boundary has 2(nx+ny) edges; on a Kuhn slab each boundary square carries
// two triangles, 4(nx·ny + ny·nz + nx·nz) in all.
func TestCellGraph(t *testing.T) {
	const nx, ny, nz = 4, 3, 2
	sh := Sheet(4, 3, nx, ny)
	edges := nx*(ny+1) + (nx+1)*ny + nx*ny
	interior := edges - 2*(nx+ny)
	gf := CellGraph(sh, ShareFacet)
	checkSymmetric(t, gf)
	if len(gf.Adj) != 2*interior {
		t.Errorf("sheet: %d facet arcs, want 2×%d", len(gf.Adj), interior)
	}
	gn := CellGraph(sh, ShareNode)
	checkSymmetric(t, gn)
	for e := 0; e < gf.Len(); e++ {
		for _, f := range gf.Neighbours(e) {
			if _, ok := slices.BinarySearch(gn.Neighbours(e), f); !ok {
				t.Fatalf("facet neighbours %d, %d are not node neighbours", e, f)
			}
		}
	}

	sl := Slab(4, 3, 2, nx, ny, nz)
	faces := 4 * sl.NumCells()
	boundary := 4 * (nx*ny + ny*nz + nx*nz)
	gs := CellGraph(sl, ShareFacet)
	checkSymmetric(t, gs)
	if want := faces - boundary; len(gs.Adj) != want {
		t.Errorf("slab: %d facet arcs, want %d (= 2 × interior faces)", len(gs.Adj), want)
	}
}

// TestShortestPaths: on a 4×4 union-jack sheet of unit squares the squares
// with (i+j) even carry the (i,j)–(i+1,j+1) diagonal, so the corner-to-corner
// path is the main diagonal, 4√2 mm through 5 nodes.
func TestShortestPaths(t *testing.T) {
	m := Sheet(4, 4, 4, 4)
	g := PointGraph(m)
	far := len(m.Points) - 1
	dist, prev := g.ShortestPaths([]int{0}, nil, nil)
	if d := dist[far]; math.Abs(d-4*math.Sqrt2) > 1e-12 {
		t.Errorf("distance %g, want 4√2", d)
	}
	if p := PathTo(prev, far); !slices.Equal(p, []int{0, 6, 12, 18, 24}) {
		t.Errorf("path %v, want the main diagonal", p)
	}
	// Unit weights: the hop count is 4 along the diagonal.
	hops, _ := g.ShortestPaths([]int{0}, nil, func(i, j, k int) float64 { return 1 })
	if hops[far] != 4 {
		t.Errorf("hops %g, want 4", hops[far])
	}
	// Two sources with start distances: each node takes the nearer in total.
	d2, _ := g.ShortestPaths([]int{0, far}, []float64{10, 0}, nil)
	fromFar, _ := g.ShortestPaths([]int{far}, nil, nil)
	for i := range d2 {
		if want := min(10+dist[i], fromFar[i]); d2[i] != want {
			t.Fatalf("two sources: node %d at %g, want %g", i, d2[i], want)
		}
	}
}

// TestComponents: removing the elements of one column of squares splits a
// sheet in two for facet adjacency and for node adjacency alike (a column
// one square wide leaves no node shared between the sides).
func TestComponents(t *testing.T) {
	m := Sheet(6, 3, 6, 3)
	cut := func(e int) bool {
		x := m.Centroid(e)[0]
		return !(x > 3 && x < 4)
	}
	for _, adj := range []Adjacency{ShareFacet, ShareNode} {
		g := CellGraph(m, adj)
		label, n := g.Components(cut)
		if n != 2 {
			t.Errorf("adjacency %d: %d components, want 2", adj, n)
		}
		for e, l := range label {
			if cut(e) != (l >= 0) {
				t.Fatalf("element %d label %d", e, l)
			}
		}
		if _, n := g.Components(nil); n != 1 {
			t.Errorf("adjacency %d: whole sheet has %d components", adj, n)
		}
	}
}
