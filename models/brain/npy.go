package brain

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"
)

// WriteNPY writes a rows × cols row-major matrix as a NumPy .npy file
// (format version 1.0, little-endian float32, '<f4'), compact and readable
// with numpy.load or any .npy reader. Format: the magic "\x93NUMPY", the
// version bytes 1 0, a little-endian uint16 header length, then a Python
// dict literal padded with spaces to a multiple of 64 bytes and ended by
// '\n' (numpy.lib.format documentation).
func WriteNPY(path string, values []float64, rows, cols int) error {
	if len(values) != rows*cols {
		panic("brain: WriteNPY: values do not fill rows × cols")
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	w.WriteString("\x93NUMPY\x01\x00")
	binary.Write(w, binary.LittleEndian, uint16(len(header)))
	w.WriteString(header)
	var b [4]byte
	for _, v := range values {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(v)))
		w.Write(b[:])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
