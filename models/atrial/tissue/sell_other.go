//go:build !amd64

package tissue

// useAVX512 is false off amd64: sell.rows runs rowsGo.
var useAVX512 = false

func sellRowsAVX512(*sellArgs) { panic("tissue: no AVX-512 off amd64") }

func sellRows1AVX512(*sellArgs) { panic("tissue: no AVX-512 off amd64") }
