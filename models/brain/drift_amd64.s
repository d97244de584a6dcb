#include "textflag.h"

// func epiDriftSSE2(k *epiKernel)
//
// The 6-D Epileptor's right-hand side (Epileptor.Drift) for k.pairs pairs of
// regions, two lanes at a time with SSE2. Every output is the same sequence
// of rounded operations as the Go loop, term for term (a − b for −b + a,
// products and sums commuted only where IEEE arithmetic is commutative, no
// fused multiply-add); the branches become masks: x1 < 0 selects f1's left
// or right form, z < 0 adds the z⁷ term (masked to +0 otherwise), and
// x2 ≥ −0.25 keeps aa·(x2 + 0.25) (else +0). See drift_amd64.go for the
// layout of epiKernel; TestEpileptorDriftSSE2 checks bit-identity.
TEXT ·epiDriftSSE2(SB), NOSPLIT, $0-8
	MOVQ k+0(FP), DI
	MOVQ 120(DI), CX
	XORQ SI, SI

loop:
	CMPQ CX, $0
	JEQ  done
	MOVQ 0(DI), AX
	MOVUPD (AX)(SI*1), X0        // x1
	MOVQ 16(DI), AX
	MOVUPD (AX)(SI*1), X2        // z
	MOVQ 24(DI), AX
	MOVUPD (AX)(SI*1), X3        // x2

	// f1, left: (−a·x1)·x1 + b·x1
	MOVUPD 128(DI), X4
	MULPD  X0, X4
	MULPD  X0, X4
	MOVUPD 144(DI), X5
	MULPD  X0, X5
	ADDPD  X5, X4
	// f1, right: (slope − x2) + (0.6·(z − 4))·(z − 4)
	MOVUPD 384(DI), X6
	MOVAPD X2, X7
	SUBPD  X6, X7
	MOVUPD 368(DI), X8
	MULPD  X7, X8
	MULPD  X7, X8
	MOVUPD 160(DI), X5
	SUBPD  X3, X5
	ADDPD  X8, X5
	// select on x1 < 0
	XORPD  X6, X6
	MOVAPD X0, X7
	CMPPD  X6, X7, $1
	ANDPD  X7, X4
	ANDNPD X5, X7
	ORPD   X7, X4                // f1

	// d1 = tt·((((y1 − z) + iext) + kvf·c1) + f1·x1)
	MOVQ 8(DI), AX
	MOVUPD (AX)(SI*1), X1        // y1
	MOVAPD X1, X5
	SUBPD  X2, X5
	MOVUPD 176(DI), X6
	ADDPD  X6, X5
	MOVQ 48(DI), AX
	MOVUPD (AX)(SI*1), X9        // c1
	MOVUPD 192(DI), X6
	MULPD  X9, X6
	ADDPD  X6, X5
	MULPD  X0, X4
	ADDPD  X4, X5
	MOVUPD 208(DI), X10          // tt
	MULPD  X10, X5
	MOVQ 72(DI), AX
	MOVUPD X5, (AX)(SI*1)

	// d2 = tt·((c − (d·x1)·x1) − y1)
	MOVUPD 240(DI), X5
	MULPD  X0, X5
	MULPD  X0, X5
	MOVUPD 224(DI), X6
	SUBPD  X5, X6
	SUBPD  X1, X6
	MULPD  X10, X6
	MOVQ 80(DI), AX
	MOVUPD X6, (AX)(SI*1)

	// h = 4·(x1 − x0) − [z < 0]·((((0.1·z²)·z²)·z²)·z)
	MOVQ 64(DI), AX
	MOVUPD (AX)(SI*1), X5        // x0
	MOVAPD X0, X6
	SUBPD  X5, X6
	MOVUPD 384(DI), X5
	MULPD  X5, X6
	MOVAPD X2, X7
	MULPD  X2, X7                // z²
	MOVUPD 400(DI), X8
	MULPD  X7, X8
	MULPD  X7, X8
	MULPD  X7, X8
	MULPD  X2, X8
	XORPD  X5, X5
	MOVAPD X2, X11
	CMPPD  X5, X11, $1
	ANDPD  X11, X8
	SUBPD  X8, X6                // h
	// d3 = (tt·r)·((h − z) + ks·c1)
	SUBPD  X2, X6
	MOVUPD 272(DI), X5
	MULPD  X9, X5
	ADDPD  X5, X6
	MOVUPD 256(DI), X5
	MULPD  X5, X6
	MOVQ 88(DI), AX
	MOVUPD X6, (AX)(SI*1)

	// d4 = tt·((((((x2 − y2) − (x2·x2)·x2) + iext2) + bb·g) − 0.3·(z − 3.5)) + kf·c2)
	MOVQ 32(DI), AX
	MOVUPD (AX)(SI*1), X4        // y2
	MOVAPD X3, X5
	SUBPD  X4, X5
	MOVAPD X3, X6
	MULPD  X3, X6
	MULPD  X3, X6
	SUBPD  X6, X5
	MOVUPD 304(DI), X6
	ADDPD  X6, X5
	MOVQ 40(DI), AX
	MOVUPD (AX)(SI*1), X12       // g
	MOVUPD 320(DI), X6
	MULPD  X12, X6
	ADDPD  X6, X5
	MOVAPD X2, X6
	MOVUPD 448(DI), X7
	SUBPD  X7, X6
	MOVUPD 464(DI), X7
	MULPD  X7, X6
	SUBPD  X6, X5
	MOVQ 56(DI), AX
	MOVUPD (AX)(SI*1), X6        // c2
	MOVUPD 336(DI), X7
	MULPD  X7, X6
	ADDPD  X6, X5
	MULPD  X10, X5
	MOVQ 96(DI), AX
	MOVUPD X5, (AX)(SI*1)

	// f2 = [−0.25 ≤ x2]·aa·(x2 + 0.25); d5 = (tt·(f2 − y2))/tau
	MOVAPD X3, X5
	MOVUPD 416(DI), X6
	ADDPD  X6, X5
	MOVUPD 288(DI), X6
	MULPD  X6, X5
	MOVUPD 432(DI), X6
	CMPPD  X3, X6, $2
	ANDPD  X6, X5
	SUBPD  X4, X5
	MULPD  X10, X5
	MOVUPD 352(DI), X6
	DIVPD  X6, X5
	MOVQ 104(DI), AX
	MOVUPD X5, (AX)(SI*1)

	// d6 = tt·(−0.01·(g − 0.1·x1))
	MOVUPD 400(DI), X5
	MULPD  X0, X5
	MOVAPD X12, X6
	SUBPD  X5, X6
	MOVUPD 480(DI), X5
	MULPD  X5, X6
	MULPD  X10, X6
	MOVQ 112(DI), AX
	MOVUPD X6, (AX)(SI*1)

	ADDQ $16, SI
	DECQ CX
	JMP  loop

done:
	RET
