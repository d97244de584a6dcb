package atrial

import (
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
	"github.com/mdtwin/mdtwin/models/atrial/analysis"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// simulation is one run of the model: the problem built from its
// parameters and inputs, the solver and the recorders, and after analyse
// the per-node and per-element results.
type simulation struct {
	p        models.Params
	s        *setup
	sub      *runSubstrate
	lay      *ionicLayout
	pt       *phaseTracking // nil with phase = none
	egm      *egmRecorder   // nil without [inputs.electrodes]
	ckptStep int            // write a checkpoint after this step; 0: none
	igbDone  bool           // vm.igb written
	igbMS    float64        // [inputs] igb_ms
	rest     models.Table   // restitution table, with [inputs] restitution
	md       *tissue.Monodomain
	act      *analysis.Activations
	steps    int

	first  mgl64.Vec3 // where the CV lines start: the first pacing site, or the initial map's reference point
	radius float64    // the first pacing site's radius, mm
	probes [3]int     // traced nodes: nearest to first, to the centre, farthest from first
	trace  bool       // save_traces
	traces [][]float64

	lat, count, apd, cv []float64 // analyse: first LAT, activations, first APD per node; CV per element
}

// newSimulation sets up a run: the inputs, the mesh and protocol, the
// ionic plan and its per-node layout, the conductivities with regions,
// fibrosis and lesions, phase tracking, the solver, and the initial state.
func newSimulation(spec models.RunSpec) (*simulation, error) {
	p := spec.Params
	in, err := parseInputs(spec.Inputs)
	if err != nil {
		return nil, err
	}
	s, err := build(p, in)
	if err != nil {
		return nil, err
	}
	plan, err := planIonic(p, in)
	if err != nil {
		return nil, err
	}
	entries, err := regionEntries(s.m, in)
	if err != nil {
		return nil, err
	}
	dt, tEnd := p.Float("dt_ms"), p.Float("duration_ms")
	steps := int(math.Round(tEnd / dt))
	if steps < 1 || float64(steps)*float64(len(s.m.Points)) > 1e12 {
		return nil, &models.ParamError{Model: Name, Param: "dt_ms", Value: dt,
			Msg: fmt.Sprintf("gives %d steps over duration_ms = %g on %d nodes; expected 1 to 1e12 node-steps", steps, tEnd, len(s.m.Points))}
	}
	sigma, err := regionSigma(s.m, in, p.Float("sigma_l"), p.Float("sigma_t"))
	if err != nil {
		return nil, err
	}
	sub, err := buildSubstrateRemodel(s.m, p, in, spec.Seed, sigma, plan.remodel)
	if err != nil {
		return nil, err
	}
	var remodelled []bool
	if sub.fib != nil {
		remodelled = sub.fib.Remodelled
	}
	lay, err := plan.layout(s.m, entries, remodelled)
	if err != nil {
		return nil, err
	}
	pt, err := newPhaseTracking(p, s.m, plan.global.healthy)
	if err != nil {
		return nil, err
	}
	sim := &simulation{p: p, s: s, sub: sub, lay: lay, pt: pt, steps: steps, trace: p.Bool("save_traces")}
	if err := sim.checkRestitutionDuration(in); err != nil {
		return nil, err
	}
	ck, err := sim.checkpointSetup(spec, in)
	if err != nil {
		return nil, err
	}
	if err := sim.newSolver(); err != nil {
		return nil, err
	}
	if sim.egm, err = newEGM(in.Electrodes, s.m, sub.sigma, dt, steps); err != nil {
		return nil, err
	}
	if err := sim.start(in.Initial, ck); err != nil {
		return nil, err
	}
	return sim, nil
}

// newSolver builds the monodomain solver on the run's tissue; a time step
// beyond the explicit scheme's limit is an error on dt_ms.
func (sim *simulation) newSolver() error {
	p, dt := sim.p, sim.p.Float("dt_ms")
	scheme, err := tissue.ParseScheme(p.String("scheme"))
	if err != nil {
		return err
	}
	t := tissue.Passive{Mesh: sim.s.m, Sigma: sim.sub.sigma, Chi: p.Float("chi"), Cm: p.Float("cm")}
	opt := tissue.Options{Dt: dt, Scheme: scheme, Workers: int(p.Int("threads"))}
	if opt.Workers == 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if sim.lay.index != nil {
		opt.IonicSets, opt.IonicIndex = sim.lay.sets, sim.lay.index
	}
	md, err := tissue.NewMonodomain(t, sim.lay.sets[0], sim.s.protocol, opt)
	var se *tissue.StabilityError
	if errors.As(err, &se) {
		return &models.ParamError{Model: Name, Param: "dt_ms", Value: dt, Msg: se.Error()}
	}
	sim.md = md
	return err
}

// start sets the initial state (initial, when given; from ck for a
// checkpoint), the activation recorder at time 0 and the traced nodes.
func (sim *simulation) start(initial *InitialInput, ck *checkpoint) error {
	p, m, md := sim.p, sim.s.m, sim.md
	if initial != nil && initial.Checkpoint == "" {
		chi, cm := tissue.Passive{Chi: p.Float("chi"), Cm: p.Float("cm")}.ChiCm()
		var err error
		sim.first, err = initial.apply(md, m, sim.lay.sets, sim.lay.index, p.Float("dt_ms"), p.Float("stim_strength")/(chi*cm), p.Float("stim_duration_ms"))
		if err != nil {
			return err
		}
	}
	if prot := sim.s.protocol; len(prot) > 0 {
		sim.first, sim.radius = prot[0].Center, prot[0].Radius
		if prot[0].Nodes != nil {
			sim.first = m.Points[prot[0].Nodes[0]]
		}
	}
	ion := sim.lay.sets[0]
	rest := ion.Rest(make([]float64, ion.NumStates()))
	sim.act = analysis.NewActivations(len(m.Points), rest, p.Float("lat_threshold_mv"), p.Float("apd_level"))
	sim.act.RestAt = sim.lay.rests(ion.NumStates())
	sim.act.Record(0, md.V)
	if ck != nil {
		if err := sim.restore(ck, initial.Checkpoint); err != nil {
			return err
		}
	}

	lo, hi := m.Bounds()
	centre := lo.Add(hi).Mul(0.5)
	f := sim.first
	sim.first = mgl64.Vec3{min(max(f[0], lo[0]), hi[0]), min(max(f[1], lo[1]), hi[1]), min(max(f[2], lo[2]), hi[2])}
	sim.probes = [3]int{nearest(m, sim.first), nearest(m, centre), farthest(m, sim.first)}
	if sim.trace {
		sim.sample()
	}
	if sim.egm != nil {
		sim.egm.record(md)
	}
	return nil
}

// sample appends the potentials at the traced nodes to the traces.
func (sim *simulation) sample() {
	v := sim.md.V
	sim.traces = append(sim.traces, []float64{sim.md.Time(), v[sim.probes[0]], v[sim.probes[1]], v[sim.probes[2]]})
}

// simulate takes the run's steps, recording activations every step,
// traces every 0.5 ms and phase frames, and reporting progress (and
// checking ctx) twenty times. The loop allocates only when a node
// activates or a trace is taken.
func (sim *simulation) simulate(ctx context.Context, obs models.Observer, dir string) error {
	md, act, pt := sim.md, sim.act, sim.pt
	every := max(1, int(math.Round(0.5/md.Dt())))
	report := max(1, sim.steps/20)
	recordRanges := md.ForRanges // bound once: no allocation per step
	igb, err := newIGB(sim.igbMS, md, sim.steps, dir)
	if err != nil {
		return err
	}
	defer igb.abort() // after close: the file is already renamed
	for n := md.Steps() + 1; n <= sim.steps; n++ {
		if err := md.Step(); err != nil {
			return err
		}
		igb.frame(md, n)
		act.RecordWith(md.Time(), md.V, recordRanges)
		if sim.trace && n%every == 0 {
			sim.sample()
		}
		pt.step(n, md)
		if sim.egm != nil && n%sim.egm.every == 0 {
			sim.egm.record(md)
		}
		if n == sim.ckptStep {
			if err := sim.writeCheckpoint(dir); err != nil {
				return err
			}
		}
		if n%report == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			models.Report(obs, float64(n)/float64(sim.steps), fmt.Sprintf("t = %.1f ms", md.Time()))
		}
	}
	pt.finish(act, md.Time())
	if igb != nil {
		sim.igbDone = true
	}
	return igb.close()
}

// analyse returns the run's scalars and tables: CVs (along and across the
// fibre from the first pacing site, and the median over elements),
// activation times, APD, the substrate's and the phase tracking's
// outputs, the per-set APDs and the traces.
func (sim *simulation) analyse() models.Result {
	m, act := sim.s.m, sim.act
	np := len(m.Points)
	sim.lat, sim.count, sim.apd = make([]float64, np), make([]float64, np), make([]float64, np)
	act.First(sim.lat)
	act.Count(sim.count)
	act.FirstAPD(sim.apd)
	sim.cv = make([]float64, m.NumCells())
	analysis.ElementCV(sim.cv, m, sim.lat)

	// CV lines from the first pacing site along ± the fibre (and across it),
	// the way with more room, over the middle half of the stretch between
	// the site's edge and the mesh's bounding box.
	lo, hi := m.Bounds()
	tol := 0.5*sim.s.h + 1e-9
	cvF := cvFromSite(m, sim.lat, sim.first, sim.s.fibre, sim.radius, lo, hi, tol)
	cvX := math.NaN()
	if !sim.s.strip {
		cvX = cvFromSite(m, sim.lat, sim.first, mgl64.Vec3{0, 0, 1}.Cross(sim.s.fibre).Normalize(), sim.radius, lo, hi, tol)
	}
	latMax, activated, total := math.NaN(), 0, 0.0
	for i, l := range sim.lat {
		if !math.IsNaN(l) {
			activated++
			if math.IsNaN(latMax) || l > latMax {
				latMax = l
			}
		}
		total += sim.count[i]
	}
	res := models.Result{Scalars: map[string]float64{
		"cv_fibre_mm_per_ms":  cvF,
		"cv_cross_mm_per_ms":  cvX,
		"cv_median_mm_per_ms": median(sim.cv),
		"lat_far_ms":          sim.lat[sim.probes[2]],
		"lat_max_ms":          latMax,
		"activated_fraction":  float64(activated) / float64(np),
		"activations_mean":    total / float64(np),
		"apd_ms":              median(sim.apd),
		"n_nodes":             float64(np),
		"n_elements":          float64(m.NumCells()),
	}}
	sim.sub.scalars(res.Scalars, m)
	sim.pt.scalars(res.Scalars, act, sim.s.protocol)
	res.Tables = append(res.Tables, sim.pt.tables()...)
	res.Tables = append(res.Tables, sim.lay.table(sim.apd)...)
	if sim.egm != nil {
		res.Tables = append(res.Tables, sim.egm.table(m, sim.lat))
	}
	if sim.s.s2 != nil {
		sim.rest = sim.restitution()
		res.Tables = append(res.Tables, sim.rest)
	}
	if sim.trace {
		res.Tables = append(res.Tables, models.Table{Name: "traces",
			Columns: []string{"t_ms", "v_site_mv", "v_centre_mv", "v_far_mv"}, Rows: sim.traces})
	}
	return res
}

// write writes lat.vtu (LAT, APD, activation count and the IonicSet per
// node; CV, fibrosis, lesions and PS density per element; with rule-based
// fibres also their Laplace potentials PsiAB, PhiV and PhiR per node and
// the rule used, FibreRule, per element) and, with
// several ionic sets, ionic_sets.json into dir, when the run has a folder
// and save_lat is on, and adds them to res's artifacts.
func (sim *simulation) write(dir string, res *models.Result) error {
	if dir == "" || !sim.p.Bool("save_lat") {
		return nil
	}
	out := sim.s.m.Clone()
	out.PointData = append(out.PointData,
		mesh.Field{Name: "LAT", Components: 1, Values: sim.lat},
		mesh.Field{Name: "APD", Components: 1, Values: sim.apd},
		mesh.Field{Name: "Activations", Components: 1, Values: sim.count})
	out.CellData = append(out.CellData, mesh.Field{Name: "CV", Components: 1, Values: sim.cv})
	cf, pf := sim.sub.fields()
	out.CellData = append(out.CellData, cf...)
	out.PointData = append(out.PointData, pf...)
	out.CellData = append(out.CellData, sim.pt.fields()...)
	out.PointData = append(out.PointData, sim.lay.field()...)
	cf, pf = sim.s.ldrb.fields()
	out.CellData, out.PointData = append(out.CellData, cf...), append(out.PointData, pf...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if sim.lay.index != nil {
		b, err := json.MarshalIndent(sim.lay.info(), "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "ionic_sets.json"), append(b, '\n'), 0o644); err != nil {
			return err
		}
		res.Artifacts = append(res.Artifacts, "ionic_sets.json")
	}
	if err := mesh.WriteFile(filepath.Join(dir, "lat.vtu"), out, mesh.WriteOptions{XML: mesh.XMLOptions{Compress: true}}); err != nil {
		return err
	}
	res.Artifacts = append(res.Artifacts, "lat.vtu")
	return nil
}
