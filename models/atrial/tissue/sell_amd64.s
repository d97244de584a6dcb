#include "textflag.h"

// func sellRowsAVX512(a *sellArgs)
//
// For each slice s in [a.s0, a.s1) with lane mask m = a.lanes[s] ≠ 0:
// Z0 (even k) and Z1 (odd k) start at zero; for each group g of the slice
// (k = g − off[s]) the lanes m & kmask[g] gather x[col], multiply by val
// (VMULPD, rounded) and add into their accumulator (VADDPD under the mask,
// rounded; the other lanes keep theirs); then Z0 + Z1 is stored to
// dst[row0[s] + lane] under m. Per lane this is rowDot's sequence of
// operations, so the bits are the same.
TEXT ·sellRowsAVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), AX
	MOVQ 0(AX), DI   // dst
	MOVQ 8(AX), SI   // x
	MOVQ 16(AX), R8  // val
	MOVQ 24(AX), R9  // col
	MOVQ 32(AX), R10 // kmask
	MOVQ 40(AX), R11 // off
	MOVQ 48(AX), R12 // row0
	MOVQ 56(AX), R13 // lanes
	MOVQ 64(AX), CX  // s
	MOVQ 72(AX), DX  // s1

slice:
	CMPQ    CX, DX
	JGE     done
	MOVBLZX (R13)(CX*1), BX
	TESTL   BX, BX
	JZ      next
	KMOVW   BX, K7
	MOVLQSX (R11)(CX*4), R14  // g
	MOVLQSX 4(R11)(CX*4), R15 // end of the slice's groups
	VPXORQ  Z0, Z0, Z0
	VPXORQ  Z1, Z1, Z1

group:
	CMPQ       R14, R15
	JGE        store
	MOVBLZX    (R10)(R14*1), AX
	ANDL       BX, AX
	KMOVW      AX, K1
	KMOVW      AX, K2
	MOVQ       R14, AX
	SHLQ       $3, AX
	VMOVDQU    (R9)(AX*4), Y2
	VMOVUPD    (R8)(AX*8), Z3
	VPXORQ     Z4, Z4, Z4
	VGATHERDPD (SI)(Y2*8), K1, Z4
	VMULPD     Z3, Z4, Z4
	VADDPD     Z4, Z0, K2, Z0
	INCQ       R14
	CMPQ       R14, R15
	JGE        store
	MOVBLZX    (R10)(R14*1), AX
	ANDL       BX, AX
	KMOVW      AX, K3
	KMOVW      AX, K4
	MOVQ       R14, AX
	SHLQ       $3, AX
	VMOVDQU    (R9)(AX*4), Y5
	VMOVUPD    (R8)(AX*8), Z6
	VPXORQ     Z7, Z7, Z7
	VGATHERDPD (SI)(Y5*8), K3, Z7
	VMULPD     Z6, Z7, Z7
	VADDPD     Z7, Z1, K4, Z1
	INCQ       R14
	JMP        group

store:
	VADDPD  Z1, Z0, Z0
	MOVLQSX (R12)(CX*4), AX
	VMOVUPD Z0, K7, (DI)(AX*8)

next:
	INCQ CX
	JMP  slice

done:
	VZEROUPPER
	RET

// func sellRows1AVX512(a *sellArgs)
//
// sellRowsAVX512 with one accumulator Z0 for every k (mesh.CSR.MulVec's
// single chain of additions).
TEXT ·sellRows1AVX512(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), AX
	MOVQ 0(AX), DI   // dst
	MOVQ 8(AX), SI   // x
	MOVQ 16(AX), R8  // val
	MOVQ 24(AX), R9  // col
	MOVQ 32(AX), R10 // kmask
	MOVQ 40(AX), R11 // off
	MOVQ 48(AX), R12 // row0
	MOVQ 56(AX), R13 // lanes
	MOVQ 64(AX), CX  // s
	MOVQ 72(AX), DX  // s1

slice1:
	CMPQ    CX, DX
	JGE     done1
	MOVBLZX (R13)(CX*1), BX
	TESTL   BX, BX
	JZ      next1
	KMOVW   BX, K7
	MOVLQSX (R11)(CX*4), R14  // g
	MOVLQSX 4(R11)(CX*4), R15 // end of the slice's groups
	VPXORQ  Z0, Z0, Z0

group1:
	CMPQ       R14, R15
	JGE        store1
	MOVBLZX    (R10)(R14*1), AX
	ANDL       BX, AX
	KMOVW      AX, K1
	KMOVW      AX, K2
	MOVQ       R14, AX
	SHLQ       $3, AX
	VMOVDQU    (R9)(AX*4), Y2
	VMOVUPD    (R8)(AX*8), Z3
	VPXORQ     Z4, Z4, Z4
	VGATHERDPD (SI)(Y2*8), K1, Z4
	VMULPD     Z3, Z4, Z4
	VADDPD     Z4, Z0, K2, Z0
	INCQ       R14
	JMP        group1

store1:
	MOVLQSX (R12)(CX*4), AX
	VMOVUPD Z0, K7, (DI)(AX*8)

next1:
	INCQ CX
	JMP  slice1

done1:
	VZEROUPPER
	RET
