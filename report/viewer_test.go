package report

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
)

func decodeF32(t *testing.T, s string) []float32 {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// TestNewViewerData: the points and cells survive the base64 packing, a
// negative LAT (never activated) is undefined and left out of the range,
// a lesion index becomes 1, fibrosis is categorical 0–2, and a volume mesh
// or a mesh without the fields is refused.
func TestNewViewerData(t *testing.T) {
	m := viewerMesh(t)
	d, err := NewViewerData("t", m)
	if err != nil {
		t.Fatal(err)
	}
	pts := decodeF32(t, d.Points)
	if len(pts) != 3*len(m.Points) || pts[3*5+1] != float32(m.Points[5][1]) {
		t.Errorf("points: %d values", len(pts))
	}
	byName := map[string]ViewerField{}
	for _, f := range d.Fields {
		byName[f.Name] = f
	}
	lat := byName["LAT"]
	v := decodeF32(t, lat.Values)
	nan := 0
	for i, x := range v {
		if math.IsNaN(float64(x)) {
			nan++
			if m.PointData[len(m.PointData)-1].Values[i] >= 0 {
				t.Fatalf("LAT of node %d is NaN", i)
			}
		}
	}
	if nan == 0 || lat.Min != 0 || lat.Max > 120 || lat.Kind != "isochrones" || lat.On != "point" {
		t.Errorf("LAT: %d undefined, range %g–%g, %s on %s", nan, lat.Min, lat.Max, lat.Kind, lat.On)
	}
	if f := byName["Fibrosis"]; f.Kind != "categorical" || f.Min != 0 || f.Max != 2 || f.On != "cell" {
		t.Errorf("Fibrosis: %+v", f)
	}
	for _, x := range decodeF32(t, byName["Lesion"].Values) {
		if x != 0 && x != 1 {
			t.Fatalf("Lesion value %g", x)
		}
	}
	if _, err := NewViewerData("t", mesh.Slab(1, 1, 1, 1, 1, 1)); err == nil || !strings.Contains(err.Error(), "triangle") {
		t.Errorf("a volume mesh: %v", err)
	}
	if _, err := NewViewerData("t", mesh.Sheet(1, 1, 2, 2)); err == nil || !strings.Contains(err.Error(), "LAT") {
		t.Errorf("no fields: %v", err)
	}
}
