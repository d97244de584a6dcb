package tissue

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

// TestSellMatchesRowDot: every row of the explicit matrix in the sliced
// layout, through the AVX-512 assembly (where the CPU has it) and the Go
// loop, has the same bits as rowDot on the CSR matrix, for 1, 2 and 3
// worker ranges (the fused pass's lanes, the seam lanes and all lanes),
// on the shipped atrium (irregular rows of 4 to 13 entries), a
// triangulated sheet and a tetrahedral slab (rows of up to 27), with x
// spanning signs and magnitudes, zeros and negative zeros included; and
// the single-chain rows of the implicit schemes' matrices have the bits of
// mesh.CSR.MulVec.
func TestSellMatchesRowDot(t *testing.T) {
	atrium, err := mesh.ReadFile("../../../mesh/testdata/atrium.vtp")
	if err != nil {
		t.Fatal(err)
	}
	sheet := mesh.Sheet(10, 10, 40, 37)
	slab := mesh.Slab(3, 2, 1, 12, 8, 4)
	for _, c := range []struct {
		name string
		m    *mesh.Mesh
	}{{"atrium", atrium}, {"sheet", sheet}, {"slab", slab}} {
		c.m.Fibres = mesh.ProjectedFibres(c.m, mgl64.Vec3{1, 0.3, 0}.Normalize())
		k, err := mesh.Stiffness(c.m, mesh.Uniform(mesh.TransverselyIsotropic(0.3/1.4, 0.06/1.4)))
		if err != nil {
			t.Fatal(err)
		}
		a := combine(k, mesh.LumpedMass(c.m), -0.01, true)
		n := a.N
		rng := rand.New(rand.NewPCG(1, 2))
		x := make([]float64, n)
		for i := range x {
			switch i % 17 {
			case 3:
				x[i] = 0
			case 5:
				x[i] = math.Copysign(0, -1)
			default:
				x[i] = (rng.Float64() - 0.3) * math.Pow(10, float64(rng.IntN(6)-2))
			}
		}
		want := make([]float64, n)
		widest := 0
		for i := range n {
			want[i] = rowDot(a.ColIdx, a.Val, a.RowPtr[i], a.RowPtr[i+1], x)
			widest = max(widest, a.RowPtr[i+1]-a.RowPtr[i])
		}
		for nw := 1; nw <= 3; nw++ {
			ranges := make([]int, nw+1)
			for k := range ranges {
				ranges[k] = k * n / nw
			}
			s := newSell(a, ranges)
			for j := range s.all { // every row is a main or a seam lane, not both
				if s.main[j]&s.seams[j] != 0 || s.main[j]|s.seams[j] != s.all[j] {
					t.Fatalf("%s/workers=%d: slice %d lanes main %08b, seams %08b, all %08b", c.name, nw, j, s.main[j], s.seams[j], s.all[j])
				}
			}
			for _, asm := range []bool{false, true} {
				if asm && !useAVX512 {
					continue
				}
				t.Run(fmt.Sprintf("%s/workers=%d/asm=%v", c.name, nw, asm), func(t *testing.T) {
					rows := func(dst []float64, s0, s1 int, lanes []uint8) {
						if asm {
							s.rows(dst, x, s0, s1, lanes)
						} else {
							s.rowsGo(dst, x, s0, s1, lanes)
						}
					}
					got := make([]float64, n)
					for i := range got {
						got[i] = math.NaN()
					}
					for k := range nw { // as the fused pass and seamRows do
						rows(got, s.first[k], s.first[k+1], s.main)
					}
					for _, sl := range s.seam {
						rows(got, int(sl), int(sl)+1, s.seams)
					}
					all := make([]float64, n)
					rows(all, 0, len(s.all), s.all)
					for i := range n {
						if math.Float64bits(got[i]) != math.Float64bits(want[i]) || math.Float64bits(all[i]) != math.Float64bits(want[i]) {
							t.Fatalf("row %d (%d entries): %v (fused lanes and seams), %v (all lanes); rowDot %v",
								i, a.RowPtr[i+1]-a.RowPtr[i], got[i], all[i], want[i])
						}
					}
				})
			}
		}
		// One chain per row (the implicit schemes): mesh.CSR.MulVec's bits.
		b := combine(k, mesh.LumpedMass(c.m), 0.025, false)
		want1 := make([]float64, n)
		b.MulVec(want1, x)
		s1 := newSell(b, []int{0, n})
		for _, asm := range []bool{false, true} {
			if asm && !useAVX512 {
				continue
			}
			got := make([]float64, n)
			if asm {
				s1.mulVec(got, x)
			} else {
				s1.rows1Go(got, x, 0, len(s1.all), s1.all)
			}
			for i := range n {
				if math.Float64bits(got[i]) != math.Float64bits(want1[i]) {
					t.Fatalf("%s, one chain, asm %v, row %d: %v; MulVec %v", c.name, asm, i, got[i], want1[i])
				}
			}
		}
		// With the CG step's pᵀAp summed alongside (n is not a multiple of
		// 8 on any of the three meshes: a short last slice).
		for _, asm := range []bool{false, true} {
			if asm && !useAVX512 {
				continue
			}
			was := useAVX512
			useAVX512 = asm
			got := make([]float64, n)
			d := s1.mulVecDot(got, x)
			useAVX512 = was
			if n%sellLanes == 0 {
				t.Fatalf("%s: %d rows, want a short last slice", c.name, n)
			}
			if wantD := dot(x, want1); math.Float64bits(d) != math.Float64bits(wantD) {
				t.Fatalf("%s, asm %v: pᵀAp %v, want %v (MulVec then dot)", c.name, asm, d, wantD)
			}
			for i := range n {
				if math.Float64bits(got[i]) != math.Float64bits(want1[i]) {
					t.Fatalf("%s, mulVecDot, asm %v, row %d: %v; MulVec %v", c.name, asm, i, got[i], want1[i])
				}
			}
		}
		if c.name == "slab" && widest < 15 {
			t.Errorf("slab: widest row %d entries, want a tetrahedral mesh's ≥ 15", widest)
		}
	}
}

// TestSellArgsLayout: the offsets of sellArgs's fields that sell_amd64.s
// reads.
func TestSellArgsLayout(t *testing.T) {
	var a sellArgs
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{{"lanes", unsafe.Offsetof(a.lanes), 56}, {"s0", unsafe.Offsetof(a.s0), 64}, {"s1", unsafe.Offsetof(a.s1), 72},
		{"dotx", unsafe.Offsetof(a.dotx), 80}, {"dot", unsafe.Offsetof(a.dot), 88}} {
		if c.got != c.want {
			t.Errorf("sellArgs.%s at offset %d, the assembly reads %d", c.name, c.got, c.want)
		}
	}
}

// rowDot returns the dot product of the CSR row stored at [a, b) with x,
// summing the even and odd terms separately (two independent addition
// chains; a row has ≈ 7 entries on triangles, ≈ 15 on tetrahedra). It is
// the reference of the sliced layout's arithmetic (sell).
func rowDot(ci []int32, val []float64, a, b int, x []float64) float64 {
	cols := ci[a:b]
	vals := val[a:b]
	vals = vals[:len(cols)]
	s0, s1 := 0.0, 0.0
	k := 0
	for ; k+1 < len(cols); k += 2 {
		s0 += float64(vals[k] * x[cols[k]])
		s1 += float64(vals[k+1] * x[cols[k+1]])
	}
	if k < len(cols) {
		s0 += float64(vals[k] * x[cols[k]])
	}
	return s0 + s1
}
