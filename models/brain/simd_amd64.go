package brain

import "golang.org/x/sys/cpu"

// useAVX512 selects the AVX-512F kernels (eight float64 lanes, 32 vector
// registers) of the block coupling, the Epileptor drift and the Heun stages
// when the CPU and the operating system support them (golang.org/x/sys/cpu
// checks both); otherwise the SSE2 kernels run, which every amd64 CPU has.
// The kernels use no fused multiply-add: each element goes through the same
// rounded operations as the Go loops, so the results are bit-identical
// whichever runs (tests switch this off to compare).
var useAVX512 = cpu.X86.HasAVX512F

// blockRowAVX512 sets acc[q] = Σ_e w[e]·hist[src[e] + rd[e] + q] over the
// edges e < edges in order (one rounded product and one rounded sum each,
// starting from +0), for q < 8·nreg, nreg ∈ {1, 2, 4, 8}: the row's sums
// stay in nreg registers while the edges stream past (block_amd64.s). hist
// is read up to 8·nreg values from each edge's offset, so its capacity
// must cover that.
//
//go:noescape
func blockRowAVX512(acc, hist, w *float64, src, rd *int32, edges, nreg int)

// blockRowDone stores a row's span sums acc[q] at dst[q·stride] and advances
// the row's edges' read offsets by inc, wrapped at rlen (block_amd64.s).
//
//go:noescape
func blockRowDone(dst, acc *float64, span, stride int, rd, rlen *int32, edges int, inc int32)

//go:noescape
func heunCorrectAVX512(x, m, f2 []float64, h float64)

//go:noescape
func eulerPredictAVX512(xt, x, m []float64, dt float64)

//go:noescape
func epiDriftAVX512(k *epiKernel512)

// histPad is the room after the history that a block read may reach: the
// AVX-512 kernel reads whole registers of 8 values past a span that is not
// a multiple of 8.
const histPad = 8

// fillBlockAVX512 is fillBlock with the row sums in AVX-512 registers: the
// span of blk·ncv values is cut into passes of 8, 4, 2 or 1 registers (the
// last one padded to whole registers; the padding values are not used),
// each pass streaming the row's edges in order, so every sum is the one of
// fillBlock, bit for bit.
func (net *Network) fillBlockAVX512() {
	n, ncv, blk := net.N, net.ncv, net.blk
	span := blk * ncv
	nreg := (span + 7) / 8
	hist, acc, g := net.hist[:cap(net.hist)], net.acc[:cap(net.acc)], net.gblk
	if len(acc) < 8*nreg || len(hist) < len(net.hist)+histPad {
		panic("brain: block buffers too short for the AVX-512 kernel")
	}
	for i := 0; i < n; i++ {
		lo, hi := net.rowStart[i], net.rowStart[i+1]
		rds, rls := net.rd[lo:hi], net.rlen[lo:hi]
		rls = rls[:len(rds)]
		if len(rds) == 0 {
			clear(acc[:span])
		} else {
			for c := 0; c < nreg; {
				r := 8
				for r > nreg-c {
					r /= 2
				}
				blockRowAVX512(&acc[8*c], &hist[8*c], &net.w[lo], &net.src[lo], &rds[0], len(rds), r)
				c += r
			}
		}
		_ = g[(span-1)*n+i]
		if len(rds) == 0 {
			blockRowDone(&g[i], &acc[0], span, n, nil, nil, 0, 0)
		} else {
			blockRowDone(&g[i], &acc[0], span, n, &rds[0], &rls[0], len(rds), int32(span))
		}
	}
}
