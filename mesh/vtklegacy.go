package mesh

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
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
// (or fibers, fiber, …) become Mesh.Fibres/Sheets. name is used in errors.
func ReadVTK(r io.Reader, name string) (*Mesh, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	l := newLexer(name, b)
	if h := l.restOfLine(); !strings.HasPrefix(h, "# vtk DataFile") {
		l.line--
		return nil, l.errf("not a VTK legacy file: first line %q, expected \"# vtk DataFile Version …\"", h)
	}
	l.restOfLine() // title
	enc, err := l.expect("ASCII", "BINARY")
	if err != nil {
		return nil, err
	}
	rd := &legacyReader{l: l, binary: enc == "BINARY"}
	if _, err := l.expect("DATASET"); err != nil {
		return nil, err
	}
	ds, err := l.expect("UNSTRUCTURED_GRID", "POLYDATA")
	if err != nil {
		return nil, err
	}
	var (
		pts              []float64
		offs, conn, typs []int
		npts             = -1
		ncells           = -1
		pd, cd           []Field
	)
	var target *[]Field
	var ntarget int
	for {
		kw := l.word()
		if kw == "" {
			break
		}
		switch strings.ToUpper(kw) {
		case "POINTS":
			if npts, err = l.int("point count"); err != nil {
				return nil, err
			}
			t := l.word()
			if pts, err = rd.array(3*npts, t); err != nil {
				return nil, err
			}
		case "CELLS", "POLYGONS":
			n1, err := l.int("cell count")
			if err != nil {
				return nil, err
			}
			n2, err := l.int("cell list size")
			if err != nil {
				return nil, err
			}
			if strings.ToUpper(l.peek()) == "OFFSETS" { // version 5.1
				l.word()
				o, err := rd.array(n1, l.word())
				if err != nil {
					return nil, err
				}
				if _, err := l.expect("CONNECTIVITY"); err != nil {
					return nil, err
				}
				c, err := rd.array(n2, l.word())
				if err != nil {
					return nil, err
				}
				offs, conn = toInts(o), toInts(c)
				ncells = n1 - 1
			} else {
				a, err := rd.array(n2, "int")
				if err != nil {
					return nil, err
				}
				offs = []int{0}
				for i := 0; i < n1; i++ {
					p := offs[len(offs)-1]
					if p >= len(a) {
						return nil, l.errf("cell list of %d numbers ends inside cell %d", n2, i)
					}
					k := int(a[p])
					if k < 1 || p+1+k > len(a) {
						return nil, l.errf("cell %d has an invalid node count %d", i, k)
					}
					conn = append(conn, toInts(a[p+1:p+1+k])...)
					offs = append(offs, p+1+k)
				}
				// offsets into conn, not into a
				for i := range offs {
					offs[i] -= i
				}
				ncells = n1
			}
			if strings.ToUpper(kw) == "POLYGONS" {
				typs = make([]int, ncells)
				for i := range typs {
					typs[i] = vtkTriangle
				}
			}
		case "CELL_TYPES":
			n, err := l.int("cell type count")
			if err != nil {
				return nil, err
			}
			a, err := rd.array(n, "int")
			if err != nil {
				return nil, err
			}
			typs = toInts(a)
		case "VERTICES", "LINES", "TRIANGLE_STRIPS":
			return nil, l.errf("POLYDATA %s are not supported (only POLYGONS of triangles)", kw)
		case "POINT_DATA":
			if ntarget, err = l.int("point data count"); err != nil {
				return nil, err
			}
			target = &pd
		case "CELL_DATA":
			if ntarget, err = l.int("cell data count"); err != nil {
				return nil, err
			}
			target = &cd
		case "SCALARS", "VECTORS", "NORMALS", "FIELD", "TENSORS", "TEXTURE_COORDINATES", "COLOR_SCALARS":
			if target == nil {
				return nil, l.errf("%s before POINT_DATA or CELL_DATA", kw)
			}
			fs, err := rd.attribute(strings.ToUpper(kw), ntarget)
			if err != nil {
				return nil, err
			}
			*target = append(*target, fs...)
		case "METADATA":
			// skip INFORMATION/COMPONENT_NAMES blocks up to the blank line
			for l.pos < len(l.b) {
				if strings.TrimSpace(l.restOfLine()) == "" && l.pos < len(l.b) {
					if ln := l.peek(); ln != "INFORMATION" && ln != "COMPONENT_NAMES" && ln != "NAME" && ln != "DATA" {
						break
					}
				}
			}
		default:
			return nil, l.errf("unexpected keyword %q in %s data set", kw, ds)
		}
	}
	if npts < 0 {
		return nil, l.errf("no POINTS section")
	}
	if ncells < 0 || typs == nil {
		return nil, l.errf("no cells (CELLS with CELL_TYPES, or POLYGONS)")
	}
	if len(typs) != ncells {
		return nil, l.errf("%d cell types for %d cells", len(typs), ncells)
	}
	m := &Mesh{Points: vecsOf(pts), PointData: pd}
	if err := m.setCells(offs, conn, typs, cd); err != nil {
		return nil, &FormatError{File: name, Offset: int64(len(b)), Msg: err.Error()}
	}
	return checkRead(name, m)
}

// setCells fills Kind, Cells and CellData from VTK-style cell arrays, keeping
// the cells of the highest dimension.
func (m *Mesh) setCells(offs, conn, typs []int, cd []Field) error {
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

func toInts(a []float64) []int {
	out := make([]int, len(a))
	for i, v := range a {
		out[i] = int(v)
	}
	return out
}

type legacyReader struct {
	l      *lexer
	binary bool
}

// array reads n values of VTK type t (ASCII words or big-endian binary).
func (r *legacyReader) array(n int, t string) ([]float64, error) {
	l := r.l
	size, _, ok := scalarSize(t)
	if !ok {
		return nil, l.errf("unknown data type %q", t)
	}
	if n < 0 {
		return nil, l.errf("negative count %d", n)
	}
	out := make([]float64, n)
	if !r.binary {
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
	b, err := l.bytes(n * size)
	if err != nil {
		return nil, err
	}
	decodeScalars(out, b, t, binary.BigEndian)
	return out, nil
}

func (r *legacyReader) attribute(kw string, n int) ([]Field, error) {
	l := r.l
	if kw == "FIELD" {
		l.word() // field-data name
		k, err := l.int("number of arrays")
		if err != nil {
			return nil, err
		}
		var fs []Field
		for i := 0; i < k; i++ {
			name := l.word()
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
			v, err := r.array(nc*nt, l.word())
			if err != nil {
				return nil, err
			}
			fs = append(fs, Field{name, nc, v})
		}
		return fs, nil
	}
	name := l.word()
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
		v, err := r.array(nc*n, t)
		return []Field{{name, nc, v}}, err
	case "VECTORS", "NORMALS":
		v, err := r.array(3*n, l.word())
		return []Field{{name, 3, v}}, err
	case "TENSORS":
		v, err := r.array(9*n, l.word())
		return []Field{{name, 9, v}}, err
	case "TEXTURE_COORDINATES":
		nc, err := l.int("dimension")
		if err != nil {
			return nil, err
		}
		v, err := r.array(nc*n, l.word())
		return []Field{{name, nc, v}}, err
	}
	return nil, l.errf("%s attributes are not supported", kw)
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
		name := strings.ReplaceAll(f.Name, " ", "_")
		if f.Components == 3 {
			fmt.Fprintf(lw.w, "VECTORS %s double\n", name)
		} else {
			fmt.Fprintf(lw.w, "SCALARS %s double %d\nLOOKUP_TABLE default\n", name, f.Components)
		}
		lw.floats(f.Values, f.Components)
	}
}

type pointVec = mgl64.Vec3
