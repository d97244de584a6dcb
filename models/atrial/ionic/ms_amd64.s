#include "textflag.h"

// func mmsStepAVX512(v, s *float64, n int, c *mmsConsts)
//
// ModifiedMS's kernel on 8 nodes per iteration, in the Go loop's order of
// operations (each product, sum and difference rounded):
//
//	u = (v − vMin)·ir
//	h⁺ = (h + co)·io1 where u < vGate, else h·ic1
//	v⁺ = v + dtr·((((h·u)·(u − a))·(1 − u))·kin − ((1 − h)·u)·kout)
TEXT ·mmsStepAVX512(SB), NOSPLIT, $0-32
	MOVQ v+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ c+24(FP), AX
	VBROADCASTSD 0(AX), Z16  // vMin
	VBROADCASTSD 8(AX), Z17  // ir
	VBROADCASTSD 16(AX), Z18 // dtr
	VBROADCASTSD 24(AX), Z19 // kin
	VBROADCASTSD 32(AX), Z20 // kout
	VBROADCASTSD 40(AX), Z21 // a
	VBROADCASTSD 48(AX), Z22 // 1
	VBROADCASTSD 56(AX), Z23 // vGate
	VBROADCASTSD 64(AX), Z24 // co
	VBROADCASTSD 72(AX), Z25 // io1
	VBROADCASTSD 80(AX), Z26 // ic1
	XORQ BX, BX

loop:
	CMPQ      BX, CX
	JGE       done
	VMOVUPD   (DI)(BX*8), Z0 // v
	VMOVUPD   (SI)(BX*8), Z1 // h
	VSUBPD    Z16, Z0, Z2    // v − vMin
	VMULPD    Z17, Z2, Z2    // u
	VCMPPD    $1, Z23, Z2, K1 // u < vGate (LT_OS: false for NaN, as Go's <)
	VADDPD    Z24, Z1, Z3    // h + co
	VMULPD    Z25, Z3, Z3    // (h + co)·io1
	VMULPD    Z26, Z1, Z4    // h·ic1
	VBLENDMPD Z3, Z4, K1, Z5 // per lane: open where K1, else closing
	VMULPD    Z2, Z1, Z6     // h·u
	VSUBPD    Z21, Z2, Z7    // u − a
	VMULPD    Z7, Z6, Z6
	VSUBPD    Z2, Z22, Z7    // 1 − u
	VMULPD    Z7, Z6, Z6
	VMULPD    Z19, Z6, Z6    // ·kin
	VSUBPD    Z1, Z22, Z7    // 1 − h
	VMULPD    Z2, Z7, Z7     // (1 − h)·u
	VMULPD    Z20, Z7, Z7    // ·kout
	VSUBPD    Z7, Z6, Z6
	VMULPD    Z6, Z18, Z6    // dtr·(…)
	VADDPD    Z6, Z0, Z0
	VMOVUPD   Z5, (SI)(BX*8)
	VMOVUPD   Z0, (DI)(BX*8)
	ADDQ      $8, BX
	JMP       loop

done:
	VZEROUPPER
	RET
