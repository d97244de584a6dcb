package brain

import (
	"math"
	"testing"
)

// TestLoadTVB76: facts about TVB's default connectome from
// testdata/PROVENANCE.md (counted in the tvb-data files).
func TestLoadTVB76(t *testing.T) {
	c, err := LoadConnectivity("testdata/connectivity_76.zip")
	if err != nil {
		t.Fatal(err)
	}
	if c.N() != 76 || len(c.Centres) != 76 || len(c.Orientations) != 76 || len(c.Areas) != 76 || len(c.Cortical) != 76 {
		t.Fatalf("N %d, centres %d, orientations %d, areas %d, cortical %d; want 76 each", c.N(), len(c.Centres), len(c.Orientations), len(c.Areas), len(c.Cortical))
	}
	for label, i := range map[string]int{"rAMYG": 2, "rHC": 9, "rPHC": 24, "rTCI": 31, "rTCV": 34, "lAMYG": 40, "lHC": 47, "lPHC": 62, "lTCI": 69, "lTCV": 72} {
		if c.Index(label) != i {
			t.Errorf("%s at %d, want %d", label, c.Index(label), i)
		}
	}
	nz, asym := 0, false
	maxLen := 0.0
	for i := 0; i < 76; i++ {
		for j := 0; j < 76; j++ {
			if c.Weights[i*76+j] != 0 {
				nz++
			}
			asym = asym || c.Weights[i*76+j] != c.Weights[j*76+i]
			maxLen = math.Max(maxLen, c.Lengths[i*76+j])
		}
	}
	if nz != 1560 || !asym || maxLen != 153.48574 {
		t.Errorf("%d non-zero weights (want 1560), asymmetric %v (want true), longest tract %v (want 153.48574 mm)", nz, asym, maxLen)
	}
	// Longest delay at 3 mm/ms and dt 0.05 ms: rint(153.48574/3/0.05) = rint(1023.24) = 1023 steps.
	d := c.DelaySteps(3, 0.05)
	m := 0
	for _, v := range d {
		m = max(m, v)
	}
	if m != 1023 {
		t.Errorf("longest delay %d steps, want 1023", m)
	}
	p, err := LoadConnectivity("testdata/paupau.zip")
	if err != nil || p.N() != 4 || p.Labels[0] != "lA1" {
		t.Errorf("paupau: %v, %v", p, err)
	}
}

func TestNormalise(t *testing.T) {
	c := &Connectivity{Labels: []string{"a", "b"}, Weights: []float64{0, 4, 1, 2}, Lengths: make([]float64, 4)}
	c.Normalise(NormTract) // ÷ max |w| = 4
	if c.Weights[1] != 1 || c.Weights[2] != 0.25 {
		t.Errorf("tract: %v", c.Weights)
	}
	c = &Connectivity{Labels: []string{"a", "b"}, Weights: []float64{0, 4, 1, 2}, Lengths: make([]float64, 4)}
	c.Normalise(NormRegion) // ÷ max row sum = 4
	if c.Weights[1] != 1 || c.Weights[3] != 0.5 {
		t.Errorf("region: %v", c.Weights)
	}
}

// TestSEEGGain checks both forms on hand-placed points: a contact 1 mm and
// 2 mm from two centres has inverse-square gains 1 and 1/4 (normalised by
// the largest, 1); with orientations along the displacement the dipole gain
// is 1/(4π·d²).
func TestSEEGGain(t *testing.T) {
	contacts := [][3]float64{{0, 0, 0}}
	centres := [][3]float64{{1, 0, 0}, {0, 2, 0}}
	g, err := SEEGGain(GainInverseSquare, contacts, centres, nil)
	if err != nil || g[0] != 1 || g[1] != 0.25 {
		t.Errorf("inverse square: %v %v, want [1 0.25]", g, err)
	}
	orient := [][3]float64{{-1, 0, 0}, {0, -1, 0}}
	g, err = SEEGGain(GainDipole, contacts, centres, orient)
	if err != nil || math.Abs(g[0]-1/(4*math.Pi)) > 1e-15 || math.Abs(g[1]-1/(16*math.Pi)) > 1e-15 {
		t.Errorf("dipole: %v %v", g, err)
	}
	if _, err := SEEGGain(GainInverseSquare, [][3]float64{{1, 0, 0}}, centres, nil); err == nil {
		t.Error("a contact on a centre was accepted")
	}
	// Projection: out = G·x per sample.
	if out := Project([]float64{1, 0.25}, 1, []float64{2, 4, 1, 1}, 2); out[0] != 3 || out[1] != 1.25 {
		t.Errorf("Project: %v", out)
	}
}
