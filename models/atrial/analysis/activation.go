package analysis

import (
	"math"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

// Activations records, at every node, each local activation time (LAT) and
// each action-potential duration (APD) of a simulation, from the potential
// handed to Record after every step.
//
// An activation is an upward crossing of Threshold; its time is found by
// linear interpolation between the two recorded times around the crossing.
// The APD of a beat runs from its LAT to the next downward crossing of the
// repolarisation level
//
//	V_level = Rest + (1 − Level)·(V_peak − Rest),
//
// V_peak the beat's peak potential (Level 0.9 gives APD90). A beat whose
// potential rises through Threshold again before repolarising has no APD.
type Activations struct {
	Threshold float64 // mV
	Level     float64 // repolarisation fraction, in (0, 1)
	Rest      float64 // resting potential, mV
	// RestAt, when not nil, is the resting potential per node (mV),
	// replacing Rest: for per-node ionic sets whose rest differs.
	RestAt []float64
	Times  [][]float64 // per node: every LAT, ms, in increasing order
	APD    [][]float64 // per node: APD of each repolarised beat, ms

	t    float64
	prev []float32 // the last potential, mV (float32: it only places a crossing within a step)

	rangeFn  func(lo, hi int) // pendingRange, bound once
	pendingT float64
	pendingV []float64
	peak     []float32
	up       []bool
	seen     bool
}

// NewActivations returns a recorder for n nodes.
func NewActivations(n int, rest, threshold, level float64) *Activations {
	return &Activations{Threshold: threshold, Level: level, Rest: rest,
		Times: make([][]float64, n), APD: make([][]float64, n),
		prev: make([]float32, n), peak: make([]float32, n), up: make([]bool, n)}
}

// Record takes the potential v (mV, one per node) at time t (ms). Calls
// must come in increasing t; the first one only sets the starting values.
// It allocates only when a node activates.
func (a *Activations) Record(t float64, v []float64) {
	if !a.seen {
		for i, x := range v {
			a.prev[i] = float32(x)
		}
		for i, x := range v {
			a.up[i] = x >= a.Threshold
			a.peak[i] = float32(x)
		}
		a.t, a.seen = t, true
		return
	}
	a.recordRange(t, v, 0, len(v))
	a.t = t
}

// RecordWith is Record with the node loop split into ranges run by par
// (e.g. tissue.Monodomain.ForRanges, which runs them on the solver's
// goroutines); nodes are independent, so the result is the same as
// Record's. It allocates only when a node activates.
func (a *Activations) RecordWith(t float64, v []float64, par func(fn func(lo, hi int))) {
	if !a.seen {
		a.Record(t, v)
		return
	}
	if a.rangeFn == nil {
		a.rangeFn = a.pendingRange
	}
	a.pendingT, a.pendingV = t, v
	par(a.rangeFn)
	a.pendingV = nil
	a.t = t
}

func (a *Activations) pendingRange(lo, hi int) { a.recordRange(a.pendingT, a.pendingV, lo, hi) }

// recordRange is Record's work on nodes [lo, hi), from the last time a.t.
//
// The rule per node: an upward crossing of Threshold is an activation;
// otherwise, in an action potential, the peak follows the potential and a
// downward crossing of the repolarisation level ends the beat. The loop
// skips what cannot happen, with the same arithmetic where it acts (so the
// same result to the bit): a rising potential cannot cross the level
// downward, and a falling one cannot raise the peak, since the peak is the
// largest potential recorded since the activation and the previous
// potential is one of them. (A NaN potential takes the rising branch,
// where it changes nothing, as in the plain rule.)
func (a *Activations) recordRange(t float64, v []float64, lo, hi int) {
	t0, thr, frac := a.t, a.Threshold, 1-a.Level
	v, prev, up, peak := v[lo:hi], a.prev[lo:hi], a.up[lo:hi], a.peak[lo:hi]
	prev, up, peak = prev[:len(v)], up[:len(v)], peak[:len(v)]
	var restAt []float64
	if a.RestAt != nil {
		restAt = a.RestAt[lo:hi]
		restAt = restAt[:len(v)]
	}
	for j, x := range v {
		x0 := float64(prev[j])
		prev[j] = float32(x)
		if x0 < thr && x >= thr {
			i := lo + j
			tc := t0 + (thr-x0)/(x-x0)*(t-t0)
			a.Times[i] = append(a.Times[i], tc)
			up[j], peak[j] = true, float32(x)
			continue
		}
		if !up[j] {
			continue
		}
		if !(x <= x0) { // rising (or a NaN, which crosses nothing)
			if float32(x) > peak[j] {
				peak[j] = float32(x)
			}
			continue
		}
		rest := a.Rest
		if restAt != nil {
			rest = restAt[j]
		}
		level := rest + frac*(float64(peak[j])-rest)
		if x0 >= level && x < level {
			i := lo + j
			tc := t0 + (level-x0)/(x-x0)*(t-t0)
			lat := a.Times[i]
			if len(lat) > 0 {
				a.APD[i] = append(a.APD[i], tc-lat[len(lat)-1])
			}
			up[j] = false
		}
	}
}

// First writes each node's first LAT into dst (length n), NaN for a node
// that never activated.
func (a *Activations) First(dst []float64) {
	for i, ts := range a.Times {
		dst[i] = math.NaN()
		if len(ts) > 0 {
			dst[i] = ts[0]
		}
	}
}

// Count writes each node's number of activations into dst.
func (a *Activations) Count(dst []float64) {
	for i, ts := range a.Times {
		dst[i] = float64(len(ts))
	}
}

// FirstAPD writes each node's first APD into dst, NaN where none completed.
func (a *Activations) FirstAPD(dst []float64) {
	for i, d := range a.APD {
		dst[i] = math.NaN()
		if len(d) > 0 {
			dst[i] = d[0]
		}
	}
}

// LATGradient returns the gradient (ms/mm) of the P1 interpolant of the
// node field lat on element e of m, in the element's plane for triangles;
// ok is false when a node value is not finite or the element is degenerate.
func LATGradient(m *mesh.Mesh, e int, lat []float64) (g mgl64.Vec3, ok bool) {
	c := m.Cell(e)
	for _, v := range c {
		if math.IsNaN(lat[v]) || math.IsInf(lat[v], 0) {
			return g, false
		}
	}
	p0 := m.Points[c[0]]
	switch m.Kind {
	case mesh.Triangle:
		// g = c1·e1 + c2·e2 with e_j·g = lat_j − lat_0: a 2×2 Gram system.
		e1, e2 := m.Points[c[1]].Sub(p0), m.Points[c[2]].Sub(p0)
		gram := mgl64.Mat2{e1.Dot(e1), e1.Dot(e2), e1.Dot(e2), e2.Dot(e2)}
		det := gram.Det()
		if !(math.Abs(det) > 1e-14*gram[0]*gram[3]) {
			return g, false
		}
		r := gram.Inv().Mul2x1(mgl64.Vec2{lat[c[1]] - lat[c[0]], lat[c[2]] - lat[c[0]]})
		return e1.Mul(r[0]).Add(e2.Mul(r[1])), true
	case mesh.Tetrahedron:
		// Rows of E are the edges: E·g = Δlat.
		e1, e2, e3 := m.Points[c[1]].Sub(p0), m.Points[c[2]].Sub(p0), m.Points[c[3]].Sub(p0)
		em := mgl64.Mat3FromRows(e1, e2, e3)
		det := em.Det()
		if !(math.Abs(det) > 1e-14*e1.Len()*e2.Len()*e3.Len()) {
			return g, false
		}
		return em.Inv().Mul3x1(mgl64.Vec3{lat[c[1]] - lat[c[0]], lat[c[2]] - lat[c[0]], lat[c[3]] - lat[c[0]]}), true
	}
	return g, false
}

// ElementCV writes into dst (one per element) the conduction speed
// 1/|∇LAT| (mm/ms) of the P1 interpolant of lat on each element: NaN where
// a node has no LAT, +Inf where the LAT is constant over the element (as in
// a stimulated region that activates at once).
func ElementCV(dst []float64, m *mesh.Mesh, lat []float64) {
	for e := range m.NumCells() {
		g, ok := LATGradient(m, e, lat)
		switch {
		case !ok:
			dst[e] = math.NaN()
		case g.Len() == 0:
			dst[e] = math.Inf(1)
		default:
			dst[e] = 1 / g.Len()
		}
	}
}

// CVAlongLine returns the conduction velocity (mm/ms) along the segment
// from a to b: the reciprocal of the least-squares slope of LAT against the
// distance from a, over the nodes within tol (mm) of the segment that have
// a finite LAT, and the number of those nodes. With fewer than two nodes, or
// a non-positive slope (no wave travelling from a to b), cv is NaN.
func CVAlongLine(m *mesh.Mesh, lat []float64, a, b mgl64.Vec3, tol float64) (cv float64, n int) {
	ab := b.Sub(a)
	l := ab.Len()
	dir := ab.Mul(1 / l)
	var sx, sy, sxx, sxy float64
	for i, p := range m.Points {
		if math.IsNaN(lat[i]) || math.IsInf(lat[i], 0) {
			continue
		}
		d := p.Sub(a)
		s := d.Dot(dir)
		if s < -1e-9*l || s > l*(1+1e-9) || d.Sub(dir.Mul(s)).Len() > tol {
			continue
		}
		n++
		sx += s
		sy += lat[i]
		sxx += s * s
		sxy += s * lat[i]
	}
	if n < 2 {
		return math.NaN(), n
	}
	fn := float64(n)
	slope := (fn*sxy - sx*sy) / (fn*sxx - sx*sx)
	if !(slope > 0) {
		return math.NaN(), n
	}
	return 1 / slope, n
}
