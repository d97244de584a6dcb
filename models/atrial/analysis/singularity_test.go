package analysis

import (
	"math"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
)

// angle returns atan2(y − c_y, x − c_x) at p.
func angle(p, c mgl64.Vec3) float64 { return math.Atan2(p[1]-c[1], p[0]-c[0]) }

// wrapPi maps any angle into (−π, π].
func wrapPi(x float64) float64 {
	x = math.Mod(x, 2*math.Pi)
	if x > math.Pi {
		x -= 2 * math.Pi
	} else if x <= -math.Pi {
		x += 2 * math.Pi
	}
	return x
}

// fill evaluates f at every node of m into a new slice.
func fill(m *mesh.Mesh, f func(p mgl64.Vec3) float64) []float64 {
	ph := make([]float64, len(m.Points))
	for i, p := range m.Points {
		ph[i] = f(p)
	}
	return ph
}

// TestSingularitiesAnalytic: analytic phase fields on a 20 × 20 mm sheet of
// 0.5 mm squares. Each expected singularity sits at a core placed off the
// grid lines, so exactly one triangle contains it; the expected count and
// charges are the winding numbers of the fields' atan2 terms (+1 for
// atan2(y−y0, x−x0) around a counter-clockwise loop, −1 for its negative),
// and a planar wave has none. The position must be within one element
// (the diagonal of a square, 0.71 mm) of the core.
func TestSingularitiesAnalytic(t *testing.T) {
	m := mesh.Sheet(20, 20, 40, 40)
	h := math.Sqrt2 * 0.5 // diagonal of a square, mm
	c0 := mgl64.Vec3{10.13, 9.71, 0}
	c1, c2 := mgl64.Vec3{6.27, 10.38, 0}, mgl64.Vec3{13.61, 9.54, 0}
	omega := 2 * math.Pi / 100 // rad/ms: a 100 ms rotation period
	k := 2 * math.Pi / 10      // rad/mm: a 10 mm wavelength (0.44 rad per diagonal, < π)
	type want struct {
		at     mgl64.Vec3
		charge int
	}
	for _, c := range []struct {
		name  string
		phase func(p mgl64.Vec3, t float64) float64
		want  []want
	}{
		{"rotating spiral", func(p mgl64.Vec3, t float64) float64 { return angle(p, c0) - omega*t }, []want{{c0, 1}}},
		{"Archimedean spiral", func(p mgl64.Vec3, t float64) float64 { return angle(p, c0) - k*p.Sub(c0).Len() - omega*t }, []want{{c0, 1}}},
		{"clockwise spiral", func(p mgl64.Vec3, t float64) float64 { return -angle(p, c0) - omega*t }, []want{{c0, -1}}},
		{"counter-rotating pair", func(p mgl64.Vec3, t float64) float64 { return angle(p, c1) - angle(p, c2) - omega*t },
			[]want{{c1, 1}, {c2, -1}}},
		{"planar wave", func(p mgl64.Vec3, t float64) float64 { return k*p[0] - omega*t }, nil},
		{"oblique planar wave", func(p mgl64.Vec3, t float64) float64 { return k*(0.6*p[0]+0.8*p[1]) - omega*t }, nil},
	} {
		// Several instants: the result must not depend on where the
		// wrap-around line of the phase lies.
		for _, tm := range []float64{0, 13, 37, 71} {
			ph := fill(m, func(p mgl64.Vec3) float64 { return wrapPi(c.phase(p, tm)) })
			ps := FindSingularities(nil, m, ph)
			if len(ps) != len(c.want) {
				t.Fatalf("%s, t = %g ms: %d singularities %+v, want %d", c.name, tm, len(ps), ps, len(c.want))
			}
			for _, w := range c.want {
				found := false
				for _, s := range ps {
					if s.Charge == w.charge && s.Position.Sub(w.at).Len() < h {
						found = true
					}
				}
				if !found {
					t.Errorf("%s, t = %g ms: no charge %+d within %.2f mm of %v in %+v", c.name, tm, w.charge, h, w.at, ps)
				}
			}
			// The per-triangle charges agree, and the 1-ring charges are
			// non-zero at exactly the three nodes of each singular triangle.
			cc := make([]int, m.NumCells())
			CellCharges(cc, m, ph)
			nc := make([]int, len(m.Points))
			NodeCharges(nc, m, ph)
			nonzero := 0
			for e, q := range cc {
				if q != 0 && !containsCell(ps, e, q) {
					t.Errorf("%s: CellCharges has %+d at %d, FindSingularities not", c.name, q, e)
				}
			}
			for _, q := range nc {
				if q != 0 {
					nonzero++
				}
			}
			if nonzero != 3*len(c.want) {
				t.Errorf("%s: %d nodes with a non-zero 1-ring charge, want %d", c.name, nonzero, 3*len(c.want))
			}
		}
	}
}

func containsCell(ps []PhaseSingularity, e, q int) bool {
	for _, s := range ps {
		if s.Cell == e && s.Charge == q {
			return true
		}
	}
	return false
}

// TestLATPhase: a spiral wave rotating counter-clockwise about c with
// period T activates node p at LAT_k = T·(φ(p)/2π + k), φ = atan2 in
// [0, 2π); its LAT phase at t is then exactly ωt − φ mod 2π (ω = 2π/T),
// and its singularity has charge −1 (the negative of atan2's winding, see
// PhaseSingularity).
func TestLATPhase(t *testing.T) {
	m := mesh.Sheet(20, 20, 40, 40)
	c := mgl64.Vec3{10.13, 9.71, 0}
	const period = 80.0 // ms
	lats := make([][]float64, len(m.Points))
	for i, p := range m.Points {
		phi := math.Mod(angle(p, c)+2*math.Pi, 2*math.Pi)
		for k := range 5 {
			lats[i] = append(lats[i], period*(phi/(2*math.Pi)+float64(k)))
		}
	}
	ph := make([]float64, len(m.Points))
	for _, tm := range []float64{100, 150.5, 237} {
		LATPhase(ph, lats, tm)
		for i, p := range m.Points {
			want := math.Mod(2*math.Pi*tm/period-angle(p, c)+4*math.Pi, 2*math.Pi)
			if d := math.Abs(wrapPi(ph[i] - want)); d > 1e-9 {
				t.Fatalf("t = %g: node %d phase %g, want %g", tm, i, ph[i], want)
			}
		}
		ps := FindSingularities(nil, m, ph)
		if len(ps) != 1 || ps[0].Charge != -1 || ps[0].Position.Sub(c).Len() > math.Sqrt2*0.5 {
			t.Errorf("t = %g: singularities %+v, want one of charge −1 near %v", tm, ps, c)
		}
	}
	// Before the first and after the last activation there is no phase.
	LATPhase(ph, lats, -1)
	if !math.IsNaN(ph[0]) {
		t.Errorf("phase before the first activation = %g, want NaN", ph[0])
	}
	LATPhase(ph, lats, 5*period)
	if !math.IsNaN(ph[0]) {
		t.Errorf("phase after the last activation = %g, want NaN", ph[0])
	}
	if ps := FindSingularities(nil, m, ph); len(ps) != 0 {
		t.Errorf("singularities in a field of NaNs: %+v", ps)
	}
}

// TestTrackMovingSpiral: a spiral of period 50 ms whose core moves along
// x by 8 mm over 200 ms, sampled every 2 ms (25 frames per rotation, well
// under the half period the rotation count needs), gives one track living
// 200 ms (the first to the last frame) with 200/50 = 4 rotations and a mean
// position at the middle of the path. The path's coordinates are chosen
// so that the core never lies exactly on an edge, where a phase difference
// of exactly π makes the wrap ambiguous and two triangles claim it.
// The rotation count's error is the difference between the last and the
// first frame of the error of seeing the nodes from the centroid instead of
// the core (PhaseSingularity.Phase), bounded and not growing with the path;
// half a turn is allowed (the value is 4.0000).
func TestTrackMovingSpiral(t *testing.T) {
	m := mesh.Sheet(20, 20, 40, 40)
	const period, tEnd, dtFrame = 50.0, 200.0, 2.0
	tr := Tracker{MaxDistance: 1, MaxGap: dtFrame}
	ph := make([]float64, len(m.Points))
	var ps []PhaseSingularity
	for tm := 0.0; tm <= tEnd+1e-9; tm += dtFrame {
		c := mgl64.Vec3{6.0317 + 8*tm/tEnd, 9.7131, 0}
		for i, p := range m.Points {
			ph[i] = wrapPi(angle(p, c) - 2*math.Pi*tm/period)
		}
		ps = FindSingularities(ps[:0], m, ph)
		tr.Add(tm, ps)
	}
	tracks := tr.Tracks()
	if len(tracks) != 1 {
		t.Fatalf("%d tracks, want 1", len(tracks))
	}
	r := tracks[0]
	if r.Charge != 1 || r.Lifespan() != tEnd || len(r.Times) != int(tEnd/dtFrame)+1 {
		t.Errorf("track: charge %d, lifespan %g ms, %d frames; want +1, %g, %d", r.Charge, r.Lifespan(), len(r.Times), tEnd, int(tEnd/dtFrame)+1)
	}
	if got := r.Rotations(); math.Abs(got-tEnd/period) > 0.5 {
		t.Errorf("rotations %g, want %g ± 0.5", got, tEnd/period)
	}
	if mp := r.MeanPosition(); mp.Sub(mgl64.Vec3{10.0317, 9.7131, 0}).Len() > 0.5 {
		t.Errorf("mean position %v, want (10.03, 9.71, 0) within 0.5 mm", mp)
	}
	crit := DriverCriteria{MinLifespan: 100, MinRotations: 2, MaxRadius: 5}
	if !crit.IsDriver(r) {
		t.Errorf("a 4-turn, 200 ms track within 4 mm of its mean is not a driver under %+v", crit)
	}
	if d := (DriverCriteria{MinRotations: 5}).Drivers(tracks); len(d) != 0 {
		t.Errorf("a 4-turn track is a driver with 5 rotations required")
	}
	if d := (DriverCriteria{MaxRadius: 3}).Drivers(tracks); len(d) != 0 {
		t.Errorf("a track 4 mm from its mean is a driver within 3 mm")
	}
}

// TestTrackBirthsDeaths: a counter-rotating pair present from 20 to 60 ms,
// absent at 30 ms (a missed frame) and from 70 ms on; frames every 10 ms.
// With MaxGap one frame interval the missed frame splits each singularity
// into two tracks (4 in all); with two intervals it is bridged (2 tracks,
// each 40 ms, one of each charge); a new pair at 90 ms is a birth (2 more).
func TestTrackBirthsDeaths(t *testing.T) {
	m := mesh.Sheet(20, 20, 40, 40)
	c1, c2 := mgl64.Vec3{6.27, 10.38, 0}, mgl64.Vec3{13.61, 9.54, 0}
	pair := fill(m, func(p mgl64.Vec3) float64 { return wrapPi(angle(p, c1) - angle(p, c2)) })
	plane := fill(m, func(p mgl64.Vec3) float64 { return wrapPi(p[0]) })
	for _, c := range []struct {
		gap    float64
		tracks int
	}{{10, 4 + 2}, {20, 2 + 2}} {
		tr := Tracker{MaxDistance: 1, MaxGap: c.gap}
		for tm := 0.0; tm <= 100; tm += 10 {
			ph := plane
			if (tm >= 20 && tm <= 60 && tm != 30) || tm >= 90 {
				ph = pair
			}
			tr.Add(tm, FindSingularities(nil, m, ph))
		}
		if got := len(tr.Tracks()); got != c.tracks {
			t.Errorf("MaxGap %g: %d tracks, want %d", c.gap, got, c.tracks)
		}
		if c.gap == 20 {
			for _, r := range tr.Tracks()[:2] {
				if r.Lifespan() != 40 {
					t.Errorf("bridged track %d lives %g ms, want 40", r.ID, r.Lifespan())
				}
			}
			if tr.Tracks()[0].Charge == tr.Tracks()[1].Charge {
				t.Errorf("the pair's tracks have the same charge")
			}
		}
	}
}

// BenchmarkPhaseSingularities100k: state-space phase and singularity
// detection for one frame on a 50 × 50 mm sheet of 317² = 100,489 nodes
// (200,000 triangles), the field an analytic Archimedean spiral mapped to
// Aliev–Panfilov (u, w) states; one op is one frame.
func BenchmarkPhaseSingularities100k(b *testing.B) {
	m := mesh.Sheet(50, 50, 316, 316)
	c := mgl64.Vec3{25.03, 24.97, 0}
	ion := ionic.DefaultAlievPanfilov()
	sp, _ := ionic.StatePhaseFor(ion)
	v, s := make([]float64, len(m.Points)), make([]float64, len(m.Points))
	for i, p := range m.Points {
		th := angle(p, c) - 2*math.Pi/10*p.Sub(c).Len()
		v[i] = sp.VStar + 0.5*sp.VScale*math.Cos(th)
		s[i] = sp.RStar + 0.5*sp.RScale*math.Sin(th)
	}
	ph := make([]float64, len(m.Points))
	var ps []PhaseSingularity
	b.ReportAllocs()
	for b.Loop() {
		sp.Phase(ph, v, s, 1)
		ps = FindSingularities(ps[:0], m, ph)
	}
	if len(ps) != 1 {
		b.Fatalf("%d singularities, want 1", len(ps))
	}
	b.ReportMetric(float64(len(m.Points))*float64(b.N)/b.Elapsed().Seconds(), "nodes/s")
}
