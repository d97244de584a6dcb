#include "textflag.h"

// BC broadcasts the kernel block's constant at byte offset off into Y14.
#define BC(off) VBROADCASTSD off(DI), Y14

// func epiDriftAVX2(k *epiKernel512)
//
// epiDriftAVX512 with four lanes and no mask registers, for the first
// 4·⌊k.n/4⌋ regions (the caller does the rest): the same rounded
// operations term for term (no fused multiply-add); the branches become
// bit masks as in epiDriftSSE2 (x1 < 0 selects f1's left form by and/andn/or,
// the z⁷ term and aa·(x2 + 0.25) are anded with their conditions, +0
// otherwise). The constants are broadcast from the block (epiKernel512).
TEXT ·epiDriftAVX2(SB), NOSPLIT, $0-8
	MOVQ k+0(FP), DI
	MOVQ 120(DI), CX
	XORQ SI, SI
	VXORPD Y13, Y13, Y13
	VBROADCASTSD 168(DI), Y10    // tt

loop:
	CMPQ CX, $4
	JLT  done
	MOVQ 0(DI), AX
	VMOVUPD (AX)(SI*1), Y0       // x1
	MOVQ 16(DI), AX
	VMOVUPD (AX)(SI*1), Y2       // z
	MOVQ 24(DI), AX
	VMOVUPD (AX)(SI*1), Y3       // x2

	// f1, left: (−a·x1)·x1 + b·x1
	BC(128)
	VMULPD  Y0, Y14, Y4
	VMULPD  Y0, Y4, Y4
	BC(136)
	VMULPD  Y0, Y14, Y5
	VADDPD  Y5, Y4, Y4
	// f1, right: (slope − x2) + (0.6·(z − 4))·(z − 4)
	BC(256)
	VSUBPD  Y14, Y2, Y7
	BC(248)
	VMULPD  Y7, Y14, Y8
	VMULPD  Y7, Y8, Y8
	BC(144)
	VSUBPD  Y3, Y14, Y5
	VADDPD  Y8, Y5, Y5
	// f1 = left where x1 < 0, else right
	VCMPPD  $1, Y13, Y0, Y11
	VANDPD  Y11, Y4, Y4
	VANDNPD Y5, Y11, Y11
	VORPD   Y11, Y4, Y5          // f1

	// d1 = tt·((((y1 − z) + iext) + kvf·c1) + f1·x1)
	MOVQ 8(DI), AX
	VMOVUPD (AX)(SI*1), Y1       // y1
	VSUBPD  Y2, Y1, Y6
	BC(152)
	VADDPD  Y14, Y6, Y6
	MOVQ 48(DI), AX
	VMOVUPD (AX)(SI*1), Y9       // c1
	BC(160)
	VMULPD  Y9, Y14, Y7
	VADDPD  Y7, Y6, Y6
	VMULPD  Y0, Y5, Y5
	VADDPD  Y5, Y6, Y6
	VMULPD  Y10, Y6, Y6
	MOVQ 72(DI), AX
	VMOVUPD Y6, (AX)(SI*1)

	// d2 = tt·((c − (d·x1)·x1) − y1)
	BC(184)
	VMULPD  Y0, Y14, Y6
	VMULPD  Y0, Y6, Y6
	BC(176)
	VSUBPD  Y6, Y14, Y7
	VSUBPD  Y1, Y7, Y7
	VMULPD  Y10, Y7, Y7
	MOVQ 80(DI), AX
	VMOVUPD Y7, (AX)(SI*1)

	// h = 4·(x1 − x0) − [z < 0]·((((0.1·z²)·z²)·z²)·z)
	MOVQ 64(DI), AX
	VMOVUPD (AX)(SI*1), Y6       // x0
	VSUBPD  Y6, Y0, Y6
	BC(256)
	VMULPD  Y14, Y6, Y6
	VMULPD  Y2, Y2, Y7           // z²
	BC(264)
	VMULPD  Y7, Y14, Y8
	VMULPD  Y7, Y8, Y8
	VMULPD  Y7, Y8, Y8
	VMULPD  Y2, Y8, Y8
	VCMPPD  $1, Y13, Y2, Y11
	VANDPD  Y11, Y8, Y8
	VSUBPD  Y8, Y6, Y6           // h
	// d3 = (tt·r)·((h − z) + ks·c1)
	VSUBPD  Y2, Y6, Y6
	BC(200)
	VMULPD  Y9, Y14, Y7
	VADDPD  Y7, Y6, Y6
	BC(192)
	VMULPD  Y14, Y6, Y6
	MOVQ 88(DI), AX
	VMOVUPD Y6, (AX)(SI*1)

	// d4 = tt·((((((x2 − y2) − (x2·x2)·x2) + iext2) + bb·g) − 0.3·(z − 3.5)) + kf·c2)
	MOVQ 32(DI), AX
	VMOVUPD (AX)(SI*1), Y4       // y2
	VSUBPD  Y4, Y3, Y5
	VMULPD  Y3, Y3, Y6
	VMULPD  Y3, Y6, Y6
	VSUBPD  Y6, Y5, Y5
	BC(216)
	VADDPD  Y14, Y5, Y5
	MOVQ 40(DI), AX
	VMOVUPD (AX)(SI*1), Y12      // g
	BC(224)
	VMULPD  Y12, Y14, Y6
	VADDPD  Y6, Y5, Y5
	BC(288)
	VSUBPD  Y14, Y2, Y6
	BC(296)
	VMULPD  Y14, Y6, Y6
	VSUBPD  Y6, Y5, Y5
	MOVQ 56(DI), AX
	VMOVUPD (AX)(SI*1), Y6       // c2
	BC(232)
	VMULPD  Y14, Y6, Y6
	VADDPD  Y6, Y5, Y5
	VMULPD  Y10, Y5, Y5
	MOVQ 96(DI), AX
	VMOVUPD Y5, (AX)(SI*1)

	// f2 = [−0.25 ≤ x2]·aa·(x2 + 0.25); d5 = (tt·(f2 − y2))/tau
	BC(272)
	VADDPD  Y14, Y3, Y5
	BC(208)
	VMULPD  Y14, Y5, Y5
	BC(280)
	VCMPPD  $2, Y3, Y14, Y11
	VANDPD  Y11, Y5, Y5
	VSUBPD  Y4, Y5, Y5
	VMULPD  Y10, Y5, Y5
	BC(240)
	VDIVPD  Y14, Y5, Y5
	MOVQ 104(DI), AX
	VMOVUPD Y5, (AX)(SI*1)

	// d6 = tt·(−0.01·(g − 0.1·x1))
	BC(264)
	VMULPD  Y14, Y0, Y6
	VSUBPD  Y6, Y12, Y6
	BC(304)
	VMULPD  Y14, Y6, Y6
	VMULPD  Y10, Y6, Y6
	MOVQ 112(DI), AX
	VMOVUPD Y6, (AX)(SI*1)

	ADDQ $32, SI
	SUBQ $4, CX
	JMP  loop

done:
	VZEROUPPER
	RET
