package brain

// axpy2SSE2 is axpy2 in SSE2 assembly (axpy_amd64.s).
//
//go:noescape
func axpy2SSE2(y []float64, w1 float64, x1 []float64, w2 float64, x2 []float64)

// axpy sets y[q] += w·x[q] for q < len(x); len(y) ≥ len(x). It is
// eulerPredict in place (x + dt·m with x = y, m = x, dt = w: the same
// product and sum per element), whose kernels load each element before
// they store it.
func axpy(y []float64, w float64, x []float64) {
	if len(y) < len(x) {
		panic("brain: axpy: y shorter than x")
	}
	eulerPredict(y[:len(x)], y, x, w)
}

// axpy2 sets y[q] = (y[q] + w1·x1[q]) + w2·x2[q] for q < len(x1); y and x2
// are at least as long as x1.
func axpy2(y []float64, w1 float64, x1 []float64, w2 float64, x2 []float64) {
	if len(y) < len(x1) || len(x2) < len(x1) {
		panic("brain: axpy2: y or x2 shorter than x1")
	}
	axpy2SSE2(y, w1, x1, w2, x2)
}

//go:noescape
func heunCorrectSSE2(x, m, f2 []float64, h float64)

//go:noescape
func eulerPredictSSE2(xt, x, m []float64, dt float64)

// heunCorrect sets x += h·(m + f2).
func heunCorrect(x, m, f2 []float64, h float64) {
	if len(m) < len(x) || len(f2) < len(x) {
		panic("brain: heunCorrect: m or f2 shorter than x")
	}
	if useAVX512 {
		heunCorrectAVX512(x, m, f2, h)
		return
	}
	if useAVX2 {
		heunCorrectAVX2(x, m, f2, h)
		return
	}
	heunCorrectSSE2(x, m, f2, h)
}

// eulerPredict sets xt = x + dt·m.
func eulerPredict(xt, x, m []float64, dt float64) {
	if len(x) < len(xt) || len(m) < len(xt) {
		panic("brain: eulerPredict: x or m shorter than xt")
	}
	if useAVX512 {
		eulerPredictAVX512(xt, x, m, dt)
		return
	}
	if useAVX2 {
		eulerPredictAVX2(xt, x, m, dt)
		return
	}
	eulerPredictSSE2(xt, x, m, dt)
}

//go:noescape
func diffCouplingAVX512(c, g, x, rs []float64, a float64)

//go:noescape
func linCouplingAVX512(c, g []float64, a, b float64)

// diffCoupling sets c[i] = a·(g[i] − x[i]·rs[i]) for i < len(c).
func diffCoupling(c, g, x, rs []float64, a float64) {
	if len(g) < len(c) || len(x) < len(c) || len(rs) < len(c) {
		panic("brain: diffCoupling: g, x or rs shorter than c")
	}
	if useAVX512 {
		diffCouplingAVX512(c, g, x, rs, a)
		return
	}
	diffCouplingGeneric(c, g, x, rs, a)
}

// linCoupling sets c[i] = a·g[i] + b for i < len(c).
func linCoupling(c, g []float64, a, b float64) {
	if len(g) < len(c) {
		panic("brain: linCoupling: g shorter than c")
	}
	if useAVX512 {
		linCouplingAVX512(c, g, a, b)
		return
	}
	linCouplingGeneric(c, g, a, b)
}

// writeRowAsm selects writeRow2, the assembly form of writeRow's loop for
// two coupled variables (block_amd64.s); tests switch it off to check the
// Go loop.
var writeRowAsm = true

//go:noescape
func writeRow2(hist, x0, x1 *float64, base, hlen, wr *int32, n int, mir int32)

//go:noescape
func heunCorrectNoisyAVX512(x, m, f2, eta []float64, h float64)

// heunCorrectNoisy sets x += h·(m + f2) + η.
func heunCorrectNoisy(x, m, f2, eta []float64, h float64) {
	if len(m) < len(x) || len(f2) < len(x) || len(eta) < len(x) {
		panic("brain: heunCorrectNoisy: m, f2 or eta shorter than x")
	}
	if useAVX512 {
		heunCorrectNoisyAVX512(x, m, f2, eta, h)
		return
	}
	heunCorrectNoisyGeneric(x, m, f2, eta, h)
}
