package substrate

import (
	"math"
	"slices"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

func countLevel(level []FibrosisLevel, l FibrosisLevel) int {
	n := 0
	for _, v := range level {
		if v == l {
			n++
		}
	}
	return n
}

// TestThresholds bins a crafted IIR field with IIRThresholds (1.2, 1.32,
// strict): 1.2 itself is healthy, 1.32 itself fibrotic.
func TestThresholds(t *testing.T) {
	m := mesh.Sheet(3, 1, 3, 1) // 6 triangles
	cell := []float64{0.9, 1.2, 1.21, 1.32, 1.33, 2}
	want := []FibrosisLevel{Healthy, Healthy, Fibrotic, Fibrotic, DenseScar, DenseScar}
	got, err := ClassifyCells(m, cell, IIRThresholds())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("cells: %v, want %v", got, want)
	}
	// Node field 1 + 0.2·x on the sheet's x = 0…3: an element's value is
	// the mean of its nodes, 1 + 0.2·(mean node x). Square i's two triangles
	// have mean node x i + 1/3 and i + 2/3, so the values are 1.067, 1.133
	// (healthy), 1.267 (fibrotic), 1.333, 1.467, 1.533 (dense).
	pt := make([]float64, len(m.Points))
	for i, p := range m.Points {
		pt[i] = 1 + 0.2*p[0]
	}
	lv, err := ClassifyPoints(m, pt, IIRThresholds())
	if err != nil {
		t.Fatal(err)
	}
	for e, l := range lv {
		v := 1 + 0.2*m.Centroid(e)[0]
		if l != IIRThresholds().level(v) {
			t.Errorf("element %d (value %.3f): %v", e, v, l)
		}
	}
	if h, f, d := countLevel(lv, Healthy), countLevel(lv, Fibrotic), countLevel(lv, DenseScar); h != 2 || f != 1 || d != 3 {
		t.Errorf("node field: %d healthy, %d fibrotic, %d dense elements, want 2, 1, 3", h, f, d)
	}
	pt[3] = math.NaN()
	if _, err := ClassifyPoints(m, pt, IIRThresholds()); err == nil {
		t.Error("NaN node value accepted")
	}
	if _, err := ClassifyCells(m, cell, Thresholds{Fibrotic: 1.3, Dense: 1.2}); err == nil {
		t.Error("Dense < Fibrotic accepted")
	}
}

// TestDiffuseDensity: Diffuse marks Binomial(N, p) elements; on N = 5000
// (a 50 × 50 sheet) at p = 0.3 the count is within 4 standard deviations,
// 4·√(N·p·(1−p)) = 130, of N·p = 1500. The same seed gives the same
// elements; another seed does not.
func TestDiffuseDensity(t *testing.T) {
	m := mesh.Sheet(50, 50, 50, 50)
	p := FibrosisPattern{Pattern: Diffuse, Density: 0.3, Seed: 7}
	lv, err := GenerateFibrosis(m, p)
	if err != nil {
		t.Fatal(err)
	}
	n := float64(m.NumCells())
	k := float64(countLevel(lv, Fibrotic))
	if sd := math.Sqrt(n * 0.3 * 0.7); math.Abs(k-n*0.3) > 4*sd {
		t.Errorf("%g fibrotic of %g, want %g ± %g", k, n, n*0.3, 4*sd)
	}
	again, _ := GenerateFibrosis(m, p)
	if !slices.Equal(lv, again) {
		t.Error("same seed, different pattern")
	}
	p.Seed = 8
	other, _ := GenerateFibrosis(m, p)
	if slices.Equal(lv, other) {
		t.Error("different seeds, same pattern")
	}
}

// TestPatchyDensity: Patchy and Interstitial stop growing once the target
// area is reached, so the fibrotic fraction is within one element's area
// (0.03125 mm² of 400 mm² here) above the target; they reproduce from the
// seed; and Patchy makes at most n = round(0.2·400/(π·2²)) = 6 patches
// (seeds may merge).
func TestPatchyDensity(t *testing.T) {
	m := mesh.Sheet(20, 20, 80, 80)
	m.Fibres = mesh.ProjectedFibres(m, mgl64.Vec3{1, 0, 0})
	elem := 0.25 * 0.25 / 2
	for _, pat := range []Pattern{Patchy, Interstitial} {
		for _, dens := range []float64{0.05, 0.2, 0.5} {
			p := FibrosisPattern{Pattern: pat, Density: dens, Seed: 3}
			lv, err := GenerateFibrosis(m, p)
			if err != nil {
				t.Fatal(err)
			}
			f := FibroticFraction(m, lv)
			if f < dens || f > dens+elem/400+1e-12 {
				t.Errorf("%v %g: fraction %.6f", pat, dens, f)
			}
			again, _ := GenerateFibrosis(m, p)
			if !slices.Equal(lv, again) {
				t.Errorf("%v: same seed, different pattern", pat)
			}
			if pat == Patchy && dens == 0.2 {
				g := mesh.CellGraph(m, mesh.ShareFacet)
				_, n := g.Components(func(e int) bool { return lv[e] == Fibrotic })
				if n < 1 || n > 6 {
					t.Errorf("patchy: %d patches, want 1 to 6", n)
				}
			}
		}
	}
}

// TestInterstitialElongated: one patch (the target is a single patch's
// area, so n = 1) grown with the fibre along x and Aspect 4 is an ellipse
// about 4 times longer than wide, so the ratio of the standard deviations
// of its centroids along x and y is about 4. Over seeds 1–20, patches
// clipped by the sheet's edge (within 0.5 mm of it) are skipped; at least
// three must remain, and their median ratio must exceed 2.5 for
// Interstitial (measured ≈ 3.2: the jitter and the edge metric blur the
// ellipse) and lie within
// [0.67, 1.5] of 1 for Patchy at the same area.
func TestInterstitialElongated(t *testing.T) {
	m := mesh.Sheet(30, 30, 80, 80)
	m.Fibres = mesh.ProjectedFibres(m, mgl64.Vec3{1, 0, 0})
	const r, aspect = 5.0, 4.0
	for _, tc := range []struct {
		pat    Pattern
		lo, hi float64
	}{{Interstitial, 2.5, math.Inf(1)}, {Patchy, 0.67, 1.5}} {
		area := math.Pi * r * r
		if tc.pat == Interstitial {
			area /= aspect
		}
		var ratios []float64
		for seed := uint64(1); seed <= 20; seed++ {
			lv, err := GenerateFibrosis(m, FibrosisPattern{Pattern: tc.pat, Density: area / 900, Seed: seed, PatchRadius: r, Aspect: aspect})
			if err != nil {
				t.Fatal(err)
			}
			var sx, sy, sxx, syy, n float64
			clipped := false
			for e, l := range lv {
				if l == Fibrotic {
					c := m.Centroid(e)
					clipped = clipped || min(c[0], c[1], 30-c[0], 30-c[1]) < 0.5
					sx, sy, sxx, syy, n = sx+c[0], sy+c[1], sxx+c[0]*c[0], syy+c[1]*c[1], n+1
				}
			}
			if !clipped {
				ratios = append(ratios, math.Sqrt((sxx/n-sx*sx/n/n)/(syy/n-sy*sy/n/n)))
			}
		}
		slices.Sort(ratios)
		t.Logf("%v: std x / std y of unclipped patches %.2f", tc.pat, ratios)
		if len(ratios) < 3 {
			t.Fatalf("%v: only %d unclipped patches", tc.pat, len(ratios))
		}
		if med := ratios[len(ratios)/2]; med < tc.lo || med > tc.hi {
			t.Errorf("%v: median elongation %.2f, want in [%g, %g]", tc.pat, med, tc.lo, tc.hi)
		}
	}
	bare := mesh.Sheet(2, 2, 2, 2)
	if _, err := GenerateFibrosis(bare, FibrosisPattern{Pattern: Interstitial, Density: 0.1}); err == nil {
		t.Error("interstitial fibrosis without fibres accepted")
	}
}

// TestApplyFibrosis: on an all-fibrotic 50 × 50 sheet with NonConducting
// 0.3 (openCARP tutorial 21, reference §5) the blocked count is
// Binomial(5000, 0.3): within 4·√(5000·0.3·0.7) = 130 of 1500. Conducting
// fibrotic elements get σ × (0.5, 0.2) (−50 % along, −80 % across, the
// reference's openCARP script); dense scar never conducts; remodelled nodes
// are exactly those of conducting fibrotic elements.
func TestApplyFibrosis(t *testing.T) {
	m := mesh.Sheet(50, 50, 50, 50)
	nc := m.NumCells()
	lv := make([]FibrosisLevel, nc)
	for e := range lv {
		lv[e] = Fibrotic
	}
	eff := FibrosisEffects{ReduceFibre: 0.5, ReduceCross: 0.8, NonConducting: 0.3, Seed: 1, Remodel: true}
	fm, err := ApplyFibrosis(m, lv, eff)
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	for _, b := range fm.NonConducting {
		if b {
			k++
		}
	}
	if sd := math.Sqrt(5000 * 0.3 * 0.7); math.Abs(float64(k)-1500) > 4*sd {
		t.Errorf("%d non-conducting, want 1500 ± %.0f", k, 4*sd)
	}

	// A mixed map on a small sheet: element 0 healthy, 1 fibrotic, 2 dense.
	s := mesh.Sheet(3, 1, 3, 1)
	lv = []FibrosisLevel{Healthy, Fibrotic, DenseScar, Healthy, Healthy, Healthy}
	fm, err = ApplyFibrosis(s, lv, FibrosisEffects{ReduceFibre: 0.5, ReduceCross: 0.8, Remodel: true})
	if err != nil {
		t.Fatal(err)
	}
	sigma := fm.Sigma(mesh.Uniform(mesh.TransverselyIsotropic(0.3, 0.06)))
	want := []mesh.Conductivity{{Fibre: 0.3, Sheet: 0.06, Normal: 0.06}, {Fibre: 0.15, Sheet: 0.012, Normal: 0.012}, mesh.Isotropic(NonConductingSigma)}
	for e, w := range want {
		if c := sigma(e); math.Abs(c.Fibre-w.Fibre) > 1e-15 || math.Abs(c.Sheet-w.Sheet) > 1e-15 || math.Abs(c.Normal-w.Normal) > 1e-15 {
			t.Errorf("element %d: σ %+v, want %+v", e, c, w)
		}
	}
	for i := range s.Points {
		if want := slices.Contains(s.Cell(1), i); fm.Remodelled[i] != want {
			t.Errorf("node %d remodelled %v, want %v", i, fm.Remodelled[i], want)
		}
	}
	cell, point := fm.Fields()
	if cell[0].Values[2] != 2 || cell[1].Values[2] != 1 || point[0].Len() != len(s.Points) {
		t.Errorf("fields %+v %+v", cell, point)
	}
	if _, err := ApplyFibrosis(s, lv, FibrosisEffects{ReduceFibre: 1}); err == nil {
		t.Error("a 100 % reduction accepted")
	}
}
