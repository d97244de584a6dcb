package tissue

import (
	"fmt"
	"math"
	"reflect"
	"runtime"
	"slices"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
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

// ParseScheme returns the scheme named name ("explicit", "cn" or "be",
// the engine's scheme parameter).
func ParseScheme(name string) (Scheme, error) {
	for _, s := range []Scheme{Explicit, CrankNicolson, BackwardEuler} {
		if s.String() == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("atrial: unknown scheme %q, expected \"explicit\", \"cn\" or \"be\"", name)
}

// String returns the scheme's name: "explicit", "cn" or "be".
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

// Passive is the passive part of a monodomain problem: the mesh, its
// conductivities and the membrane constants.
type Passive struct {
	Mesh *mesh.Mesh
	// Sigma gives the monodomain conductivity of each element in mS/mm
	// (numerically equal to S/m): along the fibre, across it (sheet) and,
	// for tetrahedra, normal to the sheet.
	Sigma func(e int) mesh.Conductivity
	Chi   float64 // surface-to-volume ratio χ, 1/mm; zero means DefaultChi
	Cm    float64 // membrane capacitance, µF/mm²; zero means DefaultCm
}

// ChiCm returns χ (1/mm) and Cm (µF/mm²) with the defaults for zeros.
func (t Passive) ChiCm() (chi, cm float64) {
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
	// IonicSets and IonicIndex give the ionic parameters per node: node i
	// takes the parameter set IonicSets[IonicIndex[i]] (its rest state
	// included), as openCARP's per-region imp_region. The sets must all be
	// the same model (same Go type and NumStates); the ion argument of
	// NewMonodomain may then be nil, or must be that model too. Nil
	// IonicSets: ion at every node. The ionic loop calls each set's own
	// kernel on each run of nodes with equal index, so a homogeneous mesh
	// pays nothing and few long runs (regions) almost nothing.
	IonicSets  []ionic.Model
	IonicIndex []uint8
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
	Ionic ionic.Model // the cell model (IonicSets[0] with per-node sets)
	V     []float64   // membrane potential per node, mV
	S     []float64   // ionic states, Ionic.NumStates() per node, node-major
	// IonicSets and IonicIndex are Options.IonicSets and IonicIndex (nil
	// for one set everywhere): node i has the parameters
	// IonicSets[IonicIndex[i]].
	IonicSets  []ionic.Model
	IonicIndex []uint8

	dt      float64
	n       int // steps taken
	scheme  Scheme
	workers int

	mass   []float64
	a      *sell     // implicit: M − (1−θ)·dt·K (CN only), on one range
	sl     *sell     // explicit: I − dt·M⁻¹K, sliced by the workers' ranges
	cg     *CG       // implicit: M + θ·dt·K
	buf    []float64 // explicit: next V; implicit: right-hand side
	sites  []stimSite
	Iters  int // CG iterations of the last step (implicit schemes)
	stable float64

	kernel  ionic.Kernel // the ionic step over a node range
	pool    *pool        // persistent goroutines; nil with one worker
	ranges  []int        // worker k owns nodes [ranges[k], ranges[k+1])
	stimNow bool         // a pacing site is active in this step

	ionicFn, explicitFn, fusedFn func(k int) // method values, bound once
	forRangeFn                   func(k int)
	rangeFn                      func(lo, hi int) // ForRanges' argument while it runs
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
// largest stable dt (MaxStableDt).
func NewMonodomain(t Passive, ion ionic.Model, stim Protocol, opt Options) (*Monodomain, error) {
	m := t.Mesh
	if err := m.Validate(); err != nil {
		return nil, err
	}
	chi, cm := t.ChiCm()
	if !(chi > 0) || !(cm > 0) || math.IsInf(chi, 0) || math.IsInf(cm, 0) {
		return nil, fmt.Errorf("atrial: χ = %g 1/mm and Cm = %g µF/mm² must be positive and finite", chi, cm)
	}
	if !(opt.Dt > 0) || math.IsInf(opt.Dt, 0) {
		return nil, fmt.Errorf("atrial: time step %g ms must be positive", opt.Dt)
	}
	ion, err := checkIonicSets(ion, opt.IonicSets, opt.IonicIndex, len(m.Points))
	if err != nil {
		return nil, err
	}
	mass := mesh.LumpedMass(m)
	nw := opt.Workers
	if nw < 1 || len(m.Points) < 4096 {
		nw = 1
	}
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
		buf: make([]float64, len(m.Points)), ranges: make([]int, nw+1)}
	for k := range md.ranges {
		md.ranges[k] = k * len(m.Points) / nw
	}
	if nw > 1 {
		md.pool = newPool(nw)
		runtime.AddCleanup(md, (*pool).stop, md.pool)
	}
	md.stable = 2 / lambdaMax(k, mass)
	md.ionicFn, md.explicitFn, md.fusedFn = md.ionicRange, md.explicitRange, md.fusedRange
	md.forRangeFn = md.forRange
	ns := ion.NumStates()
	if opt.IonicSets == nil {
		md.kernel = ionic.KernelOf(ion, opt.Dt)
		for i := range md.V {
			md.V[i] = ion.Rest(md.S[i*ns : (i+1)*ns])
		}
	} else {
		md.IonicSets, md.IonicIndex = slices.Clone(opt.IonicSets), slices.Clone(opt.IonicIndex)
		md.kernel = setsKernel(md.IonicSets, md.IonicIndex, opt.Dt)
		for i := range md.V {
			md.V[i] = md.IonicSets[md.IonicIndex[i]].Rest(md.S[i*ns : (i+1)*ns])
		}
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
		md.sl = newSell(combine(k, mass, -opt.Dt, true), md.ranges)
	case CrankNicolson:
		md.a = newSell(combine(k, mass, -opt.Dt/2, false), []int{0, len(m.Points)})
		md.cg = NewCG(combine(k, mass, opt.Dt/2, false), tol, maxIter)
	case BackwardEuler:
		md.cg = NewCG(combine(k, mass, opt.Dt, false), tol, maxIter)
	default:
		return nil, fmt.Errorf("atrial: unknown scheme %v", opt.Scheme)
	}
	return md, nil
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

// Dt returns the time step in ms.
func (md *Monodomain) Dt() float64 { return md.dt }

// Time returns the current time in ms: the number of steps taken times dt.
func (md *Monodomain) Time() float64 { return float64(md.n) * md.dt }

// Step advances the solution by one time step: the ionic model and the
// stimulus, then diffusion. Pacing sites act when active at the middle of
// the step. It returns an error only when the CG solver fails.
//
// The explicit scheme fuses the two sub-steps into one pass over each
// worker's node range when no pacing site is active: the ionic update runs
// a chunk ahead of the row of I − dt·M⁻¹K that reads it, so the updated
// potentials are read from cache; the few rows that read another worker's
// nodes (seams) follow once every worker is done. Every row's arithmetic is
// the same as in the unfused order, so the result is bit-identical for any
// number of workers.
func (md *Monodomain) Step() error {
	tm := md.Time() + md.dt/2
	md.stimNow = false
	for i := range md.sites {
		md.stimNow = md.stimNow || md.sites[i].Active(tm)
	}
	if md.scheme == Explicit && !md.stimNow {
		md.run(md.fusedFn)
		md.seamRows()
		md.V, md.buf = md.buf, md.V
		md.n++
		return nil
	}
	md.run(md.ionicFn)
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
		md.run(md.explicitFn)
		md.V, md.buf = md.buf, md.V
	case CrankNicolson:
		md.a.mulVec(md.buf, md.V)
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

// checkIonicSets checks per-node ionic sets (see Options.IonicSets) on n
// nodes and returns the model of the monodomain: ion, or sets[0].
func checkIonicSets(ion ionic.Model, sets []ionic.Model, index []uint8, n int) (ionic.Model, error) {
	if sets == nil {
		if index != nil {
			return nil, fmt.Errorf("atrial: IonicIndex given without IonicSets")
		}
		if ion == nil {
			return nil, fmt.Errorf("atrial: no ionic model")
		}
		return ion, nil
	}
	if len(sets) == 0 || len(sets) > 256 {
		return nil, fmt.Errorf("atrial: %d ionic sets; expected 1 to 256", len(sets))
	}
	if len(index) != n {
		return nil, fmt.Errorf("atrial: IonicIndex has %d entries for %d nodes", len(index), n)
	}
	same := func(a, b ionic.Model) bool {
		return reflect.TypeOf(a) == reflect.TypeOf(b) && a.NumStates() == b.NumStates()
	}
	for k, s := range sets {
		if s == nil {
			return nil, fmt.Errorf("atrial: ionic set %d is nil", k)
		}
		if !same(s, sets[0]) {
			return nil, fmt.Errorf("atrial: ionic set %d is %s (%T, %d states) and set 0 is %s (%T, %d states); all sets must be the same model",
				k, s.Name(), s, s.NumStates(), sets[0].Name(), sets[0], sets[0].NumStates())
		}
	}
	if ion != nil && !same(ion, sets[0]) {
		return nil, fmt.Errorf("atrial: ionic model %s (%T, %d states) differs from the ionic sets' %s (%T, %d states)",
			ion.Name(), ion, ion.NumStates(), sets[0].Name(), sets[0], sets[0].NumStates())
	}
	for i, k := range index {
		if int(k) >= len(sets) {
			return nil, fmt.Errorf("atrial: node %d has ionic set %d of %d", i, k, len(sets))
		}
	}
	return sets[0], nil
}

// setsKernel returns the ionic step over a node range with per-node sets:
// each set's own kernel (ionic.KernelOf; sets of one model share their
// lookup tables) on each run of nodes with equal index. The runs are found
// once here; a call finds its first run by binary search and allocates
// nothing.
func setsKernel(sets []ionic.Model, index []uint8, dt float64) ionic.Kernel {
	kernels := make([]ionic.Kernel, len(sets))
	for k, s := range sets {
		kernels[k] = ionic.KernelOf(s, dt)
	}
	if len(sets) == 1 {
		return kernels[0]
	}
	var starts []int32 // run r is [starts[r], starts[r+1]) with set of[r]
	var of []uint8
	for i, k := range index {
		if i == 0 || k != index[i-1] {
			starts = append(starts, int32(i))
			of = append(of, k)
		}
	}
	return func(v, s []float64, lo, hi int) {
		r, found := slices.BinarySearch(starts, int32(lo))
		if !found {
			r--
		}
		for lo < hi {
			end := hi
			if r+1 < len(starts) {
				end = min(hi, int(starts[r+1]))
			}
			kernels[of[r]](v, s, lo, end)
			lo = end
			r++
		}
	}
}

func (md *Monodomain) ionicRange(k int) {
	md.kernel(md.V, md.S, md.ranges[k], md.ranges[k+1])
}

// explicitRange computes buf = A·V on worker k's rows.
func (md *Monodomain) explicitRange(k int) {
	md.sl.rows(md.buf, md.V, md.sl.first[k], md.sl.first[k+1], md.sl.all)
}

// fusedRange is the explicit step on worker k's rows in one pass: the
// ionic model is advanced in chunks of at least fusedChunk nodes just
// ahead of the slices of rows that read the new potentials (a slice
// waits until every column its rows read is done), and each run of ready
// slices is one call of sell.rows; rows that read a node of another
// worker's range are left to seamRows.
func (md *Monodomain) fusedRange(k int) {
	sl := md.sl
	x, dst, s := md.V, md.buf, md.S
	lo, hi := md.ranges[k], md.ranges[k+1]
	done := lo // the ionic step is done on [lo, done)
	ready := sl.first[k]
	for j := sl.first[k]; j < sl.first[k+1]; j++ {
		if last := int(sl.last[j]); last >= done {
			sl.rows(dst, x, ready, j, sl.main)
			ready = j
			next := min(hi, max(last+1, done+fusedChunk))
			md.kernel(x, s, done, next)
			done = next
		}
	}
	sl.rows(dst, x, ready, sl.first[k+1], sl.main)
	if done < hi {
		md.kernel(x, s, done, hi)
	}
}

// fusedChunk is the smallest number of nodes the fused pass advances the
// ionic model by at a time (≈ 16 KB of V and a one-variable state).
const fusedChunk = 1024

// seamRows finishes the fused step: the rows that read nodes of another
// worker's range.
func (md *Monodomain) seamRows() {
	sl := md.sl
	for _, i := range sl.seam {
		sl.rows(md.buf, md.V, int(i), int(i)+1, sl.seams)
	}
}

// run calls fn(k) for every worker k, on the persistent goroutines.
// ForRanges calls fn on the solver's node ranges ([lo, hi) per worker, on
// the worker goroutines, the calling one included) and returns when all
// are done: for per-node work after a step (e.g. Activations.RecordWith)
// at the solver's parallelism. fn must only touch its nodes. It does not
// allocate.
func (md *Monodomain) ForRanges(fn func(lo, hi int)) {
	md.rangeFn = fn
	md.run(md.forRangeFn)
	md.rangeFn = nil
}

func (md *Monodomain) forRange(k int) { md.rangeFn(md.ranges[k], md.ranges[k+1]) }

func (md *Monodomain) run(fn func(k int)) {
	if md.pool == nil {
		fn(0)
		return
	}
	md.pool.run(fn)
}
