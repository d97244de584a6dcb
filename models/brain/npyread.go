package brain

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// ReadNPY reads a two-dimensional NumPy .npy file of little-endian float32
// or float64 ('<f4', '<f8'), in C or Fortran order (format 1.0, 2.0 or 3.0:
// numpy.lib.format), as TVB ships its projection (gain) matrices; it
// returns the values row-major.
func ReadNPY(path string) (values []float64, rows, cols int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, &FileError{File: path, Msg: errText(err)}
	}
	return parseNPY(path, b)
}

var (
	npyDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape'\s*:\s*\(\s*(\d+)\s*,\s*(\d+)\s*,?\s*\)`)
)

// parseNPY parses the .npy bytes b, named path in errors.
func parseNPY(path string, b []byte) ([]float64, int, int, error) {
	bad := func(msg string) ([]float64, int, int, error) {
		return nil, 0, 0, &FileError{File: path, Msg: msg}
	}
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return bad("not a .npy file (no \\x93NUMPY magic)")
	}
	var hlen, start int
	switch b[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return bad("truncated header")
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return bad(fmt.Sprintf("format version %d.%d, expected 1.0, 2.0 or 3.0", b[6], b[7]))
	}
	if hlen > len(b)-start {
		return bad("truncated header")
	}
	header := string(b[start : start+hlen])
	data := b[start+hlen:]
	d := npyDescr.FindStringSubmatch(header)
	f := npyFortran.FindStringSubmatch(header)
	s := npyShape.FindStringSubmatch(header)
	if d == nil || f == nil || s == nil {
		return bad(fmt.Sprintf("header %q: expected 'descr', 'fortran_order' and a two-dimensional 'shape'", strings.TrimSpace(header)))
	}
	size := 0
	switch d[1] {
	case "<f4":
		size = 4
	case "<f8":
		size = 8
	default:
		return bad(fmt.Sprintf("dtype %q, expected '<f4' or '<f8' (little-endian float)", d[1]))
	}
	rows, err1 := strconv.Atoi(s[1])
	cols, err2 := strconv.Atoi(s[2])
	if err1 != nil || err2 != nil || rows < 1 || cols < 1 || rows > len(data) || cols > len(data) || rows*cols*size != len(data) {
		return bad(fmt.Sprintf("shape (%s, %s) of %d-byte values does not match the %d data bytes", s[1], s[2], size, len(data)))
	}
	out := make([]float64, rows*cols)
	for k := range out {
		var v float64
		if size == 4 {
			v = float64(math.Float32frombits(binary.LittleEndian.Uint32(data[4*k:])))
		} else {
			v = math.Float64frombits(binary.LittleEndian.Uint64(data[8*k:]))
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return bad(fmt.Sprintf("value %d (row %d, column %d in file order) is not finite", k, k/cols+1, k%cols+1))
		}
		r, c := k/cols, k%cols
		if f[1] == "True" {
			r, c = k%rows, k/rows
		}
		out[r*cols+c] = v
	}
	return out, rows, cols, nil
}
