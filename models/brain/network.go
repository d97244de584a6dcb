package brain

import (
	"fmt"
	"math"
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
	// read cursor of each edge in its source's ring.
	rowStart []int32
	src      []int32 // base[j]: the start of source j's ring
	rd       []int32 // ((s − d) mod H_j)·ncv: the edge's delayed sample at step s
	rlen     []int32 // H_j·ncv: the length of the edge's source ring
	w        []float64
	rowSum   []float64
	horizon  int // max delay + 1
	// The history is one ring per source region j of H_j = (its longest
	// outgoing delay + 1) time slots, the coupled variables side by side:
	// hist[base[j] + t·ncv + k]. Time runs within a source's ring, so the
	// read of an edge moves by ncv values per step and stays in one cache
	// line for several steps, and an edge's coupled variables share a line.
	// Rings of the source's own length rather than the network's longest
	// delay keep the history small (1.1 → 0.79 MB on TVB's 76 regions at
	// 3 mm/ms, inside a 1 MB L2). Each edge keeps its read offset (rd),
	// advanced and wrapped as it is read; the state of step s goes to slot
	// wr[j] = s mod H_j.
	hist []float64
	base []int32 // start of source j's ring
	hlen []int32 // H_j·ncv
	wr   []int32 // write offset of source j's ring
	step int
	// Block coupling. When every coupled edge has a delay of at least
	// blk − 1 steps, the coupling of the next blk steps depends only on
	// states already in the history, so it is summed for blk steps at once
	// (fillBlock): each edge then reads blk·ncv consecutive history values
	// in one pass instead of one pair per step, and its read offset moves
	// once per block. The sums are the same, edge by edge in row order, so
	// the result is bit-identical to the per-step sum (coupling). gblk holds
	// g[t][k·N + i] for the block's steps; bpos is the next step's place.
	blk    int
	bpos   int
	mirror int32 // (blk − 1)·ncv: the mirrored values after each ring
	gblk   []float64
	acc    []float64 // one row's sums for a block: acc[t·ncv + k]
	// With AVX-512 (avx512, chosen when the network is built) the block
	// is region-major instead, g[i·gstride + t·ncv + k] with gstride the
	// span rounded up to whole registers, and each step's column is
	// gathered into gcol (gidx: the gather's lane offsets).
	avx512  bool
	avx2    bool // AVX2 row sums, the block step-major as without vectors
	gstride int
	gidx    [8]int64
	gcol    []float64

	x, xt, m, f2, c, eta []float64
	noiseSD              []float64 // √(2·D_v·dt) per variable
	noisy                []int     // the variables with D_v > 0, ascending
	stochastic, heun     bool
	rng                  *normalSource
	stimuli              []PulseTrain
	stimVar              int
	// pre, when the mass is a CouplingSource, computes the coupled values
	// (into cv) from the state; otherwise they are the state's coupled
	// variables.
	pre CouplingSource
	cv  []float64
}

// CouplingSource is a NeuralMass whose regions send a function of their
// state rather than state variables (TVB's coupling pre-function of the
// source alone, e.g. Jansen–Rit's firing rate S(y1 − y2)): CouplingValues
// sets dst[k·n + i], k < len(CouplingVars()), for each region i. The
// network stores these in its history, and difference coupling subtracts
// the receiving region's own current value.
type CouplingSource interface {
	CouplingValues(dst, x []float64, n int)
}

// coupled returns the current coupled values of coupling k, one per region.
func (net *Network) coupled(k int) []float64 {
	n := net.N
	if net.pre != nil {
		return net.cv[k*n : (k+1)*n]
	}
	v := net.cvars[k]
	return net.x[v*n : (v+1)*n]
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
	// Stimuli are added to the drift of the mass's stimulated variable
	// (see Stimulus); nil: none.
	Stimuli []PulseTrain
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
	ncv := net.ncv
	// Ring lengths: the longest delay of each source's coupled edges.
	ringLen := make([]int, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if cfg.Weights[i*n+j] != 0 && cfg.Delays != nil {
				ringLen[j] = max(ringLen[j], cfg.Delays[i*n+j])
			}
		}
	}
	net.blk = blockSize(cfg.Weights, cfg.Delays, n, len(cv))
	// With blocks, each ring is followed by a copy of its first blk − 1
	// slots (writeRow writes those slots twice), so that the blk slots an
	// edge reads for a block are consecutive even when they wrap.
	net.mirror = int32((net.blk - 1) * ncv)
	net.base, net.hlen, net.wr = make([]int32, n), make([]int32, n), make([]int32, n)
	total := 0
	for j := range ringLen {
		ringLen[j]++
		net.base[j], net.hlen[j] = int32(total), int32(ringLen[j]*ncv)
		total += ringLen[j]*ncv + int(net.mirror)
		if total > math.MaxInt32 {
			panic("brain: history too long")
		}
	}
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
			net.src = append(net.src, net.base[j])
			net.rd = append(net.rd, int32((ringLen[j]-d)%ringLen[j]*ncv)) // slot (0 − d) mod H_j
			net.rlen = append(net.rlen, net.hlen[j])
			net.w = append(net.w, wij)
			net.rowSum[i] += wij
		}
		net.rowStart[i+1] = int32(len(net.w))
	}
	net.stimuli = cfg.Stimuli
	if pre, ok := cfg.Mass.(CouplingSource); ok {
		net.pre, net.cv = pre, make([]float64, ncv*n)
	}
	if sv, ok := cfg.Mass.(interface{ StimulusVar() int }); ok {
		net.stimVar = sv.StimulusVar()
	}
	for _, st := range cfg.Stimuli {
		if len(st.Weights) != n {
			panic("brain: a stimulus needs one weight per region")
		}
	}
	// The vector kernels may read whole registers past an edge's span:
	// histPad values of room after the history, and acc rounded up to
	// whole registers of 8 (as capacity).
	net.hist = make([]float64, total, total+histPad)
	if net.blk > 1 {
		net.bpos = net.blk
		if useAVX512 { // sums straight into a register-strided block: no acc
			net.avx512 = true
			net.gstride = (net.blk*ncv + 7) / 8 * 8
			net.gblk = make([]float64, net.gstride*n)
			for l := range net.gidx {
				net.gidx[l] = int64(l * net.gstride)
			}
			net.gcol = make([]float64, ncv*n)
		} else {
			net.avx2 = useAVX2
			net.gblk = make([]float64, net.blk*ncv*n)
			net.acc = make([]float64, net.blk*ncv, (net.blk*ncv+7)/8*8)
		}
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
		for v := 0; v < nv && v < len(cfg.Nsig); v++ {
			net.noiseSD[v] = math.Sqrt(2 * cfg.Nsig[v] * cfg.Dt)
			if cfg.Nsig[v] > 0 {
				net.noisy = append(net.noisy, v)
			}
		}
		net.stochastic = len(net.noisy) > 0
		net.eta = make([]float64, nv*n)
		net.rng = newNormalSource(cfg.Seed, noiseStream)
	}
	// Before the first step every slot holds the initial state.
	// The state of step s is in slot s mod H_j: step 0 in slot 0, the
	// next write in slot 1 mod H_j.
	// (Each ring filled in one pass: the same values as horizon ≥ H_j
	// writeRow calls, which wrote every slot and the mirror of the first
	// min(blk − 1, H_j) slots, without a pass over all rings per step.)
	if net.pre != nil {
		net.pre.CouplingValues(net.cv, net.x, n)
	}
	for j, hn := range net.hlen {
		ring := net.hist[net.base[j] : net.base[j]+hn+min(net.mirror, hn)]
		for k := 0; k < ncv; k++ {
			v := net.coupled(k)[j]
			for t := k; t < len(ring); t += ncv {
				ring[t] = v
			}
		}
		net.wr[j] = advance(0, int32(ncv), hn)
	}
	return net
}

// maxBlock bounds the steps summed at once: 64 steps of two coupled
// variables keep a row's sums in 1 kB.
const maxBlock = 64

// minBlock is the smallest block worth the block path; shorter minimum
// delays use the per-step sum.
const minBlock = 4

// blockSize returns the number of steps whose coupling can be summed at
// once: min(shortest delay of a coupled edge + 1, maxBlock), or 1 when that
// is below minBlock (no delays, or a short one). A block of at least two
// units is rounded down to whole units, a unit being the fewest steps
// whose ncv values per step fill whole vector registers of 8: blk = 34 →
// 32 for two coupled variables, one pass of 8 registers of the AVX-512
// kernel instead of 8 and 1. The sums are the same for any blk.
func blockSize(w []float64, delays []int, n, ncv int) int {
	if delays == nil {
		return 1
	}
	b := maxBlock
	for k, wk := range w {
		if wk != 0 {
			b = min(b, delays[k]+1)
		}
	}
	// The smallest step of blk that keeps ncv·blk a multiple of 8.
	unit := 8
	for ncv > 0 && unit > 1 && ncv%2 == 0 {
		ncv /= 2
		unit /= 2
	}
	if b >= 2*unit {
		b = b / unit * unit
	}
	if b < minBlock {
		return 1
	}
	return b
}

// Horizon returns the length of the history in steps (largest delay + 1).
func (net *Network) Horizon() int { return net.horizon }

// State returns the current state, variable-major (x[v*N+i]). The slice is
// the network's own: read it, do not keep it across Step.
func (net *Network) State() []float64 { return net.x }

// Steps returns the number of steps taken.
func (net *Network) Steps() int { return net.step }

// writeRow stores the coupled variables of the current state in the write
// slot of each source's ring (and in its mirror, for the first blk − 1
// slots) and advances the slot.
func (net *Network) writeRow() {
	n, ncv := net.N, net.ncv
	hist := net.hist
	base, hlen, wr := net.base[:n], net.hlen[:n], net.wr[:n]
	mir := net.mirror
	if net.pre != nil {
		net.pre.CouplingValues(net.cv, net.x, n)
	}
	if ncv == 2 && writeRowAsm {
		// Every ring's write offsets stay inside hist: base[i] + t + 1
		// < base[i] + hlen[i] + mirror ≤ len(hist), t < hlen[i], as
		// NewNetwork laid them out.
		writeRow2(&hist[0], &net.coupled(0)[0], &net.coupled(1)[0], &base[0], &hlen[0], &wr[0], n, mir)
		return
	}
	if ncv == 2 {
		x0, x1 := net.coupled(0)[:n], net.coupled(1)[:n]
		for i, t := range wr {
			o := base[i] + t
			hist[o], hist[o+1] = x0[i], x1[i]
			if t < mir {
				o += hlen[i]
				hist[o], hist[o+1] = x0[i], x1[i]
			}
			t += 2
			if t == hlen[i] {
				t = 0
			}
			wr[i] = t
		}
		return
	}
	for k := range net.cvars {
		xv := net.coupled(k)
		for i, val := range xv {
			o := base[i] + wr[i] + int32(k)
			hist[o] = val
			if wr[i] < mir {
				hist[o+hlen[i]] = val
			}
		}
	}
	for i, t := range wr {
		t += int32(ncv)
		if t == hlen[i] {
			t = 0
		}
		wr[i] = t
	}
}

// advance moves an edge's read offset rd on by ncv, wrapping at the ring's
// length hn.
func advance(rd, ncv, hn int32) int32 {
	t := rd + ncv
	if t == hn {
		t = 0
	}
	return t
}

// coupling computes net.c for the step from the history and advances the
// edges' read offsets. Here and in the portable forms of the kernels below,
// float64(a*b) rounds a product before it is added: a GOAMD64=v3 build
// would otherwise fuse the two into one FMA, which the assembly kernels
// never do (the conversion costs nothing in the default build).
func (net *Network) coupling() {
	n, ncv := net.N, net.ncv
	hist := net.hist
	a, b := net.Coupling.A, net.Coupling.B
	diff := net.Coupling.Kind == Difference
	switch ncv {
	case 1:
		for i := 0; i < n; i++ {
			var g float64
			lo, hi := net.rowStart[i], net.rowStart[i+1]
			ws, srcs, rds, rls := net.w[lo:hi], net.src[lo:hi], net.rd[lo:hi], net.rlen[lo:hi]
			ws, rds, rls = ws[:len(srcs)], rds[:len(srcs)], rls[:len(srcs)]
			for e, s := range srcs {
				r := rds[e]
				g += float64(ws[e] * hist[s+r])
				rds[e] = advance(r, 1, rls[e])
			}
			if diff {
				net.c[i] = a * (g - float64(net.coupled(0)[i]*net.rowSum[i]))
			} else {
				net.c[i] = float64(a*g) + b
			}
		}
	case 2:
		x0, x1 := net.coupled(0), net.coupled(1)
		c0, c1 := net.c[:n], net.c[n:2*n]
		for i := 0; i < n; i++ {
			var g0, g1 float64
			lo, hi := net.rowStart[i], net.rowStart[i+1]
			ws, srcs, rds, rls := net.w[lo:hi], net.src[lo:hi], net.rd[lo:hi], net.rlen[lo:hi]
			ws, rds, rls = ws[:len(srcs)], rds[:len(srcs)], rls[:len(srcs)]
			for e, s := range srcs {
				r := rds[e]
				o := s + r
				w := ws[e]
				g0 += float64(w * hist[o])
				g1 += float64(w * hist[o+1])
				rds[e] = advance(r, 2, rls[e])
			}
			if diff {
				s := net.rowSum[i]
				c0[i] = a * (g0 - float64(x0[i]*s))
				c1[i] = a * (g1 - float64(x1[i]*s))
			} else {
				c0[i] = float64(a*g0) + b
				c1[i] = float64(a*g1) + b
			}
		}
	default:
		for k := 0; k < ncv; k++ {
			xk := net.coupled(k)
			for i := 0; i < n; i++ {
				var g float64
				for e := net.rowStart[i]; e < net.rowStart[i+1]; e++ {
					g += float64(net.w[e] * hist[net.src[e]+net.rd[e]+int32(k)])
				}
				if diff {
					net.c[k*n+i] = a * (g - float64(xk[i]*net.rowSum[i]))
				} else {
					net.c[k*n+i] = float64(a*g) + b
				}
			}
		}
		for e, r := range net.rd {
			net.rd[e] = advance(r, int32(ncv), net.rlen[e])
		}
	}
}

// fillBlock sums, for every region i and each of the next blk steps t,
// g[t][k·N + i] = Σ_e w_e·hist_e(s − 1 − d_e + t) over i's edges e in row
// order, and advances the edges' read offsets by blk steps. Each edge's
// blk·ncv values are consecutive in its source's ring and mirror, so the
// inner loop is acc += w·h over a slice, two edges at a time (acc +=
// w₁·h₁ then += w₂·h₂, the same two roundings per edge as one at a time).
func (net *Network) fillBlock() {
	if net.avx512 {
		net.fillBlockAVX512()
		return
	}
	if net.avx2 {
		net.fillBlockAVX2()
		return
	}
	n, ncv, blk := net.N, net.ncv, net.blk
	span := int32(blk * ncv)
	hist, acc, g := net.hist, net.acc, net.gblk
	for i := 0; i < n; i++ {
		clear(acc)
		lo, hi := net.rowStart[i], net.rowStart[i+1]
		ws, srcs, rds, rls := net.w[lo:hi], net.src[lo:hi], net.rd[lo:hi], net.rlen[lo:hi]
		ws, rds, rls = ws[:len(srcs)], rds[:len(srcs)], rls[:len(srcs)]
		e := 0
		for ; e+2 <= len(srcs); e += 2 {
			s1, r1, s2, r2 := srcs[e], rds[e], srcs[e+1], rds[e+1]
			axpy2(acc, ws[e], hist[s1+r1:s1+r1+span], ws[e+1], hist[s2+r2:s2+r2+span])
			rds[e] = wrap(r1+span, rls[e])
			rds[e+1] = wrap(r2+span, rls[e+1])
		}
		if e < len(srcs) {
			s1, r1 := srcs[e], rds[e]
			axpy(acc, ws[e], hist[s1+r1:s1+r1+span])
			rds[e] = wrap(r1+span, rls[e])
		}
		for t := 0; t < blk; t++ {
			for k := 0; k < ncv; k++ {
				g[(t*ncv+k)*n+i] = acc[t*ncv+k]
			}
		}
	}
}

// wrap returns r mod hn for 0 ≤ r < 2·hn.
func wrap(r, hn int32) int32 {
	if r >= hn {
		r -= hn
	}
	return r
}

// axpy2Generic sets y[q] = (y[q] + w1·x1[q]) + w2·x2[q] for q < len(x1):
// the portable form of axpy2.
func axpy2Generic(y []float64, w1 float64, x1 []float64, w2 float64, x2 []float64) {
	y, x2 = y[:len(x1)], x2[:len(x1)]
	for q, v := range x1 {
		y[q] = (y[q] + float64(w1*v)) + float64(w2*x2[q])
	}
}

// axpyGeneric sets y[q] += w·x[q] for q < len(x), four at a time: the
// portable form of axpy (the amd64 build uses SSE2, bit-identical).
func axpyGeneric(y []float64, w float64, x []float64) {
	y = y[:len(x)]
	q := 0
	for ; q+4 <= len(x); q += 4 {
		x4, y4 := x[q:q+4:q+4], y[q:q+4:q+4]
		y4[0] += float64(w * x4[0])
		y4[1] += float64(w * x4[1])
		y4[2] += float64(w * x4[2])
		y4[3] += float64(w * x4[3])
	}
	for ; q < len(x); q++ {
		y[q] += float64(w * x[q])
	}
}

// blockCoupling sets net.c for the step from the block sums, summing the
// next block first when the current one is used up.
func (net *Network) blockCoupling() {
	if net.bpos == net.blk {
		net.fillBlock()
		net.bpos = 0
	}
	n, ncv := net.N, net.ncv
	var g []float64
	if net.avx512 {
		g = net.blockColumnAVX512(net.bpos)
	} else {
		g = net.gblk[net.bpos*ncv*n : (net.bpos+1)*ncv*n]
	}
	net.bpos++
	a, b := net.Coupling.A, net.Coupling.B
	if net.Coupling.Kind == Difference {
		for k := range net.cvars {
			diffCoupling(net.c[k*n:(k+1)*n], g[k*n:(k+1)*n], net.coupled(k), net.rowSum[:n], a)
		}
		return
	}
	linCoupling(net.c[:len(g)], g, a, b)
}

// diffCouplingGeneric sets c[i] = a·(g[i] − x[i]·rs[i]) for i < len(c):
// the portable form of diffCoupling (amd64 with AVX-512: the same
// roundings, eight at a time).
func diffCouplingGeneric(c, g, x, rs []float64, a float64) {
	g, x, rs = g[:len(c)], x[:len(c)], rs[:len(c)]
	for i := range c {
		c[i] = a * (g[i] - float64(x[i]*rs[i]))
	}
}

// linCouplingGeneric sets c[i] = a·g[i] + b for i < len(c): the portable
// form of linCoupling.
func linCouplingGeneric(c, g []float64, a, b float64) {
	g = g[:len(c)]
	for i := range c {
		c[i] = float64(a*g[i]) + b
	}
}

// Step advances the network by one dt.
//
// Noise is drawn for the variables with D_v > 0 only, variable by variable
// in ascending order and region by region, and added to those variables
// only; the others take the deterministic update.
func (net *Network) Step() {
	if net.blk > 1 {
		net.blockCoupling()
	} else {
		net.coupling()
	}
	n, dt := net.N, net.Dt
	x, m := net.x, net.m
	net.Mass.Drift(m, x, net.c, n)
	t := float64(net.step) * dt
	if net.stimuli != nil {
		net.stimulate(m, t)
	}
	if net.stochastic {
		for _, v := range net.noisy {
			net.rng.Fill(net.eta[v*n:(v+1)*n], net.noiseSD[v])
		}
	}
	if net.heun {
		xt := net.xt[:len(x)]
		eulerPredict(xt, x, m, dt)
		if net.stochastic {
			for _, v := range net.noisy {
				axpy(xt[v*n:(v+1)*n], 1, net.eta[v*n:(v+1)*n]) // xt += η: 1·η is η exactly
			}
		}
		net.Mass.Drift(net.f2, xt, net.c, n)
		if net.stimuli != nil {
			net.stimulate(net.f2, t)
		}
		f2 := net.f2[:len(x)]
		h := dt / 2
		if net.stochastic {
			// x += h·(m + f2) + η on the noisy variables, x += h·(m + f2)
			// on the others, variable by variable.
			lo := 0
			for _, v := range net.noisy {
				heunCorrect(x[lo:v*n], m[lo:v*n], f2[lo:v*n], h)
				heunCorrectNoisy(x[v*n:(v+1)*n], m[v*n:(v+1)*n], f2[v*n:(v+1)*n], net.eta[v*n:(v+1)*n], h)
				lo = (v + 1) * n
			}
			heunCorrect(x[lo:], m[lo:], f2[lo:], h)
		} else {
			heunCorrect(x, m, f2, h)
		}
	} else {
		m := m[:len(x)]
		if net.stochastic {
			// x += dt·m + η on the noisy variables, x += dt·m on the others.
			lo := 0
			for _, v := range net.noisy {
				eulerStep(x[lo:v*n], m[lo:v*n], dt)
				xv, mv, eta := x[v*n:(v+1)*n], m[v*n:(v+1)*n], net.eta[v*n:(v+1)*n]
				mv, eta = mv[:len(xv)], eta[:len(xv)]
				for i := range xv {
					xv[i] += dt*mv[i] + eta[i]
				}
				lo = (v + 1) * n
			}
			eulerStep(x[lo:], m[lo:], dt)
		} else {
			eulerStep(x, m, dt)
		}
	}
	net.step++
	net.writeRow()
}

// eulerStep sets x += dt·m.
func eulerStep(x, m []float64, dt float64) {
	m = m[:len(x)]
	for k := range x {
		x[k] += float64(dt * m[k])
	}
}

// heunCorrectGeneric sets x += h·(m + f2): the portable form of
// heunCorrect (amd64: SSE2, bit-identical).
func heunCorrectGeneric(x, m, f2 []float64, h float64) {
	m, f2 = m[:len(x)], f2[:len(x)]
	for k := range x {
		x[k] += float64(h * (m[k] + f2[k]))
	}
}

// heunCorrectNoisyGeneric sets x += h·(m + f2) + η: the portable form of
// heunCorrectNoisy (amd64 with AVX-512: the same roundings, eight at a
// time).
func heunCorrectNoisyGeneric(x, m, f2, eta []float64, h float64) {
	m, f2, eta = m[:len(x)], f2[:len(x)], eta[:len(x)]
	for k := range x {
		x[k] += float64(h*(m[k]+f2[k])) + eta[k]
	}
}

// eulerPredictGeneric sets xt = x + dt·m: the portable form of
// eulerPredict.
func eulerPredictGeneric(xt, x, m []float64, dt float64) {
	x, m = x[:len(xt)], m[:len(xt)]
	for k := range xt {
		xt[k] = x[k] + float64(dt*m[k])
	}
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
