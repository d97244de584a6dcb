package mesh

import (
	"math"
	"testing"

	"github.com/go-gl/mathgl/mgl64"
)

// TestTensorMatchesStiffness assembles K_ij = Σ_e |e|·∇φ_i·D_e∇φ_j from
// BasisGradients and Tensor and compares it with Stiffness, which builds
// the same entries by its own route (fibre projections, no tensor), on an
// anisotropic tilted sheet and an orthotropic slab; agreement to 1e-12
// relative is rounding.
func TestTensorMatchesStiffness(t *testing.T) {
	sheet := Sheet(3, 2, 6, 4)
	for i := range sheet.Points {
		p := sheet.Points[i]
		sheet.Points[i] = mgl64.Vec3{p[0], p[1], 0.3*p[0] + 0.1*p[1]}
	}
	sheet.Fibres = ProjectedFibres(sheet, mgl64.Vec3{1, 1, 0})
	slab := Slab(2, 1, 1, 4, 2, 2)
	slab.Fibres = ProjectedFibres(slab, mgl64.Vec3{1, 0.5, 0})
	slab.Sheets = make([]mgl64.Vec3, slab.NumCells())
	for e := range slab.Sheets {
		slab.Sheets[e] = mgl64.Vec3{0, 0, 1}
	}
	for _, tc := range []struct {
		name string
		m    *Mesh
		d    Conductivity
	}{
		{"sheet", sheet, TransverselyIsotropic(0.3, 0.06)},
		{"slab", slab, Conductivity{0.3, 0.1, 0.02}},
	} {
		k, err := Stiffness(tc.m, Uniform(tc.d))
		if err != nil {
			t.Fatal(err)
		}
		n := int(tc.m.Kind)
		var g [4]mgl64.Vec3
		got := map[[2]int]float64{}
		for e := range tc.m.NumCells() {
			vol, err := tc.m.BasisGradients(e, g[:n])
			if err != nil {
				t.Fatal(err)
			}
			d, err := tc.m.Tensor(e, tc.d)
			if err != nil {
				t.Fatal(err)
			}
			c := tc.m.Cell(e)
			for i := range n {
				for j := range n {
					got[[2]int{c[i], c[j]}] += vol * g[i].Dot(d.Mul3x1(g[j]))
				}
			}
		}
		for i := 0; i < k.N; i++ {
			for p := k.RowPtr[i]; p < k.RowPtr[i+1]; p++ {
				j := int(k.ColIdx[p])
				if w := k.Val[p]; math.Abs(got[[2]int{i, j}]-w) > 1e-12*math.Max(1, math.Abs(w)) {
					t.Fatalf("%s: K[%d,%d] = %g from Tensor, %g from Stiffness", tc.name, i, j, got[[2]int{i, j}], w)
				}
			}
		}
	}
}
