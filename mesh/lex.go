package mesh

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// lexer reads whitespace-separated words and raw binary blocks from an
// in-memory file, keeping the line number for error messages.
type lexer struct {
	name   string
	b      []byte
	pos    int
	line   int
	binary bool // set once binary data was read; errors then give byte offsets
}

func newLexer(name string, b []byte) *lexer { return &lexer{name: name, b: b, line: 1} }

func (l *lexer) errf(format string, a ...any) error {
	e := &FormatError{File: l.name, Msg: fmt.Sprintf(format, a...)}
	if l.binary {
		e.Offset = int64(l.pos)
	} else {
		e.Line = l.line
	}
	return e
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if c == '\n' {
			l.line++
		} else if c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v' {
			return
		}
		l.pos++
	}
}

// word returns the next word, or "" at the end of input.
func (l *lexer) word() string {
	l.skipSpace()
	s := l.pos
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			break
		}
		l.pos++
	}
	return string(l.b[s:l.pos])
}

// peek returns the next word without consuming it.
func (l *lexer) peek() string {
	p, ln := l.pos, l.line
	w := l.word()
	l.pos, l.line = p, ln
	return w
}

// restOfLine returns the rest of the current line (without the newline) and moves past it.
func (l *lexer) restOfLine() string {
	s := l.pos
	for l.pos < len(l.b) && l.b[l.pos] != '\n' {
		l.pos++
	}
	r := string(l.b[s:l.pos])
	if l.pos < len(l.b) {
		l.pos++
		l.line++
	}
	if n := len(r); n > 0 && r[n-1] == '\r' {
		r = r[:n-1]
	}
	return r
}

func (l *lexer) int(what string) (int, error) {
	w := l.word()
	if w == "" {
		return 0, l.errf("unexpected end of file, expected %s", what)
	}
	v, err := strconv.Atoi(w)
	if err != nil {
		return 0, l.errf("expected %s (an integer), found %q", what, w)
	}
	return v, nil
}

func (l *lexer) float(what string) (float64, error) {
	w := l.word()
	if w == "" {
		return 0, l.errf("unexpected end of file, expected %s", what)
	}
	v, err := strconv.ParseFloat(w, 64)
	if err != nil {
		return 0, l.errf("expected %s (a number), found %q", what, w)
	}
	return v, nil
}

func (l *lexer) expect(words ...string) (string, error) {
	w := l.word()
	if slices.Contains(words, w) {
		return w, nil
	}
	if w == "" {
		return "", l.errf("unexpected end of file, expected %v", words)
	}
	return "", l.errf("expected %v, found %q", words, w)
}

// remaining returns the number of input bytes not read yet.
func (l *lexer) remaining() int { return len(l.b) - l.pos }

// fits reports whether n items of at least each bytes apiece can be stored
// in the rest of the input. In text (binary false) the last item needs no
// separator after it, so one byte less suffices. Header counts pass through
// fits before anything is allocated for them, so a header claiming 10¹²
// points in a 100-byte file is refused instead of exhausting memory.
func (l *lexer) fits(n, each int, binary bool) bool {
	room := l.remaining()
	if !binary {
		room++
	}
	return n >= 0 && (each <= 0 || n <= room/each)
}

// claim checks a count read from a header: it must be non-negative and its
// data (at least each bytes per item) must fit in the rest of the input.
func (l *lexer) claim(what string, n, each int, binary bool) error {
	if n < 0 {
		return l.errf("negative %s %d", what, n)
	}
	if !l.fits(n, each, binary) {
		return l.errf("%s %d needs at least %d bytes per item but only %d bytes are left in the file", what, n, each, l.remaining())
	}
	return nil
}

// mulCount returns a·b for counts a, b ≥ 0, and false when either is
// negative or the product overflows.
func mulCount(a, b int) (int, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	if a != 0 && b > math.MaxInt/a {
		return 0, false
	}
	return a * b, true
}

// bytes returns the next n raw bytes.
func (l *lexer) bytes(n int) ([]byte, error) {
	l.binary = true
	if n < 0 || n > len(l.b)-l.pos {
		return nil, l.errf("binary data truncated: need %d bytes, %d left", n, len(l.b)-l.pos)
	}
	r := l.b[l.pos : l.pos+n]
	l.pos += n
	return r, nil
}

// scalarSize returns the size in bytes of a VTK/PLY scalar type name, and
// whether it is a floating-point type.
func scalarSize(t string) (size int, float bool, ok bool) {
	switch t {
	case "float", "Float32", "float32":
		return 4, true, true
	case "double", "Float64", "float64":
		return 8, true, true
	case "char", "unsigned_char", "Int8", "UInt8", "uchar", "int8", "uint8", "bit":
		return 1, false, true
	case "short", "unsigned_short", "Int16", "UInt16", "ushort", "int16", "uint16":
		return 2, false, true
	case "int", "unsigned_int", "Int32", "UInt32", "uint", "int32", "uint32":
		return 4, false, true
	case "long", "unsigned_long", "vtktypeint64", "vtktypeuint64", "Int64", "UInt64", "vtkIdType":
		return 8, false, true
	}
	return 0, false, false
}

func isUnsigned(t string) bool {
	switch t {
	case "unsigned_char", "UInt8", "uchar", "uint8", "unsigned_short", "UInt16", "ushort", "uint16",
		"unsigned_int", "UInt32", "uint", "uint32", "unsigned_long", "vtktypeuint64", "UInt64":
		return true
	}
	return false
}

// decodeScalars converts n binary values of type t into float64.
func decodeScalars(dst []float64, b []byte, t string, order binary.ByteOrder) {
	size, fl, _ := scalarSize(t)
	uns := isUnsigned(t)
	for i := range dst {
		p := b[i*size : (i+1)*size]
		var v float64
		switch {
		case fl && size == 4:
			v = float64(math.Float32frombits(order.Uint32(p)))
		case fl:
			v = math.Float64frombits(order.Uint64(p))
		case size == 1 && uns:
			v = float64(p[0])
		case size == 1:
			v = float64(int8(p[0]))
		case size == 2 && uns:
			v = float64(order.Uint16(p))
		case size == 2:
			v = float64(int16(order.Uint16(p)))
		case size == 4 && uns:
			v = float64(order.Uint32(p))
		case size == 4:
			v = float64(int32(order.Uint32(p)))
		case uns:
			v = float64(order.Uint64(p))
		default:
			v = float64(int64(order.Uint64(p)))
		}
		dst[i] = v
	}
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func sortEdges(es [][2]int) {
	slices.SortFunc(es, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
}

func sortInts(s []int) { slices.Sort(s) }
