#include "textflag.h"

// func epiDriftAVX512(k *epiKernel512)
//
// The 6-D Epileptor's right-hand side (Epileptor.Drift) for k.n regions,
// eight lanes at a time with AVX-512F, the last lanes masked (masked loads
// do not touch memory past the arrays). Every output is the sequence of
// rounded operations of the Go loop and of epiDriftSSE2, term for term (no
// fused multiply-add); the branches become masks: x1 < 0 selects f1's left
// form, z < 0 subtracts the z⁷ term (a masked subtraction), x2 ≥ −0.25
// keeps aa·(x2 + 0.25) (else +0). Constants are broadcast from the kernel
// block (drift_amd64.go gives its layout).
TEXT ·epiDriftAVX512(SB), NOSPLIT, $0-8
	MOVQ k+0(FP), DI
	MOVQ 120(DI), CX
	XORQ SI, SI
	VPXORQ Z31, Z31, Z31
	VBROADCASTSD 168(DI), Z10    // tt

loop:
	CMPQ CX, $0
	JLE  done
	MOVQ $0xff, AX
	CMPQ CX, $8
	JGE  4(PC)
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1

	MOVQ 0(DI), AX
	VMOVUPD.Z (AX)(SI*1), K1, Z0   // x1
	MOVQ 16(DI), AX
	VMOVUPD.Z (AX)(SI*1), K1, Z2   // z
	MOVQ 24(DI), AX
	VMOVUPD.Z (AX)(SI*1), K1, Z3   // x2

	// f1, left: (−a·x1)·x1 + b·x1
	VMULPD.BCST 128(DI), Z0, Z4
	VMULPD      Z0, Z4, Z4
	VMULPD.BCST 136(DI), Z0, Z5
	VADDPD      Z5, Z4, Z4
	// f1, right: (slope − x2) + (0.6·(z − 4))·(z − 4)
	VSUBPD.BCST 256(DI), Z2, Z7
	VMULPD.BCST 248(DI), Z7, Z8
	VMULPD      Z7, Z8, Z8
	VBROADCASTSD 144(DI), Z5
	VSUBPD      Z3, Z5, Z5
	VADDPD      Z8, Z5, Z5
	// f1 = left where x1 < 0
	VCMPPD      $1, Z31, Z0, K2
	VMOVAPD     Z4, K2, Z5           // f1

	// d1 = tt·((((y1 − z) + iext) + kvf·c1) + f1·x1)
	MOVQ 8(DI), AX
	VMOVUPD.Z (AX)(SI*1), K1, Z1   // y1
	VSUBPD      Z2, Z1, Z6
	VADDPD.BCST 152(DI), Z6, Z6
	MOVQ 48(DI), AX
	VMOVUPD.Z (AX)(SI*1), K1, Z9   // c1
	VMULPD.BCST 160(DI), Z9, Z7
	VADDPD      Z7, Z6, Z6
	VMULPD      Z0, Z5, Z5
	VADDPD      Z5, Z6, Z6
	VMULPD      Z10, Z6, Z6
	MOVQ 72(DI), AX
	VMOVUPD     Z6, K1, (AX)(SI*1)

	// d2 = tt·((c − (d·x1)·x1) − y1)
	VMULPD.BCST 184(DI), Z0, Z6
	VMULPD      Z0, Z6, Z6
	VBROADCASTSD 176(DI), Z7
	VSUBPD      Z6, Z7, Z7
	VSUBPD      Z1, Z7, Z7
	VMULPD      Z10, Z7, Z7
	MOVQ 80(DI), AX
	VMOVUPD     Z7, K1, (AX)(SI*1)

	// h = 4·(x1 − x0), minus ((((0.1·z²)·z²)·z²)·z where z < 0
	MOVQ 64(DI), AX
	VMOVUPD.Z (AX)(SI*1), K1, Z6   // x0
	VSUBPD      Z6, Z0, Z6
	VMULPD.BCST 256(DI), Z6, Z6
	VMULPD      Z2, Z2, Z7           // z²
	VMULPD.BCST 264(DI), Z7, Z8
	VMULPD      Z7, Z8, Z8
	VMULPD      Z7, Z8, Z8
	VMULPD      Z2, Z8, Z8
	VCMPPD      $1, Z31, Z2, K3
	VSUBPD      Z8, Z6, K3, Z6       // h
	// d3 = (tt·r)·((h − z) + ks·c1)
	VSUBPD      Z2, Z6, Z6
	VMULPD.BCST 200(DI), Z9, Z7
	VADDPD      Z7, Z6, Z6
	VMULPD.BCST 192(DI), Z6, Z6
	MOVQ 88(DI), AX
	VMOVUPD     Z6, K1, (AX)(SI*1)

	// d4 = tt·((((((x2 − y2) − (x2·x2)·x2) + iext2) + bb·g) − 0.3·(z − 3.5)) + kf·c2)
	MOVQ 32(DI), AX
	VMOVUPD.Z (AX)(SI*1), K1, Z4   // y2
	VSUBPD      Z4, Z3, Z5
	VMULPD      Z3, Z3, Z6
	VMULPD      Z3, Z6, Z6
	VSUBPD      Z6, Z5, Z5
	VADDPD.BCST 216(DI), Z5, Z5
	MOVQ 40(DI), AX
	VMOVUPD.Z (AX)(SI*1), K1, Z12  // g
	VMULPD.BCST 224(DI), Z12, Z6
	VADDPD      Z6, Z5, Z5
	VSUBPD.BCST 288(DI), Z2, Z6
	VMULPD.BCST 296(DI), Z6, Z6
	VSUBPD      Z6, Z5, Z5
	MOVQ 56(DI), AX
	VMOVUPD.Z (AX)(SI*1), K1, Z6   // c2
	VMULPD.BCST 232(DI), Z6, Z6
	VADDPD      Z6, Z5, Z5
	VMULPD      Z10, Z5, Z5
	MOVQ 96(DI), AX
	VMOVUPD     Z5, K1, (AX)(SI*1)

	// f2 = aa·(x2 + 0.25) where −0.25 ≤ x2, else +0; d5 = (tt·(f2 − y2))/tau
	VADDPD.BCST 272(DI), Z3, Z5
	VMULPD.BCST 208(DI), Z5, Z5
	VBROADCASTSD 280(DI), Z6
	VCMPPD      $2, Z3, Z6, K4
	VMOVAPD.Z   Z5, K4, Z5
	VSUBPD      Z4, Z5, Z5
	VMULPD      Z10, Z5, Z5
	VDIVPD.BCST 240(DI), Z5, Z5
	MOVQ 104(DI), AX
	VMOVUPD     Z5, K1, (AX)(SI*1)

	// d6 = tt·(−0.01·(g − 0.1·x1))
	VMULPD.BCST 264(DI), Z0, Z6
	VSUBPD      Z6, Z12, Z6
	VMULPD.BCST 304(DI), Z6, Z6
	VMULPD      Z10, Z6, Z6
	MOVQ 112(DI), AX
	VMOVUPD     Z6, K1, (AX)(SI*1)

	ADDQ $64, SI
	SUBQ $8, CX
	JMP  loop

done:
	VZEROUPPER
	RET
