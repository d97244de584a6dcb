package cohort

import (
	"slices"
)

// kdTree is a static k-d tree over the rows of an n × dim point matrix
// (row-major, as gonum stores it) for exact nearest-neighbour and
// radius-count queries in Euclidean distance. Ties in distance are broken by
// point index, so query results never depend on how the tree was built.
//
// Splits are at the median of the widest dimension; a node whose points all
// coincide is a leaf whatever its size, so duplicate rows cost a linear scan
// of their own leaf only.
type kdTree struct {
	dim   int
	pts   []float64 // n × dim, row-major
	perm  []int32   // point indices, grouped by node
	pos   []int32   // pos[p] is the place of point p in perm
	nodes []kdNode
	// box holds each node's bounding box: for node id, box[id·2·dim:]
	// the dim lower bounds then the dim upper bounds.
	box []float64
}

type kdNode struct {
	lo, hi      int32 // range of perm
	left, right int32 // children; left < 0 for a leaf
	dim         int32
	split       float64
}

const kdLeafSize = 12

// newKDTree builds the tree over pts (n × dim, row-major, not copied).
func newKDTree(pts []float64, dim int) *kdTree {
	n := len(pts) / dim
	t := &kdTree{dim: dim, pts: pts, perm: make([]int32, n)}
	for i := range t.perm {
		t.perm[i] = int32(i)
	}
	t.nodes = make([]kdNode, 0, 2*n/kdLeafSize+1)
	t.box = make([]float64, 0, 2*dim*(2*n/kdLeafSize+1))
	if n > 0 {
		t.build(0, n)
	}
	t.pos = make([]int32, n)
	for k, p := range t.perm {
		t.pos[p] = int32(k)
	}
	return t
}

// boxDist2 returns the squared distances from q to the nearest and to the
// farthest corner of node id's bounding box.
func (t *kdTree) boxDist2(id int32, q []float64) (near, far float64) {
	b := t.box[int(id)*2*t.dim : (int(id)+1)*2*t.dim]
	for j, x := range q {
		lo, hi := b[j], b[t.dim+j]
		dl, dh := x-lo, hi-x
		switch {
		case dl < 0:
			near += dl * dl
		case dh < 0:
			near += dh * dh
		}
		far += max(dl*dl, dh*dh)
	}
	return near, far
}

func (t *kdTree) build(lo, hi int) int32 {
	id := int32(len(t.nodes))
	t.nodes = append(t.nodes, kdNode{lo: int32(lo), hi: int32(hi), left: -1, right: -1})
	start := len(t.box)
	t.box = append(t.box, make([]float64, 2*t.dim)...)
	box := t.box[start:]
	best, spread := 0, 0.0
	for d := 0; d < t.dim; d++ {
		mn, mx := t.pts[int(t.perm[lo])*t.dim+d], t.pts[int(t.perm[lo])*t.dim+d]
		for _, p := range t.perm[lo+1 : hi] {
			x := t.pts[int(p)*t.dim+d]
			mn, mx = min(mn, x), max(mx, x)
		}
		box[d], box[t.dim+d] = mn, mx
		if mx-mn > spread {
			best, spread = d, mx-mn
		}
	}
	if hi-lo <= kdLeafSize {
		return id
	}
	if spread == 0 {
		return id // all points coincide
	}
	mid := (lo + hi) / 2
	t.selectNth(lo, hi, mid, best)
	split := t.pts[int(t.perm[mid])*t.dim+best]
	left := t.build(lo, mid)
	right := t.build(mid, hi)
	t.nodes[id].left, t.nodes[id].right = left, right
	t.nodes[id].dim, t.nodes[id].split = int32(best), split
	return id
}

// neighbour is a point index and its squared distance to a query.
type neighbour struct {
	i  int32
	d2 float64
}

func less(a, b neighbour) bool { return a.d2 < b.d2 || (a.d2 == b.d2 && a.i < b.i) }

// knnQuery holds the bounded max-heap of one query; reuse it across queries.
type knnQuery struct {
	k    int
	skip int32 // a point index to leave out (the query itself), or -1
	heap []neighbour
}

// nearest finds the k nearest points to q (leaving out skip, -1 for none)
// and returns them sorted by (distance, index) in the query's buffer.
func (t *kdTree) nearest(q []float64, k int, skip int, s *knnQuery) []neighbour {
	s.k, s.skip, s.heap = k, int32(skip), s.heap[:0]
	if len(t.nodes) > 0 && k > 0 {
		t.search(0, q, s)
	}
	h := s.heap
	slices.SortFunc(h, func(a, b neighbour) int {
		if less(a, b) {
			return -1
		}
		if less(b, a) {
			return 1
		}
		return 0
	})
	return h
}

func (t *kdTree) search(id int32, q []float64, s *knnQuery) {
	nd := &t.nodes[id]
	if nd.left < 0 {
		for _, p := range t.perm[nd.lo:nd.hi] {
			if p == s.skip {
				continue
			}
			row := t.pts[int(p)*t.dim : int(p)*t.dim+t.dim]
			var d2 float64
			for j, x := range row {
				d := x - q[j]
				d2 += d * d
			}
			s.push(neighbour{p, d2})
		}
		return
	}
	diff := q[nd.dim] - nd.split
	near, far := nd.left, nd.right
	if diff >= 0 {
		near, far = nd.right, nd.left
	}
	t.search(near, q, s)
	// Equal distances are explored too, so that ties resolve by index.
	if len(s.heap) < s.k || diff*diff <= s.heap[0].d2 {
		t.search(far, q, s)
	}
}

// push offers c to the bounded max-heap (root = worst kept neighbour).
func (s *knnQuery) push(c neighbour) {
	h := s.heap
	if len(h) < s.k {
		h = append(h, c)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if !less(h[p], h[i]) {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		s.heap = h
		return
	}
	if !less(c, h[0]) {
		return
	}
	h[0] = c
	for i := 0; ; {
		l, r, big := 2*i+1, 2*i+2, i
		if l < len(h) && less(h[big], h[l]) {
			big = l
		}
		if r < len(h) && less(h[big], h[r]) {
			big = r
		}
		if big == i {
			break
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}

// countCloser returns the number of points strictly closer to q than
// √r2 (or as close, when inclusive), leaving out skip (-1 for none),
// stopping at limit.
func (t *kdTree) countCloser(q []float64, r2 float64, inclusive bool, skip int, limit int) int {
	if len(t.nodes) == 0 || (r2 <= 0 && !inclusive) {
		return 0
	}
	count := 0
	var walk func(id int32)
	walk = func(id int32) {
		if count >= limit {
			return
		}
		nd := &t.nodes[id]
		if nd.left < 0 {
			for _, p := range t.perm[nd.lo:nd.hi] {
				if int(p) == skip {
					continue
				}
				row := t.pts[int(p)*t.dim : int(p)*t.dim+t.dim]
				var d2 float64
				for j, x := range row {
					d := x - q[j]
					d2 += d * d
				}
				if d2 < r2 || (inclusive && d2 == r2) {
					count++
				}
			}
			return
		}
		diff := q[nd.dim] - nd.split
		near, far := nd.left, nd.right
		if diff >= 0 {
			near, far = nd.right, nd.left
		}
		walk(near)
		if diff*diff < r2 || (inclusive && diff*diff == r2) {
			walk(far)
		}
	}
	walk(0)
	return min(count, limit)
}

// withinCount is the state of one countWithin walk.
type withinCount struct {
	q             []float64
	r2            float64
	skip          int32
	limit         int
	strict, close int
}

// countWithin returns the number of points strictly closer to q than √r2
// and the number at most that far (ties counted), leaving out skip (-1 for
// none). The walk stops once limit points at most that far are found, so
// both counts are exact below limit.
func (t *kdTree) countWithin(q []float64, r2 float64, skip int, limit int) (strict, within int) {
	if len(t.nodes) == 0 || limit <= 0 {
		return 0, 0
	}
	w := withinCount{q: q, r2: r2, skip: int32(skip), limit: limit}
	t.walkWithin(0, &w)
	return w.strict, min(w.close, limit)
}

func (t *kdTree) walkWithin(id int32, w *withinCount) {
	if w.close >= w.limit {
		return
	}
	nd := &t.nodes[id]
	// A large node whose whole box is strictly closer is counted without
	// visiting its points (small ones are cheaper to scan).
	if k := int(nd.hi - nd.lo); k >= 8*kdLeafSize {
		if _, farD2 := t.boxDist2(id, w.q); farD2 < w.r2 {
			if w.skip >= 0 && t.pos[w.skip] >= nd.lo && t.pos[w.skip] < nd.hi {
				k--
			}
			w.close += k
			w.strict += k
			return
		}
	}
	if nd.left < 0 {
		for _, p := range t.perm[nd.lo:nd.hi] {
			if p == w.skip {
				continue
			}
			row := t.pts[int(p)*t.dim : int(p)*t.dim+t.dim]
			var d2 float64
			for j, x := range row {
				d := x - w.q[j]
				d2 += d * d
			}
			if d2 <= w.r2 {
				w.close++
				if d2 < w.r2 {
					w.strict++
				}
			}
		}
		return
	}
	diff := w.q[nd.dim] - nd.split
	near, far := nd.left, nd.right
	if diff >= 0 {
		near, far = nd.right, nd.left
	}
	t.walkWithin(near, w)
	if diff*diff <= w.r2 {
		t.walkWithin(far, w)
	}
}

// keyLess orders points by their coordinate d, then by index: a strict
// total order, so the median split is the same whatever the algorithm.
func (t *kdTree) keyLess(a, b int32, d int) bool {
	xa, xb := t.pts[int(a)*t.dim+d], t.pts[int(b)*t.dim+d]
	return xa < xb || (xa == xb && a < b)
}

// selectNth reorders perm[lo:hi] so that perm[k] is the point of rank k−lo
// in keyLess order, the points before it smaller and those after larger
// (Hoare's quickselect with a median-of-three pivot): O(hi − lo) on
// average, where sorting the node would cost O((hi − lo)·log(hi − lo)).
func (t *kdTree) selectNth(lo, hi, k, d int) {
	p := t.perm
	for hi-lo > 1 {
		m := lo + (hi-lo)/2
		// Median of three into p[m].
		if t.keyLess(p[m], p[lo], d) {
			p[m], p[lo] = p[lo], p[m]
		}
		if t.keyLess(p[hi-1], p[lo], d) {
			p[hi-1], p[lo] = p[lo], p[hi-1]
		}
		if t.keyLess(p[hi-1], p[m], d) {
			p[hi-1], p[m] = p[m], p[hi-1]
		}
		pivot := p[m]
		p[m], p[hi-1] = p[hi-1], p[m]
		store := lo
		for i := lo; i < hi-1; i++ {
			if t.keyLess(p[i], pivot, d) {
				p[i], p[store] = p[store], p[i]
				store++
			}
		}
		p[store], p[hi-1] = p[hi-1], p[store]
		switch {
		case k == store:
			return
		case k < store:
			hi = store
		default:
			lo = store + 1
		}
	}
}
