#include "textflag.h"

// func apStepAVX512(v, s *float64, n int, c *apConsts)
//
// AlievPanfilov.Step on 8 nodes per iteration, in Go's order of operations
// (each product, sum and quotient rounded; −x by flipping the sign bit):
//
//	u   = (v − vMin) / r
//	du  = (((−K)·u)·(u − a))·(u − 1) − u·w
//	eps = eps0 + (mu1·w) / (u + mu2)
//	dw  = eps · ((−w) − (K·u)·((u − a) − 1))
//	w  += dt · (dw / ts)
//	v  += dtr · (du / ts)
TEXT ·apStepAVX512(SB), NOSPLIT, $0-32
	MOVQ v+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ c+24(FP), AX
	VBROADCASTSD 0(AX), Z16  // vMin
	VBROADCASTSD 8(AX), Z17  // r
	VBROADCASTSD 16(AX), Z18 // −K
	VBROADCASTSD 24(AX), Z19 // a
	VBROADCASTSD 32(AX), Z20 // 1
	VBROADCASTSD 40(AX), Z21 // K
	VBROADCASTSD 48(AX), Z22 // mu1
	VBROADCASTSD 56(AX), Z23 // mu2
	VBROADCASTSD 64(AX), Z24 // eps0
	VBROADCASTSD 72(AX), Z25 // ts
	VBROADCASTSD 80(AX), Z26 // dt
	VBROADCASTSD 88(AX), Z27 // dtr
	VBROADCASTSD 96(AX), Z28 // −0
	XORQ BX, BX

loop:
	CMPQ    BX, CX
	JGE     done
	VMOVUPD (DI)(BX*8), Z0 // v
	VMOVUPD (SI)(BX*8), Z1 // w
	VSUBPD  Z16, Z0, Z2    // v − vMin
	VDIVPD  Z17, Z2, Z2    // u
	VMULPD  Z2, Z18, Z3    // (−K)·u
	VSUBPD  Z19, Z2, Z4    // u − a
	VMULPD  Z4, Z3, Z3
	VSUBPD  Z20, Z2, Z5    // u − 1
	VMULPD  Z5, Z3, Z3
	VMULPD  Z1, Z2, Z5     // u·w
	VSUBPD  Z5, Z3, Z3     // du
	VMULPD  Z1, Z22, Z6    // mu1·w
	VADDPD  Z23, Z2, Z7    // u + mu2
	VDIVPD  Z7, Z6, Z6
	VADDPD  Z6, Z24, Z6    // eps
	VMULPD  Z2, Z21, Z7    // K·u
	VSUBPD  Z20, Z4, Z8    // (u − a) − 1
	VMULPD  Z8, Z7, Z7
	VPXORQ  Z28, Z1, Z8    // −w (sign bit flipped)
	VSUBPD  Z7, Z8, Z8
	VMULPD  Z8, Z6, Z6     // dw
	VDIVPD  Z25, Z3, Z3    // du / ts
	VDIVPD  Z25, Z6, Z6    // dw / ts
	VMULPD  Z6, Z26, Z6    // dt · dw
	VADDPD  Z6, Z1, Z1
	VMULPD  Z3, Z27, Z3    // dtr · du
	VADDPD  Z3, Z0, Z0
	VMOVUPD Z1, (SI)(BX*8)
	VMOVUPD Z0, (DI)(BX*8)
	ADDQ    $8, BX
	JMP     loop

done:
	VZEROUPPER
	RET
