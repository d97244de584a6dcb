package main

import (
	"flag"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/models/atrial/substrate"
	"github.com/mdtwin/mdtwin/optima"
	"github.com/mdtwin/mdtwin/scenarios"
)

var lgeRewrite = flag.Bool("lge.rewrite", false, "TestDemoLGEField: write mesh/testdata/atrium_lge.vtp from atrium.vtp")

// The synthetic LGE field of the demo's AF patient (mesh/testdata/
// atrium_lge.vtp, cell field IIR): not an image, a field made by the
// procedure below from the shipped mesh atrium.vtp, so that the atrial
// embodiment has an LGE image-intensity ratio (IIR: wall intensity over the
// mean blood-pool intensity) to take the fibrosis from, as it would from a
// patient's LGE-MRI segmentation. It is af-ablation.toml's generated
// substrate written as an IIR field, so that the personalised demo runs on
// the substrate whose drivers the full example found:
//
//   - the fibrotic elements are those of the example's patchy fibrosis
//     (substrate.GenerateFibrosis: 30 % of the area, 3 mm patches, seed
//     2019), the others healthy; no dense scar;
//   - the IIR is that indicator smoothed (lgeSmooth passes of element →
//     node → element averaging), mapped to 1.0 (no fibrotic neighbour) …
//     1.3 (all), plus per-element noise uniform in ±lgeNoise (an image's
//     voxel noise; splitmix64, Steele, Lea & Flood, OOPSLA 2014, seed
//     lgeSeed, so the field does not depend on Go's math/rand), then kept
//     inside its element's class: fibrotic in [1.2005, 1.3195], healthy at
//     most 1.1995 (Benito et al. 2017's thresholds 1.2 and 1.32,
//     substrate.IIRThresholds), and rounded to 1e-4.
//
// Binned by the atrial model's IIR thresholds, the field gives back the
// example's fibrotic elements exactly (TestDemoLGEField): about 30 % of the
// wall, DECAAF stage III–IV (20–30 %, ≥ 30 %; Marrouche et al., JAMA 2014,
// as in shared/reference/atrial.md §5).
const (
	lgeSeed   = 2021
	lgeSmooth = 3
	lgeNoise  = 0.03
)

// The example's generated fibrosis (af-ablation.toml [params]).
var lgePattern = substrate.FibrosisPattern{Pattern: substrate.Patchy, Density: 0.3, Seed: 2019, PatchRadius: 3.0, Aspect: 5.0}

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

// syntheticLGE returns the demo's IIR field on m (one value per element).
func syntheticLGE(m *mesh.Mesh) (mesh.Field, error) {
	level, err := substrate.GenerateFibrosis(m, lgePattern)
	if err != nil {
		return mesh.Field{}, err
	}
	n := m.NumCells()
	v := make([]float64, n)
	for e, l := range level {
		if l != substrate.Healthy {
			v[e] = 1
		}
	}
	node, count := make([]float64, len(m.Points)), make([]float64, len(m.Points))
	for range lgeSmooth {
		clear(node)
		clear(count)
		for e := range n {
			for _, p := range m.Cell(e) {
				node[p] += v[e]
				count[p]++
			}
		}
		for e := range n {
			s := 0.0
			for _, p := range m.Cell(e) {
				s += node[p] / count[p]
			}
			v[e] = s / float64(len(m.Cell(e)))
		}
	}
	rng := splitmix64(lgeSeed)
	iir := make([]float64, n)
	for e := range iir {
		x := 1 + 0.3*v[e] + lgeNoise*(2*rng.float()-1)
		if level[e] != substrate.Healthy {
			x = min(max(x, 1.2005), 1.3195)
		} else {
			x = min(x, 1.1995)
		}
		iir[e] = math.Round(x*1e4) / 1e4
	}
	return mesh.Field{Name: "IIR", Components: 1, Values: iir}, nil
}

// TestDemoLGEField checks that mesh/testdata/atrium_lge.vtp is atrium.vtp
// with the field syntheticLGE makes (go test -run TestDemoLGEField
// -lge.rewrite writes it), and that binned by the IIR thresholds it gives
// the example's generated fibrosis, whose area fraction is about the
// pattern's density (GenerateFibrosis aims at it).
func TestDemoLGEField(t *testing.T) {
	root := repoRoot(t)
	m, err := mesh.ReadFile(filepath.Join(root, "mesh", "testdata", "atrium.vtp"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := syntheticLGE(m)
	if err != nil {
		t.Fatal(err)
	}
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
	// Binned, the field is the example's fibrosis, element for element.
	level, err := substrate.ClassifyCells(shipped, got.Values, substrate.IIRThresholds())
	if err != nil {
		t.Fatal(err)
	}
	want, err := substrate.GenerateFibrosis(m, lgePattern)
	if err != nil {
		t.Fatal(err)
	}
	var area, fib float64
	for e, l := range level {
		if l != want[e] {
			t.Fatalf("element %d: IIR %v is %v, the example's fibrosis %v", e, got.Values[e], l, want[e])
		}
		a := shipped.Measure(e)
		area += a
		if l != substrate.Healthy {
			fib += a
		}
	}
	t.Logf("IIR > 1.2: %.1f %% of %.0f mm²", 100*fib/area, area)
	// And the atrial model's tissue from the field is the example's: the
	// same non-conducting elements (30 % of the fibrotic ones, drawn with
	// fibrosis_seed).
	substrateOf := func(params map[string]any, inputs map[string]any) (*mesh.Mesh, []bool) {
		t.Helper()
		sc, err := embeddedScenario(demoAtrial, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sc, err = sc.Derive(scenarios.Derivation{Why: "test", Params: params, Inputs: inputs}); err != nil {
			t.Fatal(err)
		}
		d, err := atrial.Model{}.DescribeInputs(sc.Inputs)
		if err != nil {
			t.Fatal(err)
		}
		p, err := d.Resolve(sc.Params)
		if err != nil {
			t.Fatal(err)
		}
		m, mask, err := atrial.Substrate(p, sc.Inputs, scenarios.RunSeed(sc.Study.Seed, 0))
		if err != nil {
			t.Fatal(err)
		}
		return m, mask
	}
	exampleMesh, example := substrateOf(nil, map[string]any{"mesh": filepath.Join(root, "mesh", "testdata", "atrium.vtp")})
	personalMesh, personal := substrateOf(map[string]any{"fibrosis_pattern": "none"}, map[string]any{"mesh": path, "fibrosis_field": "IIR"})
	if !slices.Equal(example, personal) {
		t.Errorf("the non-conducting elements from the field differ from the example's")
	}
	// The demo's first pacing site (optima seed demoAtrialSeed) is the
	// example's site 9 of 12 (its seed, the study seed 2019), where
	// af-ablation.toml's comment says round 1 induces its driver.
	demo := optima.PacingSites(personalMesh, personal, demoAtrialSites, demoAtrialSeed)
	full := optima.PacingSites(exampleMesh, example, 12, 2019)
	if len(demo) != demoAtrialSites || len(full) != 12 || demo[0] != full[9] {
		t.Errorf("the demo's first site %v, the example's site 9 %v", demo[:1], full[9:10])
	}
	if math.Abs(fib/area-lgePattern.Density) > 0.02 {
		t.Errorf("fibrotic %.3f of the area, the pattern's density %v", fib/area, lgePattern.Density)
	}
}
