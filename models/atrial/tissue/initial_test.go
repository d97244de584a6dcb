package tissue

import (
	"math"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/analysis"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
)

// TestSpiralPhaseRotor: a pinwheel phase map (the angle around the sheet's
// centre) on the 40 × 40 mm Aliev–Panfilov sheet of TestS1S2CrossFieldRotor
// starts a rotor at once: a single phase-singularity track from the first
// frames to the end (200 ms) near the centre (its mean position within
// 5 mm of it), turning at least 4 times, of opposite charge for the two
// chiralities. The phase map itself has one singularity, at the centre,
// whose charge is the chirality (analytic: the angle winds once).
func TestSpiralPhaseRotor(t *testing.T) {
	const L, nx, dt, tEnd, frame = 40.0, 80, 0.05, 200.0, 1.0
	m := mesh.Sheet(L, L, nx, nx)
	centre := mgl64.Vec3{L/2 + 0.13, L/2 - 0.09, 0} // inside a triangle, not on a node
	ion := ionic.DefaultAlievPanfilov()
	charges := map[int]int{}
	for _, chir := range []int{1, -1} {
		phase, err := SpiralPhase(m, centre, chir, 0)
		if err != nil {
			t.Fatal(err)
		}
		ps := analysis.FindSingularities(nil, m, phase)
		if len(ps) != 1 || ps[0].Charge != chir || ps[0].Position.Sub(centre).Len() > 1 {
			t.Fatalf("chirality %+d: singularities of the phase map %+v, want one of that charge at the centre", chir, ps)
		}
		md, err := NewMonodomain(Passive{Mesh: m, Sigma: mesh.Uniform(mesh.Isotropic(0.2))}, ion, nil, Options{Dt: dt, Scheme: Explicit})
		if err != nil {
			t.Fatal(err)
		}
		// TestS1S2Inducible's rotor turns every ≈ 29 ms; a single cell
		// follows a 35 ms cycle but not 30 ms: sample a 40 ms cycle (35
		// and 50 ms start the same rotor)
		c, err := ionic.PacedCycle(ion, 40, dt, 35.7, 1, 4)
		if err != nil {
			t.Fatal(err)
		}
		SetPhase(md, phase, func(int) *ionic.Cycle { return c })
		sp, _ := ionic.StatePhaseFor(ion)
		tr := analysis.Tracker{MaxDistance: 2, MaxGap: frame}
		ph := make([]float64, len(m.Points))
		var found []analysis.PhaseSingularity
		for n := 1; md.Time() < tEnd-dt/2; n++ {
			if err := md.Step(); err != nil {
				t.Fatal(err)
			}
			if n%int(math.Round(frame/dt)) == 0 {
				sp.Phase(ph, md.V, md.S, ion.NumStates())
				found = analysis.FindSingularities(found[:0], m, ph)
				tr.Add(md.Time(), found)
			}
		}
		var rotor *analysis.RotorTrack
		for _, r := range tr.Tracks() {
			if r.Times[0] <= 10 && r.Times[len(r.Times)-1] >= tEnd-frame/2 {
				rotor = r
			}
		}
		if rotor == nil {
			t.Fatalf("chirality %+d: no track from ≤ 10 ms to %g ms among %d", chir, tEnd, len(tr.Tracks()))
		}
		t.Logf("chirality %+d: track charge %+d, %.2f rotations, mean %.1f", chir, rotor.Charge, rotor.Rotations(), rotor.MeanPosition())
		if rotor.MeanPosition().Sub(centre).Len() > 5 || rotor.Rotations() < 4 {
			t.Errorf("chirality %+d: rotor at %v with %.2f rotations; want within 5 mm of the centre, ≥ 4", chir, rotor.MeanPosition(), rotor.Rotations())
		}
		charges[chir] = rotor.Charge
	}
	if charges[1] != -charges[-1] || charges[1] == 0 {
		t.Errorf("rotor charges %v: want opposite for opposite chiralities", charges)
	}
}

// TestSetLATPlanarWave: a planar activation map L = x/0.5 ms (a wave at
// 0.5 mm/ms that has reached x = 5 mm at t0 = 10 ms) on a 20 × 2 mm strip
// of the modified MS atrial set continues as a planar wave: the nodes ahead
// of it activate later the farther they are, at the tissue's own CV (not
// the map's), and nodes behind the front do not activate again.
func TestSetLATPlanarWave(t *testing.T) {
	m := mesh.Sheet(20, 2, 100, 10)
	m.Fibres = mesh.ProjectedFibres(m, mgl64.Vec3{1, 0, 0})
	ion := ionic.AtrialMMS()
	md, err := NewMonodomain(Passive{Mesh: m, Sigma: mesh.Uniform(mesh.Isotropic(0.3))}, ion, nil, Options{Dt: 0.01, Scheme: Explicit})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ionic.PacedCycle(ion, 500, 0.01, 35.7, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	lat := make([]float64, len(m.Points))
	for i, p := range m.Points {
		lat[i] = p[0] / 0.5
	}
	SetLAT(md, lat, 10, func(int) *ionic.Cycle { return c })
	act := analysis.NewActivations(len(m.Points), ion.VMin, -10, 0.9)
	act.Record(0, md.V)
	for md.Time() < 60 {
		if err := md.Step(); err != nil {
			t.Fatal(err)
		}
		act.Record(md.Time(), md.V)
	}
	at := func(x float64) float64 {
		i := nearestNode(m, mgl64.Vec3{x, 1, 0})
		if len(act.Times[i]) != 1 {
			t.Fatalf("node at x = %g activated %d times", x, len(act.Times[i]))
		}
		return act.Times[i][0]
	}
	t10, t18 := at(10), at(18)
	cv := 8 / (t18 - t10)
	t.Logf("LAT at 10 mm %.2f ms, at 18 mm %.2f ms: CV %.3f mm/ms", t10, t18, cv)
	if !(t10 > 0 && t18 > t10 && cv > 0.2 && cv < 2) {
		t.Errorf("the wave did not go on: LAT(10) %v, LAT(18) %v", t10, t18)
	}
	behind := nearestNode(m, mgl64.Vec3{2, 1, 0})
	if n := len(act.Times[behind]); n != 0 {
		t.Errorf("a node behind the front activated %d times", n)
	}
}
