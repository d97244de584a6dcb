package atrial

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/analysis"
)

// ElectrodesInput places recording electrodes ([inputs.electrodes]); the
// run then records unipolar electrograms at each, bipolar ones between
// neighbours on one catheter, and optionally a pseudo-ECG, into
// egm.parquet (see egmRecorder). Any combination of:
//
//	[inputs.electrodes]
//	file = "electrodes.csv"     # header name,x_mm,y_mm,z_mm[,group]; consecutive rows of one non-empty group form bipoles
//	grid = { origin = [0, 0, 1], u = [2, 0, 0], v = [0, 2, 0], nu = 8, nv = 8 }   # origin + i·u + j·v; bipoles along u
//	basket = { center = [0, 0, 0], radius_mm = 20, splines = 8, poles = 8 }      # a spherical basket, splines along z; bipoles along each spline
//	circular = { center = [0, 0, 0], normal = [0, 0, 1], radius_mm = 10, poles = 20 }  # a circular (lasso) catheter, e.g. at a vein ostium
//	ecg_distance_mm = 200       # pseudo-ECG: leads X, Y, Z between points at the mesh centre ± d along each axis
//	sample_ms = 1               # sampling interval (a multiple of dt_ms; default 1)
//	bath_sigma = 1              # conductivity of the surrounding blood, S/m (default 1: Schwan & Kay 1956, blood ≈ 100 Ω·cm)
//	wall_mm = 1                 # wall thickness given to a surface (triangle) mesh (default 1: assumed, no source; the potentials scale with it)
//
// Electrodes should sit off the tissue by about half an element or more
// (the integrand is singular on it).
type ElectrodesInput struct {
	File          string         `json:"file,omitempty"`
	Grid          *GridInput     `json:"grid,omitempty"`
	Basket        *BasketInput   `json:"basket,omitempty"`
	Circular      *CircularInput `json:"circular,omitempty"`
	ECGDistanceMM float64        `json:"ecg_distance_mm"`
	SampleMS      float64        `json:"sample_ms"`
	BathSigma     float64        `json:"bath_sigma"`
	WallMM        float64        `json:"wall_mm"`
}

// GridInput is a planar grid of electrodes (an HD-grid or a mapping array).
type GridInput struct {
	Origin *[3]float64 `json:"origin"`
	U      *[3]float64 `json:"u"`
	V      *[3]float64 `json:"v"`
	NU     int         `json:"nu"`
	NV     int         `json:"nv"`
}

// BasketInput is a spherical basket catheter: Splines meridians equally
// spaced in azimuth about the z axis, Poles electrodes on each equally
// spaced in polar angle strictly between the poles of the sphere.
type BasketInput struct {
	Center   *[3]float64 `json:"center"`
	RadiusMM float64     `json:"radius_mm"`
	Splines  int         `json:"splines"`
	Poles    int         `json:"poles"`
}

// CircularInput is a circular multipolar catheter (a 20-pole lasso at a
// pulmonary-vein ostium): Poles electrodes equally spaced on the circle of
// RadiusMM about Center in the plane normal to Normal.
type CircularInput struct {
	Center   *[3]float64 `json:"center"`
	Normal   *[3]float64 `json:"normal"`
	RadiusMM float64     `json:"radius_mm"`
	Poles    int         `json:"poles"`
}

// electrode is one recording point with the catheter group it belongs to
// (bipoles join consecutive electrodes of one non-empty group).
type electrode struct {
	analysis.Electrode
	group string
}

func (in *ElectrodesInput) check() error {
	if in == nil {
		return nil
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("atrial inputs: electrodes: "+format, a...)
	}
	if in.File == "" && in.Grid == nil && in.Basket == nil && in.Circular == nil && in.ECGDistanceMM == 0 {
		return bad("give at least one of file, grid, basket, circular and ecg_distance_mm")
	}
	for _, x := range []struct {
		name string
		v    float64
	}{{"ecg_distance_mm", in.ECGDistanceMM}, {"sample_ms", in.SampleMS}, {"bath_sigma", in.BathSigma}, {"wall_mm", in.WallMM}} {
		if !(x.v >= 0) || math.IsInf(x.v, 0) {
			return bad("%s = %g, expected a finite value ≥ 0 (0: default)", x.name, x.v)
		}
	}
	finite := func(name string, v *[3]float64) error {
		if v == nil {
			return bad("%s is missing, expected [x, y, z]", name)
		}
		for _, c := range v {
			if math.IsNaN(c) || math.IsInf(c, 0) {
				return bad("%s = %v is not finite", name, *v)
			}
		}
		return nil
	}
	if g := in.Grid; g != nil {
		for _, e := range []error{finite("grid.origin", g.Origin), finite("grid.u", g.U), finite("grid.v", g.V)} {
			if e != nil {
				return e
			}
		}
		if g.NU < 1 || g.NV < 1 || g.NU*g.NV > 4096 {
			return bad("grid: nu = %d, nv = %d; expected ≥ 1 each and nu·nv ≤ 4096", g.NU, g.NV)
		}
	}
	if b := in.Basket; b != nil {
		if e := finite("basket.center", b.Center); e != nil {
			return e
		}
		if !(b.RadiusMM > 0) || math.IsInf(b.RadiusMM, 0) || b.Splines < 1 || b.Poles < 1 || b.Splines*b.Poles > 4096 {
			return bad("basket: radius_mm = %g, splines = %d, poles = %d; expected radius > 0, ≥ 1 each and splines·poles ≤ 4096", b.RadiusMM, b.Splines, b.Poles)
		}
	}
	if c := in.Circular; c != nil {
		for _, e := range []error{finite("circular.center", c.Center), finite("circular.normal", c.Normal)} {
			if e != nil {
				return e
			}
		}
		if mgl64.Vec3(*c.Normal).Len() == 0 {
			return bad("circular.normal is zero")
		}
		if !(c.RadiusMM > 0) || math.IsInf(c.RadiusMM, 0) || c.Poles < 2 || c.Poles > 4096 {
			return bad("circular: radius_mm = %g, poles = %d; expected radius > 0 and 2 to 4096 poles", c.RadiusMM, c.Poles)
		}
	}
	return nil
}

// electrodes returns the recording electrodes of in (file, grid, basket,
// circular, in that order) and the pseudo-ECG's six far-field points
// (+X, −X, +Y, −Y, +Z, −Z about the centre of m's bounding box), or none.
func (in *ElectrodesInput) electrodes(m *mesh.Mesh) (rec []electrode, ecg []analysis.Electrode, err error) {
	if in.File != "" {
		f, err := os.Open(in.File)
		if err != nil {
			return nil, nil, fmt.Errorf("atrial inputs: electrodes.file: %v", err)
		}
		defer f.Close()
		rec, err = readElectrodesCSV(f, in.File)
		if err != nil {
			return nil, nil, err
		}
	}
	add := func(name, group string, p mgl64.Vec3) {
		rec = append(rec, electrode{analysis.Electrode{Name: name, Position: p}, group})
	}
	if g := in.Grid; g != nil {
		o, u, v := mgl64.Vec3(*g.Origin), mgl64.Vec3(*g.U), mgl64.Vec3(*g.V)
		for j := range g.NV {
			for i := range g.NU {
				add(fmt.Sprintf("G%d_%d", j+1, i+1), fmt.Sprintf("grid-row%d", j+1), o.Add(u.Mul(float64(i))).Add(v.Mul(float64(j))))
			}
		}
	}
	if b := in.Basket; b != nil {
		c := mgl64.Vec3(*b.Center)
		for s := range b.Splines {
			az := 2 * math.Pi * float64(s) / float64(b.Splines)
			for k := range b.Poles {
				pol := math.Pi * float64(k+1) / float64(b.Poles+1)
				d := mgl64.Vec3{math.Sin(pol) * math.Cos(az), math.Sin(pol) * math.Sin(az), math.Cos(pol)}
				add(fmt.Sprintf("%c%d", 'A'+rune(s%26), k+1), fmt.Sprintf("spline%d", s+1), c.Add(d.Mul(b.RadiusMM)))
			}
		}
	}
	if c := in.Circular; c != nil {
		n := mgl64.Vec3(*c.Normal).Normalize()
		// an in-plane basis: e1 ⟂ n from the axis least aligned with n
		ax := mgl64.Vec3{1, 0, 0}
		if math.Abs(n[0]) > 0.9 {
			ax = mgl64.Vec3{0, 1, 0}
		}
		e1 := ax.Sub(n.Mul(ax.Dot(n))).Normalize()
		e2 := n.Cross(e1)
		o := mgl64.Vec3(*c.Center)
		for k := range c.Poles {
			a := 2 * math.Pi * float64(k) / float64(c.Poles)
			add(fmt.Sprintf("L%d", k+1), "circular", o.Add(e1.Mul(c.RadiusMM*math.Cos(a))).Add(e2.Mul(c.RadiusMM*math.Sin(a))))
		}
	}
	if d := in.ECGDistanceMM; d > 0 {
		lo, hi := m.Bounds()
		centre := lo.Add(hi).Mul(0.5)
		for k, axis := range []string{"X", "Y", "Z"} {
			var e mgl64.Vec3
			e[k] = d
			ecg = append(ecg, analysis.Electrode{Name: "+" + axis, Position: centre.Add(e)}, analysis.Electrode{Name: "-" + axis, Position: centre.Sub(e)})
		}
	}
	if len(rec) > 4096 {
		return nil, nil, fmt.Errorf("atrial inputs: electrodes: %d electrodes; expected at most 4096", len(rec))
	}
	return rec, ecg, nil
}

// readElectrodesCSV reads electrode positions from CSV: a header row
// name,x_mm,y_mm,z_mm with an optional fifth column group, then one
// electrode per row (mm). Errors name file:line:col.
func readElectrodesCSV(r io.Reader, file string) ([]electrode, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s:1:1: empty electrode file, expected the header name,x_mm,y_mm,z_mm[,group]", file)
		}
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	want := []string{"name", "x_mm", "y_mm", "z_mm", "group"}
	if len(header) < 4 || len(header) > 5 {
		return nil, fmt.Errorf("%s:1:1: header has %d columns, expected name,x_mm,y_mm,z_mm[,group]", file, len(header))
	}
	for i, h := range header {
		if strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) != want[i] {
			line, col := cr.FieldPos(i)
			return nil, fmt.Errorf("%s:%d:%d: header column %d is %q, expected %q (header name,x_mm,y_mm,z_mm[,group])", file, line, col, i+1, h, want[i])
		}
	}
	var out []electrode
	seen := map[string]bool{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, fmt.Errorf("%s:%d:1: %d fields, expected %d as in the header", file, line, len(rec), len(header))
		}
		name := strings.TrimSpace(rec[0])
		if name == "" || seen[name] {
			return nil, fmt.Errorf("%s:%d:1: electrode name %q is empty or repeated, expected a unique name", file, line, rec[0])
		}
		seen[name] = true
		var p mgl64.Vec3
		for k := range 3 {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[k+1]), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				l, c := cr.FieldPos(k + 1)
				return nil, fmt.Errorf("%s:%d:%d: %s = %q, expected a finite number of mm", file, l, c, want[k+1], rec[k+1])
			}
			p[k] = v
		}
		e := electrode{Electrode: analysis.Electrode{Name: name, Position: p}}
		if len(rec) == 5 {
			e.group = strings.TrimSpace(rec[4])
		}
		out = append(out, e)
		if len(out) > 4096 {
			return nil, fmt.Errorf("%s:%d:1: more than 4096 electrodes", file, line)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s:2:1: no electrode rows after the header", file)
	}
	return out, nil
}
