package mesh

import (
	"fmt"
	"math"

	"github.com/go-gl/mathgl/mgl64"
)

// Kind is the element kind of a mesh; its value is the number of nodes per element.
type Kind int

const (
	// Triangle is a 3-node surface (or planar) element.
	Triangle Kind = 3
	// Tetrahedron is a 4-node volume element.
	Tetrahedron Kind = 4
)

func (k Kind) String() string {
	switch k {
	case Triangle:
		return "triangle"
	case Tetrahedron:
		return "tetrahedron"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Field is a named array attached to the points or the cells of a mesh.
// Values holds Components numbers per point (or cell), point-major:
// the value of component c at item i is Values[i*Components+c].
type Field struct {
	Name       string
	Components int
	Values     []float64
}

// Len returns the number of items (points or cells) the field covers.
func (f *Field) Len() int {
	if f.Components == 0 {
		return 0
	}
	return len(f.Values) / f.Components
}

// covers reports whether f holds Components ≥ 1 values for each of n
// items (written without n·Components, which a hostile file could make
// overflow).
func (f *Field) covers(n int) bool {
	return f.Components >= 1 && len(f.Values)%f.Components == 0 && len(f.Values)/f.Components == n
}

// Mesh is a conforming mesh of one element kind: triangles (a surface in 3-D
// or a planar sheet with z = 0) or tetrahedra. Coordinates are in mm.
//
// Cells is flat: element e has nodes Cells[e*k : (e+1)*k] with k = int(Kind).
// Tetrahedra are positively oriented when (p1−p0)·((p2−p0)×(p3−p0)) > 0.
//
// Regions, Fibres and Sheets are optional (nil or one entry per cell). Regions
// are integer tags (openCARP element tags; the "Region" cell array in VTK).
// Fibres and Sheets are unit vectors per element (openCARP .lon; the "Fibres"
// and "Sheets" cell arrays in VTK). Other named data live in PointData and
// CellData.
type Mesh struct {
	Points []mgl64.Vec3
	Kind   Kind
	Cells  []int

	Regions []int
	Fibres  []mgl64.Vec3
	Sheets  []mgl64.Vec3

	PointData []Field
	CellData  []Field
}

// NumCells returns the number of elements.
func (m *Mesh) NumCells() int {
	if m.Kind == 0 {
		return 0
	}
	return len(m.Cells) / int(m.Kind)
}

// Cell returns the node indices of element e (a view into m.Cells).
func (m *Mesh) Cell(e int) []int {
	k := int(m.Kind)
	return m.Cells[e*k : (e+1)*k : (e+1)*k]
}

// PointField returns the point field with the given name, or nil.
func (m *Mesh) PointField(name string) *Field { return findField(m.PointData, name) }

// CellField returns the cell field with the given name, or nil.
func (m *Mesh) CellField(name string) *Field { return findField(m.CellData, name) }

func findField(fs []Field, name string) *Field {
	for i := range fs {
		if fs[i].Name == name {
			return &fs[i]
		}
	}
	return nil
}

// Validate checks the structural consistency of m: a known kind, node indices
// in range, finite coordinates, and per-cell/per-point arrays of the right length.
// It does not judge element quality; see Check.
func (m *Mesh) Validate() error {
	if m.Kind != Triangle && m.Kind != Tetrahedron {
		return fmt.Errorf("mesh: unknown element kind %d", int(m.Kind))
	}
	k := int(m.Kind)
	if len(m.Cells)%k != 0 {
		return fmt.Errorf("mesh: %d cell indices is not a multiple of %d", len(m.Cells), k)
	}
	for i, p := range m.Points {
		for _, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("mesh: point %d has a non-finite coordinate %v", i, p)
			}
		}
	}
	n := len(m.Points)
	for i, v := range m.Cells {
		if v < 0 || v >= n {
			return fmt.Errorf("mesh: cell %d node %d is out of range [0,%d)", i/k, v, n)
		}
	}
	nc := m.NumCells()
	if m.Regions != nil && len(m.Regions) != nc {
		return fmt.Errorf("mesh: %d region tags for %d cells", len(m.Regions), nc)
	}
	if m.Fibres != nil && len(m.Fibres) != nc {
		return fmt.Errorf("mesh: %d fibres for %d cells", len(m.Fibres), nc)
	}
	if m.Sheets != nil && len(m.Sheets) != nc {
		return fmt.Errorf("mesh: %d sheets for %d cells", len(m.Sheets), nc)
	}
	for _, f := range m.PointData {
		if !f.covers(n) {
			return fmt.Errorf("mesh: point field %q has %d values, want %d×%d", f.Name, len(f.Values), n, f.Components)
		}
	}
	for _, f := range m.CellData {
		if !f.covers(nc) {
			return fmt.Errorf("mesh: cell field %q has %d values, want %d×%d", f.Name, len(f.Values), nc, f.Components)
		}
	}
	return nil
}

// Measure returns the area (triangles, mm²) or the signed volume (tetrahedra,
// mm³) of element e.
func (m *Mesh) Measure(e int) float64 {
	c := m.Cell(e)
	p0 := m.Points[c[0]]
	a := m.Points[c[1]].Sub(p0)
	b := m.Points[c[2]].Sub(p0)
	if m.Kind == Triangle {
		return 0.5 * a.Cross(b).Len()
	}
	d := m.Points[c[3]].Sub(p0)
	return a.Dot(b.Cross(d)) / 6
}

// TotalMeasure returns the sum of element areas or (signed) volumes.
func (m *Mesh) TotalMeasure() float64 {
	s := 0.0
	for e := 0; e < m.NumCells(); e++ {
		s += m.Measure(e)
	}
	return s
}

// Edges returns the unique undirected edges of the mesh, each as (a, b) with a < b,
// sorted.
func (m *Mesh) Edges() [][2]int {
	k := int(m.Kind)
	seen := make(map[[2]int]struct{}, len(m.Cells))
	var out [][2]int
	for e := 0; e < m.NumCells(); e++ {
		c := m.Cell(e)
		for i := 0; i < k; i++ {
			for j := i + 1; j < k; j++ {
				a, b := c[i], c[j]
				if a > b {
					a, b = b, a
				}
				key := [2]int{a, b}
				if _, ok := seen[key]; !ok {
					seen[key] = struct{}{}
					out = append(out, key)
				}
			}
		}
	}
	sortEdges(out)
	return out
}

// MeanEdgeLength returns the mean length of the unique edges (mm).
func (m *Mesh) MeanEdgeLength() float64 {
	es := m.Edges()
	if len(es) == 0 {
		return 0
	}
	s := 0.0
	for _, e := range es {
		s += m.Points[e[0]].Sub(m.Points[e[1]]).Len()
	}
	return s / float64(len(es))
}

// Bounds returns the axis-aligned bounding box of the points.
func (m *Mesh) Bounds() (lo, hi mgl64.Vec3) {
	if len(m.Points) == 0 {
		return
	}
	lo, hi = m.Points[0], m.Points[0]
	for _, p := range m.Points {
		for i := 0; i < 3; i++ {
			lo[i] = math.Min(lo[i], p[i])
			hi[i] = math.Max(hi[i], p[i])
		}
	}
	return lo, hi
}

// Clone returns a deep copy of m.
func (m *Mesh) Clone() *Mesh {
	c := &Mesh{
		Points:  append([]mgl64.Vec3(nil), m.Points...),
		Kind:    m.Kind,
		Cells:   append([]int(nil), m.Cells...),
		Regions: cloneInts(m.Regions),
		Fibres:  cloneVecs(m.Fibres),
		Sheets:  cloneVecs(m.Sheets),
	}
	for _, f := range m.PointData {
		c.PointData = append(c.PointData, Field{f.Name, f.Components, append([]float64(nil), f.Values...)})
	}
	for _, f := range m.CellData {
		c.CellData = append(c.CellData, Field{f.Name, f.Components, append([]float64(nil), f.Values...)})
	}
	return c
}

func cloneInts(s []int) []int {
	if s == nil {
		return nil
	}
	return append([]int(nil), s...)
}

func cloneVecs(s []mgl64.Vec3) []mgl64.Vec3 {
	if s == nil {
		return nil
	}
	return append([]mgl64.Vec3(nil), s...)
}

// FormatError is a malformed-input error. It names the file and either the
// line (text formats) or the byte offset (binary data).
type FormatError struct {
	File   string
	Line   int   // 1-based; 0 when unknown
	Offset int64 // byte offset from the start of the file; used when Line is 0
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: byte %d: %s", e.File, e.Offset, e.Msg)
}

// checkRead validates a freshly read mesh and wraps structural errors with the file name.
func checkRead(name string, m *Mesh) (*Mesh, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// Reserved cell-array names used by the VTK readers and writers.
const (
	RegionArray = "Region"
	FibreArray  = "Fibres"
	SheetArray  = "Sheets"
)

// splitSpecial moves cell fields named Region/Fibres/Sheets (and common
// spellings) into m.Regions, m.Fibres and m.Sheets.
func (m *Mesh) splitSpecial() {
	var keep []Field
	for _, f := range m.CellData {
		switch {
		case f.Name == RegionArray && f.Components == 1 && m.Regions == nil:
			m.Regions = make([]int, len(f.Values))
			for i, v := range f.Values {
				m.Regions[i] = int(v)
			}
		case isName(f.Name, "fibres", "fibers", "fibre", "fiber") && f.Components == 3 && m.Fibres == nil:
			m.Fibres = vecsOf(f.Values)
		case isName(f.Name, "sheets", "sheet") && f.Components == 3 && m.Sheets == nil:
			m.Sheets = vecsOf(f.Values)
		default:
			keep = append(keep, f)
		}
	}
	m.CellData = keep
}

func isName(s string, names ...string) bool {
	for _, n := range names {
		if len(s) == len(n) {
			eq := true
			for i := 0; i < len(s); i++ {
				c := s[i]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				if c != n[i] {
					eq = false
					break
				}
			}
			if eq {
				return true
			}
		}
	}
	return false
}

func vecsOf(v []float64) []mgl64.Vec3 {
	out := make([]mgl64.Vec3, len(v)/3)
	for i := range out {
		out[i] = mgl64.Vec3{v[3*i], v[3*i+1], v[3*i+2]}
	}
	return out
}

func flatVecs(v []mgl64.Vec3) []float64 {
	out := make([]float64, 0, 3*len(v))
	for _, p := range v {
		out = append(out, p[0], p[1], p[2])
	}
	return out
}

// allCellFields returns CellData plus the special arrays as fields, for writers.
func (m *Mesh) allCellFields() []Field {
	var fs []Field
	if m.Regions != nil {
		v := make([]float64, len(m.Regions))
		for i, r := range m.Regions {
			v[i] = float64(r)
		}
		fs = append(fs, Field{RegionArray, 1, v})
	}
	if m.Fibres != nil {
		fs = append(fs, Field{FibreArray, 3, flatVecs(m.Fibres)})
	}
	if m.Sheets != nil {
		fs = append(fs, Field{SheetArray, 3, flatVecs(m.Sheets)})
	}
	return append(fs, m.CellData...)
}
