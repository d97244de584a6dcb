package tissue

import (
	"fmt"
	"math"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
)

// Prescribed initial conditions: a phase or activation-time map turned
// into a tissue state, the usual way to start a rotor (or any wave) without
// a pacing protocol (the "phase-field" initialisation of e.g. Matene &
// Jacquemet 2012, Europace 14 suppl 5:v15; openCARP users do the same with
// a prepaced state vector per node). One steady cycle of the cell model,
// paced at a cycle length CL, is sampled; a node of phase θ ∈ [0, 2π)
// takes the state the paced cell has θ/2π·CL after its stimulus — θ = 0 at
// the upstroke (the wavefront), θ → 2π the recovered end of the cycle (the
// tissue the front moves into). A node with activation time L at the
// initial time t0 takes the state t0 − L after the upstroke (rest if L >
// t0 or L is NaN; the end of the cycle if t0 − L ≥ CL).

// SetPhase sets every node i with a finite phase[i] (radians, any range;
// taken modulo 2π) to its cycle's state at phase/2π·CL after the upstroke;
// nodes with NaN keep their state. cycle returns the node's Cycle (one per
// ionic set; all of one model).
func SetPhase(md *Monodomain, phase []float64, cycle func(node int) *ionic.Cycle) {
	ns := md.Ionic.NumStates()
	for i, th := range phase {
		if math.IsNaN(th) {
			continue
		}
		th = math.Mod(th, 2*math.Pi)
		if th < 0 {
			th += 2 * math.Pi
		}
		c := cycle(i)
		md.V[i] = c.At(th/(2*math.Pi)*c.Length, md.S[i*ns:(i+1)*ns])
	}
}

// SetLAT sets every node to its state at time t0 (ms) of a wave that
// activated it at lat[i]: t0 − lat[i] after its upstroke when lat[i] ≤ t0,
// at rest when lat[i] > t0 or NaN (the wave has yet to come), the end of
// its cycle when t0 − lat[i] ≥ CL.
func SetLAT(md *Monodomain, lat []float64, t0 float64, cycle func(node int) *ionic.Cycle) {
	ns := md.Ionic.NumStates()
	for i, l := range lat {
		c := cycle(i)
		s := md.S[i*ns : (i+1)*ns]
		if math.IsNaN(l) || l > t0 {
			md.V[i] = c.Rest(s)
			continue
		}
		md.V[i] = c.At(t0-l, s)
	}
}

// SpiralPhase returns the phase map of a rotor centred at center, whose
// phase singularity has topological charge chirality (as
// FindSingularities counts it) and keeps it as the rotor turns: the
// angle around the center (projected onto the plane), in the plane tangent
// to a triangle surface at its node nearest center (the area-weighted normal of the node's
// triangles), or in the xy-plane for tetrahedra (a filament along z);
// measured from the plane's first axis, counter-clockwise about the normal
// for chirality +1 and clockwise for −1 (the front, at phase 0, moves
// towards decreasing phase). Nodes farther than radius mm
// from center get NaN (keep their state) when radius > 0.
func SpiralPhase(m *mesh.Mesh, center mgl64.Vec3, chirality int, radius float64) ([]float64, error) {
	if chirality != 1 && chirality != -1 {
		return nil, fmt.Errorf("atrial: spiral chirality %d, expected 1 or -1", chirality)
	}
	c := nearestNode(m, center)
	normal := mgl64.Vec3{0, 0, 1}
	if m.Kind == mesh.Triangle {
		var n mgl64.Vec3
		for e := 0; e < m.NumCells(); e++ {
			t := m.Cells[3*e : 3*e+3]
			if t[0] == c || t[1] == c || t[2] == c {
				a, b, d := m.Points[t[0]], m.Points[t[1]], m.Points[t[2]]
				n = n.Add(b.Sub(a).Cross(d.Sub(a))) // twice the area, along the normal
			}
		}
		if n.Len() == 0 {
			return nil, fmt.Errorf("atrial: spiral centre: node %d has no triangle of positive area", c)
		}
		normal = n.Normalize()
	}
	// e1: the coordinate axis least aligned with the normal, made tangent
	axis := mgl64.Vec3{1, 0, 0}
	if math.Abs(normal[0]) > 0.9 {
		axis = mgl64.Vec3{0, 1, 0}
	}
	e1 := axis.Sub(normal.Mul(axis.Dot(normal))).Normalize()
	e2 := normal.Cross(e1)
	o := center.Sub(normal.Mul(center.Sub(m.Points[c]).Dot(normal))) // center, in the tangent plane
	phase := make([]float64, len(m.Points))
	for i, p := range m.Points {
		d := p.Sub(o)
		if radius > 0 && d.Len() > radius {
			phase[i] = math.NaN()
			continue
		}
		phase[i] = float64(chirality) * math.Atan2(d.Dot(e2), d.Dot(e1))
	}
	return phase, nil
}

// nearestNode returns the node of m closest to p (the lowest index on ties).
func nearestNode(m *mesh.Mesh, p mgl64.Vec3) int {
	best, bd := 0, math.Inf(1)
	for i, q := range m.Points {
		if d := q.Sub(p).Len(); d < bd {
			best, bd = i, d
		}
	}
	return best
}
