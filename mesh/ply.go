package mesh

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
)

type plyProp struct {
	name      string
	typ       string // scalar type, or the item type of a list
	countType string // "" for scalars
}

type plyElement struct {
	name  string
	count int
	props []plyProp
	line  int // of its "element" line, for errors
}

// plyHeader is what a PLY header declares: the format and the elements in
// file order.
type plyHeader struct {
	format string // ascii, binary_little_endian or binary_big_endian
	elems  []*plyElement
}

// ReadPLY reads a PLY triangle mesh (ascii, binary_little_endian or
// binary_big_endian). Vertex properties other than x, y, z become 1-component
// point fields; scalar face properties become 1-component cell fields ("Region"
// fills Mesh.Regions). Faces must be triangles. name is used in errors.
//
// The element counts of the header are checked against the bytes after it
// before anything is allocated, so a hostile header cannot exhaust memory.
func ReadPLY(r io.Reader, name string) (*Mesh, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	l := newLexer(name, b)
	h, err := readPLYHeader(l)
	if err != nil {
		return nil, err
	}
	return readPLYBody(l, h)
}

// readPLYHeader reads the header up to end_header and checks that the
// elements it declares can fit in the rest of the file.
func readPLYHeader(l *lexer) (*plyHeader, error) {
	if h := l.restOfLine(); h != "ply" {
		l.line--
		return nil, l.errf("not a PLY file: first line %q, expected \"ply\"", h)
	}
	h := &plyHeader{}
	for done := false; !done; {
		if l.pos >= len(l.b) {
			return nil, l.errf("unexpected end of file in header (no end_header)")
		}
		line := strings.Fields(l.restOfLine())
		if len(line) == 0 {
			continue
		}
		l.line-- // report the line just read
		var err error
		if done, err = h.line(l, line); err != nil {
			return nil, err
		}
		l.line++
	}
	if h.format == "" {
		return nil, l.errf("no format line in the header")
	}
	return h, h.checkCounts(l)
}

// line reads one header line, split into fields; done is true at end_header.
func (h *plyHeader) line(l *lexer, line []string) (done bool, err error) {
	switch line[0] {
	case "format":
		if len(line) < 2 {
			return false, l.errf("format line without a format")
		}
		h.format = line[1]
		if h.format != "ascii" && h.format != "binary_little_endian" && h.format != "binary_big_endian" {
			return false, l.errf("unknown PLY format %q", h.format)
		}
	case "comment", "obj_info":
	case "element":
		if len(line) != 3 {
			return false, l.errf("element line needs a name and a count")
		}
		n, err := strconv.Atoi(line[2])
		if err != nil || n < 0 {
			return false, l.errf("element %s has a bad count %q", line[1], line[2])
		}
		h.elems = append(h.elems, &plyElement{name: line[1], count: n, line: l.line})
	case "property":
		if len(h.elems) == 0 {
			return false, l.errf("property before any element")
		}
		e := h.elems[len(h.elems)-1]
		var p plyProp
		if len(line) == 5 && line[1] == "list" {
			p = plyProp{name: line[4], typ: line[3], countType: line[2]}
		} else if len(line) == 3 {
			p = plyProp{name: line[2], typ: line[1]}
		} else {
			return false, l.errf("malformed property line")
		}
		if _, _, ok := scalarSize(p.typ); !ok {
			return false, l.errf("unknown property type %q", p.typ)
		}
		if _, _, ok := scalarSize(p.countType); p.countType != "" && !ok {
			return false, l.errf("unknown list count type %q", p.countType)
		}
		e.props = append(e.props, p)
	case "end_header":
		return true, nil
	default:
		return false, l.errf("unexpected header line %q", strings.Join(line, " "))
	}
	return false, nil
}

// checkCounts refuses element counts whose data cannot fit in the bytes
// after the header: an item needs at least the size of each scalar and of
// each list's count (binary), or a number and a separator per property
// (ascii). An element with items but no properties is refused too: its
// count would cost time without reading anything.
func (h *plyHeader) checkCounts(l *lexer) error {
	binary := h.format != "ascii"
	room := l.remaining()
	if !binary {
		room++ // the last number needs no separator
	}
	for _, e := range h.elems {
		if e.count > 0 && len(e.props) == 0 {
			return &FormatError{File: l.name, Line: e.line, Msg: fmt.Sprintf("element %s has %d items but no properties", e.name, e.count)}
		}
		per := 0
		for _, p := range e.props {
			t := p.typ
			if p.countType != "" {
				t = p.countType
			}
			size, _, _ := scalarSize(t)
			if !binary {
				size = 2
			}
			per += size
		}
		if per > 0 && e.count > room/per {
			return &FormatError{File: l.name, Line: e.line, Msg: fmt.Sprintf("element %s: %d items need at least %d bytes each but only %d bytes follow the header", e.name, e.count, per, l.remaining())}
		}
		room -= e.count * per
	}
	return nil
}

// plyBody reads the elements after the header.
type plyBody struct {
	l     *lexer
	ascii bool
	order binary.ByteOrder
}

// readPLYBody reads the elements h declares into a triangle mesh.
func readPLYBody(l *lexer, h *plyHeader) (*Mesh, error) {
	rd := &plyBody{l: l, ascii: h.format == "ascii", order: binary.LittleEndian}
	if h.format == "binary_big_endian" {
		rd.order = binary.BigEndian
	}
	if !rd.ascii {
		l.binary = true
	}
	m := &Mesh{Kind: Triangle, Cells: []int{}}
	for _, e := range h.elems {
		var err error
		switch e.name {
		case "vertex":
			err = rd.vertices(m, e)
		case "face":
			err = rd.faces(m, e)
		default:
			err = rd.skip(e)
		}
		if err != nil {
			return nil, err
		}
	}
	m.splitSpecial()
	return checkRead(l.name, m)
}

// scalar reads one value of type t.
func (rd *plyBody) scalar(t string) (float64, error) {
	if rd.ascii {
		return rd.l.float("a " + t + " value")
	}
	size, _, _ := scalarSize(t)
	bb, err := rd.l.bytes(size)
	if err != nil {
		return 0, err
	}
	var v [1]float64
	decodeScalars(v[:], bb, t, rd.order)
	return v[0], nil
}

// skipList reads and drops a list property.
func (rd *plyBody) skipList(p plyProp) error {
	n, err := rd.scalar(p.countType)
	if err != nil {
		return err
	}
	for k := 0; float64(k+1) <= n; k++ { // int(n) items; each consumes input or fails
		if _, err := rd.scalar(p.typ); err != nil {
			return err
		}
	}
	return nil
}

// vertices reads the vertex element: x, y, z into m.Points, other scalar
// properties into point fields.
func (rd *plyBody) vertices(m *Mesh, e *plyElement) error {
	m.Points = make([]pointVec, e.count)
	var fs []Field
	for _, p := range e.props {
		if p.countType == "" && p.name != "x" && p.name != "y" && p.name != "z" {
			fs = append(fs, Field{p.name, 1, make([]float64, e.count)})
		}
	}
	for i := 0; i < e.count; i++ {
		fi := 0
		for _, p := range e.props {
			if p.countType != "" {
				if err := rd.skipList(p); err != nil {
					return err
				}
				continue
			}
			v, err := rd.scalar(p.typ)
			if err != nil {
				return err
			}
			switch p.name {
			case "x":
				m.Points[i][0] = v
			case "y":
				m.Points[i][1] = v
			case "z":
				m.Points[i][2] = v
			default:
				fs[fi].Values[i] = v
				fi++
			}
			if math.IsNaN(v) {
				return rd.l.errf("vertex %d: NaN value", i)
			}
		}
	}
	m.PointData = fs
	return nil
}

// faces reads the face element: the triangles of its vertex_indices (or
// vertex_index) list into m.Cells, scalar properties into cell fields.
func (rd *plyBody) faces(m *Mesh, e *plyElement) error {
	var fs []Field
	for _, p := range e.props {
		if p.countType == "" {
			fs = append(fs, Field{p.name, 1, make([]float64, e.count)})
		}
	}
	m.Cells = make([]int, 0, 3*e.count)
	for i := 0; i < e.count; i++ {
		fi := 0
		for _, p := range e.props {
			if p.countType == "" {
				v, err := rd.scalar(p.typ)
				if err != nil {
					return err
				}
				fs[fi].Values[i] = v
				fi++
				continue
			}
			if p.name != "vertex_indices" && p.name != "vertex_index" {
				if err := rd.skipList(p); err != nil {
					return err
				}
				continue
			}
			if err := rd.triangle(m, p, i); err != nil {
				return err
			}
		}
	}
	m.CellData = fs
	return nil
}

// triangle reads the vertex list p of face i, which must hold three valid
// vertex indices.
func (rd *plyBody) triangle(m *Mesh, p plyProp, i int) error {
	n, err := rd.scalar(p.countType)
	if err != nil {
		return err
	}
	if n != 3 {
		return rd.l.errf("face %d has %v vertices; only triangles are supported", i, n)
	}
	for k := 0; k < 3; k++ {
		v, err := rd.scalar(p.typ)
		if err != nil {
			return err
		}
		if !(v >= 0 && v < float64(len(m.Points))) || v != math.Trunc(v) {
			return rd.l.errf("face %d: vertex index %v out of range [0,%d)", i, v, len(m.Points))
		}
		m.Cells = append(m.Cells, int(v))
	}
	return nil
}

// skip reads and drops the items of an element this reader does not use.
func (rd *plyBody) skip(e *plyElement) error {
	for i := 0; i < e.count; i++ {
		for _, p := range e.props {
			var err error
			if p.countType != "" {
				err = rd.skipList(p)
			} else {
				_, err = rd.scalar(p.typ)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// plyName writes a field name as one word of a PLY header: white space and
// control characters become '_', an empty name "unnamed".
func plyName(s string) string {
	if s == "" {
		return "unnamed"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return '_'
		}
		return r
	}, s)
}

// WritePLY writes a triangle mesh as PLY, ascii or binary_little_endian,
// with doubles for coordinates. 1-component point and cell fields (and
// Regions) are written as extra vertex/face properties; multi-component
// fields, Fibres and Sheets are not stored (PLY has no vector properties).
func WritePLY(w io.Writer, m *Mesh, binaryFormat bool) error {
	if m.Kind != Triangle {
		return fmt.Errorf("mesh: PLY holds triangles, not %v", m.Kind)
	}
	bw := bufio.NewWriter(w)
	format := "ascii"
	if binaryFormat {
		format = "binary_little_endian"
	}
	var pf, cf []Field
	for _, f := range m.PointData {
		if f.Components == 1 {
			pf = append(pf, f)
		}
	}
	for _, f := range m.allCellFields() {
		if f.Components == 1 {
			cf = append(cf, f)
		}
	}
	fmt.Fprintf(bw, "ply\nformat %s 1.0\ncomment mdtwin mesh (mm)\nelement vertex %d\nproperty double x\nproperty double y\nproperty double z\n", format, len(m.Points))
	for _, f := range pf {
		fmt.Fprintf(bw, "property double %s\n", plyName(f.Name))
	}
	fmt.Fprintf(bw, "element face %d\nproperty list uchar int vertex_indices\n", m.NumCells())
	for _, f := range cf {
		fmt.Fprintf(bw, "property double %s\n", plyName(f.Name))
	}
	bw.WriteString("end_header\n")
	put := func(v float64, last bool) {
		if binaryFormat {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
			bw.Write(b[:])
			return
		}
		bw.WriteString(fmtFloat(v))
		if last {
			bw.WriteByte('\n')
		} else {
			bw.WriteByte(' ')
		}
	}
	for i, p := range m.Points {
		put(p[0], false)
		put(p[1], false)
		put(p[2], len(pf) == 0)
		for j, f := range pf {
			put(f.Values[i], j == len(pf)-1)
		}
	}
	for e := 0; e < m.NumCells(); e++ {
		c := m.Cell(e)
		if binaryFormat {
			var b [13]byte
			b[0] = 3
			for k := 0; k < 3; k++ {
				binary.LittleEndian.PutUint32(b[1+4*k:], uint32(int32(c[k])))
			}
			bw.Write(b[:])
		} else {
			fmt.Fprintf(bw, "3 %d %d %d", c[0], c[1], c[2])
			if len(cf) == 0 {
				bw.WriteByte('\n')
			} else {
				bw.WriteByte(' ')
			}
		}
		for j, f := range cf {
			put(f.Values[e], j == len(cf)-1)
		}
	}
	return bw.Flush()
}
