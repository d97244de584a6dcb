package mesh

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestHostileInput holds the inputs the fuzz targets (and a review of the
// readers' size arithmetic) found to crash a reader, make it allocate far
// beyond the input's size, or accept an invalid mesh. Each must give one
// line naming the file and what was expected, within the allocation budget
// of the fuzz targets (1 MiB + 256 bytes per input byte).
func TestHostileInput(t *testing.T) {
	const vtkHead = "# vtk DataFile Version 3.0\nt\nASCII\nDATASET UNSTRUCTURED_GRID\n"
	const tri = "POINTS 3 float\n0 0 0 1 0 0 0 1 0\n"
	// a VTK XML file without a VTKFile element, so without byte order or header type
	const noRoot = `<Piece NumberOfPoints="1" NumberOfCells="0"><Points>` +
		`<DataArray type="Float32" NumberOfComponents="3" format="binary">DAAAAAAAAAAAAAAAAAAAAA==</DataArray></Points></Piece>`
	xmlHead := func(extra string) string {
		return `<VTKFile type="UnstructuredGrid" header_type="UInt64" compressor="vtkZLibDataCompressor"` + extra + `>` +
			`<UnstructuredGrid><Piece NumberOfPoints="1" NumberOfCells="0"><Points>`
	}
	cases := []struct {
		name, text, want string
		read             func(string, string) error
	}{
		// 10¹⁴ points: the array was allocated before reading (makeslice panic).
		{"points.vtk", vtkHead + "POINTS 100000000000000 float\n0 0 0\n", "points.vtk:5: value count 300000000000000 needs at least 2 bytes", readVTKs},
		// fuzz: 200,000 ints allocated for a 63-byte file before finding it truncated.
		{"cells.vtk", "# vtk DataFile\n\nBINARY DATASET UNSTRUCTURED_GRID CELLS 0 200000", "cells.vtk: byte 63: value count 200000 needs at least 4 bytes", readVTKs},
		// version 5.1 offsets beyond the connectivity (slice bounds panic).
		{"offsets.vtk", vtkHead + tri + "CELLS 2 3\nOFFSETS vtktypeint64\n0 7\nCONNECTIVITY vtktypeint64\n0 1 2\nCELL_TYPES 1\n5\n", "offset 7 of cell 0 is out of range", readVTKs},
		// components × tuples overflowing to 2: an invalid field was accepted.
		{"overflow.vtk", vtkHead + tri + "CELLS 1 4\n3 0 1 2\nCELL_TYPES 1\n5\nPOINT_DATA 3\nSCALARS s float 6148914691236517206\n1 2\n", "overflow.vtk:12: 3 tuples of 6148914691236517206 values is too many", readVTKs},
		// a cell node count of 1e300 (its int conversion is left to the platform).
		{"count.vtk", vtkHead + tri + "CELLS 1 4\n1e300 0 1 2\nCELL_TYPES 1\n5\n", "cell 0 has an invalid node count 1e+300", readVTKs},
		// no VTKFile element: nil byte order (nil pointer panic).
		{"noroot.vtu", noRoot, "noroot.vtu:1: Piece outside a VTKFile element", readXMLs},
		// a base64 block header of 2⁶⁴−3 blocks, whose size wrapped to 0 (index panic).
		{"blocks.vtu", xmlHead("") + `<DataArray type="Float32" NumberOfComponents="3" format="binary">/f////////8AAAAAAAAAAA==</DataArray></Points></Piece></UnstructuredGrid></VTKFile>`,
			"blocks.vtu:1: DataArray \"\": header announces 18446744073709551613 blocks", readXMLs},
		// a compressed block of 2⁵⁰ bytes announced in 8 (makeslice panic).
		{"bomb.vtu", xmlHead("") + `<DataArray type="Float32" NumberOfComponents="3" format="appended" offset="0"/></Points></Piece></UnstructuredGrid>` +
			"<AppendedData encoding=\"raw\">_\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00x\x9c\x03\x00\x00\x00\x00\x01</AppendedData></VTKFile>",
			"block 0 announces 1125899906842624 bytes from 8 compressed bytes, more than deflate can produce", readXMLs},
		// 10¹⁴ vertices (makeslice panic).
		{"vertices.ply", "ply\nformat ascii 1.0\nelement vertex 100000000000000\nproperty float x\nend_header\n0\n", "vertices.ply:3: element vertex: 100000000000000 items need at least 2 bytes each", readPLYs},
		// 10⁹ items with nothing to read: a long loop, then an empty mesh accepted.
		{"empty.ply", "ply\nformat ascii 1.0\nelement tag 1000000000\nend_header\n", "empty.ply:3: element tag has 1000000000 items but no properties", readPLYs},
		// 10¹⁴ points (makeslice panic); fuzz: 7·10⁹ (out of memory).
		{"m.pts", "100000000000000\n0 0 0\n", "m.pts:1: point count 100000000000000 needs at least 6 bytes", readCARPElem},
		// a negative element count (makeslice panic).
		{"m.elem", "-1\n", "m.elem:1: negative element count -1", readCARPs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			before := heapAllocated()
			func() {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("panic: %v", p)
					}
				}()
				err = c.read(c.name, c.text)
			}()
			if a, b := heapAllocated()-before, readBudget(len(c.text), 256); a > b {
				t.Errorf("allocated %d bytes for a %d-byte input (budget %d)", a, len(c.text), b)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line containing %q", err, c.want)
			}
		})
	}
}

// readCARPElem reads s as the .pts file of a mesh with an empty .elem.
func readCARPElem(name, s string) error {
	_, err := ReadOpenCARP(strings.NewReader(s), strings.NewReader("0\n"), nil, "m", OpenCARPOptions{})
	return err
}

// TestArrayNames checks that array names a VTK legacy word cannot hold
// (fuzz: a nameless VTK XML array written as "VECTORS  double", so that the
// file did not read back) are escaped as VTK does (%XX) and read back; a
// space still becomes '_' and an empty name "unnamed"; PLY names lose
// white space.
func TestArrayNames(t *testing.T) {
	m := Sheet(1, 1, 1, 1)
	n := len(m.Points)
	for _, name := range []string{"", "a\tb", "50%", "Vm mV", "q\"x"} {
		m.PointData = append(m.PointData, Field{name, 1, make([]float64, n)})
	}
	var b bytes.Buffer
	if err := WriteVTK(&b, m, false); err != nil {
		t.Fatal(err)
	}
	got, err := ReadVTK(&b, "names.vtk")
	if err != nil {
		t.Fatalf("written file does not read back: %v", err)
	}
	for i, want := range []string{"unnamed", "a\tb", "50%", "Vm_mV", "q\"x"} {
		if got.PointData[i].Name != want {
			t.Errorf("field %d read back as %q, want %q", i, got.PointData[i].Name, want)
		}
	}
	b.Reset()
	if err := WritePLY(&b, m, false); err != nil {
		t.Fatal(err)
	}
	got, err = ReadPLY(&b, "names.ply")
	if err != nil {
		t.Fatalf("written PLY does not read back: %v", err)
	}
	if got.PointData[1].Name != "a_b" {
		t.Errorf("PLY name %q, want a_b", got.PointData[1].Name)
	}
}
