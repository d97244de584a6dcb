//go:build !amd64

package brain

// driftSIMD has no vector kernel on this architecture: it does nothing.
func (e *Epileptor) driftSIMD(dst, x, c []float64, n int) int { return 0 }
