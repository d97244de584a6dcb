package atrial

import (
	"fmt"
	"math"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
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

// Cycle is one sampled cycle of a paced single cell.
type Cycle struct {
	Length float64   // cycle length CL, ms
	Dt     float64   // sampling step, ms
	V      []float64 // potential at k·Dt after the stimulus onset, mV
	S      []float64 // states at the same times, NumStates per sample
	ns     int
	restV  float64
	restS  []float64
}

// PacedCycle paces one cell of ion every length ms with a stimulus of rate
// mV/ms for duration ms, beats times (the last one is sampled; earlier ones
// bring the cell towards its periodic steady state), stepping with dt.
// It fails if a later stimulus does not excite the cell anew (the
// potential must have fallen below the midpoint of rest and the first
// beat's peak, and stay above it at least half as long as after the first
// stimulus), i.e. when length is below the refractory period.
func PacedCycle(ion Ionic, length, dt, rate, duration float64, beats int) (*Cycle, error) {
	if !(length > 0) || !(dt > 0) || !(dt < length) || !(duration > 0) || beats < 1 {
		return nil, fmt.Errorf("atrial: paced cycle: need length > dt > 0, duration > 0 and beats ≥ 1 (got %g, %g, %g, %d)", length, dt, duration, beats)
	}
	ns := ion.NumStates()
	c := &Cycle{Length: length, Dt: dt, ns: ns, restS: make([]float64, ns)}
	c.restV = ion.Rest(c.restS)
	n := int(math.Round(length / dt))
	nStim := max(1, int(math.Round(duration/dt)))
	// beat runs one cycle from (v, s), recording it if asked, and returns
	// the potential at its end and its trace's peak
	beat := func(v float64, s []float64, record bool, trace []float64) (float64, error) {
		for k := 0; k < n; k++ {
			if record {
				c.V = append(c.V, v)
				c.S = append(c.S, s...)
			}
			if trace != nil {
				trace[k] = v
			}
			v = ion.Step(s, v, dt)
			if k < nStim {
				v += dt * rate
			}
			if math.IsNaN(v) {
				return v, fmt.Errorf("atrial: paced cycle: %s diverged at dt %g ms", ion.Name(), dt)
			}
		}
		return v, nil
	}
	// The first beat, from rest, is the reference response; a later beat
	// is a response when it starts below the midpoint of rest and that
	// peak (the cell has repolarised) and stays above it at least half as
	// long as the first (a passive response to the stimulus decays within
	// a few ms).
	first := make([]float64, n)
	s := append([]float64(nil), c.restS...)
	v, err := beat(c.restV, s, beats == 1, first)
	if err != nil {
		return nil, err
	}
	peak := math.Inf(-1)
	for _, x := range first {
		peak = max(peak, x)
	}
	mid := (c.restV + peak) / 2
	above := func(tr []float64) (k int) {
		for _, x := range tr {
			if x > mid {
				k++
			}
		}
		return k
	}
	ref := above(first)
	tr := make([]float64, n)
	for b := 1; b < beats; b++ {
		start := v
		if v, err = beat(v, s, b == beats-1, tr); err != nil {
			return nil, err
		}
		if !(start < mid) || !(2*above(tr) >= ref) {
			return nil, fmt.Errorf("atrial: paced cycle: the %s cell does not respond to every stimulus at a cycle length of %g ms (shorter than its refractory period?)", ion.Name(), length)
		}
	}
	return c, nil
}

// At writes into s the state tau ms after the stimulus onset (nearest
// sample; tau is clamped to the cycle) and returns the potential.
func (c *Cycle) At(tau float64, s []float64) float64 {
	k := int(math.Round(tau / c.Dt))
	k = min(max(k, 0), len(c.V)-1)
	copy(s, c.S[k*c.ns:(k+1)*c.ns])
	return c.V[k]
}

// SetPhase sets every node i with a finite phase[i] (radians, any range;
// taken modulo 2π) to its cycle's state at phase/2π·CL after the upstroke;
// nodes with NaN keep their state. cycle returns the node's Cycle (one per
// ionic set; all of one model).
func SetPhase(md *Monodomain, phase []float64, cycle func(node int) *Cycle) {
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
func SetLAT(md *Monodomain, lat []float64, t0 float64, cycle func(node int) *Cycle) {
	ns := md.Ionic.NumStates()
	for i, l := range lat {
		c := cycle(i)
		s := md.S[i*ns : (i+1)*ns]
		if math.IsNaN(l) || l > t0 {
			copy(s, c.restS)
			md.V[i] = c.restV
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
	c := nearest(m, center)
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
