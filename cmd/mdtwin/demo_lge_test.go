package main

import (
	"flag"
	"math"
	"path/filepath"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/substrate"
)

var lgeRewrite = flag.Bool("lge.rewrite", false, "TestDemoLGEField: write mesh/testdata/atrium_lge.vtp from atrium.vtp")

// The synthetic LGE field of the demo's AF patient (mesh/testdata/
// atrium_lge.vtp, cell field IIR): not an image, a field made by the
// procedure below from the shipped mesh atrium.vtp, so that the atrial
// embodiment has an LGE image-intensity ratio (IIR: wall intensity over the
// mean blood-pool intensity) to take the fibrosis from, as it would from a
// patient's LGE-MRI segmentation. The procedure:
//
//   - background: IIR 1.0 plus per-element noise uniform in ±lgeNoise (the
//     voxel noise of an image), below the fibrotic threshold 1.2 everywhere;
//   - lgePatches patches, centred on element centroids drawn uniformly by
//     element index, each adding A·exp(−d²/(2r²)) at distance d (mm,
//     straight line) from its centre, with amplitude A uniform in
//     [lgeAmpMin, lgeAmpMax] and radius r uniform in [lgeRadMin, lgeRadMax];
//   - the draws come from splitmix64 (Steele, Lea & Flood, OOPSLA 2014)
//     seeded with lgeSeed, so the field does not depend on Go's math/rand.
//
// The sizes are chosen so that the fibrotic area (IIR > 1.2, Benito et al.
// 2017, substrate.IIRThresholds) is about a fifth of the wall — DECAAF stage
// III (20–30 % of the LA wall; Marrouche et al., JAMA 2014, as in
// shared/reference/atrial.md §5) — with dense scar (IIR > 1.32) at the
// patches' cores. TestDemoLGEField checks that the shipped file is this
// field on this mesh and states the fractions.
const (
	lgeSeed    = 2021
	lgePatches = 28
	lgeNoise   = 0.05
	lgeAmpMin  = 0.22
	lgeAmpMax  = 0.40
	lgeRadMin  = 3.0 // mm
	lgeRadMax  = 6.0 // mm
)

// splitmix64 is the generator of Steele, Lea & Flood (2014): state advances
// by the golden-ratio increment, the output is its mixed value.
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a uniform number in [0, 1) from the top 53 bits.
func (s *splitmix64) float() float64 { return float64(s.next()>>11) / (1 << 53) }

// syntheticLGE returns the demo's IIR field on m (one value per element,
// rounded to 1e-4: an image's intensities have a few significant digits).
func syntheticLGE(m *mesh.Mesh) mesh.Field {
	rng := splitmix64(lgeSeed)
	n := m.NumCells()
	iir := make([]float64, n)
	for e := range iir {
		iir[e] = 1 + lgeNoise*(2*rng.float()-1)
	}
	for range lgePatches {
		c := m.Centroid(int(rng.next() % uint64(n)))
		amp := lgeAmpMin + (lgeAmpMax-lgeAmpMin)*rng.float()
		r := lgeRadMin + (lgeRadMax-lgeRadMin)*rng.float()
		for e := range iir {
			d := m.Centroid(e).Sub(c).Len()
			if d < 4*r { // beyond 4r the bump is below 3.4e-4·A
				iir[e] += amp * math.Exp(-d*d/(2*r*r))
			}
		}
	}
	for e, v := range iir {
		iir[e] = math.Round(v*1e4) / 1e4
	}
	return mesh.Field{Name: "IIR", Components: 1, Values: iir}
}

// TestDemoLGEField checks that mesh/testdata/atrium_lge.vtp is atrium.vtp
// with the field syntheticLGE makes (go test -run TestDemoLGEField
// -lge.rewrite writes it), and the fibrotic and dense fractions of the
// wall's area that the procedure aims at (DECAAF stage III: 20–30 %).
func TestDemoLGEField(t *testing.T) {
	root := repoRoot(t)
	m, err := mesh.ReadFile(filepath.Join(root, "mesh", "testdata", "atrium.vtp"))
	if err != nil {
		t.Fatal(err)
	}
	f := syntheticLGE(m)
	path := filepath.Join(root, demoAtrialMesh)
	if *lgeRewrite {
		m.CellData = append(m.CellData, f)
		if err := mesh.WriteFile(path, m, mesh.WriteOptions{XML: mesh.XMLOptions{Format: mesh.XMLBinary, Compress: true}}); err != nil {
			t.Fatal(err)
		}
	}
	shipped, err := mesh.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(shipped.Points) != len(m.Points) || shipped.NumCells() != m.NumCells() {
		t.Fatalf("%s: %d points, %d triangles; atrium.vtp has %d, %d", path, len(shipped.Points), shipped.NumCells(), len(m.Points), m.NumCells())
	}
	for i, p := range m.Points {
		if shipped.Points[i] != p {
			t.Fatalf("%s: point %d is %v, atrium.vtp's %v", path, i, shipped.Points[i], p)
		}
	}
	got := shipped.CellField("IIR")
	if got == nil {
		t.Fatalf("%s has no cell field IIR", path)
	}
	for e, v := range f.Values {
		if got.Values[e] != v {
			t.Fatalf("%s: IIR of element %d is %v, the procedure gives %v (rewrite with -lge.rewrite)", path, e, got.Values[e], v)
		}
	}
	level, err := substrate.ClassifyCells(shipped, got.Values, substrate.IIRThresholds())
	if err != nil {
		t.Fatal(err)
	}
	var area, fib, dense float64
	for e, l := range level {
		a := shipped.Measure(e)
		area += a
		if l != substrate.Healthy {
			fib += a
		}
		if l == substrate.DenseScar {
			dense += a
		}
	}
	t.Logf("IIR > 1.2: %.1f %% of %.0f mm²; IIR > 1.32: %.1f %%", 100*fib/area, area, 100*dense/area)
	if fib/area < 0.2 || fib/area > 0.3 || dense == 0 {
		t.Errorf("fibrotic %.3f, dense %.3f of the area: want DECAAF stage III (0.2–0.3) with some dense scar", fib/area, dense/area)
	}
}
