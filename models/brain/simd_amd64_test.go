package brain

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBlockRowAVX512: the AVX-512 row kernel gives, for 1, 2, 4 and 8
// registers and 0 to 5 edges, the sums of axpyGeneric over the same edges in
// the same order, bit for bit, starting from +0 (a −0 product stays +0);
// it reads each edge's values from its own offset and writes 8·nreg sums.
func TestBlockRowAVX512(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	testBlockRow(t, blockRowAVX512, 8)
}

// TestBlockRowAVX2: as TestBlockRowAVX512 for the AVX2 kernel (registers
// of four lanes).
func TestBlockRowAVX2(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU")
	}
	testBlockRow(t, blockRowAVX2, 4)
}

func testBlockRow(t *testing.T, kernel func(acc, hist, w *float64, src, rd *int32, edges, nreg int), lanes int) {
	rng := rand.New(rand.NewPCG(5, 6))
	hist := make([]float64, 400, 400+histPad)
	for k := range hist {
		hist[k] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3))
	}
	hist[37] = math.Copysign(0, -1)
	for _, nreg := range []int{1, 2, 4, 8} {
		for edges := 0; edges <= 5; edges++ {
			w, src, rd := make([]float64, edges), make([]int32, edges), make([]int32, edges)
			for e := range w {
				w[e] = rng.NormFloat64()
				src[e] = int32(rng.IntN(200))
				rd[e] = int32(rng.IntN(400 - 64 - 200))
			}
			if edges == 1 {
				w[0], src[0], rd[0] = 1, 37, 0 // a −0 value: the sum is +0
			}
			got := make([]float64, lanes*nreg+1)
			got[lanes*nreg] = 42
			for k := range got[:lanes*nreg] {
				got[k] = math.NaN() // the kernel starts from +0, not from acc
			}
			var w0 float64
			var s0, r0 int32
			wp, sp, rp := &w0, &s0, &r0
			if edges > 0 {
				wp, sp, rp = &w[0], &src[0], &rd[0]
			}
			kernel(&got[0], &hist[0], wp, sp, rp, edges, nreg)
			want := make([]float64, lanes*nreg)
			for e := range w {
				o := src[e] + rd[e]
				axpyGeneric(want, w[e], hist[o:o+int32(lanes*nreg)])
			}
			for k, v := range want {
				if math.Float64bits(got[k]) != math.Float64bits(v) {
					t.Fatalf("nreg %d, %d edges: acc[%d] = %v, Go loop %v", nreg, edges, k, got[k], v)
				}
			}
			if got[lanes*nreg] != 42 {
				t.Fatalf("nreg %d: wrote past %d·nreg sums", nreg, lanes)
			}
		}
	}
}

// TestKernelsWithoutAVX512 runs the bit-identity tests of the vector
// kernels again with the AVX-512 kernels switched off (the AVX2 ones run),
// then with the AVX2 ones off as well and the Go ring write (the SSE2
// kernels and Go loops run), so that every path a CPU may take stays
// checked on a machine that has AVX-512 or AVX2 (where the AVX2 level is
// what the other tests run already, and the SSE2 level is not).
func TestKernelsWithoutAVX512(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this CPU: the other tests check the SSE2 kernels it runs")
	}
	a512, a2, wr := useAVX512, useAVX2, writeRowAsm
	defer func() { useAVX512, useAVX2, writeRowAsm = a512, a2, wr }()
	for _, level := range []struct {
		name              string
		avx2, writeRowAsm bool
	}{{"avx2", true, true}, {"sse2", false, false}} {
		useAVX512, useAVX2, writeRowAsm = false, level.avx2, level.writeRowAsm
		t.Run(level.name+"/drift", TestEpileptorDriftSSE2)
		t.Run(level.name+"/rings per step", TestRingsMatchReference)
		t.Run(level.name+"/axpy", TestAxpyMatchesGeneric)
		t.Run(level.name+"/block", TestBlockCouplingBitIdentical)
		t.Run(level.name+"/rings", TestBlockRingsMatchReference)
	}
}
