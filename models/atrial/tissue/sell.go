package tissue

import "github.com/mdtwin/mdtwin/mesh"

// sellLanes is the number of rows of a slice of the explicit matrix: one
// AVX-512 register of float64.
const sellLanes = 8

// sell is the explicit matrix I − dt·M⁻¹K in a sliced ELLPACK layout
// (SELL-8-1: Kreutzer et al., SIAM J Sci Comput 36:C401, 2014): each
// worker's rows are cut into slices of 8 consecutive rows, and a slice
// stores its rows' k-th entries side by side for k below the longest
// row's length (shorter rows padded with zero values on their own
// diagonal column). A slice's rows are then 8 lanes of one vector
// register (sellRows): one gather of x per k instead of 8 scattered
// scalar loads and no branch on the row length. Each lane keeps the
// scalar product's order (the tests' rowDot: even k summed in one chain,
// odd k in another, the two added at the end), and padding is left out of
// the sums by masks rather than added as zeros, so every row's value has
// the same bits as rowDot's on the CSR matrix.
type sell struct {
	off   []int32   // slice s's entries are groups off[s] … off[s+1]−1 of 8 (one per k)
	row0  []int32   // first row of slice s
	kmask []uint8   // per group: the lanes whose row has a k-th entry
	col   []int32   // per entry (8 per group): column; a padding entry reads its own row
	val   []float64 // per entry: value; padding 0
	main  []uint8   // per slice: lanes the fused pass computes (rows that read only their worker's range)
	all   []uint8   // per slice: every lane that is a row of the slice
	last  []int32   // per slice: the largest column a main lane reads (−1 without one)
	first []int     // worker k's slices are first[k] … first[k+1]−1
	seam  []int32   // slices with a seam lane (a row reading another worker's node)
	seams []uint8   // per slice: its seam lanes (the lanes main leaves out)
}

// newSell lays out a (CSR, columns sorted in each row) by the workers'
// row ranges.
func newSell(a *mesh.CSR, ranges []int) *sell {
	s := &sell{first: make([]int, len(ranges))}
	for k := 0; k+1 < len(ranges); k++ {
		lo, hi := ranges[k], ranges[k+1]
		s.first[k] = len(s.row0)
		for r0 := lo; r0 < hi; r0 += sellLanes {
			r1 := min(hi, r0+sellLanes)
			width := 0
			var main, all, seam uint8
			last := int32(-1)
			for i := r0; i < r1; i++ {
				lane := uint8(1) << (i - r0)
				all |= lane
				b, e := a.RowPtr[i], a.RowPtr[i+1]
				width = max(width, e-b)
				if int(a.ColIdx[b]) < lo || int(a.ColIdx[e-1]) >= hi {
					seam |= lane
					continue
				}
				main |= lane
				last = max(last, a.ColIdx[e-1])
			}
			s.off = append(s.off, int32(len(s.kmask)))
			s.row0 = append(s.row0, int32(r0))
			s.main, s.all, s.last = append(s.main, main), append(s.all, all), append(s.last, last)
			s.seams = append(s.seams, seam)
			if seam != 0 {
				s.seam = append(s.seam, int32(len(s.row0)-1))
			}
			for k := range width {
				var m uint8
				for l := range sellLanes {
					i := r0 + l
					b, e := 0, 0
					if i < r1 {
						b, e = a.RowPtr[i], a.RowPtr[i+1]
					}
					switch {
					case k < e-b:
						m |= 1 << l
						s.col = append(s.col, a.ColIdx[b+k])
						s.val = append(s.val, a.Val[b+k])
					case i < r1:
						s.col = append(s.col, int32(i))
						s.val = append(s.val, 0)
					default: // no row: read row r0's diagonal, never used
						s.col = append(s.col, int32(r0))
						s.val = append(s.val, 0)
					}
				}
				s.kmask = append(s.kmask, m)
			}
		}
	}
	s.first[len(ranges)-1] = len(s.row0)
	s.off = append(s.off, int32(len(s.kmask)))
	return s
}

// rows sets dst[i] to row i of the matrix times x for the lanes lanes[s]
// of the slices s in [s0, s1).
func (s *sell) rows(dst, x []float64, s0, s1 int, lanes []uint8) {
	if s0 >= s1 {
		return
	}
	if useAVX512 {
		sellRowsAVX512(&sellArgs{dst: &dst[0], x: &x[0], val: &s.val[0], col: &s.col[0], kmask: &s.kmask[0],
			off: &s.off[0], row0: &s.row0[0], lanes: &lanes[0], s0: s0, s1: s1})
		return
	}
	s.rowsGo(dst, x, s0, s1, lanes)
}

// rows1 is rows with one addition chain per row, as mesh.CSR.MulVec sums
// (the implicit schemes' products), so each row has MulVec's bits.
func (s *sell) rows1(dst, x []float64, s0, s1 int, lanes []uint8) {
	if s0 >= s1 {
		return
	}
	if useAVX512 {
		sellRows1AVX512(&sellArgs{dst: &dst[0], x: &x[0], val: &s.val[0], col: &s.col[0], kmask: &s.kmask[0],
			off: &s.off[0], row0: &s.row0[0], lanes: &lanes[0], s0: s0, s1: s1})
		return
	}
	s.rows1Go(dst, x, s0, s1, lanes)
}

// mulVec sets dst = A·x on every row with rows1 (a laid out on one range).
func (s *sell) mulVec(dst, x []float64) {
	if len(dst) != len(x) || (len(s.row0) > 0 && int(s.row0[len(s.row0)-1]) >= len(x)) {
		panic("tissue: sell mulVec length mismatch")
	}
	s.rows1(dst, x, 0, len(s.row0), s.all)
}

// mulVecDot sets dst = A·x as mulVec and returns Σ x[i]·dst[i] summed in
// row order, with the bits of tissue's dot(x, dst) after mulVec (the CG
// step's pᵀAp, summed while the rows are in registers).
func (s *sell) mulVecDot(dst, x []float64) float64 {
	if len(dst) != len(x) || (len(s.row0) > 0 && int(s.row0[len(s.row0)-1]) >= len(x)) {
		panic("tissue: sell mulVecDot length mismatch")
	}
	if len(s.row0) == 0 {
		return 0
	}
	if useAVX512 {
		a := sellArgs{dst: &dst[0], x: &x[0], val: &s.val[0], col: &s.col[0], kmask: &s.kmask[0],
			off: &s.off[0], row0: &s.row0[0], lanes: &s.all[0], s0: 0, s1: len(s.row0), dotx: &x[0]}
		sellRows1AVX512(&a)
		return a.dot
	}
	s.rows1Go(dst, x, 0, len(s.row0), s.all)
	return dot(x, dst)
}

// rows1Go is rows1 in Go: per lane the arithmetic of mesh.CSR.MulVec.
// Here and in rowsGo float64(a*b) rounds each product before it is
// added, as the AVX-512 kernels do: a GOAMD64=v3 build could otherwise
// fuse the two into an FMA.
func (s *sell) rows1Go(dst, x []float64, s0, s1 int, lanes []uint8) {
	for sl := s0; sl < s1; sl++ {
		lm := lanes[sl]
		g0, g1, r0 := int(s.off[sl]), int(s.off[sl+1]), int(s.row0[sl])
		for l := range sellLanes {
			if lm&(1<<l) == 0 {
				continue
			}
			sum := 0.0
			for g := g0; g < g1 && s.kmask[g]&(1<<l) != 0; g++ {
				e := g*sellLanes + l
				sum += float64(s.val[e] * x[s.col[e]])
			}
			dst[r0+l] = sum
		}
	}
}

// rowsGo is rows in Go: per lane the arithmetic of rowDot.
func (s *sell) rowsGo(dst, x []float64, s0, s1 int, lanes []uint8) {
	for sl := s0; sl < s1; sl++ {
		lm := lanes[sl]
		if lm == 0 {
			continue
		}
		g0, g1, r0 := int(s.off[sl]), int(s.off[sl+1]), int(s.row0[sl])
		for l := range sellLanes {
			if lm&(1<<l) == 0 {
				continue
			}
			even, odd := 0.0, 0.0
			for g := g0; g < g1; g++ {
				if s.kmask[g]&(1<<l) == 0 {
					break
				}
				e := g*sellLanes + l
				if (g-g0)%2 == 0 {
					even += float64(s.val[e] * x[s.col[e]])
				} else {
					odd += float64(s.val[e] * x[s.col[e]])
				}
			}
			dst[r0+l] = even + odd
		}
	}
}

// sellArgs is the argument block of sellRowsAVX512 and sellRows1AVX512;
// the assembly reads its fields at fixed offsets (pointers 0–56, s0 64,
// s1 72, dotx 80, dot 88; TestSellArgsLayout).
type sellArgs struct {
	dst, x, val *float64
	col         *int32
	kmask       *uint8
	off, row0   *int32
	lanes       *uint8
	s0, s1      int
	dotx        *float64 // sellRows1AVX512: nil, or sum dotx[i]·dst[i] into dot
	dot         float64
}
