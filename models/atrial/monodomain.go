package atrial

import (
	"fmt"
	"math"
	"sync"

	"github.com/mdtwin/mdtwin/mesh"
)

// Default tissue constants (reference §2).
const (
	DefaultChi = 140  // surface-to-volume ratio χ, 1/mm (1400 cm⁻¹)
	DefaultCm  = 0.01 // membrane capacitance Cm, µF/mm² (1 µF/cm²)
)

// Scheme is the time discretisation of the diffusion sub-step.
type Scheme int

const (
	// Explicit is forward Euler: V ← V − dt·M⁻¹K·V. Stable for
	// dt ≤ 2/λ_max(M⁻¹K); NewMonodomain refuses a larger dt.
	Explicit Scheme = iota
	// CrankNicolson solves (M + dt/2·K)·V⁺ = (M − dt/2·K)·V: second order,
	// unconditionally stable (but may ring at very large dt).
	CrankNicolson
	// BackwardEuler solves (M + dt·K)·V⁺ = M·V: first order, unconditionally
	// stable and damping.
	BackwardEuler
)

// Schemes maps the scheme names of the engine's scheme parameter.
var Schemes = map[string]Scheme{"explicit": Explicit, "cn": CrankNicolson, "be": BackwardEuler}

func (s Scheme) String() string {
	switch s {
	case Explicit:
		return "explicit"
	case CrankNicolson:
		return "cn"
	case BackwardEuler:
		return "be"
	}
	return fmt.Sprintf("Scheme(%d)", int(s))
}

// Tissue is the passive part of a monodomain problem.
type Tissue struct {
	Mesh *mesh.Mesh
	// Sigma gives the monodomain conductivity of each element in mS/mm
	// (numerically equal to S/m): along the fibre, across it (sheet) and,
	// for tetrahedra, normal to the sheet.
	Sigma func(e int) mesh.Conductivity
	Chi   float64 // surface-to-volume ratio χ, 1/mm; zero means DefaultChi
	Cm    float64 // membrane capacitance, µF/mm²; zero means DefaultCm
}

func (t Tissue) chiCm() (chi, cm float64) {
	chi, cm = t.Chi, t.Cm
	if chi == 0 {
		chi = DefaultChi
	}
	if cm == 0 {
		cm = DefaultCm
	}
	return chi, cm
}

// Options controls the time stepping.
type Options struct {
	Dt      float64 // time step of both sub-steps, ms
	Scheme  Scheme
	Tol     float64 // CG relative residual; zero means 1e-8
	MaxIter int     // CG iterations per step; zero means 1000
	// Workers is the number of goroutines sharing the ionic and explicit
	// diffusion loops; 0 or 1 runs them serially (no allocation per step).
	// Results do not depend on it.
	Workers int
}

// Monodomain integrates the monodomain equation (reference §2)
//
//	∂V/∂t = ∇·(D∇V) − I_ion(V, s)/Cm + I_stim/(χ·Cm),   D = σ/(χ·Cm)
//	ds/dt = g(V, s)
//
// with P1 finite elements in space (lumped mass M, stiffness K of D; see
// package mesh) and first-order (Godunov) operator splitting in time: each
// step first advances the ionic model and the stimulus at every node by dt
// with no diffusion, then the diffusion M·dV/dt = −K·V by dt with the
// chosen Scheme. Units: mm, ms, mV, σ in mS/mm, χ in 1/mm, Cm in µF/mm²,
// so D is in mm²/ms.
type Monodomain struct {
	Mesh  *mesh.Mesh
	Ionic Ionic
	V     []float64 // membrane potential per node, mV
	S     []float64 // ionic states, Ionic.NumStates() per node, node-major

	dt      float64
	n       int // steps taken
	scheme  Scheme
	workers int

	mass   []float64
	a      *mesh.CSR // explicit: I − dt·M⁻¹K; implicit: M − (1−θ)·dt·K (CN only)
	cg     *CG       // implicit: M + θ·dt·K
	buf    []float64 // explicit: next V; implicit: right-hand side
	sites  []stimSite
	Iters  int // CG iterations of the last step (implicit schemes)
	stable float64

	ionicFn, explicitFn func(lo, hi int) // method values, bound once
}

type stimSite struct {
	Site
	nodes []int
	rate  float64 // mV/ms
}

// NewMonodomain sets up a monodomain problem at rest (every node in the
// ionic model's resting state) at time 0. Errors name the bad input: an
// invalid mesh, a point in no element, a non-positive constant, an empty
// pacing site, or (Explicit) a dt above the stability limit, with the
// largest dt the mesh guarantees stable.
func NewMonodomain(t Tissue, ion Ionic, stim Protocol, opt Options) (*Monodomain, error) {
	m := t.Mesh
	if err := m.Validate(); err != nil {
		return nil, err
	}
	chi, cm := t.chiCm()
	if !(chi > 0) || !(cm > 0) || math.IsInf(chi, 0) || math.IsInf(cm, 0) {
		return nil, fmt.Errorf("atrial: χ = %g 1/mm and Cm = %g µF/mm² must be positive and finite", chi, cm)
	}
	if !(opt.Dt > 0) || math.IsInf(opt.Dt, 0) {
		return nil, fmt.Errorf("atrial: time step %g ms must be positive", opt.Dt)
	}
	mass := mesh.LumpedMass(m)
	for i, w := range mass {
		if !(w > 0) {
			return nil, fmt.Errorf("atrial: point %d is in no element (or only in degenerate ones)", i)
		}
	}
	scale := 1 / (chi * cm)
	d := func(e int) mesh.Conductivity {
		c := t.Sigma(e)
		return mesh.Conductivity{Fibre: c.Fibre * scale, Sheet: c.Sheet * scale, Normal: c.Normal * scale}
	}
	k, err := mesh.Stiffness(m, d)
	if err != nil {
		return nil, err
	}
	md := &Monodomain{Mesh: m, Ionic: ion, dt: opt.Dt, scheme: opt.Scheme, workers: opt.Workers, mass: mass,
		V: make([]float64, len(m.Points)), S: make([]float64, len(m.Points)*ion.NumStates()),
		buf: make([]float64, len(m.Points))}
	md.stable = 2 / gershgorin(k, mass)
	md.ionicFn, md.explicitFn = md.ionicRange, md.explicitRange
	for i := range md.V {
		ns := ion.NumStates()
		md.V[i] = ion.Rest(md.S[i*ns : (i+1)*ns])
	}
	for i, s := range stim {
		nodes, err := s.SiteNodes(m)
		if err != nil {
			return nil, fmt.Errorf("atrial: pacing site %d: %v", i, err)
		}
		md.sites = append(md.sites, stimSite{Site: s, nodes: nodes, rate: s.Strength / (chi * cm)})
	}
	tol, maxIter := opt.Tol, opt.MaxIter
	if tol == 0 {
		tol = 1e-8
	}
	if maxIter == 0 {
		maxIter = 1000
	}
	switch opt.Scheme {
	case Explicit:
		if opt.Dt > md.stable {
			return nil, &StabilityError{Dt: opt.Dt, MaxDt: md.stable}
		}
		md.a = combine(k, mass, -opt.Dt, true)
	case CrankNicolson:
		md.a = combine(k, mass, -opt.Dt/2, false)
		md.cg = NewCG(combine(k, mass, opt.Dt/2, false), tol, maxIter)
	case BackwardEuler:
		md.cg = NewCG(combine(k, mass, opt.Dt, false), tol, maxIter)
	default:
		return nil, fmt.Errorf("atrial: unknown scheme %v", opt.Scheme)
	}
	return md, nil
}

// StabilityError is a time step beyond the explicit scheme's stability
// limit on a mesh.
type StabilityError struct {
	Dt, MaxDt float64 // ms: the step asked for, the largest one guaranteed stable
}

func (e *StabilityError) Error() string {
	return fmt.Sprintf("time step %g ms is beyond the stability limit of the explicit scheme on this mesh; the largest dt it guarantees stable is %.4g ms (or use a semi-implicit scheme)", e.Dt, e.MaxDt)
}

// combine returns diag(M) + c·K, or with scaled true I + c·M⁻¹K, on K's
// sparsity pattern.
func combine(k *mesh.CSR, mass []float64, c float64, scaled bool) *mesh.CSR {
	a := &mesh.CSR{N: k.N, RowPtr: k.RowPtr, ColIdx: k.ColIdx, Val: make([]float64, len(k.Val))}
	for i := 0; i < k.N; i++ {
		for p := k.RowPtr[i]; p < k.RowPtr[i+1]; p++ {
			v := c * k.Val[p]
			if scaled {
				v /= mass[i]
			}
			if int(k.ColIdx[p]) == i {
				if scaled {
					v++
				} else {
					v += mass[i]
				}
			}
			a.Val[p] = v
		}
	}
	return a
}

// gershgorin returns max_i Σ_j |K_ij|/M_i, an upper bound of the largest
// eigenvalue of M⁻¹K (whose eigenvalues are real and non-negative, as
// M^(−1/2)·K·M^(−1/2) is symmetric positive semi-definite).
func gershgorin(k *mesh.CSR, mass []float64) float64 {
	g := 0.0
	for i := 0; i < k.N; i++ {
		s := 0.0
		for p := k.RowPtr[i]; p < k.RowPtr[i+1]; p++ {
			s += math.Abs(k.Val[p])
		}
		g = max(g, s/mass[i])
	}
	return g
}

// MaxStableDt returns the largest time step (ms) that the explicit scheme is
// guaranteed stable with on this problem: 2/G, G the Gershgorin bound of
// λ_max(M⁻¹K). The ionic model's own limit is not included.
func (md *Monodomain) MaxStableDt() float64 { return md.stable }

// Dt returns the time step in ms.
func (md *Monodomain) Dt() float64 { return md.dt }

// Time returns the current time in ms: the number of steps taken times dt.
func (md *Monodomain) Time() float64 { return float64(md.n) * md.dt }

// Step advances the solution by one time step: the ionic model and the
// stimulus, then diffusion. Pacing sites act when active at the middle of
// the step. It returns an error only when the CG solver fails.
func (md *Monodomain) Step() error {
	tm := md.Time() + md.dt/2
	md.parallel(md.ionicFn)
	for i := range md.sites {
		s := &md.sites[i]
		if s.Active(tm) {
			dv := md.dt * s.rate
			for _, v := range s.nodes {
				md.V[v] += dv
			}
		}
	}
	switch md.scheme {
	case Explicit:
		md.parallel(md.explicitFn)
		md.V, md.buf = md.buf, md.V
	case CrankNicolson:
		md.a.MulVec(md.buf, md.V)
		it, err := md.cg.Solve(md.V, md.buf)
		md.Iters = it
		if err != nil {
			return fmt.Errorf("%v at t = %g ms", err, md.Time())
		}
	case BackwardEuler:
		for i, w := range md.mass {
			md.buf[i] = w * md.V[i]
		}
		it, err := md.cg.Solve(md.V, md.buf)
		md.Iters = it
		if err != nil {
			return fmt.Errorf("%v at t = %g ms", err, md.Time())
		}
	}
	md.n++
	return nil
}

func (md *Monodomain) ionicRange(lo, hi int) {
	v, s, dt := md.V, md.S, md.dt
	// The two-variable models get loops of their own, where Step is a
	// direct (inlinable) call rather than an interface call per node.
	switch ion := md.Ionic.(type) {
	case ModifiedMS:
		for i := lo; i < hi; i++ {
			v[i] = ion.Step(s[i:i+1:i+1], v[i], dt)
		}
	case MitchellSchaeffer:
		for i := lo; i < hi; i++ {
			v[i] = ion.Step(s[i:i+1:i+1], v[i], dt)
		}
	case AlievPanfilov:
		for i := lo; i < hi; i++ {
			v[i] = ion.Step(s[i:i+1:i+1], v[i], dt)
		}
	default:
		ns := ion.NumStates()
		for i := lo; i < hi; i++ {
			v[i] = ion.Step(s[i*ns:(i+1)*ns:(i+1)*ns], v[i], dt)
		}
	}
}

func (md *Monodomain) explicitRange(lo, hi int) {
	rp, ci, val := md.a.RowPtr, md.a.ColIdx, md.a.Val
	x, dst := md.V, md.buf
	for i := lo; i < hi; i++ {
		s := 0.0
		a, b := rp[i], rp[i+1]
		cols := ci[a:b]
		vals := val[a:b:b]
		for k, c := range cols {
			s += vals[k] * x[c]
		}
		dst[i] = s
	}
}

// parallel runs fn over [0, n) split into Workers contiguous ranges.
func (md *Monodomain) parallel(fn func(lo, hi int)) {
	n, w := len(md.V), md.workers
	if w <= 1 || n < 4096 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := 1; k < w; k++ {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(k*n/w, (k+1)*n/w)
	}
	fn(0, n/w)
	wg.Wait()
}
