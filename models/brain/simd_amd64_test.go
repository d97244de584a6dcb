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
			got := make([]float64, 8*nreg+1)
			got[8*nreg] = 42
			for k := range got[:8*nreg] {
				got[k] = math.NaN() // the kernel starts from +0, not from acc
			}
			var w0 float64
			var s0, r0 int32
			wp, sp, rp := &w0, &s0, &r0
			if edges > 0 {
				wp, sp, rp = &w[0], &src[0], &rd[0]
			}
			blockRowAVX512(&got[0], &hist[0], wp, sp, rp, edges, nreg)
			want := make([]float64, 8*nreg)
			for e := range w {
				o := src[e] + rd[e]
				axpyGeneric(want, w[e], hist[o:o+int32(8*nreg)])
			}
			for k, v := range want {
				if math.Float64bits(got[k]) != math.Float64bits(v) {
					t.Fatalf("nreg %d, %d edges: acc[%d] = %v, Go loop %v", nreg, edges, k, got[k], v)
				}
			}
			if got[8*nreg] != 42 {
				t.Fatalf("nreg %d: wrote past 8·nreg sums", nreg)
			}
		}
	}
}

// TestKernelsWithoutAVX512 runs the bit-identity tests of the vector
// kernels again with the AVX-512 kernels and the assembly ring write
// switched off, so that the SSE2 kernels (the ones a CPU without AVX-512
// runs) and the Go loops stay checked on a machine that has it.
func TestKernelsWithoutAVX512(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this CPU: the other tests check the SSE2 kernels")
	}
	useAVX512, writeRowAsm = false, false
	defer func() { useAVX512, writeRowAsm = true, true }()
	t.Run("drift", TestEpileptorDriftSSE2)
	t.Run("rings per step", TestRingsMatchReference)
	t.Run("axpy", TestAxpyMatchesGeneric)
	t.Run("block", TestBlockCouplingBitIdentical)
	t.Run("rings", TestBlockRingsMatchReference)
}
