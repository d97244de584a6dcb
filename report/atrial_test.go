package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
)

// TestAtrialMap: a 10 × 10 mm sheet in the xy-plane (121 nodes, 200
// triangles) is seen along z, its thinnest axis (the nodes have no z
// spread), and a driver on the sheet is visible from both sides (one ring
// per view).
func TestAtrialMap(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "runs", "r000000")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	m := mesh.Sheet(10, 10, 10, 10)
	nc := mesh.Field{Name: "NonConducting", Components: 1, Values: make([]float64, m.NumCells())}
	for e := range nc.Values {
		if c := m.Centroid(e); c.X() > 5 && c.Y() > 5 {
			nc.Values[e] = 1
		}
	}
	m.CellData = append(m.CellData, nc)
	if err := mesh.WriteFile(filepath.Join(run, "lat.vtu"), m, mesh.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "drivers.csv"), []byte("track,charge,x_mm,y_mm,z_mm,rotations,lifespan_ms\n1,1,2.5,2.5,0,3.5,200\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, axes := principalAxes(m.Points)
	if axes[2].Z() < 0.999 {
		t.Errorf("view axis %v, want z", axes[2])
	}
	secs, err := atrialSections(&StudyOutputs{Dir: dir, Header: []string{"run_id"}, Rows: [][]string{{"r000000"}}})
	if err != nil || len(secs) != 1 {
		t.Fatalf("sections %v, %v", secs, err)
	}
	svg := string(secs[0].Figures[0].SVG)
	if n := strings.Count(svg, "<circle"); n != 2 || !strings.Contains(svg, "driver of run r000000, 3.5 rotations") || strings.Count(svg, "data:image/png;base64,") != 2 {
		t.Errorf("map: %d driver rings, want 2 (%.200s)", n, svg)
	}
	if !strings.Contains(secs[0].Notes[0], "121 nodes and 200 triangles") {
		t.Errorf("note %q", secs[0].Notes[0])
	}
}
