package substrate

import (
	"math"
	"slices"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

// atrium reads the shipped left-atrial surface (LASC 2013 case b003; see
// mesh/testdata/PROVENANCE.md).
func atrium(t *testing.T) (*mesh.Mesh, *Ablation) {
	t.Helper()
	m, err := mesh.ReadFile("../../../mesh/testdata/atrium.vtp")
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAblation(m)
	if err != nil {
		t.Fatal(err)
	}
	return m, a
}

// TestClassifyOrificesAtrium: atrium.vtp has five boundary loops
// (perimeters 73.9, 43.2, 38.3, 33.7 and 31.2 mm, measured by
// mesh.BoundaryLoops): the mitral valve and four veins. The veins' centroids
// lie 26.8 mm apart within the pairs {43.2, 38.3} and {33.7, 31.2} and
// 61–78 mm apart between them (distances of the centroids, computed by
// hand from the printed coordinates), so the pairs are the groups.
func TestClassifyOrificesAtrium(t *testing.T) {
	m, _ := atrium(t)
	os, err := ClassifyOrifices(m, PVIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		per   float64
		role  VeinRole
		group int
	}{{73.9, RoleMitral, -1}, {43.2, RoleVein, 0}, {38.3, RoleVein, 0}, {33.7, RoleVein, 1}, {31.2, RoleVein, 1}}
	if len(os) != len(want) {
		t.Fatalf("%d orifices, want %d", len(os), len(want))
	}
	for i, w := range want {
		o := os[i]
		if d := o.Perimeter - w.per; d > 0.05 || d < -0.05 || o.Role != w.role || o.Group != w.group {
			t.Errorf("orifice %d: perimeter %.2f mm, %v, group %d; want %.1f, %v, %d", i, o.Perimeter, o.Role, o.Group, w.per, w.role, w.group)
		}
	}
	// Picking the veins by hand: points near two of the orifices.
	os, err = ClassifyOrifices(m, PVIOptions{Veins: []mgl64.Vec3{os[3].Centroid, os[1].Centroid}})
	if err != nil {
		t.Fatal(err)
	}
	roles := []VeinRole{}
	for _, o := range os {
		roles = append(roles, o.Role)
	}
	if !slices.Equal(roles, []VeinRole{RoleMitral, RoleVein, RoleDefect, RoleVein, RoleDefect}) {
		t.Errorf("veins by hand: roles %v", roles)
	}
	if _, err := ClassifyOrifices(mesh.Sphere(10, 2), PVIOptions{}); err == nil {
		t.Error("a closed surface gave orifices")
	}
}

// TestPulmonaryVeinIsolationAtrium: the wide-antral lesion set on
// atrium.vtp is one closed lesion per ipsilateral pair with no gap (Gaps)
// and every vein electrically isolated from the mitral rim (Isolates);
// with a gap punched across the first lesion both checks fail for that
// pair's veins and only for them.
//
// The veins of atrium.vtp are tubes cut 10–20 mm from the atrium: the
// isoline of the distance from the third vein's rim stays 32–34 mm long
// (its circumference) out to 13 mm, then grows to 40, 52 and 68 mm at 16,
// 19 and 22 mm (isoline lengths printed while writing this test, every
// 3 mm), so its ostium — where the isoline grows by π per mm — lies
// between 13 and 19 mm; every vein's lies between 5 and 25 mm.
func TestPulmonaryVeinIsolationAtrium(t *testing.T) {
	m, a := atrium(t)
	ls, os, err := a.PulmonaryVeinIsolation(PVIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 {
		t.Fatalf("%d lesions, want 2", len(ls))
	}
	for i, o := range os[1:] {
		if o.OstiumMM < 5 || o.OstiumMM > 25 {
			t.Errorf("vein %d: ostium %g mm from the rim, want 5–25", i+1, o.OstiumMM)
		}
	}
	if o := os[3].OstiumMM; o < 13 || o > 19 {
		t.Errorf("vein 3: ostium %g mm from the rim, want 13–19", o)
	}
	mask := a.Mask(nil, ls...)
	total := m.TotalMeasure()
	for i, l := range ls {
		if l.Shape != LesionAntral {
			t.Errorf("lesion %d is a %v", i, l.Shape)
		}
		if g := a.Gaps(l, mask); len(g) > 0 {
			t.Errorf("lesion %d has %d gap elements, e.g. %d", i, len(g), g[0])
		}
		// A band a few mm wide around two veins: a few per cent of the
		// 11,013 mm² surface, not the whole antrum.
		if f := l.Area(m) / total; f < 0.01 || f > 0.1 {
			t.Errorf("lesion %d covers %.3g of the surface, want 1–10 %%", i, f)
		}
	}
	iso := a.Isolates(mask, os)
	if !slices.Equal(iso, []bool{false, true, true, true, true}) {
		t.Errorf("isolated: %v, want every vein", iso)
	}
	// Nothing isolates without the lesions.
	if iso := a.Isolates(make([]bool, m.NumCells()), os); slices.Contains(iso, true) {
		t.Errorf("isolated without lesions: %v", iso)
	}

	// A gap: the elements within 4 mm of a point on the first lesion's
	// centre line conduct again (the band is about 5 mm wide: 3 mm and the
	// elements reaching into it).
	d, _ := a.points.ShortestPaths(ls[0].Sources, ls[0].SourceStart, nil)
	p := -1
	for v := range m.Points {
		if math.Abs(d[v]-ls[0].Radius) < 0.1 {
			p = v
			break
		}
	}
	gapped := a.WithGap(ls[0], m.Points[p], 4)
	mask = a.Mask(nil, gapped, ls[1])
	if g := a.Gaps(gapped, mask); len(g) == 0 {
		t.Error("the gapped lesion has no gap")
	}
	if g := a.Gaps(ls[1], mask); len(g) > 0 {
		t.Errorf("the intact lesion has %d gap elements", len(g))
	}
	// The pair shares one lesion around its antrum, so both its veins
	// reconnect.
	if iso := a.Isolates(mask, os); !slices.Equal(iso, []bool{false, false, false, true, true}) {
		t.Errorf("isolated with a gap in the first pair's lesion: %v", iso)
	}
}
