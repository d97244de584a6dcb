package mesh

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/go-gl/mathgl/mgl64"
)

// ReadOBJ reads the geometry of a Wavefront OBJ file: "v x y z" vertices and
// "f" faces (forms i, i/t, i//n, i/t/n; negative indices count back from the
// latest vertex). Faces with more than three vertices are split into a fan of
// triangles. Other statements (vt, vn, g, o, s, usemtl, …) are ignored.
func ReadOBJ(r io.Reader, name string) (*Mesh, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<26)
	m := &Mesh{Kind: Triangle, Cells: []int{}}
	line := 0
	errf := func(format string, a ...any) error {
		return &FormatError{File: name, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	var face []int
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "v":
			if len(f) < 4 {
				return nil, errf("vertex needs three coordinates")
			}
			var p mgl64.Vec3
			for i := 0; i < 3; i++ {
				v, err := strconv.ParseFloat(f[1+i], 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, errf("vertex coordinate %q is not a finite number", f[1+i])
				}
				p[i] = v
			}
			m.Points = append(m.Points, p)
		case "f":
			if len(f) < 4 {
				return nil, errf("face needs at least three vertices")
			}
			face = face[:0]
			for _, s := range f[1:] {
				if i := strings.IndexByte(s, '/'); i >= 0 {
					s = s[:i]
				}
				v, err := strconv.Atoi(s)
				if err != nil || v == 0 {
					return nil, errf("face vertex %q is not a vertex index", s)
				}
				if v < 0 {
					v = len(m.Points) + v
				} else {
					v--
				}
				if v < 0 || v >= len(m.Points) {
					return nil, errf("face vertex %s is out of range (1..%d defined so far)", s, len(m.Points))
				}
				face = append(face, v)
			}
			for k := 1; k+1 < len(face); k++ {
				m.Cells = append(m.Cells, face[0], face[k], face[k+1])
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line, err)
	}
	return checkRead(name, m)
}

// WriteOBJ writes the points and triangles of m as Wavefront OBJ (fields are
// not stored). Coordinates use the shortest exact float64 representation.
func WriteOBJ(w io.Writer, m *Mesh) error {
	if m.Kind != Triangle {
		return fmt.Errorf("mesh: OBJ holds triangles, not %v", m.Kind)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("# mdtwin mesh (mm)\n")
	for _, p := range m.Points {
		fmt.Fprintf(bw, "v %s %s %s\n", fmtFloat(p[0]), fmtFloat(p[1]), fmtFloat(p[2]))
	}
	for e := 0; e < m.NumCells(); e++ {
		c := m.Cell(e)
		fmt.Fprintf(bw, "f %d %d %d\n", c[0]+1, c[1]+1, c[2]+1)
	}
	return bw.Flush()
}
