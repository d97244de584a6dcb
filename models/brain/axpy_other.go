//go:build !amd64

package brain

// axpy sets y[q] += w·x[q] for q < len(x); len(y) ≥ len(x).
func axpy(y []float64, w float64, x []float64) { axpyGeneric(y, w, x) }

// axpy2 sets y[q] = (y[q] + w1·x1[q]) + w2·x2[q] for q < len(x1).
func axpy2(y []float64, w1 float64, x1 []float64, w2 float64, x2 []float64) {
	axpy2Generic(y, w1, x1, w2, x2)
}

// heunCorrect sets x += h·(m + f2).
func heunCorrect(x, m, f2 []float64, h float64) { heunCorrectGeneric(x, m, f2, h) }

// eulerPredict sets xt = x + dt·m.
func eulerPredict(xt, x, m []float64, dt float64) { eulerPredictGeneric(xt, x, m, dt) }

// diffCoupling sets c[i] = a·(g[i] − x[i]·rs[i]) for i < len(c).
func diffCoupling(c, g, x, rs []float64, a float64) { diffCouplingGeneric(c, g, x, rs, a) }

// linCoupling sets c[i] = a·g[i] + b for i < len(c).
func linCoupling(c, g []float64, a, b float64) { linCouplingGeneric(c, g, a, b) }

// writeRowAsm is false: writeRow's Go loop runs here.
const writeRowAsm = false

func writeRow2(hist, x0, x1 *float64, base, hlen, wr *int32, n int, mir int32) {
	panic("brain: no assembly writeRow on this architecture")
}

// heunCorrectNoisy sets x += h·(m + f2) + η.
func heunCorrectNoisy(x, m, f2, eta []float64, h float64) { heunCorrectNoisyGeneric(x, m, f2, eta, h) }
