//go:build !amd64

package ionic

// useAVX512 is false off amd64: the kernels run their Go loops.
var useAVX512 = false

func apStepAVX512(v, s *float64, n int, c *apConsts) { panic("ionic: no AVX-512 off amd64") }

func mmsStepAVX512(v, s *float64, n int, c *mmsConsts) { panic("ionic: no AVX-512 off amd64") }
