#include "textflag.h"

// AVX-512F kernels of the network step (simd_amd64.go). None uses a fused
// multiply-add: every element is rounded after each product and each sum as
// in the Go loops, so the results are bit-identical to them and to the SSE2
// kernels (axpy_amd64.s).

// EDGE loads edge BX's history address into R8 (SI + 8·(src + rd)) and its
// weight, broadcast, into Z16.
#define EDGE \
	MOVLQSX (R11)(BX*4), R8; \
	MOVLQSX (R12)(BX*4), R9; \
	ADDQ    R9, R8; \
	LEAQ    (SI)(R8*8), R8; \
	VBROADCASTSD (R10)(BX*8), Z16

// ACC adds w·h for the register Zr of the row's sums, h at byte offset off
// of the edge's values: Zr = Zr + w·h (the sum commuted, as IEEE allows).
#define ACC(off, tmp, zr) \
	VMULPD off(R8), Z16, tmp; \
	VADDPD tmp, zr, zr

// func blockRowAVX512(acc, hist, w *float64, src, rd *int32, edges, nreg int)
TEXT ·blockRowAVX512(SB), NOSPLIT, $0-56
	MOVQ acc+0(FP), DI
	MOVQ hist+8(FP), SI
	MOVQ w+16(FP), R10
	MOVQ src+24(FP), R11
	MOVQ rd+32(FP), R12
	MOVQ edges+40(FP), CX
	MOVQ nreg+48(FP), DX
	XORQ BX, BX
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	CMPQ DX, $8
	JEQ  r8
	CMPQ DX, $4
	JEQ  r4
	CMPQ DX, $2
	JEQ  r2

r1:
	CMPQ BX, CX
	JGE  r1done
	EDGE
	ACC(0, Z17, Z0)
	INCQ BX
	JMP  r1
r1done:
	VMOVUPD Z0, (DI)
	VZEROUPPER
	RET

r2:
	CMPQ BX, CX
	JGE  r2done
	EDGE
	ACC(0, Z17, Z0)
	ACC(64, Z18, Z1)
	INCQ BX
	JMP  r2
r2done:
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
	VZEROUPPER
	RET

r4:
	CMPQ BX, CX
	JGE  r4done
	EDGE
	ACC(0, Z17, Z0)
	ACC(64, Z18, Z1)
	ACC(128, Z19, Z2)
	ACC(192, Z20, Z3)
	INCQ BX
	JMP  r4
r4done:
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	VZEROUPPER
	RET

r8:
	CMPQ BX, CX
	JGE  r8done
	EDGE
	ACC(0, Z17, Z0)
	ACC(64, Z18, Z1)
	ACC(128, Z19, Z2)
	ACC(192, Z20, Z3)
	ACC(256, Z21, Z4)
	ACC(320, Z22, Z5)
	ACC(384, Z23, Z6)
	ACC(448, Z24, Z7)
	INCQ BX
	JMP  r8
r8done:
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	VMOVUPD Z4, 256(DI)
	VMOVUPD Z5, 320(DI)
	VMOVUPD Z6, 384(DI)
	VMOVUPD Z7, 448(DI)
	VZEROUPPER
	RET

// TAILMASK sets K1 to the lanes left, min(CX, 8) of them.
#define TAILMASK \
	MOVQ $0xff, AX; \
	CMPQ CX, $8; \
	JGE  4(PC); \
	MOVQ $1, AX; \
	SHLQ CX, AX; \
	DECQ AX; \
	KMOVW AX, K1

// func heunCorrectAVX512(x, m, f2 []float64, h float64)
//
// x[k] += h·(m[k] + f2[k]) for k < len(x), eight lanes at a time, the last
// ones masked.
TEXT ·heunCorrectAVX512(SB), NOSPLIT, $0-80
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ m_base+24(FP), SI
	MOVQ f2_base+48(FP), DX
	VBROADCASTSD h+72(FP), Z0

hc:
	CMPQ CX, $0
	JLE  hcdone
	TAILMASK
	VMOVUPD.Z (SI), K1, Z1
	VMOVUPD.Z (DX), K1, Z2
	VADDPD    Z2, Z1, Z1
	VMULPD    Z0, Z1, Z1
	VMOVUPD.Z (DI), K1, Z3
	VADDPD    Z1, Z3, Z3
	VMOVUPD   Z3, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  hc
hcdone:
	VZEROUPPER
	RET

// func eulerPredictAVX512(xt, x, m []float64, dt float64)
//
// xt[k] = x[k] + dt·m[k] for k < len(xt), eight lanes at a time, the last
// ones masked.
TEXT ·eulerPredictAVX512(SB), NOSPLIT, $0-80
	MOVQ xt_base+0(FP), DI
	MOVQ xt_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ m_base+48(FP), DX
	VBROADCASTSD dt+72(FP), Z0

ep:
	CMPQ CX, $0
	JLE  epdone
	TAILMASK
	VMOVUPD.Z (DX), K1, Z1
	VMULPD    Z0, Z1, Z1
	VMOVUPD.Z (SI), K1, Z2
	VADDPD    Z1, Z2, Z2
	VMOVUPD   Z2, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  ep
epdone:
	VZEROUPPER
	RET

// func diffCouplingAVX512(c, g, x, rs []float64, a float64)
//
// c[i] = a·(g[i] − x[i]·rs[i]) for i < len(c) (the others at least as
// long): difference coupling from the delayed sums g, eight lanes at a time.
TEXT ·diffCouplingAVX512(SB), NOSPLIT, $0-104
	MOVQ c_base+0(FP), DI
	MOVQ c_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ x_base+48(FP), DX
	MOVQ rs_base+72(FP), R8
	VBROADCASTSD a+96(FP), Z0

dc:
	CMPQ CX, $0
	JLE  dcdone
	TAILMASK
	VMOVUPD.Z (DX), K1, Z1
	VMOVUPD.Z (R8), K1, Z2
	VMULPD    Z2, Z1, Z1
	VMOVUPD.Z (SI), K1, Z3
	VSUBPD    Z1, Z3, Z3
	VMULPD    Z0, Z3, Z3
	VMOVUPD   Z3, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, R8
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  dc
dcdone:
	VZEROUPPER
	RET

// func linCouplingAVX512(c, g []float64, a, b float64)
//
// c[i] = a·g[i] + b for i < len(c) (g at least as long): linear coupling.
TEXT ·linCouplingAVX512(SB), NOSPLIT, $0-64
	MOVQ c_base+0(FP), DI
	MOVQ c_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	VBROADCASTSD a+48(FP), Z0
	VBROADCASTSD b+56(FP), Z4

lc:
	CMPQ CX, $0
	JLE  lcdone
	TAILMASK
	VMOVUPD.Z (SI), K1, Z1
	VMULPD    Z0, Z1, Z1
	VADDPD    Z4, Z1, Z1
	VMOVUPD   Z1, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  lc
lcdone:
	VZEROUPPER
	RET

// func blockRowDone(dst, acc *float64, span, stride int, rd, rlen *int32, edges int, inc int32)
//
// The end of a row of a block fill: dst[q·stride] = acc[q] for q < span
// (the row's sums to the block's step-major layout; stride in values:
// fillBlockAVX2's use — fillBlockAVX512 writes its sums itself and passes
// span 0), and each of the row's edges' read offsets advanced by inc and
// wrapped at its ring's length, rd[e] = rd[e] + inc − [rd[e] + inc ≥
// rlen[e]]·rlen[e].
TEXT ·blockRowDone(SB), NOSPLIT, $0-60
	MOVQ dst+0(FP), DI
	MOVQ acc+8(FP), SI
	MOVQ span+16(FP), CX
	MOVQ stride+24(FP), R8
	SHLQ $3, R8
	MOVQ rd+32(FP), R9
	MOVQ rlen+40(FP), R10
	MOVQ edges+48(FP), R13
	MOVL inc+56(FP), DX

sc:
	CMPQ CX, $0
	JLE  scdone
	MOVQ (SI), AX
	MOVQ AX, (DI)
	ADDQ $8, SI
	ADDQ R8, DI
	DECQ CX
	JMP  sc
scdone:
	XORQ BX, BX

rl:
	CMPQ BX, R13
	JGE  rldone
	MOVL (R9)(BX*4), AX
	ADDL DX, AX
	MOVL (R10)(BX*4), R11
	MOVL AX, R12
	SUBL R11, R12
	CMPL AX, R11
	CMOVLGE R12, AX
	MOVL AX, (R9)(BX*4)
	INCQ BX
	JMP  rl
rldone:
	RET

// func gatherAVX512(dst []float64, src *float64, idx *[8]int64, stride int)
//
// dst[i] = src[i·stride] for i < len(dst), eight lanes per gather: idx
// holds 0, stride, …, 7·stride, and the base moves on by 8·stride values
// per pass; the last lanes are masked.
TEXT ·gatherAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src+24(FP), SI
	MOVQ idx+32(FP), AX
	VMOVDQU64 (AX), Z1
	MOVQ stride+40(FP), DX
	SHLQ $6, DX

ga:
	CMPQ CX, $0
	JLE  gadone
	TAILMASK
	KMOVW K1, K2
	VPXORQ Z2, Z2, Z2
	VGATHERQPD (SI)(Z1*8), K1, Z2
	VMOVUPD Z2, K2, (DI)
	ADDQ DX, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  ga
gadone:
	VZEROUPPER
	RET

// func writeRow2(hist, x0, x1 *float64, base, hlen, wr *int32, n int, mir int32)
//
// writeRow for two coupled variables: for each source i, hist[o] = x0[i]
// and hist[o+1] = x1[i] at o = base[i] + wr[i], again hlen[i] further on
// when wr[i] < mir (the mirror), then wr[i] advanced by 2 and wrapped at
// hlen[i]. Plain scalar stores; the caller checks that every offset is
// inside hist.
TEXT ·writeRow2(SB), NOSPLIT, $0-60
	MOVQ hist+0(FP), DI
	MOVQ x0+8(FP), SI
	MOVQ x1+16(FP), DX
	MOVQ base+24(FP), R8
	MOVQ hlen+32(FP), R9
	MOVQ wr+40(FP), R10
	MOVQ n+48(FP), CX
	MOVL mir+56(FP), R11
	XORQ BX, BX

wl:
	CMPQ BX, CX
	JGE  wdone
	MOVL    (R10)(BX*4), AX
	MOVLQSX (R8)(BX*4), R12
	MOVLQSX AX, R13
	ADDQ    R13, R12
	MOVSD   (SI)(BX*8), X0
	MOVSD   (DX)(BX*8), X1
	MOVSD   X0, (DI)(R12*8)
	MOVSD   X1, 8(DI)(R12*8)
	CMPL    AX, R11
	JGE     wnomir
	MOVLQSX (R9)(BX*4), R13
	ADDQ    R12, R13
	MOVSD   X0, (DI)(R13*8)
	MOVSD   X1, 8(DI)(R13*8)
wnomir:
	ADDL $2, AX
	CMPL AX, (R9)(BX*4)
	JNE  2(PC)
	XORL AX, AX
	MOVL AX, (R10)(BX*4)
	INCQ BX
	JMP  wl
wdone:
	RET

// func heunCorrectNoisyAVX512(x, m, f2, eta []float64, h float64)
//
// x[k] += h·(m[k] + f2[k]) + eta[k] for k < len(x): the Heun corrector of
// a noisy variable, x + ((h·(m + f2)) + η), eight lanes at a time, the last
// ones masked.
TEXT ·heunCorrectNoisyAVX512(SB), NOSPLIT, $0-104
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ m_base+24(FP), SI
	MOVQ f2_base+48(FP), DX
	MOVQ eta_base+72(FP), R8
	VBROADCASTSD h+96(FP), Z0

hn:
	CMPQ CX, $0
	JLE  hndone
	TAILMASK
	VMOVUPD.Z (SI), K1, Z1
	VMOVUPD.Z (DX), K1, Z2
	VADDPD    Z2, Z1, Z1
	VMULPD    Z0, Z1, Z1
	VMOVUPD.Z (R8), K1, Z4
	VADDPD    Z4, Z1, Z1
	VMOVUPD.Z (DI), K1, Z3
	VADDPD    Z1, Z3, Z3
	VMOVUPD   Z3, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, R8
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  hn
hndone:
	VZEROUPPER
	RET
