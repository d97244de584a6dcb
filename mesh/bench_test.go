package mesh

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/go-gl/mathgl/mgl64"
)

func BenchmarkReadAtrium(b *testing.B) {
	raw, err := os.ReadFile("testdata/atrium.vtp")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ReadVTKXML(bytes.NewReader(raw), "atrium.vtp"); err != nil {
			b.Fatal(err)
		}
	}
}

// sheet100k is a 224×224 sheet: 2·224² = 100,352 triangles, 50,625 points.
func sheet100k() *Mesh {
	m := Sheet(50, 50, 224, 224)
	m.Fibres = ProjectedFibres(m, mgl64.Vec3{1, 1, 0})
	return m
}

func BenchmarkStiffness100kTriangles(b *testing.B) {
	m := sheet100k()
	for b.Loop() {
		if _, err := Stiffness(m, Uniform(TransverselyIsotropic(0.3, 0.05))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSpMV100kTriangles(b *testing.B) {
	m := sheet100k()
	k, err := Stiffness(m, Uniform(TransverselyIsotropic(0.3, 0.05)))
	if err != nil {
		b.Fatal(err)
	}
	x, y := make([]float64, k.N), make([]float64, k.N)
	for i := range x {
		x[i] = float64(i % 7)
	}
	b.ReportAllocs()
	b.SetBytes(int64(k.NNZ()*12 + k.N*16))
	for b.Loop() {
		k.MulVec(y, x)
	}
	b.ReportMetric(float64(k.NNZ()), "nnz")
}

// Example assembles the monodomain operators on a strip with fibres along x.
func Example() {
	m := Strip(10, 2, 0.5) // 10 × 2 mm, squares of 0.5 mm
	m.Fibres = ProjectedFibres(m, mgl64.Vec3{1, 0, 0})
	k, err := Stiffness(m, Uniform(TransverselyIsotropic(0.3, 0.05))) // mm²/ms
	if err != nil {
		panic(err)
	}
	mass := LumpedMass(m)
	total := 0.0
	for _, v := range mass {
		total += v
	}
	fmt.Printf("%d points, %d triangles, %d×%d stiffness, area %.6g mm²\n", len(m.Points), m.NumCells(), k.N, k.N, total)
	// Output: 105 points, 160 triangles, 105×105 stiffness, area 20 mm²
}
