package analysis

import (
	"math"
	"slices"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// TestS1S2CrossFieldRotor: the cross-field S1–S2 protocol (reference §6,
// openCARP tutorial 21's "S1–S2") on a 40 × 40 mm sheet of 0.5 mm squares
// with Aliev–Panfilov kinetics (finitewave set, 1 model unit = 1 ms, so the
// action potential lasts about 25 ms and a wavelength fits on the sheet),
// σ = 0.2 mS/mm isotropic (D = 0.14 mm²/ms). S1 is a planar wave from the
// left edge (x ≤ 1 mm) at 0 ms; S2 excites the lower-left quadrant at
// 40 ms, when only its left part (x ≲ 8 mm) has recovered behind the S1
// wave, so the S2 wave runs up and back to the left, and its free end near
// (8, 20) mm curls clockwise into a rotor behind the S1 tail (charge +1,
// see PhaseSingularity). Activations use −60 mV (u = 0.2, above the
// model's threshold a = 0.1), so that the small upstrokes near the core
// count too.
//
// Expected: the state-space phase (StatePhaseFor) has one singularity in
// every frame from the rotor's birth on, which the Tracker links into one
// track; it lives to the end of the run and turns at the rotor's period of
// about 29 ms (read off the potential at a node, not asserted), so over the
// 300 ms from 100 to 400 ms it makes ≥ 8 rotations (300/29 ≈ 10, less
// meander and start-up; the run gives 12.3 from 42 ms). The LAT phase of the same run gives one
// singularity of the same charge near the state-space one. About 1 s.
func TestS1S2CrossFieldRotor(t *testing.T) {
	const L, nx, dt, tEnd, frame = 40.0, 80, 0.05, 400.0, 1.0
	m := mesh.Sheet(L, L, nx, nx)
	var left, quad []int
	for i, p := range m.Points {
		if p[0] <= 1+1e-9 {
			left = append(left, i)
		}
		if p[0] <= L/2+1e-9 && p[1] <= L/2+1e-9 {
			quad = append(quad, i)
		}
	}
	ion := ionic.DefaultAlievPanfilov()
	md, err := tissue.NewMonodomain(tissue.Passive{Mesh: m, Sigma: mesh.Uniform(mesh.Isotropic(0.2))}, ion,
		tissue.S1S2(tissue.Site{Nodes: left, Duration: 1, Strength: 50}, tissue.Site{Nodes: quad, Duration: 1, Strength: 50}, 1, 0, 40),
		tissue.Options{Dt: dt, Scheme: tissue.Explicit})
	if err != nil {
		t.Fatal(err)
	}
	sp, _ := ionic.StatePhaseFor(ion)
	act := NewActivations(len(m.Points), ion.VMin, -60, 0.9)
	tr := Tracker{MaxDistance: 2, MaxGap: frame}
	ph := make([]float64, len(m.Points))
	var ps []PhaseSingularity
	stepsPerFrame := int(math.Round(frame / dt))
	act.Record(0, md.V)
	for n := 1; md.Time() < tEnd-dt/2; n++ {
		if err := md.Step(); err != nil {
			t.Fatal(err)
		}
		act.Record(md.Time(), md.V)
		if n%stepsPerFrame == 0 {
			sp.Phase(ph, md.V, md.S, ion.NumStates())
			ps = FindSingularities(ps[:0], m, ph)
			tr.Add(md.Time(), ps)
		}
	}
	var rotor *RotorTrack
	for _, r := range tr.Tracks() {
		t.Logf("track %d: charge %+d, %g–%g ms, %.2f rotations, mean %.1f, radius %.1f mm",
			r.ID, r.Charge, r.Times[0], r.Times[len(r.Times)-1], r.Rotations(), r.MeanPosition(), r.Radius())
		if r.Times[0] <= 100 && r.Times[len(r.Times)-1] >= tEnd-frame/2 {
			rotor = r
		}
	}
	if rotor == nil {
		t.Fatalf("no track from ≤ 100 ms to the end (%g ms) among %d", tEnd, len(tr.Tracks()))
	}
	drivers := DriverCriteria{MinLifespan: 300, MinRotations: 8}.Drivers(tr.Tracks())
	if len(drivers) != 1 || drivers[0] != rotor {
		t.Errorf("%d drivers with ≥ 300 ms and ≥ 8 rotations, want the one rotor", len(drivers))
	}
	// LAT phase at 300 ms (every node near the core has activated before
	// and after it): its singularity is spread along a phase-defect line
	// and the core node may never activate, so look at the 1-ring
	// charges: nodes of the rotor's charge within 3 mm (six elements) of
	// the state-space core at 300 ms, and none of either sign elsewhere
	// inside the sheet.
	LATPhase(ph, act.Times, 300)
	core := rotor.Points[slices.Index(rotor.Times, 300)]
	nc := make([]int, len(m.Points))
	NodeCharges(nc, m, ph)
	near, far := 0, 0
	for i, q := range nc {
		switch {
		case q == rotor.Charge && m.Points[i].Sub(core).Len() <= 3:
			near++
		case q != 0:
			far++
		}
	}
	if near == 0 || far != 0 {
		t.Errorf("LAT phase at 300 ms: %d nodes of charge %+d within 3 mm of %v, %d others non-zero; want > 0 and 0", near, rotor.Charge, core, far)
	}
}
