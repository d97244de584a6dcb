package mesh

import (
	"bytes"
	"errors"
	"runtime/metrics"
	"strings"
	"testing"
)

// The fuzz targets below feed arbitrary bytes to each mesh reader and check
// what a reader of user files must guarantee on any input: it does not
// panic; it does not allocate far beyond the input's size (a header that
// claims 10¹² points in a 100-byte file is refused before anything is
// allocated); an error is one line that starts with the file's name; and a
// mesh it accepts is valid and survives a write and a read in VTK legacy
// binary. Seeds are small files written by this package's writers in every
// encoding, plus hand-written files for the syntax the writers do not use.
// .ci/fuzz runs each target for a few seconds; benchmarks/README.md records
// a longer run.

// heapAllocated returns the bytes allocated on the heap by this process so
// far (cumulative, never decreasing).
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// readBudget is the most a reader may allocate on an input of n bytes:
// 1 MiB plus perByte bytes per input byte. A decoded number needs at least
// 1 byte of binary input or 2 of text (digit and separator) and becomes one
// float64 (8 bytes) plus a few copies on its way into the mesh, so 256 per
// byte is generous; zlib-compressed VTK XML may inflate 1032-fold (the
// deflate limit) before that.
func readBudget(n, perByte int) uint64 { return 1<<20 + uint64(perByte)*uint64(n) }

// checkRead runs read on an input of n bytes and fails t when it allocates
// more than the budget, returns an error that is not one line starting
// with name, or accepts a mesh that is not valid or does not survive a VTK
// round trip.
func fuzzCheck(t *testing.T, name string, n, perByte int, read func() (*Mesh, error)) {
	t.Helper()
	before := heapAllocated()
	m, err := read()
	if a, b := heapAllocated()-before, readBudget(n, perByte); a > b {
		t.Fatalf("a %d-byte input made the reader allocate %d bytes (budget %d); result: %v", n, a, b, err)
	}
	if err != nil {
		msg := err.Error()
		if strings.ContainsAny(msg, "\n\r") || !strings.HasPrefix(msg, name) {
			t.Fatalf("error is not one line starting with the file name %q: %q", name, msg)
		}
		var fe *FormatError
		if errors.As(err, &fe) && fe.File != name && !strings.HasPrefix(fe.File, name+".") {
			t.Fatalf("FormatError names %q, want %q", fe.File, name)
		}
		return
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("accepted an invalid mesh: %v", err)
	}
	var b bytes.Buffer
	if err := WriteVTK(&b, m, true); err != nil {
		t.Fatalf("WriteVTK of an accepted mesh: %v", err)
	}
	got, err := ReadVTK(&b, "round.vtk")
	if err != nil {
		t.Fatalf("the accepted mesh does not read back from VTK: %v", err)
	}
	if got.Kind != m.Kind || len(got.Points) != len(m.Points) || !equalInts(got.Cells, m.Cells) {
		t.Fatalf("VTK round trip changed the mesh: %v %d points %d cells, want %v %d %d",
			got.Kind, len(got.Points), got.NumCells(), m.Kind, len(m.Points), m.NumCells())
	}
}

// seedMeshes are small meshes with every kind of data a reader fills.
func seedMeshes() []*Mesh {
	tri := Sheet(1, 1, 2, 1)
	tri.Regions = []int{0, 1, 1, 2}
	tri.PointData = []Field{{"Vm", 1, []float64{-80, -80, 10, 20, 20, 0}}}
	tri.Fibres = ProjectedFibres(tri, pointVec{1, 0, 0})
	tet := Slab(1, 1, 1, 1, 1, 1)
	tet.CellData = []Field{{"LAT", 1, make([]float64, tet.NumCells())}}
	tet.Sheets = make([]pointVec, tet.NumCells())
	return []*Mesh{tri, tet, {Kind: Triangle, Cells: []int{}}}
}

func FuzzReadVTK(f *testing.F) {
	for _, m := range seedMeshes() {
		for _, bin := range []bool{false, true} {
			var b bytes.Buffer
			if err := WriteVTK(&b, m, bin); err != nil {
				f.Fatal(err)
			}
			f.Add(b.Bytes())
		}
	}
	for _, s := range []string{
		// version 5.1 cells (OFFSETS/CONNECTIVITY), POLYDATA, FIELD, METADATA, TEXTURE_COORDINATES
		"# vtk DataFile Version 5.1\nt\nASCII\nDATASET UNSTRUCTURED_GRID\nPOINTS 3 float\n0 0 0 1 0 0 0 1 0\n" +
			"METADATA\nINFORMATION 0\n\nCELLS 2 3\nOFFSETS vtktypeint64\n0 3\nCONNECTIVITY vtktypeint64\n0 1 2\nCELL_TYPES 1\n5\n" +
			"CELL_DATA 1\nFIELD FieldData 1\nRegion 1 1 int\n4\nPOINT_DATA 3\nTEXTURE_COORDINATES uv 2 float\n0 0 1 0 0 1\n" +
			"SCALARS s float 2\nLOOKUP_TABLE default\n1 2 3 4 5 6\nNORMALS n float\n0 0 1 0 0 1 0 0 1\n",
		"# vtk DataFile Version 3.0\nt\nASCII\nDATASET POLYDATA\nPOINTS 3 double\n0 0 0 1 0 0 0 1 0\nPOLYGONS 1 4\n3 0 1 2\nCELL_DATA 1\nTENSORS t float\n1 0 0 0 1 0 0 0 1\n",
		"# vtk DataFile Version 2.0\nt\nBINARY\nDATASET UNSTRUCTURED_GRID\nPOINTS 1 float\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\nCELLS 0 0\n\nCELL_TYPES 0\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, "f.vtk", len(data), 256, func() (*Mesh, error) { return ReadVTK(bytes.NewReader(data), "f.vtk") })
	})
}

func FuzzReadVTKXML(f *testing.F) {
	for _, m := range seedMeshes() {
		for _, form := range []XMLFormat{XMLASCII, XMLBinary, XMLAppended} {
			for _, z := range []bool{false, true} {
				opt := XMLOptions{Format: form, Compress: z}
				var u, p bytes.Buffer
				if err := WriteVTU(&u, m, opt); err != nil {
					f.Fatal(err)
				}
				f.Add(u.Bytes())
				if m.Kind == Triangle {
					if err := WriteVTP(&p, m, opt); err != nil {
						f.Fatal(err)
					}
					f.Add(p.Bytes())
				}
			}
		}
	}
	// Base64 appended data, a UInt32 header in one base64 run with the data,
	// and big-endian binary: encodings VTK writes that WriteVTU does not.
	f.Add([]byte(`<VTKFile type="PolyData" byte_order="BigEndian" header_type="UInt32">
<PolyData><Piece NumberOfPoints="3" NumberOfPolys="1">
<Points><DataArray type="Float32" NumberOfComponents="3" format="appended" offset="0"/></Points>
<Polys><DataArray type="Int32" Name="connectivity" format="ascii">0 1 2</DataArray>
<DataArray type="Int32" Name="offsets" format="ascii">3</DataArray></Polys>
</Piece></PolyData>
<AppendedData encoding="base64">_AAAAJAAAAAAAAAAAAAAAAD+AAAAAAAAAAAAAAAAAAAA/gAAAAAAAAA==</AppendedData></VTKFile>
`))
	f.Add([]byte(`<VTKFile type="UnstructuredGrid" header_type="UInt32">
<UnstructuredGrid><Piece NumberOfPoints="1" NumberOfCells="0">
<Points><DataArray type="Float32" NumberOfComponents="3" format="binary">DAAAAAAAAAAAAAAAAAAAAA==</DataArray></Points>
</Piece></UnstructuredGrid></VTKFile>
`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, "f.vtu", len(data), 10000, func() (*Mesh, error) { return ReadVTKXML(bytes.NewReader(data), "f.vtu") })
	})
}

func FuzzReadPLY(f *testing.F) {
	for _, m := range seedMeshes()[:1] {
		for _, bin := range []bool{false, true} {
			var b bytes.Buffer
			if err := WritePLY(&b, m, bin); err != nil {
				f.Fatal(err)
			}
			f.Add(b.Bytes())
		}
	}
	// Big-endian, an unknown element, lists to skip, comments and obj_info.
	f.Add([]byte("ply\nformat binary_big_endian 1.0\ncomment c\nobj_info o\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n" +
		"property list uchar uchar tags\nelement face 1\nproperty list uchar int vertex_index\nproperty uchar Region\nelement edge 1\nproperty int a\nend_header\n" +
		"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
		"\x3f\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x07" +
		"\x00\x00\x00\x00\x3f\x80\x00\x00\x00\x00\x00\x00\x00" +
		"\x03\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x02\x05" +
		"\x00\x00\x00\x09"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, "f.ply", len(data), 256, func() (*Mesh, error) { return ReadPLY(bytes.NewReader(data), "f.ply") })
	})
}

func FuzzReadOBJ(f *testing.F) {
	var b bytes.Buffer
	if err := WriteOBJ(&b, seedMeshes()[0]); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte("# quad\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvn 0 0 1\ng g\nusemtl m\nf 1/1/1 2//1 3/1 -1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, "f.obj", len(data), 256, func() (*Mesh, error) { return ReadOBJ(bytes.NewReader(data), "f.obj") })
	})
}

// FuzzReadOpenCARP fuzzes the three files of an openCARP mesh at once; an
// empty lon stands for no .lon file.
func FuzzReadOpenCARP(f *testing.F) {
	for _, m := range seedMeshes()[:2] {
		var pts, elem, lon bytes.Buffer
		if err := WriteOpenCARP(&pts, &elem, &lon, m); err != nil {
			f.Fatal(err)
		}
		f.Add(pts.Bytes(), elem.Bytes(), lon.Bytes())
	}
	f.Add([]byte("3\n0 0 0\n1000 0 0\n0 1000 0\n"), []byte("1\nTr 0 1 2\n"), []byte{})
	f.Fuzz(func(t *testing.T, pts, elem, lon []byte) {
		var lr *bytes.Reader
		if len(lon) > 0 {
			lr = bytes.NewReader(lon)
		}
		n := len(pts) + len(elem) + len(lon)
		fuzzCheck(t, "m", n, 256, func() (*Mesh, error) {
			if lr == nil {
				return ReadOpenCARP(bytes.NewReader(pts), bytes.NewReader(elem), nil, "m", OpenCARPOptions{})
			}
			return ReadOpenCARP(bytes.NewReader(pts), bytes.NewReader(elem), lr, "m", OpenCARPOptions{})
		})
	})
}
