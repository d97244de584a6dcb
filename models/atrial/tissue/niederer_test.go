package tissue

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
)

// The Niederer et al. (2011) N-version benchmark (Phil Trans R Soc A
// 369:4331, doi 10.1098/rsta.2011.0139; reference §3.1): a 20 × 7 × 3 mm
// slab, fibres along x, TP06 epicardial cells, monodomain conductivities
// the harmonic means of the paper's bidomain values (σ_il 0.17, σ_el 0.62,
// σ_it 0.019, σ_et 0.24 S/m), χ 140 /mm, Cm 0.01 µF/mm², stimulus
// 50 µA/mm³ for 2 ms in the cube [0, 1.5]³ mm, activation time = first
// crossing of 0 mV.
var (
	niedererSigmaL = 0.17 * 0.62 / (0.17 + 0.62)   // 0.13342 mS/mm
	niedererSigmaT = 0.019 * 0.24 / (0.019 + 0.24) // 0.017606 mS/mm
	// niedererPoints are P1 … P9 (mm).
	niedererPoints = [9]mgl64.Vec3{{0, 0, 0}, {0, 7, 0}, {20, 0, 0}, {20, 7, 0}, {0, 0, 3}, {0, 7, 3}, {20, 0, 3}, {20, 7, 3}, {10, 3.5, 1.5}}
)

// niedererResult is one run of the benchmark.
type niedererResult struct {
	dx, dt  float64
	nodes   int
	at      [9]float64 // activation time at P1 … P9, ms (NaN: none by tEnd)
	maxAT   float64    // latest activation time over all nodes, ms
	elapsed time.Duration
	steps   int
}

func (r niedererResult) String() string {
	s := fmt.Sprintf("dx %g mm, dt %g ms, %d nodes, %d steps in %.2f s (%.3g node-steps/s):", r.dx, r.dt, r.nodes, r.steps,
		r.elapsed.Seconds(), float64(r.nodes)*float64(r.steps)/r.elapsed.Seconds())
	for i, t := range r.at {
		s += fmt.Sprintf(" P%d %.2f", i+1, t)
	}
	return s + fmt.Sprintf(" ms; latest %.2f ms", r.maxAT)
}

// runNiederer runs the benchmark at spacing dx and step dt (ms) until every
// node has activated or tEnd, with the explicit scheme (falling back to
// Crank–Nicolson when dt is beyond its stability limit) on workers
// goroutines.
func runNiederer(dx, dt, tEnd float64, workers int) (niedererResult, error) {
	nx, ny, nz := int(math.Round(20/dx)), int(math.Round(7/dx)), int(math.Round(3/dx))
	m := mesh.Slab(20, 7, 3, nx, ny, nz)
	m.Fibres = make([]mgl64.Vec3, m.NumCells())
	for e := range m.Fibres {
		m.Fibres[e] = mgl64.Vec3{1, 0, 0}
	}
	var stim []int
	const eps = 1e-9
	for i, p := range m.Points {
		if p[0] <= 1.5+eps && p[1] <= 1.5+eps && p[2] <= 1.5+eps {
			stim = append(stim, i)
		}
	}
	tissue := Passive{Mesh: m, Sigma: mesh.Uniform(mesh.TransverselyIsotropic(niedererSigmaL, niedererSigmaT)), Chi: 140, Cm: 0.01}
	proto := Protocol{{Nodes: stim, Start: 0, Duration: 2, Strength: 50}}
	opt := Options{Dt: dt, Scheme: Explicit, Workers: workers}
	md, err := NewMonodomain(tissue, ionic.TP06Epi(), proto, opt)
	if _, unstable := err.(*StabilityError); unstable {
		opt.Scheme = CrankNicolson
		md, err = NewMonodomain(tissue, ionic.TP06Epi(), proto, opt)
	}
	if err != nil {
		return niedererResult{}, err
	}
	var idx [9]int
	for k, p := range niedererPoints {
		idx[k] = niedererNode(m, p)
	}
	res := niedererResult{dx: dx, dt: dt, nodes: len(m.Points)}
	first := make([]float64, len(m.Points))
	for i := range first {
		first[i] = math.NaN()
	}
	left := len(first)
	prev := append([]float64(nil), md.V...)
	start := time.Now()
	steps := int(math.Round(tEnd / dt))
	for n := 0; n < steps && left > 0; n++ {
		t0 := md.Time()
		if err := md.Step(); err != nil {
			return res, err
		}
		t1 := md.Time()
		for i, v := range md.V {
			if math.IsNaN(first[i]) && v >= 0 {
				first[i] = t0 + (0-prev[i])/(v-prev[i])*(t1-t0)
				left--
			}
		}
		copy(prev, md.V)
		res.steps++
	}
	res.elapsed = time.Since(start)
	for k, i := range idx {
		res.at[k] = first[i]
	}
	res.maxAT = math.NaN()
	if left == 0 {
		res.maxAT = 0
		for _, t := range first {
			res.maxAT = max(res.maxAT, t)
		}
	}
	return res, nil
}

// TestNiederer runs the benchmark at dx 0.5 mm, dt 0.05 ms (the coarsest
// grid of the paper) and at dx 0.2 mm, dt 0.05 ms, with two workers
// (≈ 2 s and ≈ 15 s), and checks:
//
//   - P1 (in the stimulated cube) activates during the 2 ms stimulus;
//   - the wave spreads outward from the stimulus corner, P9 (centre) lies
//     between P1 and P4, and P8 (the far corner) is the last of the nine
//     and within 0.5 ms of the latest node of the slab;
//   - dx 0.5: P8 is in the plausibility band niedererP8 and within 2 ms of
//     this code's recorded value (the paper's per-code values are in its
//     supplement, which we do not have);
//   - dx 0.2: every point is within 3 % (P1: 0.3 ms) of an independent
//     code's result for the same grid, niedererFoamDX02 (see there).
//
// dx 1 mm is no smoke test: transverse conduction fails at that spacing
// (P2 never activates), a known under-resolution effect.
func TestNiederer(t *testing.T) {
	r, err := runNiederer(0.5, 0.05, 150, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	checkNiederer(t, r)
	if math.Abs(r.at[7]-niedererP8Measured) > 2 {
		t.Errorf("P8 %.2f ms, recorded %.2f ms (regression ± 2 ms)", r.at[7], niedererP8Measured)
	}
	if testing.Short() {
		return
	}
	r, err = runNiederer(0.2, 0.05, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	checkNiederer(t, r)
	for k, want := range niedererFoamDX02 {
		if math.IsNaN(want) {
			continue
		}
		tol := 0.03 * want
		if k == 0 {
			tol = 0.3
		}
		if got := r.at[k]; math.Abs(got-want) > tol {
			t.Errorf("dx 0.2: P%d %.2f ms, independent code %.2f ms (± %.2f)", k+1, got, want, tol)
		}
	}
}

// niedererFoamDX02 are the activation times (ms) at P1 … P9 of the same
// benchmark at dx 0.2 mm computed by another code: solids4foam/cardiacFoam
// (finite volumes, implicit, TNNP epicardial, dt 0.005 ms), read from its
// repository's cached post-processing of the NiedererEtAl2012 tutorial
// (implicit_TNNP_epicardialCells_DT0.005_DX0.2: the first and last
// samples of the line from P1 to P8; that run stored no other points, so
// they are NaN, i.e. not compared). Its dx 0.1 results are in
// BenchmarkNiederer's comment.
var niedererFoamDX02 = [9]float64{1.19, nan, nan, nan, nan, nan, nan, 54.53, nan}

var nan = math.NaN()

func checkNiederer(t *testing.T, r niedererResult) {
	t.Helper()
	at := r.at
	for k, v := range at {
		if math.IsNaN(v) {
			t.Fatalf("P%d never activated", k+1)
		}
	}
	if !(at[0] < 2) {
		t.Errorf("P1 activates at %.2f ms, want during the 2 ms stimulus", at[0])
	}
	for k := range 7 {
		if !(at[7] >= at[k]) || !(at[7] >= at[8]) {
			t.Errorf("P8 (%.2f ms) is not the last point (P%d %.2f ms)", at[7], k+1, at[k])
		}
	}
	if !(at[0] < at[8]) || !(at[8] < at[3]) {
		t.Errorf("P9 %.2f ms not between P1 %.2f and P4 %.2f", at[8], at[0], at[3])
	}
	if !(at[0] < at[4]) || !(at[0] < at[1]) || !(at[2] < at[3]) || !(at[6] < at[7]) || !(at[4] < at[6]) {
		t.Errorf("activation does not spread outward from the stimulus corner: %v", at)
	}
	if !(math.Abs(r.maxAT-at[7]) < 0.5) {
		t.Errorf("latest node %.2f ms, P8 %.2f ms: want P8 the last to activate", r.maxAT, at[7])
	}
	if r.dx == 0.5 && (at[7] < niedererP8[0] || at[7] > niedererP8[1]) {
		t.Errorf("P8 %.2f ms outside %v ms", at[7], niedererP8)
	}
}

// niedererP8 bounds the P8 activation time at dx 0.5 mm, dt 0.05 ms. The
// reference (§3.1) does not list the per-code results (they are in the
// paper's electronic supplement), so the band is a plausibility one: the
// converged value is ≈ 40 ms (dx 0.1 mm; Niederer et al. 2011, as
// recalled, unverified), and at dx 0.5 mm the paper's codes are much later
// because the transverse upstroke (width ≈ √(D_t·τ_foot) ≪ 0.5 mm) is not
// resolved; 40…160 ms. niedererP8Measured is this code's own value
// (2026, TP06 CellML, P1 tetrahedra, lumped mass, explicit, Godunov
// splitting), kept as a regression check.
var niedererP8 = [2]float64{40, 160}

const niedererP8Measured = 126.51

// BenchmarkNiederer runs the benchmark's grids (not run by go test; e.g.
// go test -run '^$' -bench 'Niederer/dx=0.1/dt=0.05$' -benchtime 1x -timeout 1h),
// 2 workers, reporting P8 and node-steps/s. dx 0.1 mm is 442,401 nodes;
// at dt 0.005 ms it is ≈ 9,000 steps (about half an hour on 2 cores).
// Measured (2 cores shared with other jobs), P8 in ms: dx 0.5/dt 0.05
// 126.5 (2.0 s); dx 0.5/dt 0.01 126.9; dx 0.5/dt 0.005 126.9; dx 0.2/dt
// 0.05 54.5 (13 s); dx 0.2/dt 0.01 54.2 (108 s); dx 0.1/dt 0.05 46.32
// (204 s, 2.0e6 node-steps/s), with P1…P9 = 1.30, 31.11, 33.78, 45.28,
// 9.30, 32.71, 35.07, 46.32, 21.12.
//
// Independent computation for comparison: solids4foam/cardiacFoam (finite
// volumes, implicit, TNNP epicardial, dt 0.005 ms; its repository's cached
// results of the NiedererEtAl2012 tutorial) gives at dx 0.1 P1…P9 = 1.19,
// 31.07, 33.03, 44.54, 9.33, 32.56, 34.29, 45.50, 20.81 ms (ours: P2…P9
// within 2.3 %, P1 0.11 ms later), at dx 0.2 P8 54.53 ms (ours 54.5), and at dx 0.5 P8 142.9 ms
// (ours 126.5: finite volumes and lumped P1 elements part ways when the
// upstroke is not resolved, as the paper found across codes).
func BenchmarkNiederer(b *testing.B) {
	for _, c := range []struct{ dx, dt float64 }{{0.5, 0.05}, {0.2, 0.05}, {0.2, 0.01}, {0.1, 0.05}, {0.1, 0.01}, {0.1, 0.005}} {
		b.Run(fmt.Sprintf("dx=%g/dt=%g", c.dx, c.dt), func(b *testing.B) {
			for b.Loop() {
				r, err := runNiederer(c.dx, c.dt, 150, 2)
				if err != nil {
					b.Fatal(err)
				}
				b.Log(r)
				b.ReportMetric(r.at[7], "P8-ms")
				b.ReportMetric(float64(r.nodes)*float64(r.steps)/r.elapsed.Seconds(), "node-steps/s")
			}
		})
	}
}

// niedererNode returns the node of m nearest to p.
func niedererNode(m *mesh.Mesh, p mgl64.Vec3) int {
	best, bd := 0, math.Inf(1)
	for i, q := range m.Points {
		if d := q.Sub(p).Len(); d < bd {
			best, bd = i, d
		}
	}
	return best
}
