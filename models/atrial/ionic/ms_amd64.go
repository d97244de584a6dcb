package ionic

// mmsStepAVX512 is ModifiedMS's Kernel on n nodes (n a multiple of 8) at v
// and s, 8 at a time (ms_amd64.s).
//
//go:noescape
func mmsStepAVX512(v, s *float64, n int, c *mmsConsts)
