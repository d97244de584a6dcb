package brain

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Coupling kinds, after TVB's coupling.py. With g_i = Σ_j w_ij·x_j(t − τ_ij):
//
//	Linear:      k_i = A·g_i + B
//	Difference:  k_i = A·Σ_j w_ij·(x_j(t − τ_ij) − x_i(t)) = A·(g_i − x_i(t)·Σ_j w_ij)
//
// (TVB defaults: Linear a = 0.00390625, b = 0; Difference a = 0.1.)
const (
	Linear     = "linear"
	Difference = "difference"
)

// Coupling is the network coupling function applied to every coupled variable.
type Coupling struct {
	Kind string  // Linear or Difference
	A, B float64 // B is used by Linear only
}

// Integrators, after TVB's integrators.py. For drift f, coupling c held
// fixed through the step, and additive noise η = √(2·D_v)·√dt·N(0,1) drawn
// once per step (D_v the diffusion coefficient of variable v, TVB's nsig):
//
//	Heun:   m = f(X);  X̃ = X + dt·m + η;  X' = X + dt/2·(m + f(X̃)) + η
//	Euler:  X' = X + dt·f(X) + η
//
// With all D_v = 0 (or the deterministic names) η = 0.
const (
	Heun            = "heun"
	HeunStochastic  = "heun_stochastic"
	Euler           = "euler"
	EulerStochastic = "euler_stochastic"
)

// Network is a connectome of neural masses with delayed coupling, stepped
// one dt at a time. Build it with NewNetwork; Step advances it and State
// gives the current state. Step does not allocate.
//
// Per step (TVB simulator.py): the coupling is computed once from the
// history, x_j(delayed) = x_j at step s − 1 − d_ij, and held fixed through
// the predictor and corrector; the new state of the coupled variables is
// then written to the history. The history before the first step is the
// initial state, constant in time.
type Network struct {
	Mass     NeuralMass
	N        int
	Dt       float64
	Coupling Coupling

	nv, ncv int
	cvars   []int
	// Sparse weights, row by row (target i): sources, weights and the
	// offset of each source's delayed sample in the history relative to
	// the current time slot.
	rowStart []int32
	src      []int32 // j·H·ncv: the start of source j's ring
	lag      []int32 // d·ncv: the edge's delay
	w        []float64
	rowSum   []float64
	horizon  int // max delay + 1
	// The history is one ring of horizon time slots per source region,
	// the coupled variables side by side: hist[(j·H + t)·ncv + k]. Time
	// runs within a source's ring, so the read of an edge moves by ncv
	// values per step and stays in one cache line for several steps, and an
	// edge's coupled variables share a line. A read at slot q − d wraps
	// without a branch (see slot).
	hist []float64
	step int

	x, xt, m, f2, c, eta []float64
	noiseSD              []float64 // √(2·D_v·dt) per variable
	stochastic, heun     bool
	rng                  *rand.Rand
}

// NetworkConfig configures NewNetwork.
type NetworkConfig struct {
	Mass       NeuralMass
	Weights    []float64 // N×N, from column j to row i
	Delays     []int     // N×N in steps (Connectivity.DelaySteps); nil: no delays
	Coupling   Coupling
	Dt         float64   // ms
	Integrator string    // Heun, HeunStochastic, Euler or EulerStochastic
	Nsig       []float64 // diffusion coefficient per variable (stochastic integrators)
	Seed       uint64    // seed of the noise stream
	Initial    []float64 // initial state, variable-major; nil: Mass.Rest
}

// noiseStream tags the network's noise stream (ASCII "brain-ns").
const noiseStream = 0x627261696e2d6e73

// NewNetwork builds a network of n = √len(Weights) regions. It panics on
// inconsistent sizes (programming errors); the caller validates user input.
func NewNetwork(cfg NetworkConfig) *Network {
	n := int(math.Round(math.Sqrt(float64(len(cfg.Weights)))))
	if n*n != len(cfg.Weights) || (cfg.Delays != nil && len(cfg.Delays) != n*n) {
		panic("brain: weights and delays must be N×N")
	}
	nv := len(cfg.Mass.VarNames())
	cv := cfg.Mass.CouplingVars()
	net := &Network{Mass: cfg.Mass, N: n, Dt: cfg.Dt, Coupling: cfg.Coupling, nv: nv, ncv: len(cv), cvars: cv}
	maxd := 0
	for _, d := range cfg.Delays {
		maxd = max(maxd, d)
	}
	net.horizon = maxd + 1
	h, ncv := net.horizon, net.ncv
	net.rowStart = make([]int32, n+1)
	net.rowSum = make([]float64, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			wij := cfg.Weights[i*n+j]
			if wij == 0 {
				continue
			}
			d := 0
			if cfg.Delays != nil {
				d = cfg.Delays[i*n+j]
			}
			net.src = append(net.src, int32(j*h*ncv))
			net.lag = append(net.lag, int32(d*ncv))
			net.w = append(net.w, wij)
			net.rowSum[i] += wij
		}
		net.rowStart[i+1] = int32(len(net.w))
	}
	net.hist = make([]float64, h*n*ncv)
	if len(net.hist) > math.MaxInt32 {
		panic("brain: history too long")
	}
	net.x = make([]float64, nv*n)
	net.xt = make([]float64, nv*n)
	net.m = make([]float64, nv*n)
	net.f2 = make([]float64, nv*n)
	net.c = make([]float64, ncv*n)
	if cfg.Initial != nil {
		copy(net.x, cfg.Initial)
	} else {
		cfg.Mass.Rest(net.x, n)
	}
	switch cfg.Integrator {
	case Heun:
		net.heun = true
	case HeunStochastic:
		net.heun, net.stochastic = true, true
	case Euler:
	case EulerStochastic:
		net.stochastic = true
	default:
		panic("brain: unknown integrator " + cfg.Integrator)
	}
	if net.stochastic {
		net.noiseSD = make([]float64, nv)
		any := false
		for v := 0; v < nv && v < len(cfg.Nsig); v++ {
			net.noiseSD[v] = math.Sqrt(2 * cfg.Nsig[v] * cfg.Dt)
			any = any || cfg.Nsig[v] > 0
		}
		net.stochastic = any
		net.eta = make([]float64, nv*n)
		net.rng = rand.New(rand.NewPCG(cfg.Seed, noiseStream))
	}
	for r := 0; r < h; r++ {
		net.writeRow(r)
	}
	return net
}

// Horizon returns the length of the history in steps (largest delay + 1).
func (net *Network) Horizon() int { return net.horizon }

// State returns the current state, variable-major (x[v*N+i]). The slice is
// the network's own: read it, do not keep it across Step.
func (net *Network) State() []float64 { return net.x }

// Steps returns the number of steps taken.
func (net *Network) Steps() int { return net.step }

// writeRow stores the coupled variables of the current state in time slot r.
func (net *Network) writeRow(r int) {
	n, ncv, h := net.N, net.ncv, net.horizon
	hist := net.hist
	for k, v := range net.cvars {
		xv := net.x[v*n : (v+1)*n]
		for i, val := range xv {
			hist[(i*h+r)*ncv+k] = val
		}
	}
}

// slot returns the offset, within a source's ring, of the sample lag
// (= d·ncv) values before qn (= q·ncv): qn − lag, plus the ring's length
// hn when that is negative, without a branch.
func slot(qn, lag, hn int32) int32 {
	t := qn - lag
	return t + hn&(t>>31)
}

// coupling computes net.c for the step from the history.
func (net *Network) coupling() {
	n, ncv := net.N, net.ncv
	q := net.step % net.horizon // slot of the current state (step s − 1)
	qn, hn := int32(q*ncv), int32(net.horizon*ncv)
	hist := net.hist
	a, b := net.Coupling.A, net.Coupling.B
	diff := net.Coupling.Kind == Difference
	switch ncv {
	case 1:
		for i := 0; i < n; i++ {
			var g float64
			lo, hi := net.rowStart[i], net.rowStart[i+1]
			for e := lo; e < hi; e++ {
				g += net.w[e] * hist[net.src[e]+slot(qn, net.lag[e], hn)]
			}
			if diff {
				net.c[i] = a * (g - net.x[net.cvars[0]*n+i]*net.rowSum[i])
			} else {
				net.c[i] = a*g + b
			}
		}
	case 2:
		v0, v1 := net.cvars[0]*n, net.cvars[1]*n
		c0, c1 := net.c[:n], net.c[n:2*n]
		for i := 0; i < n; i++ {
			var g0, g1 float64
			lo, hi := net.rowStart[i], net.rowStart[i+1]
			ws, srcs, lags := net.w[lo:hi], net.src[lo:hi], net.lag[lo:hi]
			ws, lags = ws[:len(srcs)], lags[:len(srcs)]
			for e, s := range srcs {
				o := s + slot(qn, lags[e], hn)
				w := ws[e]
				g0 += w * hist[o]
				g1 += w * hist[o+1]
			}
			if diff {
				s := net.rowSum[i]
				c0[i] = a * (g0 - net.x[v0+i]*s)
				c1[i] = a * (g1 - net.x[v1+i]*s)
			} else {
				c0[i] = a*g0 + b
				c1[i] = a*g1 + b
			}
		}
	default:
		for k := 0; k < ncv; k++ {
			vk := net.cvars[k] * n
			for i := 0; i < n; i++ {
				var g float64
				for e := net.rowStart[i]; e < net.rowStart[i+1]; e++ {
					g += net.w[e] * hist[net.src[e]+slot(qn, net.lag[e], hn)+int32(k)]
				}
				if diff {
					net.c[k*n+i] = a * (g - net.x[vk+i]*net.rowSum[i])
				} else {
					net.c[k*n+i] = a*g + b
				}
			}
		}
	}
}

// Step advances the network by one dt.
func (net *Network) Step() {
	net.coupling()
	n, dt := net.N, net.Dt
	x, m := net.x, net.m
	net.Mass.Drift(m, x, net.c, n)
	if net.stochastic {
		for v := 0; v < net.nv; v++ {
			sd := net.noiseSD[v]
			eta := net.eta[v*n : (v+1)*n]
			if sd == 0 {
				clear(eta)
				continue
			}
			for i := range eta {
				eta[i] = sd * net.rng.NormFloat64()
			}
		}
	}
	if net.heun {
		xt := net.xt
		if net.stochastic {
			for k := range xt {
				xt[k] = x[k] + dt*m[k] + net.eta[k]
			}
		} else {
			for k := range xt {
				xt[k] = x[k] + dt*m[k]
			}
		}
		net.Mass.Drift(net.f2, xt, net.c, n)
		f2 := net.f2
		h := dt / 2
		if net.stochastic {
			for k := range x {
				x[k] += h*(m[k]+f2[k]) + net.eta[k]
			}
		} else {
			for k := range x {
				x[k] += h * (m[k] + f2[k])
			}
		}
	} else {
		if net.stochastic {
			for k := range x {
				x[k] += dt*m[k] + net.eta[k]
			}
		} else {
			for k := range x {
				x[k] += dt * m[k]
			}
		}
	}
	net.step++
	net.writeRow(net.step % net.horizon)
}

// Diverged reports the first non-finite state entry as an error naming the
// region and the variable, or nil.
func (net *Network) Diverged(labels []string) error {
	for k, v := range net.x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			i, vi := k%net.N, k/net.N
			name := fmt.Sprint(i)
			if i < len(labels) {
				name = labels[i]
			}
			return fmt.Errorf("the state diverged (%s of region %s is %v) at t = %g ms; reduce dt_ms (now %g ms)",
				net.Mass.VarNames()[vi], name, v, float64(net.step)*net.Dt, net.Dt)
		}
	}
	return nil
}
