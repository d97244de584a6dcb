package atrial

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
)

// Model is the engine model "atrial": one monodomain simulation on a
// generated strip, sheet or slab, or on a mesh file, paced by an S1(–S2)
// protocol or by a list of sites. Its zero value is ready.
type Model struct{}

var _ models.Configurable = Model{}

// Name is the model's registry name.
const Name = "atrial"

// The mesh choices of the mesh parameter.
const (
	MeshStrip = "strip" // Strip(length, width, dx): triangles
	MeshSheet = "sheet" // Sheet(length × width) with squares of side dx: triangles
	MeshSlab  = "slab"  // Slab(length × width × thickness) with cubes of side dx: tetrahedra
	MeshFile  = "file"  // the file named by mesh in [inputs]
)

var b = models.Bound

// Describe returns the model's parameters and outputs without inputs:
// lesion_set offers only "none".
func (Model) Describe() models.Descriptor { return descriptor(nil) }

// DescribeInputs checks the inputs (see Inputs; files are read at run
// time) and returns the descriptor whose lesion_set offers "none" and the
// names of [inputs.lesion_sets].
func (Model) DescribeInputs(inputs json.RawMessage) (models.Descriptor, error) {
	in, err := parseInputs(inputs)
	if err != nil {
		return models.Descriptor{}, err
	}
	return descriptor(lesionSetNames(in)), nil
}

func descriptor(sets []string) models.Descriptor {
	d := models.Descriptor{
		Name:    Name,
		Version: "0.1.0",
		Doc: "Atrial monodomain electrophysiology: P1 finite elements on triangle or tetrahedron meshes, " +
			"Godunov splitting (ionic step, then explicit, Crank–Nicolson or backward-Euler diffusion with " +
			"Jacobi-preconditioned CG), Mitchell–Schaeffer, modified MS, Aliev–Panfilov, Courtemanche–Ramirez–Nattel 1998 " +
			"(with the AF remodelling sets) or ten Tusscher–Panfilov 2006 kinetics, per-region ionic sets, im_param modifications and " +
			"conductivities, fibrosis with ionic remodelling, lesions, S1–S2 or multi-site pacing; LATs, APD, conduction velocity and re-entry.",
		Params: []models.Param{
			{Name: "mesh", Kind: models.String, Default: MeshStrip, Choices: []string{MeshStrip, MeshSheet, MeshSlab, MeshFile},
				Doc: "generated strip/sheet (triangles) or slab (tetrahedra) with corner at the origin, or the file named by mesh in [inputs]"},
			{Name: "length_mm", Kind: models.Float, Unit: "mm", Default: 20.0, Min: b(0.01), Max: b(1000), Doc: "generated mesh: extent along x"},
			{Name: "width_mm", Kind: models.Float, Unit: "mm", Default: 0.5, Min: b(0.001), Max: b(1000), Doc: "generated mesh: extent along y"},
			{Name: "thickness_mm", Kind: models.Float, Unit: "mm", Default: 1.0, Min: b(0.001), Max: b(1000), Doc: "slab: extent along z"},
			{Name: "dx_mm", Kind: models.Float, Unit: "mm", Default: 0.1, Min: b(0.005), Max: b(10), Doc: "generated mesh: edge of the squares or cubes (at most)"},
			{Name: "fibre_angle_deg", Kind: models.Float, Unit: "deg", Default: 0.0, Min: b(-180), Max: b(180),
				Doc: "generated mesh: fibre direction in the xy-plane from the x axis (file meshes use their fibres, else the longest axis projected)"},
			{Name: "ionic", Kind: models.String, Default: NameMMS, Choices: []string{NameMMS, NameMS, NameAP, NameCRN, NameTP06},
				Doc: "ionic model: modified Mitchell–Schaeffer atrial set, Mitchell–Schaeffer 2003 standard set, Aliev–Panfilov (finitewave set), Courtemanche–Ramirez–Nattel 1998, ten Tusscher–Panfilov 2006 (epicardial)"},
			{Name: "sigma_l", Kind: models.Float, Unit: "mS/mm", Default: 0.3, Min: b(0), Max: b(100), Doc: "monodomain conductivity along the fibre (= S/m; TorchCor atrial demo: 0.3)"},
			{Name: "sigma_t", Kind: models.Float, Unit: "mS/mm", Default: 0.06, Min: b(0), Max: b(100), Doc: "monodomain conductivity across the fibre (TorchCor atrial demo: 0.06)"},
			{Name: "chi", Kind: models.Float, Unit: "1/mm", Default: float64(DefaultChi), Min: b(1e-3), Max: b(1e5), Doc: "surface-to-volume ratio χ"},
			{Name: "cm", Kind: models.Float, Unit: "µF/mm²", Default: DefaultCm, Min: b(1e-6), Max: b(10), Doc: "membrane capacitance"},
			{Name: "dt_ms", Kind: models.Float, Unit: "ms", Default: 0.02, Min: b(1e-5), Max: b(1), Doc: "time step of the ionic and diffusion sub-steps"},
			{Name: "duration_ms", Kind: models.Float, Unit: "ms", Default: 60.0, Min: b(0.01), Max: b(1e6), Doc: "simulated time"},
			{Name: "scheme", Kind: models.String, Default: "cn", Choices: []string{"explicit", "cn", "be"},
				Doc: "diffusion step: explicit (forward Euler; dt must be below the stability limit), Crank–Nicolson or backward Euler"},
			{Name: "stim_x_mm", Kind: models.Float, Unit: "mm", Default: 0.0, Doc: "S1 site centre x (ignored when [inputs] lists sites)"},
			{Name: "stim_y_mm", Kind: models.Float, Unit: "mm", Default: 0.0, Doc: "S1 site centre y"},
			{Name: "stim_z_mm", Kind: models.Float, Unit: "mm", Default: 0.0, Doc: "S1 site centre z"},
			{Name: "stim_radius_mm", Kind: models.Float, Unit: "mm", Default: 1.0, Min: b(0), Max: b(1000), Doc: "S1 (and S2) site radius: nodes within it are stimulated"},
			{Name: "stim_strength", Kind: models.Float, Unit: "µA/mm³", Default: 50.0, Min: b(0), Max: b(1e5), Doc: "stimulus current per tissue volume (Niederer benchmark: 50)"},
			{Name: "stim_duration_ms", Kind: models.Float, Unit: "ms", Default: 2.0, Min: b(0.001), Max: b(1000), Doc: "duration of each pulse"},
			{Name: "bcl_ms", Kind: models.Float, Unit: "ms", Default: 500.0, Min: b(1), Max: b(1e5), Doc: "S1 basic cycle length"},
			{Name: "n_beats", Kind: models.Int, Default: int64(1), Min: b(1), Max: b(10000), Doc: "number of S1 pulses"},
			{Name: "s2_ms", Kind: models.Float, Unit: "ms", Default: 0.0, Min: b(0), Max: b(1e5), Doc: "S1–S2 coupling interval after the last S1; 0: no S2"},
			{Name: "s2_x_mm", Kind: models.Float, Unit: "mm", Default: 0.0, Doc: "S2 site centre x"},
			{Name: "s2_y_mm", Kind: models.Float, Unit: "mm", Default: 0.0, Doc: "S2 site centre y"},
			{Name: "s2_z_mm", Kind: models.Float, Unit: "mm", Default: 0.0, Doc: "S2 site centre z"},
			{Name: "lat_threshold_mv", Kind: models.Float, Unit: "mV", Default: -10.0, Min: b(-200), Max: b(200), Doc: "activation = upward crossing of this potential (openCARP lats: −10 or 0)"},
			{Name: "apd_level", Kind: models.Float, Default: 0.9, Min: b(0.01), Max: b(0.99), Doc: "repolarisation fraction of the APD (0.9: APD90)"},
			{Name: "save_lat", Kind: models.Bool, Default: true, Doc: "write lat.vtu (first LAT, APD, activation count per node; CV per element) when the run has a folder"},
			{Name: "threads", Kind: models.Int, Default: int64(1), Min: b(0), Max: b(1024),
				Doc: "goroutines sharing one run's ionic and explicit diffusion loops (meshes of ≥ 4096 nodes); 0: one per core. Results do not depend on it; keep 1 when a backend runs several runs at once"},
			{Name: "save_traces", Kind: models.Bool, Default: false, Doc: "return table \"traces\": V every 0.5 ms at the pacing site, the centre and the far node"},
		},
		Outputs: []models.Output{
			{Name: "cv_fibre_mm_per_ms", Unit: "mm/ms", Doc: "conduction velocity along the fibre from the first pacing site (LAT regression over the middle half of the way to the mesh's edge)"},
			{Name: "cv_cross_mm_per_ms", Unit: "mm/ms", Doc: "the same across the fibre, in the xy-plane (NaN for strips)"},
			{Name: "cv_median_mm_per_ms", Unit: "mm/ms", Doc: "median over elements of 1/|∇LAT| (first activation)"},
			{Name: "lat_far_ms", Unit: "ms", Doc: "first activation time of the node farthest from the first pacing site"},
			{Name: "lat_max_ms", Unit: "ms", Doc: "latest first activation time over the mesh (total activation time)"},
			{Name: "activated_fraction", Doc: "fraction of nodes that activated at least once"},
			{Name: "activations_mean", Doc: "mean number of activations per node"},
			{Name: "apd_ms", Unit: "ms", Doc: "median over nodes of the first beat's APD (NaN if none repolarised)"},
			{Name: "n_nodes", Doc: "mesh nodes"},
			{Name: "n_elements", Doc: "mesh elements"},
		},
	}
	d.Params = append(d.Params, heteroParams()...)
	d.Params = append(d.Params, reentryParams(sets)...)
	d.Outputs = append(d.Outputs, reentryOutputs...)
	return d
}

// Inputs is the model's structured input: the scenario's [inputs] table.
//
//	[inputs]
//	mesh = "shared/data/atrial/atrium.vtp"   # with mesh = "file"; relative to the current directory
//	sites = [                                  # optional: replaces the S1/S2 parameters
//	  { x = 0, y = 0, z = 0, radius_mm = 1, start_ms = 0, duration_ms = 2, strength = 50, period_ms = 300, count = 3 },
//	]
//
// Fibrosis from a field of the mesh file, and lesions (see LesionInput):
//
//	fibrosis_field = "IIR"                     # a cell or point field of the file mesh, binned by fibrosis_iir_*
//	lesions = [ { shape = "line", a = [5, 0, 0], b = [5, 10, 0] } ]          # always applied
//	[inputs.lesion_sets]                       # candidate lesion sets by name: parameter lesion_set
//	roof = [ { shape = "disc", center = [8, 20, 0], radius_mm = 3 } ]
//
// Per-region ionic sets and conductivities on a tagged mesh file (see
// RegionInput):
//
//	regions = [ { tags = [1, 2], ionic_set = "roney_pv", im_param = "GKs*1.87", sigma_l = 0.4, sigma_t = 0.1 } ]
type Inputs struct {
	Mesh          string                   `json:"mesh,omitempty"`
	Sites         []SiteInput              `json:"sites,omitempty"`
	FibrosisField string                   `json:"fibrosis_field,omitempty"`
	Lesions       []LesionInput            `json:"lesions,omitempty"`
	LesionSets    map[string][]LesionInput `json:"lesion_sets,omitempty"`
	Regions       []RegionInput            `json:"regions,omitempty"`
	// Optima configures `mdtwin optima` (OptimaInput); a single run ignores it.
	Optima *OptimaInput `json:"optima,omitempty"`
	// Initial prescribes the initial state (InitialInput).
	Initial *InitialInput `json:"initial,omitempty"`
}

// SiteInput is one pacing site of Inputs (see Site).
type SiteInput struct {
	X, Y, Z    float64
	RadiusMM   float64 `json:"radius_mm"`
	StartMS    float64 `json:"start_ms"`
	DurationMS float64 `json:"duration_ms"`
	Strength   float64 `json:"strength"`
	PeriodMS   float64 `json:"period_ms"`
	Count      int     `json:"count"`
	// BoxMin and BoxMax, when both given, replace the disc by the nodes in
	// the box [BoxMin, BoxMax] (mm), as openCARP's stimulus boxes: e.g. an
	// edge for a planar S1 or a quadrant for a cross-field S2.
	BoxMin *[3]float64 `json:"box_min,omitempty"`
	BoxMax *[3]float64 `json:"box_max,omitempty"`
}

func parseInputs(raw json.RawMessage) (Inputs, error) {
	var in Inputs
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return in, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("atrial inputs: %v (expected keys mesh, sites, fibrosis_field, lesions, lesion_sets, regions, initial, optima)", err)
	}
	for i, s := range in.Sites {
		if !(s.RadiusMM >= 0) || !(s.DurationMS > 0) || s.Count < 0 || (s.Count > 1 && !(s.PeriodMS > 0)) {
			return in, fmt.Errorf("atrial inputs: sites[%d]: need radius_mm ≥ 0, duration_ms > 0, count ≥ 0 and period_ms > 0 when count > 1", i)
		}
		if (s.BoxMin == nil) != (s.BoxMax == nil) {
			return in, fmt.Errorf("atrial inputs: sites[%d]: give both box_min and box_max, or neither", i)
		}
	}
	if err := checkLesionInputs(in); err != nil {
		return in, err
	}
	if err := checkRegionInputs(in); err != nil {
		return in, err
	}
	if err := in.Initial.check(); err != nil {
		return in, err
	}
	if err := in.Optima.check(); err != nil {
		return in, err
	}
	return in, nil
}

// setup is one run's problem, built from parameters and inputs.
type setup struct {
	m        *mesh.Mesh
	fibre    mgl64.Vec3 // for the CV lines
	strip    bool
	h        float64 // nominal edge length, mm
	protocol Protocol
}

func build(p models.Params, in Inputs) (*setup, error) {
	s := &setup{}
	lx, ly, lz, dx := p.Float("length_mm"), p.Float("width_mm"), p.Float("thickness_mm"), p.Float("dx_mm")
	perr := func(name string, msg string) error {
		return &models.ParamError{Model: Name, Param: name, Value: p[name], Msg: msg}
	}
	cells := func(l float64) int { return max(1, int(math.Ceil(l/dx-1e-9))) }
	const maxNodes = 5e6
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
	}
	if s.m.Fibres == nil {
		a := p.Float("fibre_angle_deg") * math.Pi / 180
		s.fibre = mgl64.Vec3{math.Cos(a), math.Sin(a), 0}
		s.m.Fibres = mesh.ProjectedFibres(s.m, s.fibre)
		s.h = dx
	}
	if len(in.Sites) > 0 {
		for i, si := range in.Sites {
			site := Site{Center: mgl64.Vec3{si.X, si.Y, si.Z}, Radius: si.RadiusMM,
				Start: si.StartMS, Duration: si.DurationMS, Strength: si.Strength, Period: si.PeriodMS, Count: si.Count}
			if si.BoxMin != nil {
				site.Nodes = boxNodes(s.m, *si.BoxMin, *si.BoxMax)
				if len(site.Nodes) == 0 {
					return nil, fmt.Errorf("atrial inputs: sites[%d]: no mesh node in the box %v–%v", i, *si.BoxMin, *si.BoxMax)
				}
			}
			s.protocol = append(s.protocol, site)
		}
	} else if in.Initial == nil {
		r := p.Float("stim_radius_mm")
		s1 := Site{Center: mgl64.Vec3{p.Float("stim_x_mm"), p.Float("stim_y_mm"), p.Float("stim_z_mm")}, Radius: r,
			Duration: p.Float("stim_duration_ms"), Strength: p.Float("stim_strength"),
			Period: p.Float("bcl_ms"), Count: int(p.Int("n_beats"))}
		s.protocol = Protocol{s1}
		if c := p.Float("s2_ms"); c > 0 {
			s2 := Site{Center: mgl64.Vec3{p.Float("s2_x_mm"), p.Float("s2_y_mm"), p.Float("s2_z_mm")}, Radius: r,
				Duration: s1.Duration, Strength: s1.Strength}
			s.protocol = S1S2(s1, s2, s1.Count, s1.Period, c)
		}
	}
	return s, nil
}

// Run simulates one run. It is deterministic: the only randomness is the
// generated fibrosis, drawn from fibrosis_seed or else the run's seed.
func (Model) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	p := spec.Params
	in, err := parseInputs(spec.Inputs)
	if err != nil {
		return models.Result{}, err
	}
	s, err := build(p, in)
	if err != nil {
		return models.Result{}, err
	}
	plan, err := planIonic(p, in)
	if err != nil {
		return models.Result{}, err
	}
	entries, err := regionEntries(s.m, in)
	if err != nil {
		return models.Result{}, err
	}
	dt, tEnd := p.Float("dt_ms"), p.Float("duration_ms")
	steps := int(math.Round(tEnd / dt))
	if steps < 1 || float64(steps)*float64(len(s.m.Points)) > 1e12 {
		return models.Result{}, &models.ParamError{Model: Name, Param: "dt_ms", Value: dt,
			Msg: fmt.Sprintf("gives %d steps over duration_ms = %g on %d nodes; expected 1 to 1e12 node-steps", steps, tEnd, len(s.m.Points))}
	}
	sigL, sigT := p.Float("sigma_l"), p.Float("sigma_t")
	sigma, err := regionSigma(s.m, in, sigL, sigT)
	if err != nil {
		return models.Result{}, err
	}
	sub, err := buildSubstrateRemodel(s.m, p, in, spec.Seed, sigma, plan.remodel)
	if err != nil {
		return models.Result{}, err
	}
	var remodelled []bool
	if sub.fib != nil {
		remodelled = sub.fib.Remodelled
	}
	lay, err := plan.layout(s.m, entries, remodelled)
	if err != nil {
		return models.Result{}, err
	}
	ion := lay.sets[0]
	pt, err := newPhaseTracking(p, s.m, plan.global.healthy)
	if err != nil {
		return models.Result{}, err
	}
	tissue := Tissue{Mesh: s.m, Sigma: sub.sigma, Chi: p.Float("chi"), Cm: p.Float("cm")}
	opt := Options{Dt: dt, Scheme: Schemes[p.String("scheme")], Workers: int(p.Int("threads"))}
	if opt.Workers == 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if lay.index != nil {
		opt.IonicSets, opt.IonicIndex = lay.sets, lay.index
	}
	md, err := NewMonodomain(tissue, ion, s.protocol, opt)
	var se *StabilityError
	if errors.As(err, &se) {
		return models.Result{}, &models.ParamError{Model: Name, Param: "dt_ms", Value: dt, Msg: se.Error()}
	}
	if err != nil {
		return models.Result{}, err
	}
	var first mgl64.Vec3 // where the CV lines start: the first pacing site, or the initial map's reference point
	r := 0.0
	if in.Initial != nil {
		sets, index := lay.sets, lay.index
		chi, cm := tissue.chiCm()
		first, err = in.Initial.apply(md, s.m, sets, index, dt, p.Float("stim_strength")/(chi*cm), p.Float("stim_duration_ms"))
		if err != nil {
			return models.Result{}, err
		}
	}
	if len(s.protocol) > 0 {
		first, r = s.protocol[0].Center, s.protocol[0].Radius
		if s.protocol[0].Nodes != nil {
			first = s.m.Points[s.protocol[0].Nodes[0]]
		}
	}
	rest := ion.Rest(make([]float64, ion.NumStates()))
	act := NewActivations(len(s.m.Points), rest, p.Float("lat_threshold_mv"), p.Float("apd_level"))
	act.RestAt = lay.rests(ion.NumStates())
	act.Record(0, md.V)

	lo, hi := s.m.Bounds()
	centre := lo.Add(hi).Mul(0.5)
	first = mgl64.Vec3{min(max(first[0], lo[0]), hi[0]), min(max(first[1], lo[1]), hi[1]), min(max(first[2], lo[2]), hi[2])}
	probes := []int{nearest(s.m, first), nearest(s.m, centre), farthest(s.m, first)}
	var traces [][]float64
	trace := p.Bool("save_traces")
	every := max(1, int(math.Round(0.5/dt)))
	sample := func() {
		traces = append(traces, []float64{md.Time(), md.V[probes[0]], md.V[probes[1]], md.V[probes[2]]})
	}
	if trace {
		sample()
	}
	report := max(1, steps/20)
	recordRanges := md.ForRanges // bound once: no allocation per step
	for n := 1; n <= steps; n++ {
		if err := md.Step(); err != nil {
			return models.Result{}, err
		}
		act.RecordWith(md.Time(), md.V, recordRanges)
		if trace && n%every == 0 {
			sample()
		}
		pt.step(n, md)
		if n%report == 0 {
			if err := ctx.Err(); err != nil {
				return models.Result{}, err
			}
			models.Report(obs, float64(n)/float64(steps), fmt.Sprintf("t = %.1f ms", md.Time()))
		}
	}

	pt.finish(act, md.Time())
	np := len(s.m.Points)
	lat, count, apd := make([]float64, np), make([]float64, np), make([]float64, np)
	act.First(lat)
	act.Count(count)
	act.FirstAPD(apd)
	cvElem := make([]float64, s.m.NumCells())
	ElementCV(cvElem, s.m, lat)

	// CV lines from the first pacing site along ± the fibre (and across it),
	// the way with more room, over the middle half of the stretch between
	// the site's edge and the mesh's bounding box.
	tol := 0.5*s.h + 1e-9
	cvF := cvFromSite(s.m, lat, first, s.fibre, r, lo, hi, tol)
	cvX := math.NaN()
	if !s.strip {
		cvX = cvFromSite(s.m, lat, first, mgl64.Vec3{0, 0, 1}.Cross(s.fibre).Normalize(), r, lo, hi, tol)
	}
	latMax, activated, total := math.NaN(), 0, 0.0
	for i, l := range lat {
		if !math.IsNaN(l) {
			activated++
			if math.IsNaN(latMax) || l > latMax {
				latMax = l
			}
		}
		total += count[i]
	}
	res := models.Result{Scalars: map[string]float64{
		"cv_fibre_mm_per_ms":  cvF,
		"cv_cross_mm_per_ms":  cvX,
		"cv_median_mm_per_ms": median(cvElem),
		"lat_far_ms":          lat[probes[2]],
		"lat_max_ms":          latMax,
		"activated_fraction":  float64(activated) / float64(np),
		"activations_mean":    total / float64(np),
		"apd_ms":              median(apd),
		"n_nodes":             float64(np),
		"n_elements":          float64(s.m.NumCells()),
	}}
	sub.scalars(res.Scalars, s.m)
	pt.scalars(res.Scalars, act, s.protocol)
	res.Tables = append(res.Tables, pt.tables()...)
	res.Tables = append(res.Tables, lay.table(apd)...)
	if trace {
		res.Tables = append(res.Tables, models.Table{Name: "traces",
			Columns: []string{"t_ms", "v_site_mv", "v_centre_mv", "v_far_mv"}, Rows: traces})
	}
	if spec.Dir != "" && p.Bool("save_lat") {
		out := s.m.Clone()
		out.PointData = append(out.PointData,
			mesh.Field{Name: "LAT", Components: 1, Values: lat},
			mesh.Field{Name: "APD", Components: 1, Values: apd},
			mesh.Field{Name: "Activations", Components: 1, Values: count})
		out.CellData = append(out.CellData, mesh.Field{Name: "CV", Components: 1, Values: cvElem})
		cf, pf := sub.fields()
		out.CellData = append(out.CellData, cf...)
		out.PointData = append(out.PointData, pf...)
		out.CellData = append(out.CellData, pt.fields()...)
		out.PointData = append(out.PointData, lay.field()...)
		if err := os.MkdirAll(spec.Dir, 0o755); err != nil {
			return models.Result{}, err
		}
		if lay.index != nil {
			b, err := json.MarshalIndent(lay.info(), "", "  ")
			if err != nil {
				return models.Result{}, err
			}
			if err := os.WriteFile(filepath.Join(spec.Dir, "ionic_sets.json"), append(b, '\n'), 0o644); err != nil {
				return models.Result{}, err
			}
			res.Artifacts = append(res.Artifacts, "ionic_sets.json")
		}
		if err := mesh.WriteFile(filepath.Join(spec.Dir, "lat.vtu"), out, mesh.WriteOptions{XML: mesh.XMLOptions{Compress: true}}); err != nil {
			return models.Result{}, err
		}
		res.Artifacts = append(res.Artifacts, "lat.vtu")
	}
	models.Report(obs, 1, "done")
	return res, nil
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
	cv, _ := CVAlongLine(m, lat, site.Add(dir.Mul(r+q)), site.Add(dir.Mul(r+3*q)), tol)
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
