package mesh

import (
	"bufio"
	"fmt"
	"io"
	"math"

	"github.com/go-gl/mathgl/mgl64"
)

// MicrometresPerMM converts openCARP .pts coordinates (µm) to mesh
// coordinates (mm): x_mm = x_µm / MicrometresPerMM.
const MicrometresPerMM = 1000

// OpenCARPOptions controls ReadOpenCARP.
type OpenCARPOptions struct {
	// CoordinatesInMM declares that the .pts file holds mm (as some
	// third-party meshes do) instead of openCARP's µm; no conversion is done.
	CoordinatesInMM bool
	// MinExtent is the smallest bounding-box diagonal (mm, after conversion)
	// accepted; a smaller mesh is taken for one written in mm and refused.
	// Zero means 1 mm.
	MinExtent float64
}

// ReadOpenCARP reads an openCARP mesh: .pts (first line N, then x y z in µm,
// converted here to mm by dividing by 1000), .elem (first line M, then
// "Tr a b c [tag]" or "Tt a b c d [tag]", 0-based; tags fill Mesh.Regions)
// and, if lon is not nil, .lon (first line 1 or 2, then one fibre or a fibre
// and a sheet vector per element). A mesh whose extent after conversion is
// below MinExtent is refused with an error saying it looks like mm. base names
// the files in errors (base.pts, base.elem, base.lon). The counts on the
// first lines are checked against the size of their files before anything is
// allocated.
func ReadOpenCARP(pts, elem, lon io.Reader, base string, opt OpenCARPOptions) (*Mesh, error) {
	m := &Mesh{}
	if err := readPts(m, pts, base+".pts", opt); err != nil {
		return nil, err
	}
	if err := readElem(m, elem, base+".elem"); err != nil {
		return nil, err
	}
	if lon != nil {
		if err := readLon(m, lon, base+".lon"); err != nil {
			return nil, err
		}
	}
	return checkRead(base, m)
}

// readPts reads the .pts file (named name) into m.Points.
func readPts(m *Mesh, r io.Reader, name string, opt OpenCARPOptions) error {
	l, err := lexAll(r, name)
	if err != nil {
		return err
	}
	n, err := l.int("the point count")
	if err != nil {
		return err
	}
	if err := l.claim("point count", n, 6, false); err != nil { // three numbers and separators per point
		return err
	}
	scale := 1.0 / MicrometresPerMM
	if opt.CoordinatesInMM {
		scale = 1
	}
	m.Points = make([]mgl64.Vec3, n)
	for i := range m.Points {
		for k := 0; k < 3; k++ {
			v, err := l.float("a coordinate")
			if err != nil {
				return err
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return l.errf("point %d: coordinate %v is not finite", i, v)
			}
			m.Points[i][k] = v * scale
		}
	}
	if w := l.word(); w != "" {
		return l.errf("unexpected %q after %d points", w, n)
	}
	if !opt.CoordinatesInMM {
		min := opt.MinExtent
		if min == 0 {
			min = 1
		}
		lo, hi := m.Bounds()
		if d := hi.Sub(lo).Len(); n > 1 && d < min {
			return fmt.Errorf("%s: mesh extent %.3g mm after µm→mm conversion is below %g mm: the coordinates look like mm; set CoordinatesInMM", name, d, min)
		}
	}
	return nil
}

// readElem reads the .elem file (named name) into m.Kind, m.Cells and,
// when the elements carry tags, m.Regions.
func readElem(m *Mesh, r io.Reader, name string) error {
	l, err := lexAll(r, name)
	if err != nil {
		return err
	}
	ne, err := l.int("the element count")
	if err != nil {
		return err
	}
	if err := l.claim("element count", ne, 8, false); err != nil { // "Tr a b c" at least
		return err
	}
	tags := make([]int, 0, ne)
	hasTag := false
	for e := 0; e < ne; e++ {
		tag, tagged, err := readElement(m, l, e, ne)
		if err != nil {
			return err
		}
		tags = append(tags, tag)
		hasTag = hasTag || tagged
	}
	if w := l.word(); w != "" {
		return l.errf("unexpected %q after %d elements", w, ne)
	}
	if m.Kind == 0 {
		m.Kind = Triangle
		m.Cells = []int{}
	}
	if hasTag {
		m.Regions = tags
	}
	return nil
}

// readElement reads element e of ne ("Tr a b c [tag]" or "Tt a b c d
// [tag]") into m.Cells and returns its tag (0 when the line has none).
func readElement(m *Mesh, l *lexer, e, ne int) (tag int, tagged bool, err error) {
	t, err := l.expect("Tr", "Tt")
	if err != nil {
		return 0, false, err
	}
	k := Triangle
	if t == "Tt" {
		k = Tetrahedron
	}
	if m.Kind == 0 {
		m.Kind = k
		m.Cells = make([]int, 0, ne*int(k))
	} else if m.Kind != k {
		return 0, false, l.errf("element %d is %s but earlier elements are %v (one kind per mesh)", e, t, m.Kind)
	}
	line := l.line
	for j := 0; j < int(k); j++ {
		v, err := l.int("a node index")
		if err != nil {
			return 0, false, err
		}
		if v < 0 || v >= len(m.Points) {
			return 0, false, l.errf("element %d: node %d out of range [0,%d)", e, v, len(m.Points))
		}
		m.Cells = append(m.Cells, v)
	}
	if w := l.peek(); w != "" && w != "Tr" && w != "Tt" {
		p := l.pos
		l.skipSpace()
		if l.line == line { // the tag is on the same line
			l.pos = p
			tag, err = l.int("a region tag")
			return tag, err == nil, err
		}
		l.pos, l.line = p, line
	}
	return 0, false, nil
}

// readLon reads the .lon file (named name) into m.Fibres and, with two
// vectors per element, m.Sheets.
func readLon(m *Mesh, r io.Reader, name string) error {
	l, err := lexAll(r, name)
	if err != nil {
		return err
	}
	nv, err := l.int("the number of vectors per element (1 or 2)")
	if err != nil {
		return err
	}
	if nv != 1 && nv != 2 {
		return l.errf("first line must be 1 or 2, found %d", nv)
	}
	ne := m.NumCells()
	if !l.fits(ne, 6*nv, false) {
		return l.errf("%d elements need %d vectors each but only %d bytes are left in the file", ne, nv, l.remaining())
	}
	m.Fibres = make([]mgl64.Vec3, ne)
	if nv == 2 {
		m.Sheets = make([]mgl64.Vec3, ne)
	}
	for e := 0; e < ne; e++ {
		for j := 0; j < nv; j++ {
			var v mgl64.Vec3
			for k := 0; k < 3; k++ {
				if v[k], err = l.float("a vector component"); err != nil {
					return err
				}
			}
			if j == 0 {
				m.Fibres[e] = v
			} else {
				m.Sheets[e] = v
			}
		}
	}
	if w := l.word(); w != "" {
		return l.errf("unexpected %q after %d elements' vectors", w, ne)
	}
	return nil
}

func lexAll(r io.Reader, name string) (*lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return newLexer(name, b), nil
}

// WriteOpenCARP writes m as openCARP .pts (coordinates converted from mm to
// µm), .elem (with Regions as tags, 0 when absent) and, if lon is not nil and
// m has fibres, .lon (2 vectors per element when m has sheets).
func WriteOpenCARP(pts, elem, lon io.Writer, m *Mesh) error {
	bw := bufio.NewWriter(pts)
	fmt.Fprintf(bw, "%d\n", len(m.Points))
	for _, p := range m.Points {
		fmt.Fprintf(bw, "%s %s %s\n", fmtFloat(p[0]*MicrometresPerMM), fmtFloat(p[1]*MicrometresPerMM), fmtFloat(p[2]*MicrometresPerMM))
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	bw = bufio.NewWriter(elem)
	t := "Tr"
	if m.Kind == Tetrahedron {
		t = "Tt"
	}
	fmt.Fprintf(bw, "%d\n", m.NumCells())
	for e := 0; e < m.NumCells(); e++ {
		bw.WriteString(t)
		for _, v := range m.Cell(e) {
			fmt.Fprintf(bw, " %d", v)
		}
		tag := 0
		if m.Regions != nil {
			tag = m.Regions[e]
		}
		fmt.Fprintf(bw, " %d\n", tag)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if lon == nil || m.Fibres == nil {
		return nil
	}
	bw = bufio.NewWriter(lon)
	nv := 1
	if m.Sheets != nil {
		nv = 2
	}
	fmt.Fprintf(bw, "%d\n", nv)
	for e, f := range m.Fibres {
		fmt.Fprintf(bw, "%s %s %s", fmtFloat(f[0]), fmtFloat(f[1]), fmtFloat(f[2]))
		if nv == 2 {
			s := m.Sheets[e]
			fmt.Fprintf(bw, " %s %s %s", fmtFloat(s[0]), fmtFloat(s[1]), fmtFloat(s[2]))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
