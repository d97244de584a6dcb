package brain

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// ramp is a test mass: nv variables, every one coupled, with drift
// x_v' = (v+1)·u_i + c_v,i — no dependence on the state, so a step adds
// exactly dt·((v+1)·u + c) under Euler and Heun alike.
type ramp struct {
	nv int
	u  []float64
}

func (r ramp) VarNames() []string {
	return []string{"a", "b", "c"}[:r.nv]
}
func (r ramp) CouplingVars() []int {
	return []int{0, 1, 2}[:r.nv]
}
func (r ramp) Drift(dst, x, c []float64, n int) {
	for v := 0; v < r.nv; v++ {
		for i := 0; i < n; i++ {
			dst[v*n+i] = float64(v+1)*r.u[i] + c[v*n+i]
		}
	}
}
func (r ramp) Rest(x []float64, n int)        { clear(x) }
func (r ramp) Signal(dst, x []float64, n int) { copy(dst, x[:n]) }
func (r ramp) Ictal(dst, x []float64, n int)  { copy(dst, x[:n]) }
func (r ramp) NoiseVars() []int               { return nil }
func (r ramp) MaxDt() float64                 { return 1 }

// TestDelayedChain: a chain 0 → 1 → 2 with integer delays reproduces the
// hand-computed outputs exactly. Node 0 ramps (x0' = 1, so x0(s) = s with
// dt = 1); edge 0→1 has weight 2 and a tract of 3 mm, edge 1→2 weight 0.5
// and 1 mm; speed 1 mm/ms and dt 1 ms give delays of 3 and 1 steps. With
// linear coupling (a = 1, b = 0) and the history before step 0 equal to the
// initial state 0, the state at step s is computed from step s − 1 − d:
//
//	x1(s) = x1(s−1) + 2·x0(s−4)       → 0 0 0 0 0 2 6 12 20
//	x2(s) = x2(s−1) + 0.5·x1(s−2)     → 0 0 0 0 0 0 0 1 4
//
// for s = 0 … 8 (x0(k) = 0 and x1(k) = 0 for k ≤ 0). The second and third
// variables (drift ×2 and ×3) must be exactly 2× and 3× the first, which
// checks the interleaved history of several coupled variables.
func TestDelayedChain(t *testing.T) {
	conn := &Connectivity{Labels: []string{"a", "b", "c"},
		Weights: []float64{0, 0, 0, 2, 0, 0, 0, 0.5, 0},
		Lengths: []float64{0, 3, 9, 3, 0, 1, 9, 1, 0}}
	want1 := []float64{0, 0, 0, 0, 0, 2, 6, 12, 20}
	want2 := []float64{0, 0, 0, 0, 0, 0, 0, 1, 4}
	for _, nv := range []int{1, 2, 3} {
		for _, integ := range []string{Euler, Heun} {
			net := NewNetwork(NetworkConfig{Mass: ramp{nv: nv, u: []float64{1, 0, 0}}, Weights: conn.Weights,
				Delays: conn.DelaySteps(1, 1), Dt: 1, Integrator: integ, Coupling: Coupling{Kind: Linear, A: 1}})
			if net.Horizon() != 10 {
				t.Fatalf("horizon %d, want 10 (longest tract 9 mm at 1 mm/ms, dt 1 ms, + 1)", net.Horizon())
			}
			for s := 0; s <= 8; s++ {
				if s > 0 {
					net.Step()
				}
				x := net.State()
				for v := 0; v < nv; v++ {
					k := float64(v + 1)
					got := []float64{x[v*3], x[v*3+1], x[v*3+2]}
					want := []float64{k * float64(s), k * want1[s], k * want2[s]}
					if got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
						t.Errorf("nv %d %s step %d var %d: got %v, want %v", nv, integ, s, v, got, want)
					}
				}
			}
		}
	}
}

// TestDifferenceCoupling: difference coupling is a·Σ_j w_ij (x_j(t−τ) − x_i(t)).
// Two nodes held by drift 0 at x = (1, 4), weight 2 from 1 to 0 and 0.5 from
// 0 to 1, a = 0.1: one Euler step of dt 1 adds 0.1·2·(4−1) = 0.6 to node 0
// and 0.1·0.5·(1−4) = −0.15 to node 1.
func TestDifferenceCoupling(t *testing.T) {
	net := NewNetwork(NetworkConfig{Mass: ramp{nv: 1, u: []float64{0, 0}}, Weights: []float64{0, 2, 0.5, 0},
		Dt: 1, Integrator: Euler, Coupling: Coupling{Kind: Difference, A: 0.1}, Initial: []float64{1, 4}})
	net.Step()
	if x := net.State(); math.Abs(x[0]-1.6) > 1e-15 || math.Abs(x[1]-3.85) > 1e-15 {
		t.Errorf("got %v, want [1.6 3.85]", x)
	}
}

// TestStochasticReproducible: the same seed gives bit-identical
// trajectories; another seed gives another.
func TestStochasticReproducible(t *testing.T) {
	run := func(seed uint64, integ string) []float64 {
		e := NewEpileptor(3)
		net := NewNetwork(NetworkConfig{Mass: e, Weights: []float64{0, 1, 0, 1, 0, 1, 0, 1, 0}, Dt: 0.05, Integrator: integ,
			Coupling: Coupling{Kind: Difference, A: 1}, Nsig: []float64{0, 0, 0, 3e-4, 3e-4, 0}, Seed: seed})
		if err := Simulate(context.Background(), net, 2000, nil); err != nil {
			t.Fatal(err)
		}
		return append([]float64(nil), net.State()...)
	}
	for _, integ := range []string{HeunStochastic, EulerStochastic} {
		a, b, c := run(7, integ), run(7, integ), run(8, integ)
		for k := range a {
			if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
				t.Fatalf("%s: same seed differs at %d: %v vs %v", integ, k, a[k], b[k])
			}
		}
		same := true
		for k := range a {
			same = same && a[k] == c[k]
		}
		if same {
			t.Errorf("%s: seeds 7 and 8 give the same trajectory", integ)
		}
	}
}

// TestStepAllocationFree: the integrator loop does not allocate.
func TestStepAllocationFree(t *testing.T) {
	conn, err := LoadConnectivity("testdata/connectivity_76.zip")
	if err != nil {
		t.Fatal(err)
	}
	for _, integ := range []string{Heun, HeunStochastic, Euler} {
		net := NewNetwork(NetworkConfig{Mass: NewEpileptor(conn.N()), Weights: conn.Weights, Delays: conn.DelaySteps(3, 0.05),
			Dt: 0.05, Integrator: integ, Coupling: Coupling{Kind: Difference, A: 1}, Nsig: []float64{0, 0, 0, 1e-3, 1e-3, 0}, Seed: 1})
		if a := testing.AllocsPerRun(100, net.Step); a != 0 {
			t.Errorf("%s: Step allocates %v times", integ, a)
		}
	}
}

// TestRingsMatchReference: per-source rings of different lengths give the
// coupling of a full record of past states, k_i = A·Σ_j w_ij·x_j(s−1−d_ij)
// summed over j in order, bit for bit, for 1 to 3 coupled variables.
func TestRingsMatchReference(t *testing.T) {
	const n, steps = 7, 60
	rng := rand.New(rand.NewPCG(5, 6))
	w, d := make([]float64, n*n), make([]int, n*n)
	for k := range w {
		if rng.Float64() < 0.6 && k/n != k%n {
			w[k] = rng.Float64()
			d[k] = rng.IntN(12)
		} else {
			d[k] = 20 // an uncoupled pair: its delay must not matter
		}
	}
	u := make([]float64, n)
	for i := range u {
		u[i] = rng.Float64() - 0.5
	}
	for nv := 1; nv <= 3; nv++ {
		mass := ramp{nv: nv, u: u}
		net := NewNetwork(NetworkConfig{Mass: mass, Weights: w, Delays: d, Dt: 0.1, Integrator: Euler,
			Coupling: Coupling{Kind: Linear, A: 0.3, B: 0.01}})
		past := [][]float64{make([]float64, nv*n)} // past[s]: the state after step s
		at := func(s, v, j int) float64 { return past[max(s, 0)][v*n+j] }
		c, f := make([]float64, nv*n), make([]float64, nv*n)
		for s := 1; s <= steps; s++ {
			for v := 0; v < nv; v++ {
				for i := 0; i < n; i++ {
					var g float64
					for j := 0; j < n; j++ {
						if w[i*n+j] != 0 {
							g += float64(w[i*n+j] * at(s-1-d[i*n+j], v, j))
						}
					}
					c[v*n+i] = float64(0.3*g) + 0.01
				}
			}
			x := append([]float64(nil), past[s-1]...)
			mass.Drift(f, x, c, n)
			for k := range x {
				x[k] += float64(0.1 * f[k])
			}
			past = append(past, x)
			net.Step()
			for k, got := range net.State() {
				if got != x[k] {
					t.Fatalf("nv %d step %d: state[%d] = %v, reference %v", nv, s, k, got, x[k])
				}
			}
		}
	}
}

// TestBlockCouplingBitIdentical: summing the coupling for a block of steps
// at once (every delay ≥ 33 steps on TVB's 76 regions at 3 mm/ms and
// dt 0.05 ms) gives the same trajectory, bit for bit, as summing it step by
// step, for both integrators and both coupling kinds, over 3,000 steps (the
// rings wrap about three times).
func TestBlockCouplingBitIdentical(t *testing.T) {
	conn, err := LoadConnectivity("testdata/connectivity_76.zip")
	if err != nil {
		t.Fatal(err)
	}
	conn.RemoveSelfConnections()
	delays := conn.DelaySteps(3, 0.05)
	for _, kind := range []string{Difference, Linear} {
		for _, integ := range []string{HeunStochastic, Euler} {
			run := func(block bool) []float64 {
				e := NewEpileptor(conn.N())
				e.Ks, e.Kf = -0.2, 0.1
				e.X0[9], e.X0[24] = -1.4, -1.5
				net := NewNetwork(NetworkConfig{Mass: e, Weights: conn.Weights, Delays: delays, Dt: 0.05, Integrator: integ,
					Coupling: Coupling{Kind: kind, A: 1, B: 0.01}, Nsig: []float64{0, 0, 0, 3e-4, 3e-4, 0}, Seed: 3})
				if block && net.blk < minBlock || !block && net.blk == 1 {
					t.Fatalf("block size %d: the test needs the block path", net.blk)
				}
				if !block {
					net.blk = 1
				}
				for s := 0; s < 3000; s++ {
					net.Step()
				}
				return append([]float64(nil), net.State()...)
			}
			a, b := run(true), run(false)
			for k := range a {
				if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
					t.Fatalf("%s %s: state[%d] block %v, per step %v", kind, integ, k, a[k], b[k])
				}
			}
		}
	}
}

// TestBlockRingsMatchReference: as TestRingsMatchReference, with every
// delay between 5 and 16 steps so that the block path (blocks of 6 steps,
// reads that wrap the rings) is the one taken.
func TestBlockRingsMatchReference(t *testing.T) {
	const n, steps = 7, 80
	rng := rand.New(rand.NewPCG(7, 8))
	w, d := make([]float64, n*n), make([]int, n*n)
	for k := range w {
		d[k] = 2 // an uncoupled pair: its delay must not matter
		if rng.Float64() < 0.6 && k/n != k%n {
			w[k] = rng.Float64()
			d[k] = 5 + rng.IntN(12)
		}
	}
	u := make([]float64, n)
	for i := range u {
		u[i] = rng.Float64() - 0.5
	}
	for nv := 1; nv <= 3; nv++ {
		mass := ramp{nv: nv, u: u}
		net := NewNetwork(NetworkConfig{Mass: mass, Weights: w, Delays: d, Dt: 0.1, Integrator: Euler,
			Coupling: Coupling{Kind: Difference, A: 0.3}})
		if net.blk != 6 {
			t.Fatalf("block size %d, want 6 (shortest coupled delay 5 + 1)", net.blk)
		}
		past := [][]float64{make([]float64, nv*n)}
		at := func(s, v, j int) float64 { return past[max(s, 0)][v*n+j] }
		c, f := make([]float64, nv*n), make([]float64, nv*n)
		for s := 1; s <= steps; s++ {
			x := append([]float64(nil), past[s-1]...)
			for v := 0; v < nv; v++ {
				for i := 0; i < n; i++ {
					var g, rs float64
					for j := 0; j < n; j++ {
						if w[i*n+j] != 0 {
							g += float64(w[i*n+j] * at(s-1-d[i*n+j], v, j))
							rs += w[i*n+j]
						}
					}
					c[v*n+i] = 0.3 * (g - float64(x[v*n+i]*rs))
				}
			}
			mass.Drift(f, x, c, n)
			for k := range x {
				x[k] += float64(0.1 * f[k])
			}
			past = append(past, x)
			net.Step()
			for k, got := range net.State() {
				if got != x[k] {
					t.Fatalf("nv %d step %d: state[%d] = %v, reference %v", nv, s, k, got, x[k])
				}
			}
		}
	}
}

// TestAxpyMatchesGeneric: the assembly axpy gives the Go loop's results bit
// for bit (one rounded product and one rounded sum per element), for every
// length 0 … 40 (the vector loop, the pairs and the odd tail); so do the
// Heun stages and the coupling functions.
func TestAxpyMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 40; n++ {
		x, y := make([]float64, n), make([]float64, n+3)
		for k := range x {
			x[k] = rng.NormFloat64() * 1e3
		}
		for k := range y {
			y[k] = rng.NormFloat64()
		}
		w := rng.NormFloat64()
		a, b := append([]float64(nil), y...), append([]float64(nil), y...)
		axpy(a, w, x)
		axpyGeneric(b, w, x)
		for k := range a {
			if math.Float64bits(a[k]) != math.Float64bits(b[k]) {
				t.Fatalf("n %d: y[%d] = %v, generic %v", n, k, a[k], b[k])
			}
		}
		// The Heun stages equal their Go loops.
		if n > 0 {
			m, f2 := make([]float64, n), make([]float64, n)
			for k := range m {
				m[k], f2[k] = rng.NormFloat64(), rng.NormFloat64()
			}
			p, q := append([]float64(nil), x...), append([]float64(nil), x...)
			heunCorrect(p, m, f2, w)
			heunCorrectGeneric(q, m, f2, w)
			pt, qt := make([]float64, n), make([]float64, n)
			eulerPredict(pt, x, m, w)
			eulerPredictGeneric(qt, x, m, w)
			for k := range p {
				if math.Float64bits(p[k]) != math.Float64bits(q[k]) || math.Float64bits(pt[k]) != math.Float64bits(qt[k]) {
					t.Fatalf("n %d: Heun stages differ at %d", n, k)
				}
			}
			eta := make([]float64, n)
			for k := range eta {
				eta[k] = rng.NormFloat64() * 1e-2
			}
			heunCorrectNoisy(p, m, f2, eta, w)
			heunCorrectNoisyGeneric(q, m, f2, eta, w)
			for k := range p {
				if math.Float64bits(p[k]) != math.Float64bits(q[k]) {
					t.Fatalf("n %d: noisy Heun corrector differs at %d", n, k)
				}
			}
		}
		// The coupling functions equal their Go loops.
		if n > 0 {
			g, xs, rs := make([]float64, n), make([]float64, n), make([]float64, n)
			for k := range g {
				g[k], xs[k], rs[k] = rng.NormFloat64(), rng.NormFloat64(), rng.Float64()*3
			}
			a, b2 := rng.NormFloat64(), rng.NormFloat64()
			c1, c2 := make([]float64, n), make([]float64, n)
			diffCoupling(c1, g, xs, rs, a)
			diffCouplingGeneric(c2, g, xs, rs, a)
			l1, l2 := make([]float64, n), make([]float64, n)
			linCoupling(l1, g, a, b2)
			linCouplingGeneric(l2, g, a, b2)
			for k := range c1 {
				if math.Float64bits(c1[k]) != math.Float64bits(c2[k]) || math.Float64bits(l1[k]) != math.Float64bits(l2[k]) {
					t.Fatalf("n %d: coupling differs at %d", n, k)
				}
			}
		}
		// Two edges at once equal two axpy calls in order.
		x2 := make([]float64, n)
		for k := range x2 {
			x2[k] = rng.NormFloat64() * 1e-3
		}
		w2 := rng.NormFloat64()
		c, d := append([]float64(nil), y...), append([]float64(nil), y...)
		axpy2(c, w, x, w2, x2)
		axpyGeneric(d, w, x)
		axpyGeneric(d, w2, x2)
		for k := range c {
			if math.Float64bits(c[k]) != math.Float64bits(d[k]) {
				t.Fatalf("axpy2 n %d: y[%d] = %v, two axpy %v", n, k, c[k], d[k])
			}
		}
	}
}

// TestTemporalAverageSink: a TemporalAverage with a Sink hands over the same
// samples, bit for bit, as one that keeps them.
func TestTemporalAverageSink(t *testing.T) {
	e := NewEpileptor(3)
	e.X0[0] = -1.6
	mk := func() *Network {
		return NewNetwork(NetworkConfig{Mass: e, Weights: []float64{0, 1, 0, 1, 0, 1, 0, 1, 0}, Dt: 0.05, Integrator: HeunStochastic,
			Coupling: Coupling{Kind: Difference, A: 1}, Nsig: []float64{0, 0, 0, 3e-4, 3e-4, 0}, Seed: 4})
	}
	kept := &TemporalAverage{Observe: e.Signal, Period: 7}
	var times, values []float64
	sunk := &TemporalAverage{Observe: e.Signal, Period: 7, Sink: func(t float64, v []float64) {
		times = append(times, t)
		values = append(values, v...)
	}}
	if err := Simulate(context.Background(), mk(), 3000, nil, kept); err != nil {
		t.Fatal(err)
	}
	if err := Simulate(context.Background(), mk(), 3000, nil, sunk); err != nil {
		t.Fatal(err)
	}
	if len(kept.Times) != 3000/7 || len(times) != len(kept.Times) || len(sunk.Values) != 0 {
		t.Fatalf("kept %d samples, sunk %d (and %d values kept)", len(kept.Times), len(times), len(sunk.Values))
	}
	for k := range values {
		if math.Float64bits(values[k]) != math.Float64bits(kept.Values[k]) {
			t.Fatalf("value %d: sink %v, kept %v", k, values[k], kept.Values[k])
		}
	}
}
