package tissue

import "golang.org/x/sys/cpu"

// useAVX512 selects sellRowsAVX512 for the explicit matrix's rows: the
// CPU and the operating system support AVX-512F.
var useAVX512 = cpu.X86.HasAVX512F

// sellRowsAVX512 is sell.rows for a's slices in AVX-512F assembly
// (sell_amd64.s): per slice two accumulators of 8 lanes, one gather of x
// per k, multiplications and additions rounded separately (no fused
// multiply–add) and masked to the lanes with an entry, so each lane has
// rowDot's bits.
//
//go:noescape
func sellRowsAVX512(a *sellArgs)

// sellRows1AVX512 is sell.rows1 in AVX-512F assembly: sellRowsAVX512 with
// one accumulator, so each lane has mesh.CSR.MulVec's bits.
//
//go:noescape
func sellRows1AVX512(a *sellArgs)
