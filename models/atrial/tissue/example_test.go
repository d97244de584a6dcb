package tissue_test

import (
	"fmt"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/analysis"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// Example paces a 10 mm strip at its left end and measures the conduction
// velocity of the planar wave.
func Example() {
	m := mesh.Strip(10, 0.2, 0.1)
	md, err := tissue.NewMonodomain(
		tissue.Passive{Mesh: m, Sigma: mesh.Uniform(mesh.Isotropic(0.3))}, // mS/mm
		ionic.AtrialMMS(),
		tissue.Protocol{{Radius: 1, Duration: 2, Strength: 50}}, // at the origin, µA/mm³ for 2 ms
		tissue.Options{Dt: 0.02, Scheme: tissue.CrankNicolson})
	if err != nil {
		fmt.Println(err)
		return
	}
	act := analysis.NewActivations(len(m.Points), ionic.AtrialMMS().VMin, -10, 0.9)
	act.Record(0, md.V)
	for md.Time() < 30 {
		if err := md.Step(); err != nil {
			fmt.Println(err)
			return
		}
		act.Record(md.Time(), md.V)
	}
	lat := make([]float64, len(m.Points))
	act.First(lat)
	cv, _ := analysis.CVAlongLine(m, lat, mgl64.Vec3{3, 0, 0}, mgl64.Vec3{7, 0, 0}, 1e-6)
	fmt.Printf("CV %.2f mm/ms\n", cv)
	// Output: CV 0.67 mm/ms
}
