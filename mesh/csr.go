package mesh

import (
	"slices"

	"gonum.org/v1/gonum/mat"
)

// CSR is a square sparse matrix in compressed sparse row form: the entries of
// row i are Val[RowPtr[i]:RowPtr[i+1]] in columns ColIdx[…], sorted by column.
// Column indices are int32 to halve the index traffic of MulVec.
// CSR implements gonum's mat.Matrix (At is a binary search: fine for tests,
// not for hot loops).
type CSR struct {
	N      int
	RowPtr []int
	ColIdx []int32
	Val    []float64
}

var _ mat.Matrix = (*CSR)(nil)

// Dims returns the matrix dimensions (N, N).
func (a *CSR) Dims() (r, c int) { return a.N, a.N }

// At returns entry (i, j), zero if it is not stored.
func (a *CSR) At(i, j int) float64 {
	if uint(i) >= uint(a.N) || uint(j) >= uint(a.N) {
		panic("mesh: CSR index out of range")
	}
	row := a.ColIdx[a.RowPtr[i]:a.RowPtr[i+1]]
	if k, ok := slices.BinarySearch(row, int32(j)); ok {
		return a.Val[a.RowPtr[i]+k]
	}
	return 0
}

// T returns the transpose (an implicit view).
func (a *CSR) T() mat.Matrix { return mat.Transpose{Matrix: a} }

// NNZ returns the number of stored entries.
func (a *CSR) NNZ() int { return len(a.Val) }

// MulVec computes dst = A·x. dst and x must have length N and must not
// overlap. It does not allocate.
func (a *CSR) MulVec(dst, x []float64) {
	if len(dst) != a.N || len(x) != a.N {
		panic("mesh: CSR MulVec length mismatch")
	}
	rp, ci, v := a.RowPtr, a.ColIdx, a.Val
	for i := range dst {
		s := 0.0
		lo, hi := rp[i], rp[i+1]
		cols := ci[lo:hi]
		vals := v[lo:hi:hi]
		for k, c := range cols {
			s += float64(vals[k] * x[c]) // rounded: the SELL kernels (models/atrial/tissue) match it bit for bit, FMA or not
		}
		dst[i] = s
	}
}

// Diagonal writes the diagonal of A into dst (length N).
func (a *CSR) Diagonal(dst []float64) {
	for i := 0; i < a.N; i++ {
		dst[i] = a.At(i, i)
	}
}

// index returns the position of (i, j) in Val; the entry must exist.
func (a *CSR) index(i, j int) int {
	lo, hi := a.RowPtr[i], a.RowPtr[i+1]
	row := a.ColIdx[lo:hi]
	for k, c := range row { // rows are short (≈7 for triangles, ≈15 for tetrahedra)
		if int(c) == j {
			return lo + k
		}
	}
	panic("mesh: CSR entry not in the sparsity pattern")
}

// nodePattern returns the zero CSR matrix whose pattern couples every pair
// of nodes sharing an element (the P1 pattern of m).
func nodePattern(m *Mesh) *CSR {
	n := len(m.Points)
	k := int(m.Kind)
	nc := m.NumCells()
	// node → elements
	cnt := make([]int, n+1)
	for _, v := range m.Cells {
		cnt[v+1]++
	}
	for i := 0; i < n; i++ {
		cnt[i+1] += cnt[i]
	}
	elems := make([]int32, len(m.Cells))
	fill := append([]int(nil), cnt[:n]...)
	for e := 0; e < nc; e++ {
		for _, v := range m.Cell(e) {
			elems[fill[v]] = int32(e)
			fill[v]++
		}
	}
	a := &CSR{N: n, RowPtr: make([]int, n+1)}
	row := make([]int32, 0, 64)
	for i := 0; i < n; i++ {
		row = row[:0]
		for _, e := range elems[cnt[i]:cnt[i+1]] {
			for _, v := range m.Cells[int(e)*k : int(e)*k+k] {
				row = append(row, int32(v))
			}
		}
		if len(row) == 0 {
			row = append(row, int32(i)) // isolated node: keep a diagonal
		}
		slices.Sort(row)
		row = slices.Compact(row)
		a.ColIdx = append(a.ColIdx, row...)
		a.RowPtr[i+1] = len(a.ColIdx)
	}
	a.Val = make([]float64, len(a.ColIdx))
	return a
}
