#include "textflag.h"

// AVX2 kernels (four float64 lanes, 16 vector registers) for CPUs without
// AVX-512 (simd_amd64.go). As the AVX-512 ones: no fused multiply-add, each
// element rounded after each product and each sum as in the Go loops, so
// the results are bit-identical to them.

// EDGE2 loads edge BX's history address into R8 (SI + 8·(src + rd)) and its
// weight, broadcast, into Y15.
#define EDGE2 \
	MOVLQSX (R11)(BX*4), R8; \
	MOVLQSX (R12)(BX*4), R9; \
	ADDQ    R9, R8; \
	LEAQ    (SI)(R8*8), R8; \
	VBROADCASTSD (R10)(BX*8), Y15

// ACC2 adds w·h for the register yr of the row's sums, h at byte offset off
// of the edge's values.
#define ACC2(off, tmp, yr) \
	VMULPD off(R8), Y15, tmp; \
	VADDPD tmp, yr, yr

// func blockRowAVX2(acc, hist, w *float64, src, rd *int32, edges, nreg int)
//
// acc[q] = Σ_e w[e]·hist[src[e] + rd[e] + q] over the edges in order, from
// +0, for q < 4·nreg, nreg ∈ {1, 2, 4, 8}: blockRowAVX512 with registers of
// four lanes.
TEXT ·blockRowAVX2(SB), NOSPLIT, $0-56
	MOVQ acc+0(FP), DI
	MOVQ hist+8(FP), SI
	MOVQ w+16(FP), R10
	MOVQ src+24(FP), R11
	MOVQ rd+32(FP), R12
	MOVQ edges+40(FP), CX
	MOVQ nreg+48(FP), DX
	XORQ BX, BX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	CMPQ DX, $8
	JEQ  q8
	CMPQ DX, $4
	JEQ  q4
	CMPQ DX, $2
	JEQ  q2

q1:
	CMPQ BX, CX
	JGE  q1done
	EDGE2
	ACC2(0, Y8, Y0)
	INCQ BX
	JMP  q1
q1done:
	VMOVUPD Y0, (DI)
	VZEROUPPER
	RET

q2:
	CMPQ BX, CX
	JGE  q2done
	EDGE2
	ACC2(0, Y8, Y0)
	ACC2(32, Y9, Y1)
	INCQ BX
	JMP  q2
q2done:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VZEROUPPER
	RET

q4:
	CMPQ BX, CX
	JGE  q4done
	EDGE2
	ACC2(0, Y8, Y0)
	ACC2(32, Y9, Y1)
	ACC2(64, Y10, Y2)
	ACC2(96, Y11, Y3)
	INCQ BX
	JMP  q4
q4done:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VZEROUPPER
	RET

q8:
	CMPQ BX, CX
	JGE  q8done
	EDGE2
	ACC2(0, Y8, Y0)
	ACC2(32, Y9, Y1)
	ACC2(64, Y10, Y2)
	ACC2(96, Y11, Y3)
	ACC2(128, Y12, Y4)
	ACC2(160, Y13, Y5)
	ACC2(192, Y14, Y6)
	ACC2(224, Y8, Y7)
	INCQ BX
	JMP  q8
q8done:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VMOVUPD Y4, 128(DI)
	VMOVUPD Y5, 160(DI)
	VMOVUPD Y6, 192(DI)
	VMOVUPD Y7, 224(DI)
	VZEROUPPER
	RET

// func heunCorrectAVX2(x, m, f2 []float64, h float64)
//
// x[k] += h·(m[k] + f2[k]) for k < len(x), four lanes at a time, the tail
// one by one.
TEXT ·heunCorrectAVX2(SB), NOSPLIT, $0-80
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ m_base+24(FP), SI
	MOVQ f2_base+48(FP), DX
	VBROADCASTSD h+72(FP), Y0

hc4:
	CMPQ CX, $4
	JLT  hc1
	VMOVUPD (SI), Y1
	VADDPD  (DX), Y1, Y1
	VMULPD  Y0, Y1, Y1
	VADDPD  (DI), Y1, Y1
	VMOVUPD Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  hc4
hc1:
	CMPQ CX, $0
	JLE  hcdone
	VMOVSD (SI), X1
	VADDSD (DX), X1, X1
	VMULSD X0, X1, X1
	VADDSD (DI), X1, X1
	VMOVSD X1, (DI)
	ADDQ $8, SI
	ADDQ $8, DX
	ADDQ $8, DI
	DECQ CX
	JMP  hc1
hcdone:
	VZEROUPPER
	RET

// func eulerPredictAVX2(xt, x, m []float64, dt float64)
//
// xt[k] = x[k] + dt·m[k] for k < len(xt), four lanes at a time, the tail
// one by one.
TEXT ·eulerPredictAVX2(SB), NOSPLIT, $0-80
	MOVQ xt_base+0(FP), DI
	MOVQ xt_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ m_base+48(FP), DX
	VBROADCASTSD dt+72(FP), Y0

ep4:
	CMPQ CX, $4
	JLT  ep1
	VMULPD  (DX), Y0, Y1
	VADDPD  (SI), Y1, Y1
	VMOVUPD Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  ep4
ep1:
	CMPQ CX, $0
	JLE  epdone
	VMULSD (DX), X0, X1
	VADDSD (SI), X1, X1
	VMOVSD X1, (DI)
	ADDQ $8, SI
	ADDQ $8, DX
	ADDQ $8, DI
	DECQ CX
	JMP  ep1
epdone:
	VZEROUPPER
	RET
