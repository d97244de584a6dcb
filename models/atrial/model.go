package atrial

import (
	"context"
	"encoding/json"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
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
			{Name: "ionic", Kind: models.String, Default: ionic.NameMMS, Choices: ionic.Names(),
				Doc: "ionic model: modified Mitchell–Schaeffer atrial set, Mitchell–Schaeffer 2003 standard set, Aliev–Panfilov (finitewave set), Courtemanche–Ramirez–Nattel 1998, ten Tusscher–Panfilov 2006 (epicardial)"},
			{Name: "sigma_l", Kind: models.Float, Unit: "mS/mm", Default: 0.3, Min: b(0), Max: b(100), Doc: "monodomain conductivity along the fibre (= S/m; TorchCor atrial demo: 0.3)"},
			{Name: "sigma_t", Kind: models.Float, Unit: "mS/mm", Default: 0.06, Min: b(0), Max: b(100), Doc: "monodomain conductivity across the fibre (TorchCor atrial demo: 0.06)"},
			{Name: "chi", Kind: models.Float, Unit: "1/mm", Default: float64(tissue.DefaultChi), Min: b(1e-3), Max: b(1e5), Doc: "surface-to-volume ratio χ"},
			{Name: "cm", Kind: models.Float, Unit: "µF/mm²", Default: tissue.DefaultCm, Min: b(1e-6), Max: b(10), Doc: "membrane capacitance"},
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

// Run simulates one run in four stages: set up the problem from the
// parameters and inputs (newSimulation), simulate it, analyse the
// activations and write the outputs. It is deterministic: the only
// randomness is the generated fibrosis, drawn from fibrosis_seed or else
// the run's seed.
func (Model) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	sim, err := newSimulation(spec)
	if err != nil {
		return models.Result{}, err
	}
	if err := sim.simulate(ctx, obs, spec.Dir); err != nil {
		return models.Result{}, err
	}
	res := sim.analyse()
	if err := sim.write(spec.Dir, &res); err != nil {
		return models.Result{}, err
	}
	if err := sim.egm.write(spec.Dir, spec, &res); err != nil {
		return models.Result{}, err
	}
	if sim.ckptStep > 0 {
		res.Artifacts = append(res.Artifacts, CheckpointFile)
	}
	if sim.igbDone {
		res.Artifacts = append(res.Artifacts, IGBFile)
	}
	if sim.s.s2 != nil && spec.Dir != "" {
		if err := writeRestitution(spec.Dir, sim.rest, &res); err != nil {
			return models.Result{}, err
		}
	}
	models.Report(obs, 1, "done")
	return res, nil
}
