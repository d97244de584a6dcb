package brain

import (
	"fmt"
	"math"
)

// EpileptorCodim3 is the codimension-3 Epileptor of Saggio et al. (2017,
// J Math Neurosci 7:7; the model behind the taxonomy of seizure dynamotypes,
// Saggio et al. 2020, eLife 9:e55632), in the form of TVB's
// EpileptorCodim3 (models/epileptorcodim3.py; equations re-implemented). The
// fast subsystem (x, y) is the unfolding of a degenerate Takens–Bogdanov
// singularity of codimension 3 (Saggio 2017 eq. 4); the slow variable z
// moves its parameters (μ2, −μ1, ν) along a great arc of the sphere of
// radius R from the offset point A to the onset point B (eq. 7):
//
//	x' = −y
//	y' = x³ − μ2·x − μ1 − y·(ν + b·x + x²)
//	z' = −c·( √((x − x_s)² + y²) − d* + [modification] 0.1·(z − 0.5)⁷ + Ks·c1 )
//	(μ2, −μ1, ν) = R·(E·cos z + F·sin z),  E = A/|A|,  F = ((A×B)×A)/|(A×B)×A|
//	A = (μ2_start, −μ1_start, ν_start),  B = (μ2_stop, −μ1_stop, ν_stop)
//
// x_s is the x of the resting state, a root of x³ − μ2·x − μ1 = 0 on branch
// N (see RestingX). While the region rests, |(x − x_s, y)| ≈ 0 < d* and z
// grows towards the onset point; during a seizure the distance exceeds d*
// and z falls back: a burster. TVB's defaults give class c2s (saddle-node
// onset, saddle-homoclinic offset): μ1_start −0.02285, μ2_start 0.3448,
// ν_start 0.2014, μ1_stop −0.07465, μ2_stop 0.3351, ν_stop 0.2053, b 1
// (focus), R 0.4, c 0.001, d* 0.3, Ks 0, N 1, modification on (1).
// Dimensionless time, taken as ms like the other masses. Coupling through x
// into z (Ks, TVB's permittivity coupling). The recorded signal is x; the
// seizure detector watches the distance from rest √((x − x_s)² + y²), the
// quantity z compares with d*, as dist/d* − 1.5 (see ictalScale).
type EpileptorCodim3 struct {
	Mu1Start, Mu2Start, NuStart, Mu1Stop, Mu2Stop, NuStop float64
	B, R, C, Dstar, Ks, N, Modification                   float64
	arc                                                   codim3Arc
}

// codim3Arc is the unit vectors E, F of the arc for the path (A, B) they
// were computed from.
type codim3Arc struct {
	a, b [3]float64
	e, f [3]float64
}

// unitArc returns E = A/|A| and F = ((A×B)×A)/|(A×B)×A|.
func unitArc(a, b [3]float64) (e, f [3]float64) {
	f = cross(cross(a, b), a)
	na, nf := norm3(a), norm3(f)
	for k := range e {
		e[k], f[k] = a[k]/na, f[k]/nf
	}
	return e, f
}

func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func norm3(a [3]float64) float64 { return math.Sqrt(a[0]*a[0] + a[1]*a[1] + a[2]*a[2]) }

// NewEpileptorCodim3 returns TVB's defaults (class c2s).
func NewEpileptorCodim3() *EpileptorCodim3 {
	return &EpileptorCodim3{Mu1Start: -0.02285, Mu2Start: 0.3448, NuStart: 0.2014, Mu1Stop: -0.07465, Mu2Stop: 0.3351, NuStop: 0.2053,
		B: 1, R: 0.4, C: 0.001, Dstar: 0.3, Ks: 0, N: 1, Modification: 1}
}

func (m *EpileptorCodim3) params() []massParam {
	return []massParam{{"mu1_start", &m.Mu1Start}, {"mu2_start", &m.Mu2Start}, {"nu_start", &m.NuStart},
		{"mu1_stop", &m.Mu1Stop}, {"mu2_stop", &m.Mu2Stop}, {"nu_stop", &m.NuStop}, {"b", &m.B}, {"R", &m.R}, {"c", &m.C},
		{"dstar", &m.Dstar}, {"Ks", &m.Ks}, {"N", &m.N}, {"modification", &m.Modification}}
}

func (*EpileptorCodim3) VarNames() []string  { return []string{"x", "y", "z"} }
func (*EpileptorCodim3) CouplingVars() []int { return []int{0} }
func (*EpileptorCodim3) NoiseVars() []int    { return []int{0, 1} }
func (*EpileptorCodim3) MaxDt() float64      { return 0.1 }

// unit returns the arc's E and F for the current path, recomputed when the
// start or stop point changed.
func (m *EpileptorCodim3) unit() (e, f [3]float64) {
	a := [3]float64{m.Mu2Start, -m.Mu1Start, m.NuStart}
	b := [3]float64{m.Mu2Stop, -m.Mu1Stop, m.NuStop}
	if a != m.arc.a || b != m.arc.b || m.arc.e == ([3]float64{}) {
		m.arc.a, m.arc.b = a, b
		m.arc.e, m.arc.f = unitArc(a, b)
	}
	return m.arc.e, m.arc.f
}

// check refuses a branch other than 1, 2 or 3, a modification other than 0
// or 1, and a degenerate path (A = 0, or A and B parallel).
func (m *EpileptorCodim3) check() error {
	if err := checkBranch(m.N, m.Modification); err != nil {
		return err
	}
	e, f := m.unit()
	if !finite3(e) || !finite3(f) {
		return fmt.Errorf("the path from (mu1_start, mu2_start, nu_start) to (mu1_stop, mu2_stop, nu_stop) is degenerate (a zero or parallel point), expected two non-parallel points")
	}
	return nil
}

// checkBranch refuses a resting branch N other than 1, 2 or 3 and a
// modification other than 0 or 1 (both codimension-3 masses take them).
func checkBranch(n, modification float64) error {
	if n != 1 && n != 2 && n != 3 {
		return fmt.Errorf("N = %g, expected the resting branch 1, 2 or 3", n)
	}
	if modification != 0 && modification != 1 {
		return fmt.Errorf("modification = %g, expected 0 (off) or 1 (on)", modification)
	}
	return nil
}

func finite3(v [3]float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// RestingX returns x_s, TVB's resting x on branch N (1, 2 or 3) of
// x³ − μ2·x − μ1 = 0: the real part of Cardano's formula with principal
// complex cube roots, u = (μ1/2 + √D)^(1/3), v = (μ1/2 − √D)^(1/3),
// D = μ1²/4 − μ2³/27:
//
//	N = 1: u + v      N = 2: −½(1 − i√3)·u − ½(1 + i√3)·v      N = 3: −½(1 + i√3)·u − ½(1 − i√3)·v
//
// With three real roots (D < 0) branch 1 is the largest root, 2 the
// smallest and 3 the middle one (TestCodim3RestingX). With one (D ≥ 0) the
// principal cube root of a negative number is not real, and the real part
// is TVB's value, not a root; we keep TVB's definition.
//
// It is computed in real arithmetic (TestRestingXCardano compares it with
// the complex formula). For D < 0, v = ū, so with u = ρ·e^(iφ),
// ρ = (μ2/3)^(1/2), φ = arg(μ1/2 + i√−D)/3, the three values are 2ρ·cos φ,
// −ρ·(cos φ + √3·sin φ) and −ρ·(cos φ − √3·sin φ). For D ≥ 0, u and v are
// cube roots of real numbers a, principal: ∛a for a ≥ 0, ∛|a|·e^(iπ/3)
// for a < 0.
func RestingX(mu1, mu2 float64, branch int) float64 {
	const s3 = 1.7320508075688772 // √3
	d := mu1*mu1/4 - mu2*mu2*mu2/27
	if d < 0 {
		rho := math.Sqrt(mu1*mu1/4 - d)
		rho = math.Cbrt(rho)
		s, c := math.Sincos(math.Atan2(math.Sqrt(-d), mu1/2) / 3)
		switch branch {
		case 2:
			return -rho * (c + s3*s)
		case 3:
			return -rho * (c - s3*s)
		}
		return 2 * rho * c
	}
	sq := math.Sqrt(d)
	ur, ui := principalCbrt(mu1/2 + sq)
	vr, vi := principalCbrt(mu1/2 - sq)
	switch branch {
	case 2: // Re(−½(1 − i√3)(ur + i·ui) − ½(1 + i√3)(vr + i·vi))
		return -0.5*(ur+s3*ui) - 0.5*(vr-s3*vi)
	case 3: // Re(−½(1 + i√3)(ur + i·ui) − ½(1 − i√3)(vr + i·vi))
		return -0.5*(ur-s3*ui) - 0.5*(vr+s3*vi)
	}
	return ur + vr
}

// principalCbrt returns the principal complex cube root of the real a:
// ∛a for a ≥ 0, ∛|a|·(½ + i·√3/2) for a < 0.
func principalCbrt(a float64) (re, im float64) {
	if a >= 0 {
		return math.Cbrt(a), 0
	}
	r := math.Cbrt(-a)
	return r / 2, r * 1.7320508075688772 / 2
}

// codim3Rates is the right-hand side of one region on the arc (e, f).
func codim3Rates(x, y, z, c1 float64, e, f [3]float64, r, b, c, dstar, ks, mod float64, branch int) (dx, dy, dz float64) {
	cz, sz := math.Cos(z), math.Sin(z)
	mu2 := r * (e[0]*cz + f[0]*sz)
	mu1 := -r * (e[1]*cz + f[1]*sz)
	nu := r * (e[2]*cz + f[2]*sz)
	xs := RestingX(mu1, mu2, branch)
	dx = -y
	dy = x*x*x - mu2*x - mu1 - y*(nu+b*x+x*x)
	zm := z - 0.5
	zm2 := zm * zm
	dz = -c * (math.Sqrt((x-xs)*(x-xs)+y*y) - dstar + mod*0.1*zm2*zm2*zm2*zm + ks*c1)
	return dx, dy, dz
}

// restDistance is √((x − x_s)² + y²) on the arc (e, f).
func restDistance(x, y, z float64, e, f [3]float64, r float64, branch int) float64 {
	cz, sz := math.Cos(z), math.Sin(z)
	xs := RestingX(-r*(e[1]*cz+f[1]*sz), r*(e[0]*cz+f[0]*sz), branch)
	return math.Sqrt((x-xs)*(x-xs) + y*y)
}

// Drift evaluates the model for n regions.
func (m *EpileptorCodim3) Drift(dst, x, c []float64, n int) {
	e, f := m.unit()
	br := int(m.N)
	for i := 0; i < n; i++ {
		dst[i], dst[n+i], dst[2*n+i] = codim3Rates(x[i], x[n+i], x[2*n+i], c[i], e, f, m.R, m.B, m.C, m.Dstar, m.Ks, m.Modification, br)
	}
}

// Rest sets every region to rest at the offset point A (z = 0): x = x_s,
// y = 0.
func (m *EpileptorCodim3) Rest(x []float64, n int) {
	e, _ := m.unit()
	xs := RestingX(-m.R*e[1], m.R*e[0], int(m.N))
	for i := 0; i < n; i++ {
		x[i], x[n+i], x[2*n+i] = xs, 0, 0
	}
}

// Signal is x.
func (*EpileptorCodim3) Signal(dst, x []float64, n int) { copy(dst[:n], x[:n]) }

// Ictal is the distance from rest in units of d*, shifted so that the
// detector's default thresholds mean the model's own criterion (see
// ictalScale).
func (m *EpileptorCodim3) Ictal(dst, x []float64, n int) {
	e, f := m.unit()
	for i := 0; i < n; i++ {
		dst[i] = restDistance(x[i], x[n+i], x[2*n+i], e, f, m.R, int(m.N))/ictalScale(m.Dstar) - 1.5
	}
}

// ictalScale is the distance from rest that the ictal variable of the
// codimension-3 Epileptor counts in: d* (TVB's default 0.3), or 0.3 when d*
// is below 0.01. The ictal variable dist/scale − 1.5 is −1.5 at rest and
// crosses the detector's default onset threshold −0.5 when the distance
// exceeds d*, where the slow variable turns back (a seizure), and its
// offset threshold −1 when it falls below d*/2. The 0.01 floor, its 0.3
// fallback and the −1.5 shift are mdtwin's choices (assumed, from no
// paper): they make the onset detector's default thresholds read the
// model's own seizure criterion, and keep the scale positive.
func ictalScale(dstar float64) float64 {
	if dstar < 0.01 {
		return 0.3
	}
	return dstar
}

// EpileptorCodim3SlowMod is EpileptorCodim3 with an ultra-slow modulation
// of the path (Saggio 2017, p. 21; TVB's EpileptorCodim3SlowMod): the
// offset and onset points themselves move along great arcs of the same
// sphere, so the burster changes class over time. State (x, y, z, uA, uB):
//
//	A = R·(G·cos uA + H·sin uA),  G, H the unit arc vectors of (Ain, Aend)
//	B = R·(L·cos uB + M·sin uB),  L, M those of (Bin, Bend)
//	uA' = cA,  uB' = cB
//
// and x, y, z as EpileptorCodim3 on the arc from A to B. TVB's defaults:
// Ain (μ1 0.05494, μ2 0.2731, ν 0.287), Bin (−0.0461, 0.243, 0.3144),
// Aend (0.06485, 0.07337, −0.3878), Bend (0.03676, −0.02792, −0.3973), b 1,
// R 0.4, c 0.002, cA 0.0001, cB 0.00012, d* 0.3, Ks 0, N 1, modification 1.
type EpileptorCodim3SlowMod struct {
	Mu1Ain, Mu2Ain, NuAin, Mu1Bin, Mu2Bin, NuBin       float64
	Mu1Aend, Mu2Aend, NuAend, Mu1Bend, Mu2Bend, NuBend float64
	B, R, C, CA, CB, Dstar, Ks, N, Modification        float64
}

// NewEpileptorCodim3SlowMod returns TVB's defaults.
func NewEpileptorCodim3SlowMod() *EpileptorCodim3SlowMod {
	return &EpileptorCodim3SlowMod{Mu1Ain: 0.05494, Mu2Ain: 0.2731, NuAin: 0.287, Mu1Bin: -0.0461, Mu2Bin: 0.243, NuBin: 0.3144,
		Mu1Aend: 0.06485, Mu2Aend: 0.07337, NuAend: -0.3878, Mu1Bend: 0.03676, Mu2Bend: -0.02792, NuBend: -0.3973,
		B: 1, R: 0.4, C: 0.002, CA: 0.0001, CB: 0.00012, Dstar: 0.3, Ks: 0, N: 1, Modification: 1}
}

func (m *EpileptorCodim3SlowMod) params() []massParam {
	return []massParam{{"mu1_Ain", &m.Mu1Ain}, {"mu2_Ain", &m.Mu2Ain}, {"nu_Ain", &m.NuAin}, {"mu1_Bin", &m.Mu1Bin}, {"mu2_Bin", &m.Mu2Bin},
		{"nu_Bin", &m.NuBin}, {"mu1_Aend", &m.Mu1Aend}, {"mu2_Aend", &m.Mu2Aend}, {"nu_Aend", &m.NuAend}, {"mu1_Bend", &m.Mu1Bend},
		{"mu2_Bend", &m.Mu2Bend}, {"nu_Bend", &m.NuBend}, {"b", &m.B}, {"R", &m.R}, {"c", &m.C}, {"cA", &m.CA}, {"cB", &m.CB},
		{"dstar", &m.Dstar}, {"Ks", &m.Ks}, {"N", &m.N}, {"modification", &m.Modification}}
}

func (*EpileptorCodim3SlowMod) VarNames() []string  { return []string{"x", "y", "z", "uA", "uB"} }
func (*EpileptorCodim3SlowMod) CouplingVars() []int { return []int{0} }
func (*EpileptorCodim3SlowMod) NoiseVars() []int    { return []int{0, 1} }
func (*EpileptorCodim3SlowMod) MaxDt() float64      { return 0.1 }

// paths returns the unit vectors (G, H) and (L, M) of the two slow arcs.
func (m *EpileptorCodim3SlowMod) paths() (g, h, l, mm [3]float64) {
	g, h = unitArc([3]float64{m.Mu2Ain, -m.Mu1Ain, m.NuAin}, [3]float64{m.Mu2Aend, -m.Mu1Aend, m.NuAend})
	l, mm = unitArc([3]float64{m.Mu2Bin, -m.Mu1Bin, m.NuBin}, [3]float64{m.Mu2Bend, -m.Mu1Bend, m.NuBend})
	return
}

// arcAt returns E, F of the path from A(uA) to B(uB).
func (m *EpileptorCodim3SlowMod) arcAt(uA, uB float64, g, h, l, mm [3]float64) (e, f [3]float64) {
	var a, b [3]float64
	ca, sa, cb, sb := math.Cos(uA), math.Sin(uA), math.Cos(uB), math.Sin(uB)
	for k := 0; k < 3; k++ {
		a[k] = m.R * (g[k]*ca + h[k]*sa)
		b[k] = m.R * (l[k]*cb + mm[k]*sb)
	}
	return unitArc(a, b)
}

// check as EpileptorCodim3's.
func (m *EpileptorCodim3SlowMod) check() error {
	if err := checkBranch(m.N, m.Modification); err != nil {
		return err
	}
	g, h, l, mm := m.paths()
	if !finite3(g) || !finite3(h) || !finite3(l) || !finite3(mm) {
		return fmt.Errorf("the paths Ain→Aend or Bin→Bend are degenerate (a zero or parallel point), expected non-parallel points")
	}
	return nil
}

// Drift evaluates the model for n regions.
func (m *EpileptorCodim3SlowMod) Drift(dst, x, c []float64, n int) {
	g, h, l, mm := m.paths()
	br := int(m.N)
	for i := 0; i < n; i++ {
		e, f := m.arcAt(x[3*n+i], x[4*n+i], g, h, l, mm)
		dst[i], dst[n+i], dst[2*n+i] = codim3Rates(x[i], x[n+i], x[2*n+i], c[i], e, f, m.R, m.B, m.C, m.Dstar, m.Ks, m.Modification, br)
		dst[3*n+i], dst[4*n+i] = m.CA, m.CB
	}
}

// Rest sets every region to rest at the first offset point Ain (z = uA =
// uB = 0).
func (m *EpileptorCodim3SlowMod) Rest(x []float64, n int) {
	g, _, _, _ := m.paths()
	xs := RestingX(-m.R*g[1], m.R*g[0], int(m.N))
	for i := 0; i < n; i++ {
		x[i], x[n+i], x[2*n+i], x[3*n+i], x[4*n+i] = xs, 0, 0, 0, 0
	}
}

// Signal is x.
func (*EpileptorCodim3SlowMod) Signal(dst, x []float64, n int) { copy(dst[:n], x[:n]) }

// Ictal is as EpileptorCodim3's: the distance from rest in units of d*,
// minus 1.5.
func (m *EpileptorCodim3SlowMod) Ictal(dst, x []float64, n int) {
	g, h, l, mm := m.paths()
	for i := 0; i < n; i++ {
		e, f := m.arcAt(x[3*n+i], x[4*n+i], g, h, l, mm)
		dst[i] = restDistance(x[i], x[n+i], x[2*n+i], e, f, m.R, int(m.N))/ictalScale(m.Dstar) - 1.5
	}
}
