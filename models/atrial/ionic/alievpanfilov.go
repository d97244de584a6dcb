package ionic

import "math"

// AlievPanfilov is the two-variable model of Aliev & Panfilov (1996), Chaos
// Solitons Fractals 7:293, dimensionless (u, w) with the voltage mapped to mV
// as for MS, V = VMin + (VMax − VMin)·u, and model time t = t_ms/TimeScale:
//
//	du/dt = −k·u·(u − a)·(u − 1) − u·w
//	dw/dt = ε(u, w)·(−w − k·u·(u − a − 1)),   ε = ε0 + μ1·w/(u + μ2)
//
// With TimeScale 1 one model time unit is one millisecond (as in finitewave);
// about 12.9 ms per unit gives physiological durations (Aliev & Panfilov
// 1996, unverified). One state per node: w. Forward Euler for both.
type AlievPanfilov struct {
	K, A, Eps0, Mu1, Mu2 float64
	TimeScale            float64 // ms per model time unit
	VMin, VMax           float64 // mV
}

// DefaultAlievPanfilov returns the finitewave parameter set (a 0.1, k 8,
// ε0 0.01, μ1 0.2, μ2 0.3), TimeScale 1, V from −80 to 20 mV.
func DefaultAlievPanfilov() AlievPanfilov {
	return AlievPanfilov{K: 8, A: 0.1, Eps0: 0.01, Mu1: 0.2, Mu2: 0.3, TimeScale: 1, VMin: -80, VMax: 20}
}

// Name implements Model.
func (AlievPanfilov) Name() string { return NameAP }

// NumStates implements Model: the recovery variable w.
func (AlievPanfilov) NumStates() int { return 1 }

// Rest implements Model: u = w = 0.
func (m AlievPanfilov) Rest(s []float64) float64 {
	s[0] = 0
	return m.VMin
}

func (m AlievPanfilov) rates(u, w float64) (du, dw float64) {
	du = -m.K*u*(u-m.A)*(u-1) - u*w
	eps := m.Eps0 + m.Mu1*w/(u+m.Mu2)
	dw = eps * (-w - m.K*u*(u-m.A-1))
	return du / m.TimeScale, dw / m.TimeScale
}

// Deriv implements Model.
func (m AlievPanfilov) Deriv(ds []float64, v float64, s []float64) float64 {
	r := m.VMax - m.VMin
	du, dw := m.rates((v-m.VMin)/r, s[0])
	ds[0] = dw
	return r * du
}

// Step implements Model.
func (m AlievPanfilov) Step(s []float64, v, dt float64) float64 {
	r := m.VMax - m.VMin
	du, dw := m.rates((v-m.VMin)/r, s[0])
	s[0] += float64(dt * dw)
	return v + float64(dt*r*du)
}

// Kernel implements Kerneler: Step's arithmetic in a loop over the range,
// with no interface call per node.
// Where the CPU has AVX-512F, whole blocks of 8 nodes go through
// apStepAVX512 (alievpanfilov_amd64.s), the same operations in the same
// order on 8 lanes (no fused multiply–add), so the bits are the same
// (TestAlievPanfilovKernelAVX512). Step and the loop write float64(a*b) to
// round each product before it is added: a GOAMD64=v3 build would
// otherwise fuse the two into one FMA and differ from the assembly.
func (m AlievPanfilov) Kernel(dt float64) Kernel {
	r, vmin := m.VMax-m.VMin, m.VMin
	c := apConsts{vMin: vmin, r: r, negK: -m.K, a: m.A, one: 1, k: m.K, mu1: m.Mu1, mu2: m.Mu2, eps0: m.Eps0,
		ts: m.TimeScale, dt: dt, dtr: dt * r, sign: math.Copysign(0, -1)}
	return func(v, s []float64, lo, hi int) {
		v, s = v[lo:hi], s[lo:hi]
		s = s[:len(v)]
		if n := len(v) &^ 7; useAVX512 && n > 0 {
			apStepAVX512(&v[0], &s[0], n, &c)
			v, s = v[n:], s[n:]
		}
		for i, vi := range v {
			du, dw := m.rates((vi-vmin)/r, s[i])
			s[i] += float64(dt * dw)
			v[i] = vi + float64(dt*r*du)
		}
	}
}

// apConsts are the constants of apStepAVX512, each broadcast to 8 lanes
// (offsets 0, 8, … in this order).
type apConsts struct {
	vMin, r, negK, a, one, k, mu1, mu2, eps0, ts, dt, dtr float64
	sign                                                  float64 // −0: the sign bit, for −w
}
