package analysis

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

// Electrode is one recording point of an electrogram.
type Electrode struct {
	Name     string
	Position mgl64.Vec3 // mm
}

// EGMOptions are the constants of the electrogram integral; zero values
// take the defaults.
type EGMOptions struct {
	// BathSigma is the conductivity σ_b of the medium around the tissue
	// (blood), mS/mm (= S/m); zero means 1. The potentials scale as 1/σ_b.
	BathSigma float64
	// WallMM is the tissue thickness given to a triangle (surface) mesh,
	// whose elements become slabs of their area times WallMM; zero means
	// 1 mm (assumed, not from a source: give the patient's wall thickness
	// where it is known). The potentials scale linearly with it. Ignored on
	// tetrahedra.
	WallMM float64
}

// LeadField computes unipolar extracellular potentials at electrodes from
// the membrane potential of a tissue, by the integral approximation of
// Gima & Rudy (2002, Circ Res 90:889) in an unbounded homogeneous medium
// of conductivity σ_b:
//
//	φ_e(x) = −1/(4π·σ_b) · ∫_Ω (σ∇V_m)·∇_y(1/|x − y|) dy
//
// with σ the tissue's conductivity tensor (the run's monodomain σ: the
// bidomain's σ_i would scale the amplitude by (σ_i + σ_e)/σ_e) and ∇V_m
// the gradient of the P1 interpolant, constant on each element. Units: x
// in mm, σ in mS/mm, V_m in mV, φ_e in mV. This is the source form
// ∇·(σ_b∇φ_e) = −∇·(σ∇V_m) integrated by parts with no current leaving
// the tissue, so Σ over a wave of its equivalent dipoles.
//
// Since ∇V_m is linear in the nodal potentials, φ_e(x_k) = Σ_j W_kj·V_j
// with a weight (the lead field) per electrode k and node j, computed once
// by NewLeadField:
//
//	W_kj = −1/(4π·σ_b) · Σ_{e ∋ j} |e|·(σ_e ∇N_j)·Q_e(x_k),
//	Q_e(x) = 1/|e| · ∫_e (x − y)/|x − y|³ dy,
//
// Q_e by the centroid rule where x is more than 5 element diameters away,
// and by recursive subdivision into 4 (triangles) or 8 (tetrahedra)
// children nearer (down to 10 levels). An electrode on the tissue itself
// sees a singular integrand: keep electrodes off it by about half an
// element or more. Rows of W sum to zero, so a uniform potential gives no
// signal. Weights are stored in float32 (relative error 6·10⁻⁸, far below
// the quadrature's), so Potentials reads half the memory.
type LeadField struct {
	Electrodes []Electrode
	n          int
	w          []float32 // electrode-major, len(Electrodes)·n
}

// NewLeadField computes the lead field of the electrodes on mesh m whose
// element e has conductivity sigma(e) (mS/mm).
func NewLeadField(m *mesh.Mesh, sigma func(e int) mesh.Conductivity, electrodes []Electrode, opt EGMOptions) (*LeadField, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	sb, wall := opt.BathSigma, opt.WallMM
	if sb == 0 {
		sb = 1
	}
	if wall == 0 {
		wall = 1
	}
	if !(sb > 0) || !(wall > 0) || math.IsInf(sb, 0) || math.IsInf(wall, 0) {
		return nil, fmt.Errorf("atrial: electrograms need a positive, finite bath σ (%g mS/mm) and wall thickness (%g mm)", sb, wall)
	}
	for i, el := range electrodes {
		for _, x := range el.Position {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("atrial: electrode %d (%s) has a non-finite position %v", i, el.Name, el.Position)
			}
		}
	}
	k := int(m.Kind)
	ne := m.NumCells()
	// Per element: a_i = −|e|/(4πσ_b)·σ_e∇N_i for its nodes, its corners.
	a := make([]mgl64.Vec3, ne*k)
	var g [4]mgl64.Vec3
	for e := range ne {
		vol, err := m.BasisGradients(e, g[:k])
		if err != nil {
			return nil, err
		}
		if m.Kind == mesh.Triangle {
			vol *= wall
		}
		t, err := m.Tensor(e, sigma(e))
		if err != nil {
			return nil, err
		}
		c := -vol / (4 * math.Pi * sb)
		for i := range k {
			a[e*k+i] = t.Mul3x1(g[i]).Mul(c)
		}
	}
	// Per element: its centroid and squared diameter, for the far-field test.
	cen := make([]mgl64.Vec3, ne)
	diam2 := make([]float64, ne)
	for e := range ne {
		c := m.Cell(e)
		var s mgl64.Vec3
		for i, v := range c {
			p := m.Points[v]
			s = s.Add(p)
			for _, u := range c[i+1:] {
				d := p.Sub(m.Points[u])
				diam2[e] = max(diam2[e], d.Dot(d))
			}
		}
		cen[e] = s.Mul(1 / float64(k))
	}
	lf := &LeadField{Electrodes: slices.Clone(electrodes), n: len(m.Points), w: make([]float32, len(electrodes)*len(m.Points))}
	// Rows are independent: compute them in blocks of up to egmBlock
	// electrodes per pass over the elements (the element data are read once
	// per block) on a few goroutines, each row wholly by one and with the
	// same arithmetic whatever the block, so the result does not depend on
	// the blocking or the number of goroutines.
	nb := (len(electrodes) + egmBlock - 1) / egmBlock
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(4, max(1, nb)) {
		wg.Go(func() {
			rows := make([]float64, len(m.Points)*egmBlock) // node-major: rows[v·egmBlock + b]
			var corners [4]mgl64.Vec3
			for blk := range next {
				lo, hi := blk*egmBlock, min(len(electrodes), (blk+1)*egmBlock)
				clear(rows)
				for e := range ne {
					c := m.Cell(e)
					ce, far2 := cen[e], 25*diam2[e]
					ae := a[e*k : e*k+k]
					for b := range hi - lo {
						x := electrodes[lo+b].Position
						var q mgl64.Vec3
						// the centroid rule, as kernelMean takes it far away
						r0, r1, r2 := x[0]-ce[0], x[1]-ce[1], x[2]-ce[2]
						if d2 := r0*r0 + r1*r1 + r2*r2; d2 > far2 {
							f := 1 / (d2 * math.Sqrt(d2))
							q = mgl64.Vec3{r0 * f, r1 * f, r2 * f}
						} else {
							for i, v := range c {
								corners[i] = m.Points[v]
							}
							q = kernelMean(x, corners[:k], 10)
						}
						for i, v := range c {
							rows[v*egmBlock+b] += ae[i][0]*q[0] + ae[i][1]*q[1] + ae[i][2]*q[2]
						}
					}
				}
				for b := range hi - lo {
					w := lf.w[(lo+b)*lf.n : (lo+b+1)*lf.n]
					for j := range w {
						w[j] = float32(rows[j*egmBlock+b])
					}
				}
			}
		})
	}
	for blk := range nb {
		next <- blk
	}
	close(next)
	wg.Wait()
	return lf, nil
}

// egmBlock is the number of electrodes whose lead-field rows one pass over
// the elements computes.
const egmBlock = 8

// kernelMean returns the mean over the simplex with the given corners
// (3: triangle, 4: tetrahedron) of (x − y)/|x − y|³, by the centroid rule
// where x is more than 5 diameters from the centroid and by subdivision
// into equal-measure children otherwise (at most depth more levels).
func kernelMean(x mgl64.Vec3, p []mgl64.Vec3, depth int) mgl64.Vec3 {
	var c mgl64.Vec3
	for _, q := range p {
		c = c.Add(q)
	}
	c = c.Mul(1 / float64(len(p)))
	r := x.Sub(c)
	d2 := r.Dot(r)
	diam2 := 0.0
	for i := range p {
		for j := i + 1; j < len(p); j++ {
			e := p[i].Sub(p[j])
			diam2 = max(diam2, e.Dot(e))
		}
	}
	if depth == 0 || d2 > 25*diam2 {
		if d2 == 0 {
			return mgl64.Vec3{}
		}
		return r.Mul(1 / (d2 * math.Sqrt(d2)))
	}
	mid := func(i, j int) mgl64.Vec3 { return p[i].Add(p[j]).Mul(0.5) }
	var s mgl64.Vec3
	if len(p) == 3 {
		m01, m12, m20 := mid(0, 1), mid(1, 2), mid(2, 0)
		for _, t := range [4][3]mgl64.Vec3{{p[0], m01, m20}, {m01, p[1], m12}, {m20, m12, p[2]}, {m01, m12, m20}} {
			s = s.Add(kernelMean(x, t[:], depth-1))
		}
		return s.Mul(0.25)
	}
	// Tetrahedron: four corner tetrahedra and the inner octahedron cut
	// along its diagonal m02–m13 into four; all eight have 1/8 the volume.
	m01, m02, m03, m12, m13, m23 := mid(0, 1), mid(0, 2), mid(0, 3), mid(1, 2), mid(1, 3), mid(2, 3)
	kids := [8][4]mgl64.Vec3{
		{p[0], m01, m02, m03}, {m01, p[1], m12, m13}, {m02, m12, p[2], m23}, {m03, m13, m23, p[3]},
		{m02, m13, m01, m03}, {m02, m13, m01, m12}, {m02, m13, m23, m03}, {m02, m13, m23, m12},
	}
	for _, t := range kids {
		s = s.Add(kernelMean(x, t[:], depth-1))
	}
	return s.Mul(0.125)
}

// NumNodes returns the number of tissue nodes the lead field weighs.
func (lf *LeadField) NumNodes() int { return lf.n }

// Weights returns electrode k's row of the lead field (a view; float32).
func (lf *LeadField) Weights(k int) []float32 { return lf.w[k*lf.n : (k+1)*lf.n : (k+1)*lf.n] }

// Potentials writes into dst (one per electrode) the unipolar potentials
// (mV) of the membrane potentials v (mV, one per node). It does not
// allocate.
func (lf *LeadField) Potentials(dst, v []float64) {
	lf.PotentialsRange(dst, v, 0, len(lf.Electrodes))
}

// PotentialsRange is Potentials for electrodes [lo, hi) only: disjoint
// ranges may run on different goroutines, and each electrode's sum is the
// same whichever range computes it.
func (lf *LeadField) PotentialsRange(dst, v []float64, lo, hi int) {
	v = v[:lf.n]
	for k := lo; k < hi; k++ {
		w := lf.w[k*lf.n : (k+1)*lf.n]
		w = w[:len(v)]
		var s0, s1, s2, s3 float64
		j := 0
		for ; j+3 < len(v); j += 4 {
			s0 += float64(w[j]) * v[j]
			s1 += float64(w[j+1]) * v[j+1]
			s2 += float64(w[j+2]) * v[j+2]
			s3 += float64(w[j+3]) * v[j+3]
		}
		for ; j < len(v); j++ {
			s0 += float64(w[j]) * v[j]
		}
		dst[k] = (s0 + s1) + (s2 + s3)
	}
}

// EGMActivations returns the activation times (ms) of a unipolar
// electrogram phi sampled at times t (increasing): the instants of
// steepest negative slope (the intrinsic deflection; e.g. Spach & Dolber
// 1986), which in the model coincide with the upstroke of the tissue under
// the electrode. The slope is the central difference at each interior
// sample; a sample is an activation when its slope is a local minimum at
// least as steep as frac (in (0, 1]) of the record's steepest slope —
// weaker deflections are far-field — and no steeper activation lies within
// blank ms of it. Each time is refined within its sample by the parabola
// through the three slopes around it. None when the record never falls.
func EGMActivations(t, phi []float64, frac, blank float64) []float64 {
	n := len(t)
	if n < 3 || len(phi) != n {
		return nil
	}
	s := make([]float64, n)
	steepest := 0.0
	for i := 1; i < n-1; i++ {
		s[i] = (phi[i+1] - phi[i-1]) / (t[i+1] - t[i-1])
		steepest = min(steepest, s[i])
	}
	if !(steepest < 0) {
		return nil
	}
	var cand []int
	for i := 1; i < n-1; i++ {
		left := i == 1 || s[i] <= s[i-1]
		right := i == n-2 || s[i] < s[i+1]
		if left && right && s[i] <= frac*steepest {
			cand = append(cand, i)
		}
	}
	slices.SortStableFunc(cand, func(a, b int) int {
		switch {
		case s[a] < s[b]:
			return -1
		case s[a] > s[b]:
			return 1
		}
		return 0
	})
	var times []float64
	var kept []int
	for _, i := range cand {
		if slices.ContainsFunc(kept, func(j int) bool { return math.Abs(t[i]-t[j]) < blank }) {
			continue
		}
		kept = append(kept, i)
		tc := t[i]
		if i > 1 && i < n-2 {
			den := s[i-1] - 2*s[i] + s[i+1]
			if den > 0 {
				off := 0.5 * (s[i-1] - s[i+1]) / den // in samples, within (−½, ½)
				dt := (t[i+1] - t[i-1]) / 2
				tc += off * dt
			}
		}
		times = append(times, tc)
	}
	slices.Sort(times)
	return times
}
