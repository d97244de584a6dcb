package brain

import "golang.org/x/sys/cpu"

// useAVX512 selects the AVX-512F kernels (eight float64 lanes, 32 vector
// registers) of the block coupling, the Epileptor drift and the Heun stages
// when the CPU and the operating system support them (golang.org/x/sys/cpu
// checks both); otherwise the AVX2 kernels run where the CPU has AVX2
// (useAVX2), else the SSE2 kernels, which every amd64 CPU has.
// The kernels use no fused multiply-add: each element goes through the same
// rounded operations as the Go loops, so the results are bit-identical
// whichever runs (tests switch this off to compare).
var useAVX512 = cpu.X86.HasAVX512F

// useAVX2 selects the AVX2 kernels (four lanes) of the block coupling and
// the Heun stages where AVX-512 is missing; the same bit-identity holds.
var useAVX2 = cpu.X86.HasAVX2

//go:noescape
func blockRowAVX2(acc, hist, w *float64, src, rd *int32, edges, nreg int)

//go:noescape
func heunCorrectAVX2(x, m, f2 []float64, h float64)

//go:noescape
func eulerPredictAVX2(xt, x, m []float64, dt float64)

// fillBlockAVX2 is fillBlock with the row sums in AVX2 registers (passes of
// 8, 4, 2 or 1 registers of four lanes, the last padded), stored step-major
// by blockRowDone: every sum is the one of fillBlock, bit for bit.
func (net *Network) fillBlockAVX2() {
	n, ncv, blk := net.N, net.ncv, net.blk
	span := blk * ncv
	nreg := (span + 3) / 4
	hist, acc, g := net.hist[:cap(net.hist)], net.acc[:cap(net.acc)], net.gblk
	if len(acc) < 4*nreg || len(hist) < len(net.hist)+histPad || len(g) < span*n {
		panic("brain: block buffers too short for the AVX2 kernel")
	}
	for i := 0; i < n; i++ {
		lo, hi := net.rowStart[i], net.rowStart[i+1]
		rds, rls := net.rd[lo:hi], net.rlen[lo:hi]
		rls = rls[:len(rds)]
		if len(rds) == 0 {
			clear(acc[:span])
			blockRowDone(&g[i], &acc[0], span, n, nil, nil, 0, 0)
			continue
		}
		for c := 0; c < nreg; {
			r := 8
			for r > nreg-c {
				r /= 2
			}
			blockRowAVX2(&acc[4*c], &hist[4*c], &net.w[lo], &net.src[lo], &rds[0], len(rds), r)
			c += r
		}
		blockRowDone(&g[i], &acc[0], span, n, &rds[0], &rls[0], len(rds), int32(span))
	}
}

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

// gatherAVX512 sets dst[i] = src[i·stride] for i < len(dst); idx holds
// l·stride for the eight lanes l (block_amd64.s). src must be valid for
// every index read.
//
//go:noescape
func gatherAVX512(dst []float64, src *float64, idx *[8]int64, stride int)

// fillBlockAVX512 is fillBlock with the row sums in AVX-512 registers: the
// span of blk·ncv values is cut into passes of 8, 4, 2 or 1 registers (the
// last one padded to whole registers; the padding values are not used),
// each pass streaming the row's edges in order, so every sum is the one of
// fillBlock, bit for bit. The registers are stored straight into the
// region's row of the block, g[i·gstride + t·ncv + k] (blockCoupling
// gathers a step's column), not scattered step-major.
func (net *Network) fillBlockAVX512() {
	n, ncv, blk := net.N, net.ncv, net.blk
	span := blk * ncv
	nreg := (span + 7) / 8
	gs := net.gstride
	hist, g := net.hist[:cap(net.hist)], net.gblk
	if gs < 8*nreg || len(g) < n*gs || len(hist) < len(net.hist)+histPad {
		panic("brain: block buffers too short for the AVX-512 kernel")
	}
	for i := 0; i < n; i++ {
		lo, hi := net.rowStart[i], net.rowStart[i+1]
		rds, rls := net.rd[lo:hi], net.rlen[lo:hi]
		rls = rls[:len(rds)]
		row := g[i*gs : (i+1)*gs]
		if len(rds) == 0 {
			clear(row)
			continue
		}
		for c := 0; c < nreg; {
			r := 8
			for r > nreg-c {
				r /= 2
			}
			blockRowAVX512(&row[8*c], &hist[8*c], &net.w[lo], &net.src[lo], &rds[0], len(rds), r)
			c += r
		}
		blockRowDone(&row[0], &row[0], 0, 0, &rds[0], &rls[0], len(rds), int32(span))
	}
}

// blockColumnAVX512 gathers the block's sums of the step at bpos from the
// region-major block into net.gcol, coupled variable by coupled variable
// (gcol[k·N + i]), and returns it.
func (net *Network) blockColumnAVX512(bpos int) []float64 {
	n, ncv := net.N, net.ncv
	_ = net.gblk[(n-1)*net.gstride+bpos*ncv+ncv-1]
	for k := 0; k < ncv; k++ {
		gatherAVX512(net.gcol[k*n:(k+1)*n], &net.gblk[bpos*ncv+k], &net.gidx, net.gstride)
	}
	return net.gcol
}
