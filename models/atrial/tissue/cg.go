package tissue

import (
	"fmt"
	"math"

	"github.com/mdtwin/mdtwin/mesh"
)

// CG solves A·x = b for a symmetric positive definite CSR matrix A by the
// conjugate-gradient method preconditioned by the diagonal of A (Jacobi),
// as in Saad, Iterative Methods for Sparse Linear Systems, 2nd ed., 2003,
// Algorithm 9.1. Its work vectors are allocated once by NewCG, so Solve
// does not allocate. NewCG keeps A only as the sliced copy its products read; the CSR matrix
// is not retained.
type CG struct {
	Tol     float64 // stop when ‖b − A·x‖₂ ≤ Tol·‖b‖₂
	MaxIter int

	invDiag, r, z, p, q []float64
	sl                  *sell // A laid out for sell.mulVec (MulVec's bits, faster)
}

// NewCG returns a solver for A with tolerance tol (relative residual) and at
// most maxIter iterations. It panics if a diagonal entry is not positive.
func NewCG(a *mesh.CSR, tol float64, maxIter int) *CG {
	n := a.N
	c := &CG{Tol: tol, MaxIter: maxIter,
		invDiag: make([]float64, n), r: make([]float64, n), z: make([]float64, n),
		p: make([]float64, n), q: make([]float64, n), sl: newSell(a, []int{0, n})}
	a.Diagonal(c.invDiag)
	for i, d := range c.invDiag {
		if !(d > 0) {
			panic(fmt.Sprintf("atrial: CG matrix has diagonal %g at row %d", d, i))
		}
		c.invDiag[i] = 1 / d
	}
	return c
}

// Solve overwrites x, which holds the initial guess, with the solution of
// A·x = b. It returns the number of iterations and an error if the
// tolerance was not reached within MaxIter iterations.
func (c *CG) Solve(x, b []float64) (int, error) {
	a, r, z, p, q, m := c.sl, c.r, c.z, c.p, c.q, c.invDiag
	a.mulVec(r, x)
	bb, rz := 0.0, 0.0
	for i := range r {
		r[i] = b[i] - r[i]
		z[i] = m[i] * r[i]
		p[i] = z[i]
		bb += b[i] * b[i]
		rz += r[i] * z[i]
	}
	if bb == 0 {
		clear(x)
		return 0, nil
	}
	tol2 := c.Tol * c.Tol * bb
	rr := dot(r, r)
	if rr <= tol2 {
		return 0, nil
	}
	for it := 1; it <= c.MaxIter; it++ {
		alpha := rz / a.mulVecDot(q, p) // pᵀq, q = A·p
		rr = 0
		rzNew := 0.0
		for i := range x {
			x[i] += alpha * p[i]
			r[i] -= alpha * q[i]
			z[i] = m[i] * r[i]
			rr += r[i] * r[i]
			rzNew += r[i] * z[i]
		}
		if rr <= tol2 {
			return it, nil
		}
		beta := rzNew / rz
		rz = rzNew
		for i := range p {
			p[i] = z[i] + beta*p[i]
		}
	}
	return c.MaxIter, fmt.Errorf("atrial: conjugate gradient did not converge in %d iterations (relative residual %.3g > %.3g)",
		c.MaxIter, math.Sqrt(rr/bb), c.Tol)
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
