package brain

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strconv"
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
	w, err := CreateNPY(path, rows, cols)
	if err != nil {
		return err
	}
	for r := 0; r < rows; r++ {
		w.Write(values[r*cols : (r+1)*cols])
	}
	return w.Close()
}

// NPYWriter streams a float32 .npy file row by row (see WriteNPY for the
// format): the shape is fixed when it is created, rows go through a 64 kB
// buffer, so memory does not depend on the number of rows. The file is
// written as path + ".part" and renamed to path by Close once every row is
// in; Abort removes it. The bytes equal WriteNPY's for the same values.
type NPYWriter struct {
	path       string
	f          *os.File
	w          *bufio.Writer
	rows, cols int
	written    int
	err        error
	b          []byte
}

// CreateNPY starts a .npy file of shape (dims[0], dims[1], …), rows of
// dims[1]·dims[2]·… values each.
func CreateNPY(path string, dims ...int) (*NPYWriter, error) {
	if len(dims) < 2 {
		panic("brain: CreateNPY needs at least two dimensions")
	}
	shape := make([]string, len(dims))
	cols := 1
	for k, d := range dims {
		shape[k] = strconv.Itoa(d)
		if k > 0 {
			cols *= d
		}
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", strings.Join(shape, ", "))
	total := 10 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	f, err := os.Create(path + ".part")
	if err != nil {
		return nil, err
	}
	w := &NPYWriter{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16), rows: dims[0], cols: cols, b: make([]byte, 4*cols)}
	w.w.WriteString("\x93NUMPY\x01\x00")
	binary.Write(w.w, binary.LittleEndian, uint16(len(header)))
	w.w.WriteString(header)
	return w, nil
}

// Write appends one row of cols values, rounded to float32. Errors are kept
// and returned by Close.
func (w *NPYWriter) Write(row []float64) {
	if len(row) != w.cols {
		panic("brain: NPYWriter: row of the wrong length")
	}
	if w.err != nil {
		return
	}
	for k, v := range row {
		binary.LittleEndian.PutUint32(w.b[4*k:], math.Float32bits(float32(v)))
	}
	_, w.err = w.w.Write(w.b)
	w.written++
}

// Close flushes the file and renames it into place; it fails (and removes
// the file) if fewer or more rows were written than its shape says.
func (w *NPYWriter) Close() error {
	if w.err == nil && w.written != w.rows {
		w.err = fmt.Errorf("%s: %d rows written, shape says %d", w.path, w.written, w.rows)
	}
	if w.err == nil {
		w.err = w.w.Flush()
	}
	if err := w.f.Close(); w.err == nil {
		w.err = err
	}
	if w.err == nil {
		w.err = os.Rename(w.path+".part", w.path)
	}
	if w.err != nil {
		os.Remove(w.path + ".part")
	}
	return w.err
}

// Abort closes and removes the unfinished file.
func (w *NPYWriter) Abort() {
	w.f.Close()
	os.Remove(w.path + ".part")
}
