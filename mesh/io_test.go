package mesh

import (
	"bytes"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-gl/mathgl/mgl64"
)

// testSurface is a sheet with irrational coordinates, a point field, a
// 3-component point field, regions, fibres, sheets and a cell field.
func testSurface() *Mesh {
	m := Sheet(2, 1, 4, 3)
	for i := range m.Points {
		m.Points[i][2] = math.Sin(float64(i)) / 3 // exercises all 17 significant digits
	}
	n := len(m.Points)
	v := Field{"Vm", 1, make([]float64, n)}
	g := Field{"grad", 3, make([]float64, 3*n)}
	for i := range v.Values {
		v.Values[i] = math.Pi * float64(i) / 7
	}
	for i := range g.Values {
		g.Values[i] = math.Sqrt(float64(i) + 0.1)
	}
	m.PointData = []Field{v, g}
	nc := m.NumCells()
	m.Regions = make([]int, nc)
	c := Field{"LAT", 1, make([]float64, nc)}
	for e := range m.Regions {
		m.Regions[e] = e % 3
		c.Values[e] = 1 / float64(e+3)
	}
	m.CellData = []Field{c}
	m.Fibres = ProjectedFibres(m, mgl64.Vec3{1, 0.3, 0})
	m.Sheets = ProjectedFibres(m, mgl64.Vec3{0, 1, 0})
	return m
}

func testVolume() *Mesh {
	m := Slab(1, 2, 3, 2, 2, 2)
	for i := range m.Points {
		m.Points[i][0] += math.Cos(float64(i)) * 1e-3
	}
	m.Regions = make([]int, m.NumCells())
	m.Fibres = make([]mgl64.Vec3, m.NumCells())
	for e := range m.Regions {
		m.Regions[e] = e % 2
		m.Fibres[e] = mgl64.Vec3{1, math.Sqrt2, float64(e)}.Normalize()
	}
	return m
}

func equalMesh(t *testing.T, what string, got, want *Mesh, relTol float64, fields bool) {
	t.Helper()
	if got.Kind != want.Kind || len(got.Points) != len(want.Points) || !equalInts(got.Cells, want.Cells) {
		t.Fatalf("%s: topology differs: %v %d points %d cells, want %v %d %d", what, got.Kind, len(got.Points), got.NumCells(), want.Kind, len(want.Points), want.NumCells())
	}
	for i := range want.Points {
		for k := 0; k < 3; k++ {
			if d := math.Abs(got.Points[i][k] - want.Points[i][k]); d > relTol*math.Max(1, math.Abs(want.Points[i][k])) {
				t.Fatalf("%s: point %d = %v, want %v", what, i, got.Points[i], want.Points[i])
			}
		}
	}
	if !fields {
		return
	}
	if !equalInts(got.Regions, want.Regions) {
		t.Errorf("%s: regions differ", what)
	}
	if len(got.Fibres) != len(want.Fibres) || len(got.Sheets) != len(want.Sheets) {
		t.Errorf("%s: fibres/sheets missing: %d/%d, want %d/%d", what, len(got.Fibres), len(got.Sheets), len(want.Fibres), len(want.Sheets))
	}
	for e := range want.Fibres {
		if got.Fibres[e] != want.Fibres[e] {
			t.Fatalf("%s: fibre %d = %v, want %v", what, e, got.Fibres[e], want.Fibres[e])
		}
	}
	for e := range want.Sheets {
		if got.Sheets[e] != want.Sheets[e] {
			t.Fatalf("%s: sheet %d differs", what, e)
		}
	}
	for _, set := range [][2][]Field{{got.PointData, want.PointData}, {got.CellData, want.CellData}} {
		if len(set[0]) != len(set[1]) {
			t.Fatalf("%s: %d fields, want %d", what, len(set[0]), len(set[1]))
		}
		for i, f := range set[1] {
			g := set[0][i]
			if g.Name != f.Name || g.Components != f.Components || !equalFloats(g.Values, f.Values) {
				t.Fatalf("%s: field %q differs (got %q, %d components)", what, f.Name, g.Name, g.Components)
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRoundTrip writes generated meshes in every format and reads them back.
// Text formats print the shortest representation that parses back to the
// same float64 (strconv 'g', -1), so every format is exact except openCARP
// .pts, whose mm→µm→mm scaling may cost one rounding (tolerance 2e-16 relative).
func TestRoundTrip(t *testing.T) {
	for _, m := range []*Mesh{testSurface(), testVolume()} {
		type codec struct {
			name   string
			write  func(*bytes.Buffer) error
			read   func(*bytes.Buffer) (*Mesh, error)
			fields bool
		}
		codecs := []codec{
			{"vtk-ascii", func(b *bytes.Buffer) error { return WriteVTK(b, m, false) }, func(b *bytes.Buffer) (*Mesh, error) { return ReadVTK(b, "x.vtk") }, true},
			{"vtk-binary", func(b *bytes.Buffer) error { return WriteVTK(b, m, true) }, func(b *bytes.Buffer) (*Mesh, error) { return ReadVTK(b, "x.vtk") }, true},
		}
		for _, f := range []XMLFormat{XMLASCII, XMLBinary, XMLAppended} {
			for _, z := range []bool{false, true} {
				opt := XMLOptions{Format: f, Compress: z}
				name := "vtu-" + strconv.Itoa(int(f)) + "-" + strconv.FormatBool(z)
				codecs = append(codecs, codec{name, func(b *bytes.Buffer) error { return WriteVTU(b, m, opt) }, func(b *bytes.Buffer) (*Mesh, error) { return ReadVTKXML(b, "x.vtu") }, true})
				if m.Kind == Triangle {
					codecs = append(codecs, codec{"vtp" + name[3:], func(b *bytes.Buffer) error { return WriteVTP(b, m, opt) }, func(b *bytes.Buffer) (*Mesh, error) { return ReadVTKXML(b, "x.vtp") }, true})
				}
			}
		}
		if m.Kind == Triangle {
			codecs = append(codecs,
				codec{"ply-ascii", func(b *bytes.Buffer) error { return WritePLY(b, m, false) }, func(b *bytes.Buffer) (*Mesh, error) { return ReadPLY(b, "x.ply") }, false},
				codec{"ply-binary", func(b *bytes.Buffer) error { return WritePLY(b, m, true) }, func(b *bytes.Buffer) (*Mesh, error) { return ReadPLY(b, "x.ply") }, false},
				codec{"obj", func(b *bytes.Buffer) error { return WriteOBJ(b, m) }, func(b *bytes.Buffer) (*Mesh, error) { return ReadOBJ(b, "x.obj") }, false},
			)
		}
		for _, c := range codecs {
			var b bytes.Buffer
			if err := c.write(&b); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got, err := c.read(&b)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			equalMesh(t, m.Kind.String()+" "+c.name, got, m, 0, c.fields)
			if strings.HasPrefix(c.name, "ply") { // PLY keeps scalar fields and regions only
				if !equalInts(got.Regions, m.Regions) || got.PointField("Vm") == nil || !equalFloats(got.PointField("Vm").Values, m.PointData[0].Values) || got.CellField("LAT") == nil {
					t.Errorf("%s: scalar fields or regions lost", c.name)
				}
			}
		}
		// openCARP
		var pts, elem, lon bytes.Buffer
		if err := WriteOpenCARP(&pts, &elem, &lon, m); err != nil {
			t.Fatal(err)
		}
		got, err := ReadOpenCARP(&pts, &elem, &lon, "x", OpenCARPOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := m.Clone()
		want.PointData, want.CellData = nil, nil
		equalMesh(t, m.Kind.String()+" openCARP", got, want, 2e-16, true)
	}
}

// TestFilesByExtension checks ReadFile/WriteFile dispatch on a temporary directory.
func TestFilesByExtension(t *testing.T) {
	dir := t.TempDir()
	m := testSurface()
	for _, ext := range []string{".vtk", ".vtu", ".vtp", ".ply", ".obj", ".pts"} {
		p := dir + "/m" + ext
		if err := WriteFile(p, m, WriteOptions{Binary: true, XML: XMLOptions{Compress: true}}); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		tol := 0.0
		if ext == ".pts" {
			tol = 2e-16
		}
		equalMesh(t, ext, got, m, tol, false)
	}
}

// TestAtrium reads the shipped atrium.vtp and compares with counts taken
// independently from the XML attributes of its Piece element (10,516 points
// and 20,576 triangles per PROVENANCE.md).
func TestAtrium(t *testing.T) {
	raw, err := os.ReadFile("testdata/atrium.vtp")
	if err != nil {
		t.Fatal(err)
	}
	attr := func(k string) int {
		s := regexp.MustCompile(k + `="(\d+)"`).FindSubmatch(raw)
		n, _ := strconv.Atoi(string(s[1]))
		return n
	}
	np, nc := attr("NumberOfPoints"), attr("NumberOfPolys")
	if np != 10516 || nc != 20576 {
		t.Fatalf("attributes say %d points, %d polys; PROVENANCE.md says 10516, 20576", np, nc)
	}
	m, err := ReadFile("testdata/atrium.vtp")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Points) != np || m.NumCells() != nc || m.Kind != Triangle {
		t.Fatalf("read %d points, %d %v cells; want %d, %d triangles", len(m.Points), m.NumCells(), m.Kind, np, nc)
	}
	if f := m.CellField("STLSolidLabeling"); f == nil || f.Len() != nc {
		t.Fatal("cell field STLSolidLabeling missing")
	}
	// RangeMin/RangeMax of the Points array are the min/max point norms (VTK convention).
	lo, hi := math.Inf(1), 0.0
	for _, p := range m.Points {
		lo, hi = math.Min(lo, p.Len()), math.Max(hi, p.Len())
	}
	if math.Abs(lo-274.24733615) > 1e-4 || math.Abs(hi-331.04102313) > 1e-4 {
		t.Errorf("point norm range [%v, %v], want the file's RangeMin/Max [274.24733615, 331.04102313]", lo, hi)
	}
	q := m.Check()
	if len(q.NonManifold) != 0 || len(q.Degenerate) != 0 || q.Boundary == 0 {
		t.Errorf("atrium quality: %s (expected a manifold surface with openings)", q.String())
	}
}

// TestBadInput checks that malformed files give an error naming the file and
// the line (text) or byte offset (binary data).
func TestBadInput(t *testing.T) {
	cases := []struct {
		name, text, want string
		read             func(string, string) error
	}{
		{"bad.vtk", "# vtk DataFile Version 3.0\nt\nASCII\nDATASET UNSTRUCTURED_GRID\nPOINTS 2 float\n0 0 0\n1 x 0\n", "bad.vtk:7:", readVTKs},
		{"idx.vtk", "# vtk DataFile Version 3.0\nt\nASCII\nDATASET POLYDATA\nPOINTS 3 float\n0 0 0 1 0 0 0 1 0\nPOLYGONS 1 4\n3 0 1 7\n", "out of range", readVTKs},
		{"bin.vtk", "# vtk DataFile Version 3.0\nt\nBINARY\nDATASET UNSTRUCTURED_GRID\nPOINTS 2 float\n\x00\x00", "bin.vtk: byte", readVTKs},
		{"nan.obj", "v 0 0 0\nv 1 0 0\nv NaN 1 0\nf 1 2 3\n", "nan.obj:3:", readOBJs},
		{"face.obj", "v 0 0 0\nv 1 0 0\nf 1 2 4\n", "face.obj:3:", readOBJs},
		{"bad.ply", "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n4 0 0 0 0\n", "bad.ply:11:", readPLYs},
		{"bad.vtu", "<?xml version=\"1.0\"?>\n<VTKFile type=\"UnstructuredGrid\">\n<UnstructuredGrid>\n<Piece NumberOfPoints=\"x\" NumberOfCells=\"0\">\n", "bad.vtu:4:", readXMLs},
		{"trunc.vtp", "<VTKFile type=\"PolyData\" header_type=\"UInt32\">\n<PolyData>\n<Piece NumberOfPoints=\"1\" NumberOfPolys=\"0\">\n<Points>\n<DataArray type=\"Float32\" NumberOfComponents=\"3\" format=\"binary\">\nDAAAAAAAAAA=\n</DataArray>\n</Points></Piece></PolyData></VTKFile>\n", "trunc.vtp:5:", readXMLs},
		{"m.elem", "1\nTr 0 1 5\n", "m.elem:2:", readCARPs},
		{"mm.pts", "", "look like mm", readCARPs},
	}
	for _, c := range cases {
		err := c.read(c.name, c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func readVTKs(name, s string) error { _, err := ReadVTK(strings.NewReader(s), name); return err }
func readOBJs(name, s string) error { _, err := ReadOBJ(strings.NewReader(s), name); return err }
func readPLYs(name, s string) error { _, err := ReadPLY(strings.NewReader(s), name); return err }
func readXMLs(name, s string) error { _, err := ReadVTKXML(strings.NewReader(s), name); return err }
func readCARPs(name, s string) error {
	pts := "3\n0 0 0\n1000 0 0\n0 1000 0\n"
	elem := s
	if strings.HasSuffix(name, ".pts") {
		pts, elem = "3\n0 0 0\n30 0 0\n0 40 0\n", "1\nTr 0 1 2 1\n" // a 30×40 mm triangle written in mm
	}
	_, err := ReadOpenCARP(strings.NewReader(pts), strings.NewReader(elem), nil, "m", OpenCARPOptions{})
	return err
}
