package mesh

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
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
}

// ReadPLY reads a PLY triangle mesh (ascii, binary_little_endian or
// binary_big_endian). Vertex properties other than x, y, z become 1-component
// point fields; scalar face properties become 1-component cell fields ("Region"
// fills Mesh.Regions). Faces must be triangles. name is used in errors.
func ReadPLY(r io.Reader, name string) (*Mesh, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	l := newLexer(name, b)
	if h := l.restOfLine(); h != "ply" {
		l.line--
		return nil, l.errf("not a PLY file: first line %q, expected \"ply\"", h)
	}
	var format string
	var elems []*plyElement
	for {
		if l.pos >= len(l.b) {
			return nil, l.errf("unexpected end of file in header (no end_header)")
		}
		line := strings.Fields(l.restOfLine())
		if len(line) == 0 {
			continue
		}
		l.line-- // report the line just read
		switch line[0] {
		case "format":
			if len(line) < 2 {
				return nil, l.errf("format line without a format")
			}
			format = line[1]
			if format != "ascii" && format != "binary_little_endian" && format != "binary_big_endian" {
				return nil, l.errf("unknown PLY format %q", format)
			}
		case "comment", "obj_info":
		case "element":
			if len(line) != 3 {
				return nil, l.errf("element line needs a name and a count")
			}
			var n int
			if _, err := fmt.Sscan(line[2], &n); err != nil || n < 0 {
				return nil, l.errf("element %s has a bad count %q", line[1], line[2])
			}
			elems = append(elems, &plyElement{name: line[1], count: n})
		case "property":
			if len(elems) == 0 {
				return nil, l.errf("property before any element")
			}
			e := elems[len(elems)-1]
			var p plyProp
			if len(line) == 5 && line[1] == "list" {
				p = plyProp{name: line[4], typ: line[3], countType: line[2]}
			} else if len(line) == 3 {
				p = plyProp{name: line[2], typ: line[1]}
			} else {
				return nil, l.errf("malformed property line")
			}
			if _, _, ok := scalarSize(p.typ); !ok {
				return nil, l.errf("unknown property type %q", p.typ)
			}
			if _, _, ok := scalarSize(p.countType); p.countType != "" && !ok {
				return nil, l.errf("unknown list count type %q", p.countType)
			}
			e.props = append(e.props, p)
		case "end_header":
			l.line++
			goto body
		default:
			return nil, l.errf("unexpected header line %q", strings.Join(line, " "))
		}
		l.line++
	}
body:
	if format == "" {
		return nil, l.errf("no format line in the header")
	}
	var order binary.ByteOrder = binary.LittleEndian
	if format == "binary_big_endian" {
		order = binary.BigEndian
	}
	ascii := format == "ascii"
	if !ascii {
		l.binary = true
	}
	scalar := func(t string) (float64, error) {
		if ascii {
			return l.float("a " + t + " value")
		}
		size, _, _ := scalarSize(t)
		bb, err := l.bytes(size)
		if err != nil {
			return 0, err
		}
		var v [1]float64
		decodeScalars(v[:], bb, t, order)
		return v[0], nil
	}
	m := &Mesh{Kind: Triangle, Cells: []int{}}
	for _, e := range elems {
		switch e.name {
		case "vertex":
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
						if err := skipList(l, p, scalar); err != nil {
							return nil, err
						}
						continue
					}
					v, err := scalar(p.typ)
					if err != nil {
						return nil, err
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
						return nil, l.errf("vertex %d: NaN value", i)
					}
				}
			}
			m.PointData = fs
		case "face":
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
						v, err := scalar(p.typ)
						if err != nil {
							return nil, err
						}
						fs[fi].Values[i] = v
						fi++
						continue
					}
					if p.name != "vertex_indices" && p.name != "vertex_index" {
						if err := skipList(l, p, scalar); err != nil {
							return nil, err
						}
						continue
					}
					n, err := scalar(p.countType)
					if err != nil {
						return nil, err
					}
					if n != 3 {
						return nil, l.errf("face %d has %v vertices; only triangles are supported", i, n)
					}
					for k := 0; k < 3; k++ {
						v, err := scalar(p.typ)
						if err != nil {
							return nil, err
						}
						if v < 0 || int(v) >= len(m.Points) {
							return nil, l.errf("face %d: vertex index %v out of range [0,%d)", i, v, len(m.Points))
						}
						m.Cells = append(m.Cells, int(v))
					}
				}
			}
			m.CellData = fs
		default:
			for i := 0; i < e.count; i++ {
				for _, p := range e.props {
					var err error
					if p.countType != "" {
						err = skipList(l, p, scalar)
					} else {
						_, err = scalar(p.typ)
					}
					if err != nil {
						return nil, err
					}
				}
			}
		}
	}
	m.splitSpecial()
	return checkRead(name, m)
}

func skipList(l *lexer, p plyProp, scalar func(string) (float64, error)) error {
	n, err := scalar(p.countType)
	if err != nil {
		return err
	}
	for k := 0; k < int(n); k++ {
		if _, err := scalar(p.typ); err != nil {
			return err
		}
	}
	return nil
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
		fmt.Fprintf(bw, "property double %s\n", strings.ReplaceAll(f.Name, " ", "_"))
	}
	fmt.Fprintf(bw, "element face %d\nproperty list uchar int vertex_indices\n", m.NumCells())
	for _, f := range cf {
		fmt.Fprintf(bw, "property double %s\n", strings.ReplaceAll(f.Name, " ", "_"))
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
