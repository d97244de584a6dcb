package brain

import "unsafe"

// epiKernel is the argument block of epiDriftSSE2 (drift_amd64.s): the
// state, coupling, x0 and output arrays, the number of region pairs, and
// every parameter and constant twice (one per SSE2 lane). The assembly reads
// the fields at fixed offsets (pointers 0–112, pairs 120, pairs of float64
// from 128 on); TestEpileptorDriftSSE2 checks the layout by bit-identity.
type epiKernel struct {
	x1, y1, z, x2, y2, g, c1, c2, x0, d1, d2, d3, d4, d5, d6 *float64
	pairs                                                    int
	negA, b, slope, iext, kvf, tt, c, d, ttr, ks, aa, iext2  [2]float64
	bb, kf, tau, k06, k4, k01, k025, km025, k35, k03, km001  [2]float64
}

//go:noescape
func epiDriftSSE2(k *epiKernel)

// Offsets the assembly relies on.
var _ = [1]struct{}{}[unsafe.Offsetof(epiKernel{}.pairs)-120]
var _ = [1]struct{}{}[unsafe.Offsetof(epiKernel{}.negA)-128]
var _ = [1]struct{}{}[unsafe.Offsetof(epiKernel{}.km001)-480]

func pair(v float64) [2]float64 { return [2]float64{v, v} }

// epiKernel512 is the argument block of epiDriftAVX512 (drift512_amd64.s):
// the same fifteen arrays as epiKernel (offsets 0–112), the number of
// regions (120), then each parameter and constant once (from 128 on, in
// the order of the fields), broadcast to the eight lanes by the assembly.
type epiKernel512 struct {
	x1, y1, z, x2, y2, g, c1, c2, x0, d1, d2, d3, d4, d5, d6 *float64
	n                                                        int
	negA, b, slope, iext, kvf, tt, c, d, ttr, ks, aa, iext2  float64
	bb, kf, tau, k06, k4, k01, k025, km025, k35, k03, km001  float64
}

var _ = [1]struct{}{}[unsafe.Offsetof(epiKernel512{}.n)-120]
var _ = [1]struct{}{}[unsafe.Offsetof(epiKernel512{}.negA)-128]
var _ = [1]struct{}{}[unsafe.Offsetof(epiKernel512{}.km001)-304]

// driftSIMD evaluates the regions it can with a vector kernel and returns
// how many it did: all n with AVX-512 (useAVX512), else the first
// 4·⌊n/4⌋ with AVX2 (useAVX2, n ≥ 4), else the first 2·⌊n/2⌋ with SSE2.
func (e *Epileptor) driftSIMD(dst, x, c []float64, n int) int {
	if useAVX512 {
		if n == 0 {
			return 0
		}
		e.driftAVX512(dst, x, c, n)
		return n
	}
	if useAVX2 && n >= 4 {
		e.driftAVX2(dst, x, c, n)
		return n / 4 * 4
	}
	p := n / 2
	if p == 0 {
		return 0
	}
	k := epiKernel{
		x1: &x[0], y1: &x[n], z: &x[2*n], x2: &x[3*n], y2: &x[4*n], g: &x[5*n], c1: &c[0], c2: &c[n], x0: &e.X0[0],
		d1: &dst[0], d2: &dst[n], d3: &dst[2*n], d4: &dst[3*n], d5: &dst[4*n], d6: &dst[5*n],
		pairs: p,
		negA:  pair(-e.A), b: pair(e.B), slope: pair(e.Slope), iext: pair(e.Iext), kvf: pair(e.Kvf), tt: pair(e.Tt),
		c: pair(e.C), d: pair(e.D), ttr: pair(e.Tt * e.R), ks: pair(e.Ks), aa: pair(e.Aa), iext2: pair(e.Iext2),
		bb: pair(e.Bb), kf: pair(e.Kf), tau: pair(e.Tau), k06: pair(0.6), k4: pair(4), k01: pair(0.1), k025: pair(0.25),
		km025: pair(-0.25), k35: pair(3.5), k03: pair(0.3), km001: pair(-0.01),
	}
	epiDriftSSE2(&k)
	return 2 * p
}

// driftAVX512 evaluates all n ≥ 1 regions with the AVX-512 kernel. The
// kernel block is filled field by field in place (a composite literal was
// built aside and copied, a third of the call's cost).
func (e *Epileptor) driftAVX512(dst, x, c []float64, n int) {
	var k epiKernel512
	e.fillKernel512(&k, dst, x, c, n)
	epiDriftAVX512(&k)
}

// driftAVX2 evaluates the first 4·⌊n/4⌋ regions (n ≥ 1) with the AVX2
// kernel.
func (e *Epileptor) driftAVX2(dst, x, c []float64, n int) {
	var k epiKernel512
	e.fillKernel512(&k, dst, x, c, n)
	epiDriftAVX2(&k)
}

// fillKernel512 fills k, the kernel block of the AVX-512 and AVX2 drifts.
func (e *Epileptor) fillKernel512(k *epiKernel512, dst, x, c []float64, n int) {
	_, _, _ = dst[6*n-1], x[6*n-1], c[2*n-1]
	_ = e.X0[n-1]
	k.x1, k.y1, k.z, k.x2, k.y2, k.g = &x[0], &x[n], &x[2*n], &x[3*n], &x[4*n], &x[5*n]
	k.c1, k.c2, k.x0 = &c[0], &c[n], &e.X0[0]
	k.d1, k.d2, k.d3, k.d4, k.d5, k.d6 = &dst[0], &dst[n], &dst[2*n], &dst[3*n], &dst[4*n], &dst[5*n]
	k.n = n
	k.negA, k.b, k.slope, k.iext, k.kvf, k.tt = -e.A, e.B, e.Slope, e.Iext, e.Kvf, e.Tt
	k.c, k.d, k.ttr, k.ks, k.aa, k.iext2 = e.C, e.D, e.Tt*e.R, e.Ks, e.Aa, e.Iext2
	k.bb, k.kf, k.tau = e.Bb, e.Kf, e.Tau
	k.k06, k.k4, k.k01, k.k025, k.km025, k.k35, k.k03, k.km001 = 0.6, 4, 0.1, 0.25, -0.25, 3.5, 0.3, -0.01
}

//go:noescape
func epiDriftAVX2(k *epiKernel512)
