#include "textflag.h"

// func axpy2SSE2(y []float64, w1 float64, x1 []float64, w2 float64, x2 []float64)
//
// y[q] = (y[q] + w1·x1[q]) + w2·x2[q] for q < len(x1), two lanes at a time:
// y is loaded and stored once for two edges, with the roundings of two
// successive axpy calls.
TEXT ·axpy2SSE2(SB), NOSPLIT, $0-88
	MOVQ   y_base+0(FP), DI
	MOVSD  w1+24(FP), X0
	UNPCKLPD X0, X0
	MOVQ   x1_base+32(FP), SI
	MOVQ   x1_len+40(FP), CX
	MOVSD  w2+56(FP), X9
	UNPCKLPD X9, X9
	MOVQ   x2_base+64(FP), DX

p4:
	CMPQ   CX, $4
	JLT    p2
	MOVUPD (SI), X1
	MOVUPD 16(SI), X2
	MULPD  X0, X1
	MULPD  X0, X2
	MOVUPD (DX), X3
	MOVUPD 16(DX), X4
	MULPD  X9, X3
	MULPD  X9, X4
	MOVUPD (DI), X5
	MOVUPD 16(DI), X6
	ADDPD  X1, X5
	ADDPD  X2, X6
	ADDPD  X3, X5
	ADDPD  X4, X6
	MOVUPD X5, (DI)
	MOVUPD X6, 16(DI)
	ADDQ   $32, SI
	ADDQ   $32, DX
	ADDQ   $32, DI
	SUBQ   $4, CX
	JMP    p4

p2:
	CMPQ   CX, $2
	JLT    p1
	MOVUPD (SI), X1
	MULPD  X0, X1
	MOVUPD (DX), X3
	MULPD  X9, X3
	MOVUPD (DI), X5
	ADDPD  X1, X5
	ADDPD  X3, X5
	MOVUPD X5, (DI)
	ADDQ   $16, SI
	ADDQ   $16, DX
	ADDQ   $16, DI
	SUBQ   $2, CX
	JMP    p2

p1:
	CMPQ   CX, $0
	JEQ    p0
	MOVSD  (SI), X1
	MULSD  X0, X1
	MOVSD  (DX), X3
	MULSD  X9, X3
	MOVSD  (DI), X5
	ADDSD  X1, X5
	ADDSD  X3, X5
	MOVSD  X5, (DI)

p0:
	RET

// func heunCorrectSSE2(x, m, f2 []float64, h float64)
//
// x[k] += h·(m[k] + f2[k]) for k < len(x) (m, f2 at least as long), two
// lanes at a time: the Go loop's three roundings per element.
TEXT ·heunCorrectSSE2(SB), NOSPLIT, $0-80
	MOVQ   x_base+0(FP), DI
	MOVQ   x_len+8(FP), CX
	MOVQ   m_base+24(FP), SI
	MOVQ   f2_base+48(FP), DX
	MOVSD  h+72(FP), X0
	UNPCKLPD X0, X0

hc2:
	CMPQ   CX, $2
	JLT    hc1
	MOVUPD (SI), X1
	MOVUPD (DX), X2
	ADDPD  X2, X1
	MULPD  X0, X1
	MOVUPD (DI), X3
	ADDPD  X1, X3
	MOVUPD X3, (DI)
	ADDQ   $16, SI
	ADDQ   $16, DX
	ADDQ   $16, DI
	SUBQ   $2, CX
	JMP    hc2

hc1:
	CMPQ   CX, $0
	JEQ    hc0
	MOVSD  (SI), X1
	MOVSD  (DX), X2
	ADDSD  X2, X1
	MULSD  X0, X1
	MOVSD  (DI), X3
	ADDSD  X1, X3
	MOVSD  X3, (DI)

hc0:
	RET

// func eulerPredictSSE2(xt, x, m []float64, dt float64)
//
// xt[k] = x[k] + dt·m[k] for k < len(xt) (x, m at least as long).
TEXT ·eulerPredictSSE2(SB), NOSPLIT, $0-80
	MOVQ   xt_base+0(FP), DI
	MOVQ   xt_len+8(FP), CX
	MOVQ   x_base+24(FP), SI
	MOVQ   m_base+48(FP), DX
	MOVSD  dt+72(FP), X0
	UNPCKLPD X0, X0

ep2:
	CMPQ   CX, $2
	JLT    ep1
	MOVUPD (DX), X1
	MULPD  X0, X1
	MOVUPD (SI), X2
	ADDPD  X1, X2
	MOVUPD X2, (DI)
	ADDQ   $16, SI
	ADDQ   $16, DX
	ADDQ   $16, DI
	SUBQ   $2, CX
	JMP    ep2

ep1:
	CMPQ   CX, $0
	JEQ    ep0
	MOVSD  (DX), X1
	MULSD  X0, X1
	MOVSD  (SI), X2
	ADDSD  X1, X2
	MOVSD  X2, (DI)

ep0:
	RET
