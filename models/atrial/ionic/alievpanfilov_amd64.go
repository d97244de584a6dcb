package ionic

import "golang.org/x/sys/cpu"

// useAVX512 selects the AVX-512F kernels: the CPU and the operating system
// support AVX-512F.
var useAVX512 = cpu.X86.HasAVX512F

// apStepAVX512 is AlievPanfilov's Kernel on n nodes (n a multiple of 8) at
// v and s, 8 at a time (alievpanfilov_amd64.s).
//
//go:noescape
func apStepAVX512(v, s *float64, n int, c *apConsts)
