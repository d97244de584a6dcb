//go:build !amd64

package brain

// useAVX512 is false: the AVX-512 kernels exist on amd64 only.
const useAVX512 = false

// useAVX2 is false: the AVX2 kernels exist on amd64 only.
const useAVX2 = false

// histPad is the room after the history that a vector kernel may read: none
// here.
const histPad = 0

// fillBlockAVX512 is not reached on this architecture.
func (net *Network) fillBlockAVX512() { panic("brain: no AVX-512 kernel on this architecture") }

// blockColumnAVX512 is not reached on this architecture.
func (net *Network) blockColumnAVX512(int) []float64 {
	panic("brain: no AVX-512 kernel on this architecture")
}

// fillBlockAVX2 is not reached on this architecture.
func (net *Network) fillBlockAVX2() { panic("brain: no AVX2 kernel on this architecture") }
