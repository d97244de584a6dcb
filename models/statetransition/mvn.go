package statetransition

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// mvnGroup is one [[inputs.mvn]] entry: declared parameters that a
// probabilistic run (psa = true) draws jointly from a multivariate normal
// distribution, as the coefficients of a regression are (Briggs, Claxton &
// Sculpher 2006, ch. 4: x = μ + L·z with Σ = L·Lᵀ the Cholesky
// decomposition and z independent standard normal draws).
type mvnGroup struct {
	where  string
	params []int // indices into definition.params
	mean   []float64
	chol   *mat.TriDense // lower triangular L, Σ = L·Lᵀ
}

// mvnStream is the first PCG stream of the multivariate-normal draws
// (ASCII "st-mvn"); group g uses mvnStream + g, apart from the Dirichlet
// draws' psaStream.
const mvnStream = 0x73742d6d766e | 1<<62

// maxMVN bounds the size of one group.
const maxMVN = 100

// readMVN reads [[inputs.mvn]]:
//
//	[[inputs.mvn]]
//	params = ["b0", "b1"]          # declared parameters, each in one group at most
//	mean = [-5.49, -0.38]          # μ
//	cov = [[0.0424, -0.0003], [-0.0003, 0.0143]]   # Σ, symmetric positive definite
func (d *definition) readMVN(t table) error {
	v, ok := t.m["mvn"]
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return errorf(t.at("mvn"), "must be a list of tables [[inputs.mvn]] {params, mean, cov}, got %s", describe(v))
	}
	used := map[int]string{}
	for g, x := range list {
		where := fmt.Sprintf("inputs.mvn[%d]", g)
		m, ok := x.(map[string]any)
		if !ok {
			return errorf(where, "must be a table {params, mean, cov}, got %s", describe(x))
		}
		gt := table{where: where, m: m}
		if err := gt.only([]string{"params", "mean", "cov"}); err != nil {
			return err
		}
		names, err := gt.names("params", true)
		if err != nil {
			return err
		}
		k := len(names)
		if k == 0 || k > maxMVN {
			return errorf(where, "params must list from 1 to %d declared parameters, got %d", maxMVN, k)
		}
		grp := mvnGroup{where: where}
		for _, n := range names {
			i, ok := d.scope.index[n]
			if !ok {
				return errorf(where, "params: %q is not declared in [inputs.params]; %s", n, d.scope.known())
			}
			if other, dup := used[i]; dup {
				return errorf(where, "params: %q is already drawn by %s", n, other)
			}
			used[i] = where
			grp.params = append(grp.params, i)
		}
		nums := func(key string, v any) ([]float64, error) {
			xs, ok := v.([]any)
			if !ok || len(xs) != k {
				return nil, errorf(where, "%s must be a list of %d numbers (one per parameter), got %s", key, k, describe(v))
			}
			out := make([]float64, k)
			for i, x := range xs {
				f, ok := x.(float64)
				if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
					return nil, errorf(where, "%s[%d] must be a finite number, got %s", key, i, describe(x))
				}
				out[i] = f
			}
			return out, nil
		}
		if grp.mean, err = nums("mean", m["mean"]); err != nil {
			return err
		}
		rows, ok := m["cov"].([]any)
		if !ok || len(rows) != k {
			return errorf(where, "cov must be a %d×%d matrix (a list of %d rows), got %s", k, k, k, describe(m["cov"]))
		}
		cov := mat.NewSymDense(k, nil)
		for i, r := range rows {
			row, err := nums(fmt.Sprintf("cov[%d]", i), r)
			if err != nil {
				return err
			}
			for j := range k {
				if j < i && row[j] != cov.At(i, j) {
					return errorf(where, "cov is not symmetric: cov[%d][%d] = %s, cov[%d][%d] = %s", i, j, fmtNum(row[j]), j, i, fmtNum(cov.At(j, i)))
				}
				cov.SetSym(i, j, row[j])
			}
		}
		var ch mat.Cholesky
		if !ch.Factorize(cov) {
			return errorf(where, "cov is not positive definite (no Cholesky decomposition): check the variances and correlations")
		}
		grp.chol = mat.NewTriDense(k, mat.Lower, nil)
		ch.LTo(grp.chol)
		d.mvn = append(d.mvn, grp)
	}
	return nil
}

// drawMVN replaces the values of each group's parameters in v by a draw
// from its multivariate normal with PCG(seed, mvnStream + g).
func (d *definition) drawMVN(v []float64, seed uint64) {
	for g, grp := range d.mvn {
		rng := rand.New(rand.NewPCG(seed, mvnStream+uint64(g)))
		grp.draw(v, rng)
	}
}

// draw sets v[params] = mean + L·z, z standard normal from rng.
func (grp *mvnGroup) draw(v []float64, rng *rand.Rand) {
	k := len(grp.params)
	z := make([]float64, k)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	for i, p := range grp.params {
		x := grp.mean[i]
		for j := 0; j <= i; j++ {
			x += grp.chol.At(i, j) * z[j]
		}
		v[p] = x
	}
}
