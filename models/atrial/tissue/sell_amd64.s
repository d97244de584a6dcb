#include "textflag.h"

// SELL_ARGS loads sellArgs's fields (a+0(FP)) into the registers both
// kernels use: DI dst, SI x, R8 val, R9 col, R10 kmask, R11 off, R12 row0,
// R13 lanes, CX s, DX s1.
#define SELL_ARGS \
	MOVQ a+0(FP), AX; \
	MOVQ 0(AX), DI; \
	MOVQ 8(AX), SI; \
	MOVQ 16(AX), R8; \
	MOVQ 24(AX), R9; \
	MOVQ 32(AX), R10; \
	MOVQ 40(AX), R11; \
	MOVQ 48(AX), R12; \
	MOVQ 56(AX), R13; \
	MOVQ 64(AX), CX; \
	MOVQ 72(AX), DX

// SELL_GROUP adds group R14's products into acc on the lanes BX & kmask[R14].
#define SELL_GROUP(kg, kadd, ycol, zval, zx, acc) \
	MOVBLZX    (R10)(R14*1), AX; \
	ANDL       BX, AX; \
	KMOVW      AX, kg; \
	KMOVW      AX, kadd; \
	MOVQ       R14, AX; \
	SHLQ       $3, AX; \
	VMOVDQU    (R9)(AX*4), ycol; \
	VMOVUPD    (R8)(AX*8), zval; \
	VPXORQ     zx, zx, zx; \
	VGATHERDPD (SI)(ycol*8), kg, zx; \
	VMULPD     zval, zx, zx; \
	VADDPD     zx, acc, kadd, acc

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
	SELL_ARGS

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
	SELL_GROUP(K1, K2, Y2, Z3, Z4, Z0)
	INCQ       R14
	CMPQ       R14, R15
	JGE        store
	SELL_GROUP(K3, K4, Y5, Z6, Z7, Z1)
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
// single chain of additions). With a.dotx ≠ nil it also sums
// dotx[i]·dst[i] over the rows in row order into a.dot (one rounded
// product and one rounded sum per row, as tissue's dot): lane by lane
// from the registers for a slice of 8 rows, from memory for a shorter one.
TEXT ·sellRows1AVX512(SB), NOSPLIT, $0-8
	SELL_ARGS
	VMOVSD 88(AX), X9    // the dot so far

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
	SELL_GROUP(K1, K2, Y2, Z3, Z4, Z0)
	INCQ       R14
	JMP        group1

store1:
	MOVLQSX (R12)(CX*4), AX
	VMOVUPD Z0, K7, (DI)(AX*8)
	MOVQ    a+0(FP), R14
	MOVQ    80(R14), R14  // dotx
	TESTQ   R14, R14
	JZ      next1
	CMPL    BX, $0xff
	JNE     partial1
	VMOVUPD (R14)(AX*8), Z5
	VMULPD  Z0, Z5, Z5    // dotx[i]·dst[i], lanes 0–7
	VADDSD  X5, X9, X9
	VPERMILPD $1, X5, X6
	VADDSD  X6, X9, X9
	VEXTRACTF128 $1, Y5, X6
	VADDSD  X6, X9, X9
	VPERMILPD $1, X6, X7
	VADDSD  X7, X9, X9
	VEXTRACTF64X4 $1, Z5, Y6
	VADDSD  X6, X9, X9
	VPERMILPD $1, X6, X7
	VADDSD  X7, X9, X9
	VEXTRACTF128 $1, Y6, X7
	VADDSD  X7, X9, X9
	VPERMILPD $1, X7, X8
	VADDSD  X8, X9, X9
	JMP     next1

partial1: // lanes l of BX in order, from memory
	LEAQ (R14)(AX*8), R14 // &dotx[row0]
	LEAQ (DI)(AX*8), AX   // &dst[row0]
	XORL R15, R15

lane1:
	CMPL   R15, $8
	JGE    next1
	BTL    R15, BX
	JCC    skip1
	VMOVSD (R14)(R15*8), X5
	VMULSD (AX)(R15*8), X5, X5
	VADDSD X5, X9, X9

skip1:
	INCL    R15
	JMP     lane1

next1:
	INCQ CX
	JMP  slice1

done1:
	MOVQ   a+0(FP), AX
	VMOVSD X9, 88(AX)
	VZEROUPPER
	RET
