package mesh

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/go-gl/mathgl/mgl64"
)

// VTK cell type codes (vtkCellType.h).
const (
	vtkVertex   = 1
	vtkLine     = 3
	vtkTriangle = 5
	vtkTetra    = 10
)

// ReadVTK reads a VTK legacy file (version 2–5.1, ASCII or BINARY) holding an
// UNSTRUCTURED_GRID or POLYDATA data set of triangles or tetrahedra. When a
// grid mixes dimensions, the cells of the highest dimension are kept and the
// others (vertices, lines, boundary triangles of a tetrahedral mesh) dropped
// together with their cell data. SCALARS, VECTORS, NORMALS and FIELD arrays are
// read; a cell array named "Region" becomes Mesh.Regions, "Fibres"/"Sheets"
// (or fibers, fiber, …) become Mesh.Fibres/Sheets. Array names are decoded
// from VTK's %XX escapes. name is used in errors.
//
// Every count in the file is checked against the bytes left before its
// array is allocated, so a hostile header cannot exhaust memory.
func ReadVTK(r io.Reader, name string) (*Mesh, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	rd, err := readLegacyHeader(newLexer(name, b))
	if err != nil {
		return nil, err
	}
	if err := rd.readSections(); err != nil {
		return nil, err
	}
	return rd.mesh()
}

// legacyReader reads the body of a VTK legacy file, one keyword section at
// a time, collecting the data set's arrays.
type legacyReader struct {
	l       *lexer
	binary  bool   // BINARY: arrays are big-endian binary, the rest is text
	dataset string // UNSTRUCTURED_GRID or POLYDATA

	pts              []float64
	npts, ncells     int // -1 until their sections are read
	offs, conn, typs []int
	pd, cd           []Field
	target           *[]Field // &pd or &cd: where attributes go, set by POINT_DATA / CELL_DATA
	ntarget          int      // the tuple count of that section
}

// readLegacyHeader reads the header: the version line, the title, ASCII or
// BINARY and the DATASET type.
func readLegacyHeader(l *lexer) (*legacyReader, error) {
	if h := l.restOfLine(); !strings.HasPrefix(h, "# vtk DataFile") {
		l.line--
		return nil, l.errf("not a VTK legacy file: first line %q, expected \"# vtk DataFile Version …\"", h)
	}
	l.restOfLine() // title
	enc, err := l.expect("ASCII", "BINARY")
	if err != nil {
		return nil, err
	}
	if _, err := l.expect("DATASET"); err != nil {
		return nil, err
	}
	ds, err := l.expect("UNSTRUCTURED_GRID", "POLYDATA")
	if err != nil {
		return nil, err
	}
	return &legacyReader{l: l, binary: enc == "BINARY", dataset: ds, npts: -1, ncells: -1}, nil
}

// readSections reads keyword sections up to the end of the file.
func (r *legacyReader) readSections() error {
	for {
		kw := r.l.word()
		if kw == "" {
			return nil
		}
		if err := r.section(kw); err != nil {
			return err
		}
	}
}

// section reads the section that starts with keyword kw.
func (r *legacyReader) section(kw string) error {
	l := r.l
	var err error
	switch strings.ToUpper(kw) {
	case "POINTS":
		if r.npts, err = l.int("point count"); err != nil {
			return err
		}
		r.pts, err = r.array(r.npts, 3, l.word())
		return err
	case "CELLS":
		return r.cells(false)
	case "POLYGONS":
		return r.cells(true)
	case "CELL_TYPES":
		n, err := l.int("cell type count")
		if err != nil {
			return err
		}
		a, err := r.array(n, 1, "int")
		r.typs = toInts(a)
		return err
	case "VERTICES", "LINES", "TRIANGLE_STRIPS":
		return l.errf("POLYDATA %s are not supported (only POLYGONS of triangles)", kw)
	case "POINT_DATA":
		r.target = &r.pd
		r.ntarget, err = l.int("point data count")
		return err
	case "CELL_DATA":
		r.target = &r.cd
		r.ntarget, err = l.int("cell data count")
		return err
	case "SCALARS", "VECTORS", "NORMALS", "FIELD", "TENSORS", "TEXTURE_COORDINATES", "COLOR_SCALARS":
		if r.target == nil {
			return l.errf("%s before POINT_DATA or CELL_DATA", kw)
		}
		fs, err := r.attribute(strings.ToUpper(kw), r.ntarget)
		if err != nil {
			return err
		}
		*r.target = append(*r.target, fs...)
		return nil
	case "METADATA":
		r.skipMetadata()
		return nil
	}
	return l.errf("unexpected keyword %q in %s data set", kw, r.dataset)
}

// cells reads CELLS (polygons false) or POLYGONS: in version 5.1 an OFFSETS
// and a CONNECTIVITY array, before it one list of "k i_1 … i_k" per cell.
func (r *legacyReader) cells(polygons bool) error {
	l := r.l
	n1, err := l.int("cell count")
	if err != nil {
		return err
	}
	n2, err := l.int("cell list size")
	if err != nil {
		return err
	}
	if strings.ToUpper(l.peek()) == "OFFSETS" { // version 5.1
		l.word()
		if n1 < 1 {
			return l.errf("%d offsets: expected at least one (the offsets of n cells are n+1 numbers)", n1)
		}
		o, err := r.array(n1, 1, l.word())
		if err != nil {
			return err
		}
		if _, err := l.expect("CONNECTIVITY"); err != nil {
			return err
		}
		c, err := r.array(n2, 1, l.word())
		if err != nil {
			return err
		}
		r.offs, r.conn = toInts(o), toInts(c)
		r.ncells = n1 - 1
	} else if err := r.cellList(n1, n2); err != nil {
		return err
	}
	if polygons {
		r.typs = make([]int, r.ncells)
		for i := range r.typs {
			r.typs[i] = vtkTriangle
		}
	}
	return nil
}

// cellList reads the pre-5.1 cell list of n cells in size numbers.
func (r *legacyReader) cellList(n, size int) error {
	l := r.l
	a, err := r.array(size, 1, "int")
	if err != nil {
		return err
	}
	if n < 0 {
		return l.errf("negative cell count %d", n)
	}
	r.offs, r.conn = []int{0}, nil
	for i := 0; i < n; i++ {
		p := r.offs[len(r.offs)-1] + i // position of cell i's node count in a
		if p >= len(a) {
			return l.errf("cell list of %d numbers ends inside cell %d", size, i)
		}
		if !(a[p] >= 1 && a[p] <= float64(len(a)-p-1)) {
			return l.errf("cell %d has an invalid node count %v", i, a[p])
		}
		k := int(a[p])
		r.conn = append(r.conn, toInts(a[p+1:p+1+k])...)
		r.offs = append(r.offs, len(r.conn))
	}
	r.ncells = n
	return nil
}

// skipMetadata skips the INFORMATION / COMPONENT_NAMES blocks of a METADATA
// section, up to its blank line.
func (r *legacyReader) skipMetadata() {
	l := r.l
	for l.pos < len(l.b) {
		if strings.TrimSpace(l.restOfLine()) == "" && l.pos < len(l.b) {
			if ln := l.peek(); ln != "INFORMATION" && ln != "COMPONENT_NAMES" && ln != "NAME" && ln != "DATA" {
				break
			}
		}
	}
}

// mesh checks what the sections gave and builds the mesh.
func (r *legacyReader) mesh() (*Mesh, error) {
	l := r.l
	if r.npts < 0 {
		return nil, l.errf("no POINTS section")
	}
	if r.ncells < 0 || r.typs == nil {
		return nil, l.errf("no cells (CELLS with CELL_TYPES, or POLYGONS)")
	}
	if len(r.typs) != r.ncells {
		return nil, l.errf("%d cell types for %d cells", len(r.typs), r.ncells)
	}
	m := &Mesh{Points: vecsOf(r.pts), PointData: r.pd}
	if err := m.setCells(r.offs, r.conn, r.typs, r.cd); err != nil {
		return nil, &FormatError{File: l.name, Offset: int64(len(l.b)), Msg: err.Error()}
	}
	return checkRead(l.name, m)
}

// setCells fills Kind, Cells and CellData from VTK-style cell arrays, keeping
// the cells of the highest dimension.
func (m *Mesh) setCells(offs, conn, typs []int, cd []Field) error {
	if len(offs) != len(typs)+1 {
		return fmt.Errorf("%d offsets for %d cells", len(offs)-1, len(typs))
	}
	if err := checkOffsets(offs, len(conn)); err != nil {
		return err
	}
	hasTet, hasTri := false, false
	for i, t := range typs {
		switch t {
		case vtkTetra:
			hasTet = true
		case vtkTriangle:
			hasTri = true
		case vtkVertex, vtkLine:
		default:
			return fmt.Errorf("cell %d has VTK type %d; only triangles (5) and tetrahedra (10) are supported", i, t)
		}
	}
	want := vtkTriangle
	m.Kind = Triangle
	if hasTet {
		want, m.Kind = vtkTetra, Tetrahedron
	} else if !hasTri && len(typs) > 0 {
		return fmt.Errorf("no triangle or tetrahedron cells")
	}
	var keep []int
	for i, t := range typs {
		if t != want {
			continue
		}
		c := conn[offs[i]:offs[i+1]]
		if len(c) != int(m.Kind) {
			return fmt.Errorf("cell %d of type %d has %d nodes", i, t, len(c))
		}
		m.Cells = append(m.Cells, c...)
		keep = append(keep, i)
	}
	for _, f := range cd {
		if f.Len() != len(typs) {
			return fmt.Errorf("cell array %q has %d tuples for %d cells", f.Name, f.Len(), len(typs))
		}
		nf := Field{Name: f.Name, Components: f.Components, Values: make([]float64, 0, len(keep)*f.Components)}
		for _, i := range keep {
			nf.Values = append(nf.Values, f.Values[i*f.Components:(i+1)*f.Components]...)
		}
		m.CellData = append(m.CellData, nf)
	}
	m.splitSpecial()
	if m.Cells == nil {
		m.Cells = []int{}
	}
	return nil
}

// toInts truncates a to integers; a value that is not a number or beyond
// ±2⁶² (whose conversion Go leaves to the platform) becomes -1, which every
// use (node index, offset, cell type) refuses.
// checkOffsets checks that cell offsets (cell i is conn[offs[i]:offs[i+1]])
// are non-decreasing and within a connectivity array of n entries.
func checkOffsets(offs []int, n int) error {
	if len(offs) > 0 && (offs[0] < 0 || offs[0] > n) {
		return fmt.Errorf("cell 0 starts at offset %d, outside the connectivity (%d entries)", offs[0], n)
	}
	for i := 1; i < len(offs); i++ {
		if offs[i] < offs[i-1] || offs[i] > n {
			return fmt.Errorf("offset %d of cell %d is out of range (connectivity has %d entries)", offs[i], i-1, n)
		}
	}
	return nil
}

func toInts(a []float64) []int {
	out := make([]int, len(a))
	for i, v := range a {
		if v >= -(1<<62) && v <= 1<<62 {
			out[i] = int(v)
		} else {
			out[i] = -1
		}
	}
	return out
}

// array reads n tuples of per values of VTK type t (ASCII words or
// big-endian binary). The count is checked against the bytes left before
// the array is allocated.
func (r *legacyReader) array(n, per int, t string) ([]float64, error) {
	l := r.l
	size, _, ok := scalarSize(t)
	if !ok {
		return nil, l.errf("unknown data type %q", t)
	}
	if n < 0 || per < 0 {
		return nil, l.errf("negative count %d", min(n, per))
	}
	count, ok := mulCount(n, per)
	if !ok {
		return nil, l.errf("%d tuples of %d values is too many", n, per)
	}
	if !r.binary {
		if err := l.claim("value count", count, 2, false); err != nil { // a digit and a separator each
			return nil, err
		}
		out := make([]float64, count)
		for i := range out {
			v, err := l.float("a number")
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	l.restOfLine()
	l.binary = true
	if err := l.claim("value count", count, size, true); err != nil {
		return nil, err
	}
	b, err := l.bytes(count * size)
	if err != nil {
		return nil, err
	}
	out := make([]float64, count)
	decodeScalars(out, b, t, binary.BigEndian)
	return out, nil
}

// attribute reads the attribute section kw (SCALARS, VECTORS, FIELD, …) of
// n tuples.
func (r *legacyReader) attribute(kw string, n int) ([]Field, error) {
	l := r.l
	if kw == "FIELD" {
		return r.fieldData(n)
	}
	name := decodeName(l.word())
	switch kw {
	case "SCALARS":
		t := l.word()
		nc := 1
		if w := l.peek(); w != "LOOKUP_TABLE" {
			var err error
			if nc, err = l.int("number of components"); err != nil {
				return nil, err
			}
		}
		if strings.ToUpper(l.peek()) == "LOOKUP_TABLE" {
			l.word()
			l.word()
		}
		v, err := r.array(n, nc, t)
		return []Field{{name, nc, v}}, err
	case "VECTORS", "NORMALS":
		v, err := r.array(n, 3, l.word())
		return []Field{{name, 3, v}}, err
	case "TENSORS":
		v, err := r.array(n, 9, l.word())
		return []Field{{name, 9, v}}, err
	case "TEXTURE_COORDINATES":
		nc, err := l.int("dimension")
		if err != nil {
			return nil, err
		}
		v, err := r.array(n, nc, l.word())
		return []Field{{name, nc, v}}, err
	}
	return nil, l.errf("%s attributes are not supported", kw)
}

// fieldData reads the arrays of a FIELD section, each of n tuples.
func (r *legacyReader) fieldData(n int) ([]Field, error) {
	l := r.l
	l.word() // field-data name
	k, err := l.int("number of arrays")
	if err != nil {
		return nil, err
	}
	var fs []Field
	for i := 0; i < k; i++ {
		name := decodeName(l.word())
		nc, err := l.int("number of components")
		if err != nil {
			return nil, err
		}
		nt, err := l.int("number of tuples")
		if err != nil {
			return nil, err
		}
		if nt != n {
			return nil, l.errf("field array %q has %d tuples, expected %d", name, nt, n)
		}
		v, err := r.array(nt, nc, l.word())
		if err != nil {
			return nil, err
		}
		fs = append(fs, Field{name, nc, v})
	}
	return fs, nil
}

// encodeName writes an array name as one word of a legacy file: spaces
// become '_' (as this writer always did), and the other bytes that would
// end or garble the word (controls, '%', '"', DEL) are escaped as %XX, the
// escape VTK's own writer uses; an empty name is written "unnamed".
func encodeName(s string) string {
	if s == "" {
		return "unnamed"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			b.WriteByte('_')
		case c < ' ' || c == '%' || c == '"' || c == 0x7f:
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// decodeName undoes VTK's %XX escapes in an array name read from a legacy
// file; a '%' not followed by two hexadecimal digits stays as it is.
func decodeName(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// WriteVTK writes m as a VTK legacy (version 4.2) UNSTRUCTURED_GRID, ASCII or
// BINARY (big-endian doubles and ints). Fields with 3 components are written
// as VECTORS, others as SCALARS; Regions/Fibres/Sheets as the cell arrays
// "Region", "Fibres" and "Sheets". ASCII numbers use the shortest
// representation that round-trips a float64 exactly.
func WriteVTK(w io.Writer, m *Mesh, binaryFormat bool) error {
	bw := bufio.NewWriter(w)
	enc := "ASCII"
	if binaryFormat {
		enc = "BINARY"
	}
	fmt.Fprintf(bw, "# vtk DataFile Version 4.2\nmdtwin mesh\n%s\nDATASET UNSTRUCTURED_GRID\nPOINTS %d double\n", enc, len(m.Points))
	lw := &legacyWriter{w: bw, binary: binaryFormat}
	pts := flatVecs(m.Points)
	lw.floats(pts, 3)
	k := int(m.Kind)
	nc := m.NumCells()
	fmt.Fprintf(bw, "CELLS %d %d\n", nc, nc*(k+1))
	ints := make([]int, 0, nc*(k+1))
	for e := 0; e < nc; e++ {
		ints = append(ints, k)
		ints = append(ints, m.Cell(e)...)
	}
	lw.ints(ints, k+1)
	fmt.Fprintf(bw, "CELL_TYPES %d\n", nc)
	t := vtkTriangle
	if m.Kind == Tetrahedron {
		t = vtkTetra
	}
	ints = ints[:0]
	for e := 0; e < nc; e++ {
		ints = append(ints, t)
	}
	lw.ints(ints, 1)
	lw.fields("POINT_DATA", len(m.Points), m.PointData)
	lw.fields("CELL_DATA", nc, m.allCellFields())
	return bw.Flush()
}

type legacyWriter struct {
	w      *bufio.Writer
	binary bool
}

func (lw *legacyWriter) floats(v []float64, perLine int) {
	if lw.binary {
		var b [8]byte
		for _, x := range v {
			binary.BigEndian.PutUint64(b[:], math.Float64bits(x))
			lw.w.Write(b[:])
		}
		lw.w.WriteByte('\n')
		return
	}
	for i, x := range v {
		lw.w.WriteString(fmtFloat(x))
		if (i+1)%perLine == 0 || i == len(v)-1 {
			lw.w.WriteByte('\n')
		} else {
			lw.w.WriteByte(' ')
		}
	}
}

func (lw *legacyWriter) ints(v []int, perLine int) {
	if lw.binary {
		var b [4]byte
		for _, x := range v {
			binary.BigEndian.PutUint32(b[:], uint32(int32(x)))
			lw.w.Write(b[:])
		}
		lw.w.WriteByte('\n')
		return
	}
	for i, x := range v {
		fmt.Fprint(lw.w, x)
		if (i+1)%perLine == 0 || i == len(v)-1 {
			lw.w.WriteByte('\n')
		} else {
			lw.w.WriteByte(' ')
		}
	}
}

func (lw *legacyWriter) fields(kw string, n int, fs []Field) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(lw.w, "%s %d\n", kw, n)
	for _, f := range fs {
		name := encodeName(f.Name)
		if f.Components == 3 {
			fmt.Fprintf(lw.w, "VECTORS %s double\n", name)
		} else {
			fmt.Fprintf(lw.w, "SCALARS %s double %d\nLOOKUP_TABLE default\n", name, f.Components)
		}
		lw.floats(f.Values, f.Components)
	}
}

type pointVec = mgl64.Vec3
