package brain

import "math"

// NeuralMass is the local dynamics of every region of a network.
//
// State is held variable-major: x[v*n+i] is variable v of region i, for n
// regions. Coupling arrives the same way: c[k*n+i] is the k-th coupling
// input of region i, computed from variable CouplingVars()[k].
type NeuralMass interface {
	// VarNames names the state variables, in order.
	VarNames() []string
	// CouplingVars lists the variables the network couples through.
	CouplingVars() []int
	// Drift sets dst = f(x, c), the deterministic right-hand side.
	Drift(dst, x, c []float64, n int)
	// Rest sets x to a resting state of each of the n regions.
	Rest(x []float64, n int)
	// Signal sets dst[i] to the recorded signal of region i (an LFP proxy).
	Signal(dst, x []float64, n int)
	// Ictal sets dst[i] to the variable a seizure detector watches.
	Ictal(dst, x []float64, n int)
	// NoiseVars lists the variables that take noise by default.
	NoiseVars() []int
	// MaxDt is the largest time step (ms) the explicit integrators keep
	// stable and accurate for this model's fastest time scale.
	MaxDt() float64
}

// Epileptor is the 6-variable Epileptor of Jirsa et al. (2014, Brain
// 137:2210) in the form of The Virtual Brain (models/epileptor.py), with
// Jirsa's integral term written as the 6th variable g. State (x1, y1, z, x2,
// y2, g); coupling through x1 (c1) and x2 (c2):
//
//	f1  = −a·x1² + b·x1                  if x1 < 0
//	    = slope − x2 + 0.6·(z − 4)²       if x1 ≥ 0
//	x1' = tt·( y1 − z + Iext + Kvf·c1 + f1·x1 )
//	y1' = tt·( c − d·x1² − y1 )
//	z'  = tt·r·( h − z + Ks·c1 ),    h = 4(x1 − x0) + [z < 0 ? −0.1·z⁷ : 0]
//	x2' = tt·( −y2 + x2 − x2³ + Iext2 + bb·g − 0.3(z − 3.5) + Kf·c2 )
//	y2' = tt·( −y2 + [x2 < −0.25 ? 0 : aa·(x2 + 0.25)] ) / tau
//	g'  = tt·( −0.01·(g − 0.1·x1) )
//
// Time is in ms as in TVB. X0 holds the excitability per region; the other
// parameters are shared. The recorded signal is x2 − x1.
//
// Regional, when set (before the first Drift), gives per-region values of
// r, tt, iext, iext2, ks, kf or kvf (slices of n, keys as in RegionParams)
// that replace the shared ones; Drift then takes a path that reads every
// parameter per region, with the same arithmetic.
type Epileptor struct {
	A, B, C, D, R, Iext, Slope, Iext2, Tau, Aa, Bb, Kvf, Kf, Ks, Tt float64
	X0                                                              []float64
	Regional                                                        map[string][]float64
	reg                                                             *epiRegional
}

// epiRegional is every Epileptor parameter that a regions table may set,
// per region.
type epiRegional struct{ r, tt, iext, iext2, ks, kf, kvf []float64 }

// perRegion returns Regional[name], or n copies of v.
func perRegion(reg map[string][]float64, name string, v float64, n int) []float64 {
	if s := reg[name]; s != nil {
		return s[:n]
	}
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// driftRegional is Drift with the parameters of RegionParams per region.
// Like Drift's loop it rounds every product before adding it: Drift's
// vector kernels and this loop must agree bit for bit (see Drift).
func (e *Epileptor) driftRegional(dst, x, c []float64, n int) {
	if e.reg == nil {
		g := e.Regional
		e.reg = &epiRegional{perRegion(g, "r", e.R, n), perRegion(g, "tt", e.Tt, n), perRegion(g, "iext", e.Iext, n),
			perRegion(g, "iext2", e.Iext2, n), perRegion(g, "ks", e.Ks, n), perRegion(g, "kf", e.Kf, n), perRegion(g, "kvf", e.Kvf, n)}
	}
	q := e.reg
	pa, pb, pc, pd, slope := e.A, e.B, e.C, e.D, e.Slope
	aa, bb, tau := e.Aa, e.Bb, e.Tau
	for i := 0; i < n; i++ {
		x1, y1, z, x2, y2, g := x[i], x[n+i], x[2*n+i], x[3*n+i], x[4*n+i], x[5*n+i]
		c1 := c[i]
		tt := q.tt[i]
		var f1 float64
		if x1 < 0 {
			f1 = float64(-pa*x1*x1) + float64(pb*x1)
		} else {
			f1 = slope - x2 + float64(0.6*(z-4)*(z-4))
		}
		dst[i] = tt * (y1 - z + q.iext[i] + float64(q.kvf[i]*c1) + float64(f1*x1))
		dst[n+i] = tt * (pc - float64(pd*x1*x1) - y1)
		h := 4 * (x1 - e.X0[i])
		if z < 0 {
			z2 := z * z
			h -= float64(0.1 * z2 * z2 * z2 * z)
		}
		dst[2*n+i] = tt * q.r[i] * (h - z + float64(q.ks[i]*c1))
		var f2 float64
		if x2 >= -0.25 {
			f2 = aa * (x2 + 0.25)
		}
		dst[3*n+i] = tt * (-y2 + x2 - float64(x2*x2*x2) + q.iext2[i] + float64(bb*g) - float64(0.3*(z-3.5)) + float64(q.kf[i]*c[n+i]))
		dst[4*n+i] = tt * (-y2 + f2) / tau
		dst[5*n+i] = tt * (-0.01 * (g - float64(0.1*x1)))
	}
}

// NewEpileptor returns TVB's defaults (a 1, b 3, c 1, d 5, r 0.00035,
// Iext 3.1, slope 0, Iext2 0.45, tau 10, aa 6, bb 2, Kvf = Kf = Ks = 0,
// tt 1) with x0 = −1.6 for n regions.
func NewEpileptor(n int) *Epileptor {
	e := &Epileptor{A: 1, B: 3, C: 1, D: 5, R: 0.00035, Iext: 3.1, Slope: 0, Iext2: 0.45, Tau: 10, Aa: 6, Bb: 2, Tt: 1}
	e.X0 = make([]float64, n)
	for i := range e.X0 {
		e.X0[i] = -1.6
	}
	return e
}

func (*Epileptor) VarNames() []string  { return []string{"x1", "y1", "z", "x2", "y2", "g"} }
func (*Epileptor) CouplingVars() []int { return []int{0, 3} }
func (*Epileptor) NoiseVars() []int    { return []int{3, 4} }
func (*Epileptor) MaxDt() float64      { return 0.1 }

// useSIMDDrift switches the vector kernel of Epileptor.Drift (amd64) on;
// tests turn it off to compare.
var useSIMDDrift = true

// Drift evaluates the Epileptor's right-hand side for n regions (on amd64
// eight, four or two at a time with AVX-512F, AVX2 or SSE2, whichever the
// CPU has, bit-identical to the Go loop: drift_amd64.go). In the Go loop
// float64(a*b) rounds a product before it is added: a GOAMD64=v3 build
// would otherwise fuse the two into one FMA, which the assembly kernels
// never do (the conversion costs nothing in the default build).
func (e *Epileptor) Drift(dst, x, c []float64, n int) {
	if e.Regional != nil {
		e.driftRegional(dst, x, c, n)
		return
	}
	lo := 0
	if useSIMDDrift {
		lo = e.driftSIMD(dst, x, c, n)
	}
	x1s, y1s, zs, x2s, y2s, gs := x[:n], x[n:2*n], x[2*n:3*n], x[3*n:4*n], x[4*n:5*n], x[5*n:6*n]
	d1, d2, d3, d4, d5, d6 := dst[:n], dst[n:2*n], dst[2*n:3*n], dst[3*n:4*n], dst[4*n:5*n], dst[5*n:6*n]
	c1s, c2s := c[:n], c[n:2*n]
	x0 := e.X0[:n]
	// The parameters in locals: the compiler would otherwise reload them
	// from e for every region (the stores to dst may alias e). The
	// arithmetic is the same, term for term.
	tt, r := e.Tt, e.R
	pa, pb, pc, pd, slope, iext, kvf, ks := e.A, e.B, e.C, e.D, e.Slope, e.Iext, e.Kvf, e.Ks
	aa, iext2, bb, kf, tau := e.Aa, e.Iext2, e.Bb, e.Kf, e.Tau
	y1s, zs, x2s, y2s, gs, c1s, c2s, x0 = y1s[:len(x1s)], zs[:len(x1s)], x2s[:len(x1s)], y2s[:len(x1s)], gs[:len(x1s)], c1s[:len(x1s)], c2s[:len(x1s)], x0[:len(x1s)]
	d1, d2, d3, d4, d5, d6 = d1[:len(x1s)], d2[:len(x1s)], d3[:len(x1s)], d4[:len(x1s)], d5[:len(x1s)], d6[:len(x1s)]
	for i := lo; i < len(x1s); i++ {
		x1 := x1s[i]
		y1, z, x2, y2, g := y1s[i], zs[i], x2s[i], y2s[i], gs[i]
		c1 := c1s[i]
		var f1 float64
		if x1 < 0 {
			f1 = float64(-pa*x1*x1) + float64(pb*x1)
		} else {
			f1 = slope - x2 + float64(0.6*(z-4)*(z-4))
		}
		d1[i] = tt * (y1 - z + iext + float64(kvf*c1) + float64(f1*x1))
		d2[i] = tt * (pc - float64(pd*x1*x1) - y1)
		h := 4 * (x1 - x0[i])
		if z < 0 {
			z2 := z * z
			h -= float64(0.1 * z2 * z2 * z2 * z)
		}
		d3[i] = tt * r * (h - z + float64(ks*c1))
		var f2 float64
		if x2 >= -0.25 {
			f2 = aa * (x2 + 0.25)
		}
		d4[i] = tt * (-y2 + x2 - float64(x2*x2*x2) + iext2 + float64(bb*g) - float64(0.3*(z-3.5)) + float64(kf*c2s[i]))
		d5[i] = tt * (-y2 + f2) / tau
		d6[i] = tt * (-0.01 * (g - float64(0.1*x1)))
	}
}

// Rest sets each region to the stable equilibrium of an isolated, healthy
// Epileptor with x0 = min(X0[i], −2.2) (below the threshold, see
// Threshold2D): x1 from the 2-D reduction, y1 = c − d·x1², z = 4(x1 − x0),
// g = 0.1·x1, and x2 the lowest root of the x2-nullcline with y2 = 0.
func (e *Epileptor) Rest(x []float64, n int) {
	for i := 0; i < n; i++ {
		x0 := math.Min(e.X0[i], -2.2)
		x1 := restX1(e.C+e.Iext, x0)
		z := 4 * (x1 - x0)
		g := 0.1 * x1
		k := e.Iext2 + e.Bb*g - 0.3*(z-3.5)
		// x2 − x2³ + k = 0 on x2 < −0.25: bisection (the left side falls
		// from +∞ as x2 grows from −∞ to −1/√3).
		lo, hi := -3.0, -1/math.Sqrt(3)
		f := func(v float64) float64 { return v - v*v*v + k }
		x2 := -1.0
		if f(lo) > 0 && f(hi) < 0 {
			lo, hi = bisect(f, lo, hi)
			x2 = (lo + hi) / 2
		}
		x[i], x[n+i], x[2*n+i], x[3*n+i], x[4*n+i], x[5*n+i] = x1, e.C-e.D*x1*x1, z, x2, 0, g
	}
}

// restX1 solves x1³ + 2x1² + 4x1 = k + 4x0 (the x1 equilibrium of the 2-D
// Epileptor on its left branch with k = c + Iext, d − b = 2, a = 1) by
// Newton's method; the left side is strictly increasing (its derivative
// 3x² + 4x + 4 has no real root), so the root is unique.
func restX1(k, x0 float64) float64 {
	rhs := k + 4*x0
	x := -1.5
	for it := 0; it < 100; it++ {
		f := x*x*x + 2*x*x + 4*x - rhs
		x -= f / (3*x*x + 4*x + 4)
	}
	return x
}

// bisect narrows [lo, hi], across which f changes sign (f(lo)·f(hi) ≤ 0),
// by 200 halvings, keeping [lo, mid] when f(lo)·f(mid) ≤ 0 and [mid, hi]
// otherwise, and returns the final bracket, of width (hi − lo)·2⁻²⁰⁰ or
// adjacent floats, whichever is wider; a root met exactly at lo
// keeps lo (f(lo)·f(mid) = 0). f must be deterministic.
func bisect(f func(float64) float64, lo, hi float64) (float64, float64) {
	flo := f(lo)
	for k := 0; k < 200; k++ {
		mid := (lo + hi) / 2
		if fm := f(mid); flo*fm <= 0 {
			hi = mid
		} else {
			lo, flo = mid, fm
		}
	}
	return lo, hi
}

// Signal is the LFP proxy x2 − x1.
func (*Epileptor) Signal(dst, x []float64, n int) {
	for i := 0; i < n; i++ {
		dst[i] = x[3*n+i] - x[i]
	}
}

// Ictal is x1.
func (*Epileptor) Ictal(dst, x []float64, n int) { copy(dst[:n], x[:n]) }

// Epileptor2D is TVB's two-variable Epileptor (Proix et al. 2014, J Neurosci
// 34:15009; the VEP network form of Proix 2017 and Jirsa 2017): the fast
// subsystem reduced to x1 and the slow permittivity z. State (x1, z),
// coupling through x1:
//
//	F   = a·x1² + (d − b)·x1                   if x1 < 0
//	    = −slope − 0.6·(z − 4)² + d·x1         if x1 ≥ 0
//	x1' = tt·( c − z + Iext + Kvf·c1 − F·x1 )
//	z'  = tt·r·( 4(x1 − x0) + [z < 0 ? −0.1·z⁷ : 0] − z + Ks·c1 )
//
// With defaults the left branch is x1' = 4.1 − z − x1³ − 2x1². With
// difference coupling of strength a and Ks = −K/a this is the VEP network
// z' = r(4(x1 − x0) − z − K·Σ_j w_ij (x1_j − x1_i)). The recorded signal is x1.
//
// Regional, as for Epileptor, gives per-region values of r, tt, iext, ks or
// kvf.
type Epileptor2D struct {
	A, B, C, D, R, Iext, Slope, Kvf, Ks, Tt float64
	X0                                      []float64
	Regional                                map[string][]float64
	reg                                     *epiRegional
}

// NewEpileptor2D returns TVB's defaults (as NewEpileptor) with x0 = −1.6.
func NewEpileptor2D(n int) *Epileptor2D {
	e := &Epileptor2D{A: 1, B: 3, C: 1, D: 5, R: 0.00035, Iext: 3.1, Tt: 1}
	e.X0 = make([]float64, n)
	for i := range e.X0 {
		e.X0[i] = -1.6
	}
	return e
}

func (*Epileptor2D) VarNames() []string  { return []string{"x1", "z"} }
func (*Epileptor2D) CouplingVars() []int { return []int{0} }
func (*Epileptor2D) NoiseVars() []int    { return []int{0, 1} }
func (*Epileptor2D) MaxDt() float64      { return 0.1 }

// Drift evaluates the 2-D Epileptor for n regions.
func (e *Epileptor2D) Drift(dst, x, c []float64, n int) {
	x1s, zs := x[:n], x[n:2*n]
	d1, d2 := dst[:n], dst[n:2*n]
	c1s := c[:n]
	x0 := e.X0[:n]
	if e.Regional != nil && e.reg == nil {
		g := e.Regional
		e.reg = &epiRegional{r: perRegion(g, "r", e.R, n), tt: perRegion(g, "tt", e.Tt, n), iext: perRegion(g, "iext", e.Iext, n),
			ks: perRegion(g, "ks", e.Ks, n), kvf: perRegion(g, "kvf", e.Kvf, n)}
	}
	q := e.reg
	for i := 0; i < n; i++ {
		x1, z, c1 := x1s[i], zs[i], c1s[i]
		tt, iext, kvf, r, ks := e.Tt, e.Iext, e.Kvf, e.R, e.Ks
		if q != nil {
			tt, iext, kvf, r, ks = q.tt[i], q.iext[i], q.kvf[i], q.r[i], q.ks[i]
		}
		var f float64
		if x1 < 0 {
			f = e.A*x1*x1 + (e.D-e.B)*x1
		} else {
			f = -e.Slope - 0.6*(z-4)*(z-4) + e.D*x1
		}
		d1[i] = tt * (e.C - z + iext + kvf*c1 - f*x1)
		h := 4 * (x1 - x0[i])
		if z < 0 {
			z2 := z * z
			h -= 0.1 * z2 * z2 * z2 * z
		}
		d2[i] = tt * r * (h - z + ks*c1)
	}
}

// Rest sets the stable equilibrium with x0 = min(X0[i], −2.2).
func (e *Epileptor2D) Rest(x []float64, n int) {
	for i := 0; i < n; i++ {
		x0 := math.Min(e.X0[i], -2.2)
		x1 := restX1(e.C+e.Iext, x0)
		x[i], x[n+i] = x1, 4*(x1-x0)
	}
}

// Signal is x1.
func (*Epileptor2D) Signal(dst, x []float64, n int) { copy(dst[:n], x[:n]) }

// Ictal is x1.
func (*Epileptor2D) Ictal(dst, x []float64, n int) { copy(dst[:n], x[:n]) }

// Threshold2D returns the critical excitability of the isolated 2-D
// Epileptor with a = 1, d − b = 2 and c + Iext = k (4.1 by default), at slow
// rate r: the x0 where its equilibrium on the left branch loses stability.
//
// Derivation. On x1 < 0 the equilibrium satisfies z = 4(x1 − x0) and
// x1³ + 2x1² + 4x1 = k + 4x0. The Jacobian there is
//
//	J = [ −3x1² − 4x1   −1 ]
//	    [      4r       −r ]
//
// with det J = r(3x1² + 4x1 + 4) > 0 for every x1, so stability is lost when
// the trace −3x1² − 4x1 − r crosses 0 (a Hopf bifurcation), at
//
//	x1* = (−4 − √(16 − 12r)) / 6     (→ −4/3, the knee of the x1-nullcline, as r → 0)
//	x0* = (x1*³ + 2x1*² + 4x1* − k) / 4
//
// ≈ −2.0617 for k = 4.1, r → 0 (TVB's documentation cites ≈ −2.05). Below
// x0* the region rests; above it, it seizes.
func Threshold2D(k, r float64) float64 {
	x1 := (-4 - math.Sqrt(16-12*r)) / 6
	return (x1*x1*x1 + 2*x1*x1 + 4*x1 - k) / 4
}

// Oscillator2D is TVB's generic 2-D oscillator (Generic2dOscillator, after
// FitzHugh–Nagumo and Stefanescu & Jirsa 2008), a non-epileptic mass:
//
//	V' = d·τ·( −f·V³ + e·V² + g·V + α·W + γ·I + γ·c )
//	W' = d·( a + b·V + c3·V² − β·W ) / τ
//
// with TVB's defaults τ 1, I 0, a −2, b −10, c3 0, d 0.02, e 3, f 1, g 0,
// α 1, β 1, γ 1 (recalled from TVB's models/oscillator.py; an excitable
// regime). Coupling through V; the recorded signal is V.
type Oscillator2D struct {
	Tau, I, A, B, C3, D, E, F, G, Alpha, Beta, Gamma float64
}

// NewOscillator2D returns the defaults.
func NewOscillator2D() *Oscillator2D {
	return &Oscillator2D{Tau: 1, I: 0, A: -2, B: -10, C3: 0, D: 0.02, E: 3, F: 1, G: 0, Alpha: 1, Beta: 1, Gamma: 1}
}

func (*Oscillator2D) VarNames() []string  { return []string{"V", "W"} }
func (*Oscillator2D) CouplingVars() []int { return []int{0} }
func (*Oscillator2D) NoiseVars() []int    { return []int{0, 1} }
func (*Oscillator2D) MaxDt() float64      { return 1 }

// Drift evaluates the oscillator for n regions.
func (o *Oscillator2D) Drift(dst, x, c []float64, n int) {
	for i := 0; i < n; i++ {
		v, w := x[i], x[n+i]
		dst[i] = o.D * o.Tau * (-o.F*v*v*v + o.E*v*v + o.G*v + o.Alpha*w + o.Gamma*o.I + o.Gamma*c[i])
		dst[n+i] = o.D * (o.A + o.B*v + o.C3*v*v - o.Beta*w) / o.Tau
	}
}

// Rest sets V = W = 0.
func (*Oscillator2D) Rest(x []float64, n int) { clear(x[:2*n]) }

// Signal is V.
func (*Oscillator2D) Signal(dst, x []float64, n int) { copy(dst[:n], x[:n]) }

// Ictal is V.
func (*Oscillator2D) Ictal(dst, x []float64, n int) { copy(dst[:n], x[:n]) }
