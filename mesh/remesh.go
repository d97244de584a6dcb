package mesh

import (
	"fmt"
	"math"
	"slices"

	"github.com/go-gl/mathgl/mgl64"
)

// RemeshOptions controls Remesh.
type RemeshOptions struct {
	// Iterations of split/collapse/flip/smooth; zero means 10.
	Iterations int
	// Project, if not nil, maps a point back onto the intended surface; it is
	// applied to new and smoothed points (e.g. normalisation for a sphere).
	// Without it points stay where the operations put them: split points on
	// the chord, smoothed points moved in the local tangent plane.
	Project func(p mgl64.Vec3) mgl64.Vec3
}

// Remesh returns an isotropic remeshing of the triangle surface m with edges
// close to target (mm), by the incremental scheme of Botsch & Kobbelt (2004),
// "A remeshing approach to multiresolution modeling", SGP:
//
//  1. split every edge longer than 4/3·target at its midpoint;
//  2. collapse every interior edge shorter than 4/5·target into its midpoint
//     (into its boundary end when it has one),
//     unless that would create an edge longer than 4/3·target, flip a
//     triangle's normal or break the link condition (the two endpoints must
//     share exactly the two opposite vertices, which keep valence ≥ 4);
//  3. flip interior edges when that brings the valences of the four vertices
//     involved closer to 6 (4 on the boundary) without flipping a normal;
//  4. move each interior vertex half-way towards the centroid of its
//     neighbours, within the tangent plane of its area-weighted normal.
//
// Boundary vertices are never smoothed, and a boundary edge shorter than
// 4/5·target collapses into one of its endpoints, removing the other from
// the boundary polyline when the polyline turns by at most 30° there (the
// loop keeps at least four vertices; an edge shorter than target/5 goes
// whatever the angle, keeping the sharper corner), so openings keep their
// shape and corners — the polyline only gains midpoints or loses nearly straight
// vertices — while the tiny boundary edges of a cut surface (which would
// otherwise bound the explicit time step) disappear. Each new triangle inherits the
// Region, fibre and cell data of the triangle it came from; point data are
// dropped. The result is numbered for locality (Renumbered). m is not
// modified.
func Remesh(m *Mesh, target float64, opt RemeshOptions) (*Mesh, error) {
	if m.Kind != Triangle {
		return nil, fmt.Errorf("mesh: Remesh works on triangle surfaces, not %v", m.Kind)
	}
	if !(target > 0) {
		return nil, fmt.Errorf("mesh: remeshing target edge length %v must be positive", target)
	}
	if q := m.Check(); len(q.NonManifold) > 0 || len(q.Degenerate) > 0 {
		return nil, fmt.Errorf("mesh: cannot remesh: %s", q.String())
	}
	it := opt.Iterations
	if it == 0 {
		it = 10
	}
	r := newRemesher(m, opt.Project)
	hi, lo := 4.0/3*target, 4.0/5*target
	for i := 0; i < it; i++ {
		r.splitLong(hi)
		r.collapseShort(lo, hi)
		r.flipValence()
		r.smooth()
	}
	return Renumbered(r.result(m)), nil
}

type remesher struct {
	p        []mgl64.Vec3
	vAlive   []bool
	boundary []bool
	t        [][3]int
	tAlive   []bool
	origin   []int
	vt       [][]int
	project  func(mgl64.Vec3) mgl64.Vec3
}

func newRemesher(m *Mesh, project func(mgl64.Vec3) mgl64.Vec3) *remesher {
	r := &remesher{p: append([]mgl64.Vec3(nil), m.Points...), project: project}
	r.vAlive = make([]bool, len(r.p))
	r.boundary = make([]bool, len(r.p))
	r.vt = make([][]int, len(r.p))
	for e := 0; e < m.NumCells(); e++ {
		c := m.Cell(e)
		r.t = append(r.t, [3]int{c[0], c[1], c[2]})
		r.tAlive = append(r.tAlive, true)
		r.origin = append(r.origin, e)
		for _, v := range c {
			r.vt[v] = append(r.vt[v], e)
			r.vAlive[v] = true
		}
	}
	for _, e := range r.edges() {
		if len(r.edgeTris(e[0], e[1])) == 1 {
			r.boundary[e[0]], r.boundary[e[1]] = true, true
		}
	}
	return r
}

func (r *remesher) edges() [][2]int {
	seen := map[[2]int]bool{}
	var out [][2]int
	for t, tri := range r.t {
		if !r.tAlive[t] {
			continue
		}
		for i := 0; i < 3; i++ {
			a, b := tri[i], tri[(i+1)%3]
			if a > b {
				a, b = b, a
			}
			if !seen[[2]int{a, b}] {
				seen[[2]int{a, b}] = true
				out = append(out, [2]int{a, b})
			}
		}
	}
	sortEdges(out)
	return out
}

func (r *remesher) edgeTris(a, b int) []int {
	var out []int
	for _, t := range r.vt[a] {
		if slices.Contains(r.t[t][:], b) {
			out = append(out, t)
		}
	}
	return out
}

func (r *remesher) neighbours(v int) []int {
	var out []int
	for _, t := range r.vt[v] {
		for _, u := range r.t[t] {
			if u != v && !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out
}

func (r *remesher) length(a, b int) float64 { return r.p[a].Sub(r.p[b]).Len() }

func (r *remesher) normal(t int) mgl64.Vec3 {
	tri := r.t[t]
	return r.p[tri[1]].Sub(r.p[tri[0]]).Cross(r.p[tri[2]].Sub(r.p[tri[0]]))
}

func removeInt(s []int, v int) []int {
	if i := slices.Index(s, v); i >= 0 {
		s[i] = s[len(s)-1]
		return s[:len(s)-1]
	}
	return s
}

func replaceIn(tri *[3]int, from, to int) {
	for i := range tri {
		if tri[i] == from {
			tri[i] = to
		}
	}
}

func (r *remesher) addVertex(p mgl64.Vec3, boundary bool) int {
	if r.project != nil && !boundary {
		p = r.project(p)
	}
	r.p = append(r.p, p)
	r.vAlive = append(r.vAlive, true)
	r.boundary = append(r.boundary, boundary)
	r.vt = append(r.vt, nil)
	return len(r.p) - 1
}

func (r *remesher) addTri(tri [3]int, origin int) {
	t := len(r.t)
	r.t = append(r.t, tri)
	r.tAlive = append(r.tAlive, true)
	r.origin = append(r.origin, origin)
	for _, v := range tri {
		r.vt[v] = append(r.vt[v], t)
	}
}

func (r *remesher) splitLong(hi float64) {
	for _, e := range r.edges() {
		a, b := e[0], e[1]
		if r.length(a, b) <= hi {
			continue
		}
		ts := r.edgeTris(a, b)
		mid := r.addVertex(r.p[a].Add(r.p[b]).Mul(0.5), len(ts) == 1)
		for _, t := range ts {
			nt := r.t[t]
			replaceIn(&nt, a, mid)
			replaceIn(&r.t[t], b, mid)
			r.vt[b] = removeInt(r.vt[b], t)
			r.vt[mid] = append(r.vt[mid], t)
			r.addTri(nt, r.origin[t])
		}
	}
}

func (r *remesher) collapseShort(lo, hi float64) {
	for _, e := range r.edges() {
		a, b := e[0], e[1]
		if !r.vAlive[a] || !r.vAlive[b] || r.length(a, b) >= lo {
			continue
		}
		ts := r.edgeTris(a, b)
		// An interior edge may collapse when neither end is on the
		// boundary; a boundary edge (one triangle) when both ends are,
		// which shortens the boundary by one vertex. An interior edge
		// joining two boundary vertices never does (it would pinch).
		border := len(ts) == 1 && r.boundary[a] && r.boundary[b]
		if !border && (len(ts) != 2 || (r.boundary[a] && r.boundary[b])) {
			continue
		}
		if !border && r.boundary[a] {
			a, b = b, a // an interior vertex a collapses into the boundary vertex b
		}
		var opp []int
		for _, t := range ts {
			for _, v := range r.t[t] {
				if v != a && v != b {
					opp = append(opp, v)
				}
			}
		}
		// link condition
		na, nb := r.neighbours(a), r.neighbours(b)
		common := 0
		for _, v := range na {
			if slices.Contains(nb, v) {
				common++
			}
		}
		if border {
			// link condition of a boundary edge: the one opposite vertex
			// is the only common neighbour, it keeps a triangle, and the
			// boundary loop keeps at least three other vertices
			if common != 1 || len(r.vt[opp[0]]) <= 1 || r.boundaryLoopLen(a) <= 4 {
				continue
			}
		} else if common != 2 || len(r.vt[opp[0]]) <= 3 || len(r.vt[opp[1]]) <= 3 {
			continue
		}
		x := r.p[a].Add(r.p[b]).Mul(0.5)
		switch {
		case border && r.boundaryTurn(a) <= maxCollapseTurn:
			x = r.p[b] // a leaves the boundary polyline
		case border && r.boundaryTurn(b) <= maxCollapseTurn:
			x = r.p[a] // b's position leaves it
		case border && r.length(a, b) < lo/4:
			// both ends are corners, but the edge is tiny: keep the
			// sharper corner
			if r.boundaryTurn(a) > r.boundaryTurn(b) {
				x = r.p[a]
			} else {
				x = r.p[b]
			}
		case border:
			continue // both ends are corners of the outline
		case r.boundary[b]:
			x = r.p[b]
		case r.project != nil:
			x = r.project(x)
		}
		// a collapse onto the boundary may leave an edge up to 1.5·hi,
		// which the next split halves
		limit := hi
		if border || r.boundary[b] {
			limit = 1.5 * hi
		}
		ok := true
		for _, v := range append(na, nb...) {
			if v != a && v != b && x.Sub(r.p[v]).Len() > limit {
				ok = false
				break
			}
		}
		// no normal flips among the surviving triangles around a and b
		for _, t := range append(append([]int(nil), r.vt[a]...), r.vt[b]...) {
			if !ok || slices.Contains(ts, t) {
				continue
			}
			old := r.normal(t)
			tri := r.t[t]
			replaceIn(&tri, a, b)
			save := r.p[b]
			r.p[b] = x
			nt := r.p[tri[1]].Sub(r.p[tri[0]]).Cross(r.p[tri[2]].Sub(r.p[tri[0]]))
			r.p[b] = save
			if nt.Dot(old) <= 0 {
				ok = false
			}
		}
		if !ok {
			continue
		}
		for _, t := range ts {
			r.tAlive[t] = false
			for _, v := range r.t[t] {
				r.vt[v] = removeInt(r.vt[v], t)
			}
		}
		for _, t := range r.vt[a] {
			replaceIn(&r.t[t], a, b)
			r.vt[b] = append(r.vt[b], t)
		}
		r.vt[a] = nil
		r.vAlive[a] = false
		r.p[b] = x
	}
}

// maxCollapseTurn is the largest turning angle (radians) of the boundary
// polyline at a vertex that a boundary collapse may remove: 30°, so that
// the corners of an outline stay.
const maxCollapseTurn = math.Pi / 6

// boundaryTurn returns the turning angle (radians, 0 = straight) of the
// boundary polyline at the boundary vertex v; π when v does not have
// exactly two boundary neighbours.
func (r *remesher) boundaryTurn(v int) float64 {
	var nb []int
	for _, u := range r.neighbours(v) {
		if r.boundary[u] && len(r.edgeTris(v, u)) == 1 {
			nb = append(nb, u)
		}
	}
	if len(nb) != 2 {
		return math.Pi
	}
	d1, d2 := r.p[v].Sub(r.p[nb[0]]), r.p[nb[1]].Sub(r.p[v])
	c := d1.Dot(d2) / (d1.Len() * d2.Len())
	return math.Acos(max(-1, min(1, c)))
}

// boundaryLoopLen returns the number of vertices of the boundary loop
// through the boundary vertex v (walking boundary edges; at most the
// number of vertices).
func (r *remesher) boundaryLoopLen(v int) int {
	prev, cur, n := -1, v, 0
	for {
		next := -1
		for _, u := range r.neighbours(cur) {
			if u != prev && r.boundary[u] && len(r.edgeTris(cur, u)) == 1 {
				next = u
				break
			}
		}
		n++
		if next < 0 || next == v || n > len(r.p) {
			return n
		}
		prev, cur = cur, next
	}
}

func (r *remesher) valence(v int) int {
	if r.boundary[v] {
		return len(r.vt[v]) + 1
	}
	return len(r.vt[v])
}

func (r *remesher) targetValence(v int) int {
	if r.boundary[v] {
		return 4
	}
	return 6
}

func (r *remesher) flipValence() {
	for _, e := range r.edges() {
		a, b := e[0], e[1]
		ts := r.edgeTris(a, b)
		if len(ts) != 2 {
			continue
		}
		t1, t2 := ts[0], ts[1]
		// orient so that t1 traverses a→b
		i := slices.Index(r.t[t1][:], a)
		if r.t[t1][(i+1)%3] != b {
			t1, t2 = t2, t1
		}
		c := third(r.t[t1], a, b)
		d := third(r.t[t2], a, b)
		if c == d || slices.Contains(r.neighbours(c), d) {
			continue
		}
		dev := func(v, delta int) int {
			x := r.valence(v) + delta - r.targetValence(v)
			return x * x
		}
		before := dev(a, 0) + dev(b, 0) + dev(c, 0) + dev(d, 0)
		after := dev(a, -1) + dev(b, -1) + dev(c, 1) + dev(d, 1)
		if after >= before || r.valence(a) <= 3 || r.valence(b) <= 3 {
			continue
		}
		n := r.normal(t1).Add(r.normal(t2))
		n1 := r.p[d].Sub(r.p[a]).Cross(r.p[c].Sub(r.p[a]))
		n2 := r.p[b].Sub(r.p[d]).Cross(r.p[c].Sub(r.p[d]))
		if n1.Dot(n) <= 0 || n2.Dot(n) <= 0 {
			continue
		}
		r.t[t1] = [3]int{a, d, c}
		r.t[t2] = [3]int{d, b, c}
		r.vt[b] = removeInt(r.vt[b], t1)
		r.vt[d] = append(r.vt[d], t1)
		r.vt[a] = removeInt(r.vt[a], t2)
		r.vt[c] = append(r.vt[c], t2)
	}
}

func third(tri [3]int, a, b int) int {
	for _, v := range tri {
		if v != a && v != b {
			return v
		}
	}
	return -1
}

func (r *remesher) smooth() {
	next := make([]mgl64.Vec3, len(r.p))
	copy(next, r.p)
	for v := range r.p {
		if !r.vAlive[v] || r.boundary[v] || len(r.vt[v]) == 0 {
			continue
		}
		var c, n mgl64.Vec3
		nb := r.neighbours(v)
		for _, u := range nb {
			c = c.Add(r.p[u])
		}
		c = c.Mul(1 / float64(len(nb)))
		for _, t := range r.vt[v] {
			n = n.Add(r.normal(t))
		}
		if n.Len() == 0 {
			continue
		}
		n = n.Normalize()
		d := c.Sub(r.p[v])
		d = d.Sub(n.Mul(d.Dot(n)))
		q := r.p[v].Add(d.Mul(0.5))
		if r.project != nil {
			q = r.project(q)
		}
		next[v] = q
	}
	r.p = next
}

func (r *remesher) result(src *Mesh) *Mesh {
	id := make([]int, len(r.p))
	out := &Mesh{Kind: Triangle}
	for v := range r.p {
		id[v] = -1
		if r.vAlive[v] && len(r.vt[v]) > 0 {
			id[v] = len(out.Points)
			out.Points = append(out.Points, r.p[v])
		}
	}
	var origins []int
	for t, tri := range r.t {
		if !r.tAlive[t] {
			continue
		}
		out.Cells = append(out.Cells, id[tri[0]], id[tri[1]], id[tri[2]])
		origins = append(origins, r.origin[t])
	}
	if src.Regions != nil {
		out.Regions = make([]int, len(origins))
		for i, o := range origins {
			out.Regions[i] = src.Regions[o]
		}
	}
	if src.Fibres != nil {
		out.Fibres = make([]mgl64.Vec3, len(origins))
		for i, o := range origins {
			out.Fibres[i] = src.Fibres[o]
		}
		out.Fibres = ProjectedFibresFrom(out, out.Fibres)
	}
	if src.Sheets != nil {
		out.Sheets = make([]mgl64.Vec3, len(origins))
		for i, o := range origins {
			out.Sheets[i] = src.Sheets[o]
		}
	}
	for _, f := range src.CellData {
		nf := Field{Name: f.Name, Components: f.Components}
		for _, o := range origins {
			nf.Values = append(nf.Values, f.Values[o*f.Components:(o+1)*f.Components]...)
		}
		out.CellData = append(out.CellData, nf)
	}
	return out
}
