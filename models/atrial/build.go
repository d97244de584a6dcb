package atrial

import (
	"fmt"
	"math"
	"slices"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial/analysis"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// setup is one run's problem, built from parameters and inputs.
type setup struct {
	m        *mesh.Mesh
	fibre    mgl64.Vec3 // for the CV lines
	ldrb     *LDRB      // the rule-based fibres' potentials, with fibres = "rule-based"
	strip    bool
	h        float64 // nominal edge length, mm
	protocol tissue.Protocol
	// a restitution protocol's S2 times, block starts and last S1 times (ms)
	s2, s2Block, s2Prev []float64
}

func build(p models.Params, in Inputs) (*setup, error) {
	s := &setup{}
	lx, ly, lz, dx := p.Float("length_mm"), p.Float("width_mm"), p.Float("thickness_mm"), p.Float("dx_mm")
	perr := func(name string, msg string) error {
		return &models.ParamError{Model: Name, Param: name, Value: p[name], Msg: msg}
	}
	cells := func(l float64) int { return max(1, int(math.Ceil(l/dx-1e-9))) }
	const maxNodes = 5e6
	if in.Fibres == FibresRuleBased && p.String("mesh") != MeshFile {
		return nil, &models.InputError{Model: Name, Msg: fmt.Sprintf("atrial inputs: fibres = %q needs mesh = \"file\" (a left-atrial surface with its veins and mitral valve cut open), not the generated %s", FibresRuleBased, p.String("mesh"))}
	}
	switch kind := p.String("mesh"); kind {
	case MeshStrip, MeshSheet:
		nx, ny := cells(lx), cells(ly)
		if float64(nx+1)*float64(ny+1) > maxNodes {
			return nil, perr("dx_mm", fmt.Sprintf("gives %d×%d nodes; expected at most %g", nx+1, ny+1, maxNodes))
		}
		s.m = mesh.Sheet(lx, ly, nx, ny)
		s.strip = kind == MeshStrip
	case MeshSlab:
		nx, ny, nz := cells(lx), cells(ly), cells(lz)
		if float64(nx+1)*float64(ny+1)*float64(nz+1) > maxNodes {
			return nil, perr("dx_mm", fmt.Sprintf("gives %d×%d×%d nodes; expected at most %g", nx+1, ny+1, nz+1, maxNodes))
		}
		s.m = mesh.Slab(lx, ly, lz, nx, ny, nz)
	case MeshFile:
		if in.Mesh == "" {
			return nil, fmt.Errorf("mesh = \"file\" needs mesh = \"path/to/mesh\" in [inputs]")
		}
		m, err := mesh.ReadFile(in.Mesh)
		if err != nil {
			return nil, err
		}
		if len(m.Points) > maxNodes {
			return nil, fmt.Errorf("%s: %d nodes; expected at most %g", in.Mesh, len(m.Points), maxNodes)
		}
		s.m = m
		s.h = m.MeanEdgeLength()
		if m.Fibres == nil {
			s.fibre = mesh.LongestAxis(m)
			m.Fibres = mesh.ProjectedFibres(m, s.fibre)
		} else {
			s.fibre = mesh.LongestAxis(m)
		}
		if in.Fibres == FibresRuleBased {
			if s.ldrb, err = ruleBasedFibres(s.m, in); err != nil {
				return nil, err
			}
		}
	}
	if s.m.Fibres == nil {
		a := p.Float("fibre_angle_deg") * math.Pi / 180
		s.fibre = mgl64.Vec3{math.Cos(a), math.Sin(a), 0}
		s.m.Fibres = mesh.ProjectedFibres(s.m, s.fibre)
		s.h = dx
	}
	if len(in.Sites) > 0 {
		for i, si := range in.Sites {
			site := tissue.Site{Center: mgl64.Vec3{si.X, si.Y, si.Z}, Radius: si.RadiusMM,
				Start: si.StartMS, Duration: si.DurationMS, Strength: si.Strength, Period: si.PeriodMS, Count: si.Count}
			if si.BoxMin != nil {
				site.Nodes = boxNodes(s.m, *si.BoxMin, *si.BoxMax)
				if len(site.Nodes) == 0 {
					return nil, fmt.Errorf("atrial inputs: sites[%d]: no mesh node in the box %v–%v", i, *si.BoxMin, *si.BoxMax)
				}
			}
			s.protocol = append(s.protocol, site)
		}
	} else if in.Initial == nil || in.Initial.Checkpoint != "" {
		r := p.Float("stim_radius_mm")
		start := 0.0
		if in.Initial != nil {
			start = in.Initial.PacingStartMS
		}
		s1 := tissue.Site{Center: mgl64.Vec3{p.Float("stim_x_mm"), p.Float("stim_y_mm"), p.Float("stim_z_mm")}, Radius: r, Start: start,
			Duration: p.Float("stim_duration_ms"), Strength: p.Float("stim_strength"),
			Period: p.Float("bcl_ms"), Count: int(p.Int("n_beats"))}
		s.protocol = tissue.Protocol{s1}
		if c := p.Float("s2_ms"); c > 0 {
			s2 := tissue.Site{Center: mgl64.Vec3{p.Float("s2_x_mm"), p.Float("s2_y_mm"), p.Float("s2_z_mm")}, Radius: r,
				Duration: s1.Duration, Strength: s1.Strength}
			s.protocol = tissue.S1S2(s1, s2, s1.Count, s1.Period, c)
		}
		p2, s2, err := pacing(in, s1)
		if err != nil {
			return nil, err
		}
		if p2 != nil {
			s.protocol, s.s2 = p2, s2
			s.s2Block, s.s2Prev = blockStarts(p2)
		}
	}
	return s, nil
}

// boxNodes returns the nodes of m inside the box [lo, hi].
func boxNodes(m *mesh.Mesh, lo, hi [3]float64) []int {
	var out []int
	for i, p := range m.Points {
		in := true
		for k := range 3 {
			in = in && p[k] >= lo[k]-1e-9 && p[k] <= hi[k]+1e-9
		}
		if in {
			out = append(out, i)
		}
	}
	return out
}

// cvFromSite returns CVAlongLine on the segment from site+(r+q)·d to
// site+(r+3q)·d, q a quarter of the room between r and the bounding box
// [lo, hi] along d or −d, whichever is longer; NaN without room.
func cvFromSite(m *mesh.Mesh, lat []float64, site, dir mgl64.Vec3, r float64, lo, hi mgl64.Vec3, tol float64) float64 {
	room := func(d mgl64.Vec3) float64 {
		t := math.Inf(1)
		for k := range 3 {
			switch {
			case d[k] > 1e-12:
				t = min(t, (hi[k]-site[k])/d[k])
			case d[k] < -1e-12:
				t = min(t, (lo[k]-site[k])/d[k])
			}
		}
		return t
	}
	if room(dir.Mul(-1)) > room(dir) {
		dir = dir.Mul(-1)
	}
	q := (room(dir) - r) / 4
	if !(q > 0) || math.IsInf(q, 0) {
		return math.NaN()
	}
	cv, _ := analysis.CVAlongLine(m, lat, site.Add(dir.Mul(r+q)), site.Add(dir.Mul(r+3*q)), tol)
	return cv
}

// nearest returns the node of m closest to p (the lowest index on ties).
func nearest(m *mesh.Mesh, p mgl64.Vec3) int {
	best, bd := 0, math.Inf(1)
	for i, q := range m.Points {
		if d := q.Sub(p).Len(); d < bd {
			best, bd = i, d
		}
	}
	return best
}

// farthest returns the node of m farthest from p (the lowest index on ties).
func farthest(m *mesh.Mesh, p mgl64.Vec3) int {
	best, bd := 0, -1.0
	for i, q := range m.Points {
		if d := q.Sub(p).Len(); d > bd {
			best, bd = i, d
		}
	}
	return best
}

// median returns the median of the finite values of x (NaN if none); x is
// not modified.
func median(x []float64) float64 {
	v := make([]float64, 0, len(x))
	for _, f := range x {
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			v = append(v, f)
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
