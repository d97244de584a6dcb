package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
)

// `mdtwin mesh info` on the shipped atrium reports its size (10,516 nodes,
// 20,576 triangles: the file's own counts, reference §1), its quality and
// the stable explicit dt; `convert` writes openCARP files that read back
// as the same mesh (µm on disk, mm in memory); `remesh` writes a finer,
// renumbered surface of the same area.
func TestMeshCLI(t *testing.T) {
	atrium := filepath.Join(repoRoot(t), "mesh", "testdata", "atrium.vtp")
	code, stdout, stderr := cli("", "mesh", "info", atrium)
	if code != 0 {
		t.Fatalf("info: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"10516 nodes, 20576 elements", "0 degenerate", "1 components", "largest stable dt", `cell field "STLSolidLabeling"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("info output lacks %q:\n%s", want, stdout)
		}
	}

	dir := t.TempDir()
	sheet := filepath.Join(dir, "sheet.vtu")
	if err := mesh.WriteFile(sheet, mesh.Sheet(4, 2, 8, 4), mesh.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	pts := filepath.Join(dir, "sheet.pts")
	if code, stdout, stderr := cli("", "mesh", "convert", sheet, pts); code != 0 {
		t.Fatalf("convert: exit %d\n%s\n%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(pts)
	if err != nil || !strings.Contains(string(raw), "4000") {
		t.Errorf("sheet.pts should hold µm coordinates (4 mm = 4000 µm): %v\n%.200s", err, raw)
	}
	back, err := mesh.ReadFile(pts)
	if err != nil || len(back.Points) != 45 || back.NumCells() != 64 || math.Abs(back.TotalMeasure()-8) > 1e-9 {
		t.Errorf("read back: %v, %d points, %d cells", err, len(back.Points), back.NumCells())
	}

	fine := filepath.Join(dir, "fine.vtu")
	code, stdout, stderr = cli("", "mesh", "remesh", sheet, fine, "--edge", "0.2")
	if code != 0 {
		t.Fatalf("remesh: exit %d\n%s\n%s", code, stdout, stderr)
	}
	r, err := mesh.ReadFile(fine)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.TotalMeasure()-8) > 1e-9 || len(r.Points) < 150 || !strings.Contains(stdout, "→") {
		t.Errorf("remeshed: area %v, %d points; stdout %s", r.TotalMeasure(), len(r.Points), stdout)
	}
}

// Bad input: one line on stderr, exit 2, nothing written.
func TestMeshCLIBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.obj")
	if err := os.WriteFile(bad, []byte("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	nan := filepath.Join(dir, "nan.obj")
	if err := os.WriteFile(nan, []byte("v 0 0 NaN\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.vtu")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"mesh", "info", filepath.Join(dir, "missing.vtp")}, "no such file"},
		{[]string{"mesh", "info", bad}, "bad.obj"},
		{[]string{"mesh", "info", nan}, "nan.obj"},
		{[]string{"mesh", "convert", bad, out}, "bad.obj"},
		{[]string{"mesh", "remesh", bad, out, "--edge", "0"}, "--edge"},
		{[]string{"mesh", "convert", bad + ".xyz", out}, "xyz"},
	} {
		code, stdout, stderr := cli("", c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 and one line naming %q", c.args, code, stderr, stdout, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: wrote %s", c.args, out)
		}
	}
}
