package brain

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mdtwin/mdtwin/models"
)

// Model is the virtual epileptic brain as an mdtwin model. Its zero value is
// ready. It is a models.Configurable: the connectome, the EZ hypotheses and
// the candidate resections come from the scenario's [inputs] (see Inputs),
// are checked before any run, and name the choices of the parameters
// `hypothesis` and `resection` and the per-region outputs.
type Model struct{}

var (
	_ models.Model           = Model{}
	_ models.Configurable    = Model{}
	_ models.ParamsDescriber = Model{}
)

// Name is the model's registry name; Version the version of its science and outputs.
const (
	Name    = "brain"
	Version = "0.1.0"
)

// Neural-mass choices of the parameter `mass`.
const (
	MassEpileptor   = "epileptor6d"
	MassEpileptor2D = "epileptor2d"
	MassOscillator  = "oscillator2d"
	MassMPR         = "montbrio_pazo_roxin"
	MassJansenRit   = "jansen_rit"
	MassEpileptorRS = "epileptor_rs"
	MassCodim3      = "epileptor_codim3"
	MassCodim3Slow  = "epileptor_codim3_slowmod"
)

const doc = "Virtual epileptic brain (Jirsa et al. 2017; Proix et al. 2017): Epileptor neural masses " +
	"(6-D of Jirsa 2014 as in TVB, the 2-D VEP form, with a resting-state oscillator, or the codimension-3 Epileptor) " +
	"or resting-state masses on a structural " +
	"connectome with conduction delays, linear or difference (permittivity) coupling, Heun/Euler " +
	"integration with additive noise; EZ hypotheses, virtual resection, seizure onsets and recruitment, SEEG."

var b = models.Bound

// Describe returns the parameters without inputs: hypothesis and resection
// offer only "none" and there are no per-region outputs.
func (Model) Describe() models.Descriptor { return descriptor(nil, "") }

// DescribeInputs reads and checks the inputs (the connectome and the SEEG
// files they name, the region labels of every hypothesis and resection) and
// returns the descriptor for them.
func (Model) DescribeInputs(inputs json.RawMessage) (models.Descriptor, error) {
	s, err := parseInputs(inputs)
	if err != nil {
		return models.Descriptor{}, err
	}
	d := descriptor(s, "")
	if err := d.Check(); err != nil {
		return models.Descriptor{}, fmt.Errorf("region labels give clashing output names: %v", err)
	}
	return d, nil
}

// DescribeFor implements models.ParamsDescriber: with the parameter mass
// fixed by the scenario to one of its choices, the descriptor of
// DescribeMass (so results.csv lists only what the runs read); otherwise
// DescribeInputs' (a value that is no mass is then reported at its line
// in [params], as any parameter's).
func (m Model) DescribeFor(inputs json.RawMessage, fixed map[string]any) (models.Descriptor, error) {
	if mass, ok := fixed["mass"].(string); ok && massKinds[mass] != nil {
		return m.DescribeMass(inputs, mass)
	}
	return m.DescribeInputs(inputs)
}

// DescribeMass is DescribeInputs for runs of one neural mass (a choice of
// the parameter mass): its parameters are only those such a run reads —
// the network's, the monitors' and the mass's own — in DescribeInputs'
// order. The 6-D Epileptor reads every one, so its list is
// DescribeInputs'; a mass without the Epileptor's excitability has no
// x0_ez, x0_pz, x0_healthy or x0_<label>, and only the Epileptors have
// their scenario parameters (r, tt, iext, iext2, ks, kf, kvf: the 2-D one
// has no iext2 or kf).
func (Model) DescribeMass(inputs json.RawMessage, mass string) (models.Descriptor, error) {
	if massKinds[mass] == nil {
		return models.Descriptor{}, fmt.Errorf("mass: %q is not a mass, expected one of %s", mass, strings.Join(massChoices, ", "))
	}
	s, err := parseInputs(inputs)
	if err != nil {
		return models.Descriptor{}, err
	}
	d := descriptor(s, mass)
	if err := d.Check(); err != nil {
		return models.Descriptor{}, fmt.Errorf("region labels give clashing output names: %v", err)
	}
	return d, nil
}

// massChoices are the choices of the parameter mass, in the order the
// descriptor offers them.
var massChoices = []string{MassEpileptor, MassEpileptor2D, MassOscillator, MassMPR, MassJansenRit, MassEpileptorRS, MassCodim3, MassCodim3Slow}

// massReads reports whether a run of mass reads the scenario parameter
// name. Parameters of the network, the integrator, the monitors and the
// detector are read whatever the mass; the excitabilities (x0_ez, x0_pz,
// x0_healthy and the regional x0_<label>) only by a mass with x0, the
// Epileptor's scenario parameters only by a mass that has them.
func massReads(mass, name string) bool {
	switch {
	case strings.HasPrefix(name, "x0_"):
		return hasX0(mass)
	case slices.Contains(epileptorScenarioParams, name):
		return hasX0(mass) && lookupParam(massKinds[mass]([]float64{0}).params(), name) != nil
	}
	return true
}

// descriptor is the model's descriptor for the inputs s (nil: none) and
// the runs of mass ("": every mass, the parameters of all of them).
func descriptor(s *setup, mass string) models.Descriptor {
	d := fullDescriptor(s)
	if mass == "" {
		return d
	}
	kept := d.Params[:0]
	for _, q := range d.Params {
		if massReads(mass, q.Name) {
			kept = append(kept, q)
		} else {
			if d.Unread == nil {
				d.Unread = map[string]string{}
			}
			d.Unread[q.Name] = fmt.Sprintf("the neural mass %s does not have it", mass)
		}
	}
	d.Params = kept
	return d
}

func fullDescriptor(s *setup) models.Descriptor {
	hyps, res := []string{NoHypothesis}, []string{NoResection}
	if s != nil {
		if len(s.in.Hypotheses) > 0 {
			hyps = sortedNames(s.in.Hypotheses)
		}
		res = append(res, sortedNames(s.in.Resections)...)
	}
	d := models.Descriptor{
		Name: Name, Version: Version, Doc: doc,
		Params: []models.Param{
			{Name: "hypothesis", Kind: models.String, Default: hyps[0], Choices: hyps, Doc: "EZ hypothesis, by name from [inputs.hypotheses]"},
			{Name: "resection", Kind: models.String, Default: NoResection, Choices: res, Doc: "virtual resection, by name from [inputs.resections]: the regions lose every connection and take x0_healthy; \"none\": no resection"},
			{Name: "x0_ez", Kind: models.Float, Default: -1.6, Min: b(-5), Max: b(1), Doc: "excitability x0 of the EZ (TVB tutorial 3: -1.6; the isolated Epileptor seizes above ≈ -2.06)"},
			{Name: "x0_pz", Kind: models.Float, Default: -2.1, Min: b(-5), Max: b(1), Doc: "excitability x0 of the propagation zone: below the threshold, recruited only through coupling"},
			{Name: "x0_healthy", Kind: models.Float, Default: -2.4, Min: b(-5), Max: b(1), Doc: "excitability x0 of every other region (default from TVB tutorial 3: -2.4; TVB's class default is -1.6 everywhere: [inputs] preset = \"tvb\")"},
			{Name: "mass", Kind: models.String, Default: MassEpileptor, Choices: slices.Clone(massChoices), Doc: "neural mass: Epileptor 6-D (TVB), Epileptor 2-D (VEP), the generic 2-D oscillator, Montbrió–Pazó–Roxin, Jansen–Rit (these three not epileptic: x0 unused, the seizure outputs are meaningless), the Epileptor with resting-state oscillator (Courtiol 2020), the codimension-3 Epileptor (Saggio 2017/2020; x0 unused) or it with slow modulation of its path"},
			{Name: "r", Kind: models.Float, Unit: "1/ms", Default: 0.00035, Min: b(1e-6), Max: b(0.1), Doc: "Epileptor slow time scale 1/τ0 (TVB default 0.00035)"},
			{Name: "tt", Kind: models.Float, Default: 1.0, Min: b(0.01), Max: b(10), Doc: "Epileptor time scaling"},
			{Name: "iext", Kind: models.Float, Default: 3.1, Min: b(-10), Max: b(10), Doc: "Epileptor external input of subsystem 1"},
			{Name: "iext2", Kind: models.Float, Default: 0.45, Min: b(-10), Max: b(10), Doc: "Epileptor external input of subsystem 2 (6-D)"},
			{Name: "ks", Kind: models.Float, Default: -0.2, Min: b(-100), Max: b(100), Doc: "Epileptor permittivity coupling Ks: z' gets r·Ks·c1 (default from TVB tutorial 3: -0.2; TVB's class default is 0: [inputs] preset = \"tvb\")"},
			{Name: "kf", Kind: models.Float, Default: 0.1, Min: b(-100), Max: b(100), Doc: "Epileptor coupling Kf of x2 (6-D; default from TVB tutorial 3: 0.1; TVB's class default is 0: [inputs] preset = \"tvb\")"},
			{Name: "kvf", Kind: models.Float, Default: 0.0, Min: b(-100), Max: b(100), Doc: "Epileptor coupling Kvf of x1"},
			{Name: "coupling", Kind: models.String, Default: Difference, Choices: []string{Difference, Linear}, Doc: "coupling function: difference a·Σw(x_j(t−τ)−x_i) or linear a·Σw·x_j(t−τ)+b"},
			{Name: "coupling_a", Kind: models.Float, Default: 1.0, Min: b(-1000), Max: b(1000), Doc: "global coupling scaling a (K)"},
			{Name: "coupling_b", Kind: models.Float, Default: 0.0, Min: b(-1000), Max: b(1000), Doc: "offset b of linear coupling"},
			{Name: "normalise", Kind: models.String, Default: NormNone, Choices: []string{NormNone, NormTract, NormRegion}, Doc: "weight scaling: none, tract (÷ max |w|) or region (÷ max row sum), as TVB's scaled_weights"},
			{Name: "delays", Kind: models.Bool, Default: true, Doc: "conduction delays from tract lengths / speed (false: instantaneous coupling)"},
			{Name: "speed", Kind: models.Float, Unit: "mm/ms", Default: 3.0, Min: b(0.1), Max: b(1e4), Doc: "conduction speed (TVB Connectivity.speed)"},
			{Name: "integrator", Kind: models.String, Default: HeunStochastic, Choices: []string{HeunStochastic, Heun, EulerStochastic, Euler}, Doc: "integration scheme (TVB's integrators)"},
			{Name: "nsig", Kind: models.Float, Default: 0.0003, Min: b(0), Max: b(1), Doc: "additive-noise diffusion coefficient D (noise sd √(2D·dt)) of the mass's noisy variables (6-D: x2, y2; 2-D: x1, z; oscillator: V, W; epileptor_rs: x2, y2, x_rs, y_rs; codimension-3: x, y); [inputs] nsig overrides per variable"},
			{Name: "dt", Kind: models.Float, Unit: "ms", Default: 0.05, Min: b(1e-4), Max: b(0.1), Doc: "integration step (the Epileptor's fast subsystem needs ≤ 0.1 ms)"},
			{Name: "duration", Kind: models.Float, Unit: "ms", Default: 6000.0, Min: b(1), Max: b(120000), Doc: "simulated brain time"},
			{Name: "period", Kind: models.Float, Unit: "ms", Default: 1.0, Min: b(1e-4), Max: b(1000), Doc: "sampling period of the temporal-average monitor (rounded to whole steps)"},
			{Name: "onset_threshold", Kind: models.Float, Default: -0.5, Min: b(-10), Max: b(10), Doc: "seizure onset: the smoothed ictal variable (x1) rises above this"},
			{Name: "offset_threshold", Kind: models.Float, Default: -1.0, Min: b(-10), Max: b(10), Doc: "seizure offset: it falls below this (hysteresis)"},
			{Name: "smoothing", Kind: models.Float, Unit: "ms", Default: 20.0, Min: b(0), Max: b(10000), Doc: "moving-average window of the detector"},
			{Name: "seeg_gain", Kind: models.String, Default: GainInverseSquare, Choices: []string{GainInverseSquare, GainDipole}, Doc: "SEEG gain from contact and centre positions (with [inputs] seeg)"},
			{Name: "save_timeseries", Kind: models.Bool, Default: true, Doc: "write timeseries.npy, timeseries_preview.csv (and seeg.npy) in the run's folder"},
		},
		Outputs: []models.Output{
			{Name: "n_seizing", Doc: "regions that seized at least once"},
			{Name: "n_recruited", Doc: "propagation extent: seizing regions outside the hypothesis' EZ"},
			{Name: "first_onset_ms", Unit: "ms", Doc: "earliest seizure onset; -1 when no region seized"},
			{Name: "recruitment_span_ms", Unit: "ms", Doc: "time from the first to the last first onset; 0 when fewer than two regions seized"},
		},
	}
	if s != nil {
		for k := range d.Params {
			if v, ok := presets[s.in.Preset][d.Params[k].Name]; ok {
				d.Params[k].Default = v
			}
		}
		regionalDescriptor(&d, s)
		if len(s.stimuli) > 0 {
			choices := []string{AllStimuli}
			for _, st := range s.in.Stimuli {
				choices = append(choices, st.Name)
			}
			d.Params = append(d.Params,
				models.Param{Name: "stimulus", Kind: models.String, Default: AllStimuli, Choices: choices, Doc: "which stimulus of [[inputs.stimuli]] is applied, by name; \"all\": every one"},
				models.Param{Name: "stim_scale", Kind: models.Float, Default: 1.0, Min: b(-1000), Max: b(1000), Doc: "factor on the amplitude of the stimuli applied"})
		}
		if s.in.BOLD != nil {
			d.Outputs = append(d.Outputs, models.Output{Name: "fc_sc_corr", Doc: "correlation of the BOLD functional connectivity (after the transient) with the symmetrised structural weights over region pairs; NaN with fewer than 3 BOLD samples"})
		}
		for _, i := range s.watch {
			l := s.conn.Labels[i]
			d.Outputs = append(d.Outputs, models.Output{Name: outputName(l), Doc: "1 if region " + l + " seized, else 0"})
		}
	}
	return d
}

// seedStream tags the model's noise stream (ASCII "brain").
const seedStream = 0x627261696e

// Run simulates one virtual brain and reports which regions seized.
func (Model) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	s, err := parseInputs(spec.Inputs)
	if err != nil {
		return models.Result{}, err
	}
	p := spec.Params
	perr := func(name string, v any, msg string) error {
		return &models.ParamError{Model: Name, Param: name, Value: v, Msg: msg}
	}
	conn := s.conn.Clone()
	n := conn.N()
	kind := p.String("mass")
	// The excitabilities x0 of a mass that has them (hasX0); NaN, and the
	// x0 parameters not read, for the others (see massReads).
	withX0 := hasX0(kind)
	x0param := func(name string) float64 {
		if !withX0 {
			return math.NaN()
		}
		return p.Float(name)
	}
	role := make([]string, n) // "ez", "pz", "resected" or ""
	x0 := make([]float64, n)
	healthy := x0param("x0_healthy")
	for i := range x0 {
		x0[i] = healthy
	}
	hname := p.String("hypothesis")
	if hname != NoHypothesis {
		h, ok := s.in.Hypotheses[hname]
		if !ok {
			return models.Result{}, perr("hypothesis", hname, "no such hypothesis in [inputs.hypotheses]")
		}
		for _, l := range h.EZ {
			i := conn.Index(l)
			x0[i], role[i] = x0param("x0_ez"), "ez"
		}
		for _, l := range h.PZ {
			i := conn.Index(l)
			x0[i], role[i] = x0param("x0_pz"), "pz"
		}
	}
	if col := s.regions["x0"]; col != nil && withX0 {
		for i, v := range col {
			if !math.IsNaN(v) {
				x0[i] = v
			}
		}
	}
	for _, i := range s.regional {
		x0[i] = x0param(X0Param(conn.Labels[i]))
	}
	// Resection (TVB tutorial 3): cut every edge of the resected regions and
	// give them healthy dynamics.
	if rname := p.String("resection"); rname != NoResection {
		labels, ok := s.in.Resections[rname]
		if !ok {
			return models.Result{}, perr("resection", rname, "no such resection in [inputs.resections]")
		}
		for _, l := range labels {
			i := conn.Index(l)
			conn.Disconnect(i)
			x0[i], role[i] = healthy, "resected"
		}
	}
	conn.RemoveSelfConnections()
	conn.Normalise(p.String("normalise"))

	mass, err := buildMass(kind, p, x0, s.in.MassParams, s.regions)
	if err != nil {
		return models.Result{}, &models.InputError{Model: Name, Msg: err.Error()}
	}
	dt := p.Float("dt")
	if dt > mass.MaxDt() {
		return models.Result{}, perr("dt", dt, fmt.Sprintf("too large for %s, expected at most %g ms", p.String("mass"), mass.MaxDt()))
	}
	nv := len(mass.VarNames())
	nsig := make([]float64, nv)
	if s.in.Nsig != nil {
		if len(s.in.Nsig) != nv {
			return models.Result{}, fmt.Errorf("[inputs] nsig has %d values but %s has %d state variables (%s)", len(s.in.Nsig), p.String("mass"), nv, strings.Join(mass.VarNames(), ", "))
		}
		copy(nsig, s.in.Nsig)
	} else {
		for _, v := range mass.NoiseVars() {
			nsig[v] = p.Float("nsig")
		}
	}
	var delays []int
	if p.Bool("delays") {
		delays = conn.DelaySteps(p.Float("speed"), dt)
	}
	steps := int(math.Ceil(p.Float("duration")/dt - 1e-9))
	istep := max(1, int(math.Round(p.Float("period")/dt)))
	samples := steps / istep
	// The recordings stream to disk, so memory does not bound them; this
	// bounds the disk (2 GB of float32).
	if int64(samples)*int64(n) > 500_000_000 {
		return models.Result{}, perr("period", p.Float("period"), fmt.Sprintf("gives %d samples of %d regions; expected at most 5e8 values", samples, n))
	}
	var initial []float64
	if s.initial != nil {
		initial = make([]float64, nv*n)
		mass.Rest(initial, n)
		if err := s.initial.apply(initial, mass.VarNames(), n); err != nil {
			return models.Result{}, err
		}
	}
	var stimuli []PulseTrain
	for k, st := range s.stimuli {
		if which := p.String("stimulus"); which == AllStimuli || which == s.in.Stimuli[k].Name {
			st.Amplitude *= p.Float("stim_scale")
			stimuli = append(stimuli, st)
		}
	}
	net := NewNetwork(NetworkConfig{
		Mass: mass, Weights: conn.Weights, Delays: delays, Dt: dt, Initial: initial, Stimuli: stimuli,
		Coupling:   Coupling{Kind: p.String("coupling"), A: p.Float("coupling_a"), B: p.Float("coupling_b")},
		Integrator: p.String("integrator"), Nsig: nsig, Seed: spec.Seed ^ seedStream,
	})
	det := Detector{On: p.Float("onset_threshold"), Off: p.Float("offset_threshold"),
		Window: max(1, int(math.Round(p.Float("smoothing")/(float64(istep)*dt))))}
	if det.Off >= det.On {
		return models.Result{}, perr("offset_threshold", det.Off, fmt.Sprintf("expected below onset_threshold (%g) for hysteresis", det.On))
	}
	online := det.Online(n)
	st, err := s.openStreams(spec.Dir, p, conn, mass, samples, steps)
	if err != nil {
		return models.Result{}, err
	}
	var bold *boldMonitor
	if s.in.BOLD != nil {
		if bold, err = newBOLDMonitor(s.in.BOLD, n, float64(istep)*dt); err != nil {
			st.abort()
			return models.Result{}, err
		}
		st.bold = bold
	}
	for k, sn := range s.sensors {
		ss, err := newSensorStream(sn, k, spec.Dir, samples, spec.Seed, float64(istep)*dt, p.Float("smoothing"))
		if err != nil {
			st.abort()
			return models.Result{}, err
		}
		st.sensors = append(st.sensors, ss)
	}
	sig := &TemporalAverage{Observe: mass.Signal, Period: istep, Sink: st.sink}
	ict := &TemporalAverage{Observe: mass.Ictal, Period: istep, Sink: online.Add}
	monitors := []Monitor{sig, ict}
	if st.rec != nil {
		vars, _ := s.in.Record.check(mass.VarNames())
		monitors = append(monitors, &sampler{every: s.in.Record.Every, vars: vars, signal: mass.Signal, row: make([]float64, len(vars)*n), out: st.rec})
	}
	chunk := max(steps/20, 1)
	for done := 0; done < steps; done += chunk {
		k := min(chunk, steps-done)
		if err := Simulate(ctx, net, k, conn.Labels, monitors...); err != nil {
			st.abort()
			return models.Result{}, err
		}
		models.Report(obs, float64(done+k)/float64(steps), "simulating")
	}
	tEnd := float64(steps) * dt
	if err := st.finish(); err != nil {
		return models.Result{}, err
	}

	sz := online.Seizures()
	prop := Propagate(sz, tEnd)

	sc := map[string]float64{"n_seizing": float64(len(prop.Order)), "first_onset_ms": -1, "recruitment_span_ms": 0}
	recruited := 0
	for _, i := range prop.Order {
		if role[i] != "ez" {
			recruited++
		}
	}
	sc["n_recruited"] = float64(recruited)
	if len(prop.Order) > 0 {
		first := prop.FirstOnset[prop.Order[0]]
		sc["first_onset_ms"] = first
		sc["recruitment_span_ms"] = prop.FirstOnset[prop.Order[len(prop.Order)-1]] - first
	}
	for _, i := range s.regional {
		onset := tEnd
		if prop.Count[i] > 0 {
			onset = prop.FirstOnset[i]
		}
		sc[OnsetOutput(conn.Labels[i])] = onset
	}
	for _, i := range s.watch {
		v := 0.0
		if prop.Count[i] > 0 {
			v = 1
		}
		sc[outputName(conn.Labels[i])] = v
	}
	var fc []float64
	if bold != nil {
		fc, _ = bold.FC()
		sc["fc_sc_corr"] = fcSC(fc, conn.Weights, n)
	}
	res := models.Result{Scalars: sc}
	if spec.Dir == "" {
		return res, nil
	}
	if bold != nil {
		if err := bold.write(spec.Dir, conn.Labels, fc); err != nil {
			return models.Result{}, err
		}
		res.Artifacts = append(res.Artifacts, "bold.npy", "fc.csv")
	}
	if err := writeOnsets(filepath.Join(spec.Dir, "onsets.csv"), conn.Labels, role, x0, prop); err != nil {
		return models.Result{}, err
	}
	if err := writeState(filepath.Join(spec.Dir, stateFile), net.State(), mass.VarNames(), conn.Labels); err != nil {
		return models.Result{}, err
	}
	res.Artifacts = append([]string{"onsets.csv"}, st.artifacts...)
	res.Artifacts = append(res.Artifacts, stateFile)
	return res, nil
}

// openStreams creates the run's folder and the files its recorders stream
// to; with no folder it returns streams that discard the samples.
func (s *setup) openStreams(dir string, p models.Params, conn *Connectivity, mass NeuralMass, samples, steps int) (*streams, error) {
	st := &streams{dir: dir}
	if dir == "" {
		return st, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	n := conn.N()
	var err error
	if p.Bool("save_timeseries") {
		if s.contacts != nil || s.gain != nil {
			st.gain = s.gain
			if st.gain == nil {
				if st.gain, err = SEEGGain(p.String("seeg_gain"), s.contacts, conn.Centres, conn.Orientations); err != nil {
					return nil, &models.ParamError{Model: Name, Param: "seeg_gain", Value: p.String("seeg_gain"), Msg: err.Error()}
				}
			}
			st.nk = len(s.contactL)
			st.seegRow = make([]float64, st.nk)
		}
		if st.sig, err = CreateNPY(filepath.Join(dir, "timeseries.npy"), samples, n); err != nil {
			return nil, err
		}
		st.sigPrev = newPreview(samples, conn.Labels)
		if st.gain != nil {
			if st.seeg, err = CreateNPY(filepath.Join(dir, "seeg.npy"), samples, st.nk); err != nil {
				st.abort()
				return nil, err
			}
			st.seegPrev = newPreview(samples, s.contactL)
		}
	}
	if s.in.Record != nil {
		vars, err := s.in.Record.check(mass.VarNames())
		if err != nil {
			st.abort()
			return nil, err
		}
		rows := steps / s.in.Record.Every
		if int64(rows)*int64(len(vars))*int64(n) > 500_000_000 {
			st.abort()
			return nil, fmt.Errorf("record: %d samples × %d variables × %d regions; expected at most 5e8 values (2 GB): raise every or record fewer variables", rows, len(vars), n)
		}
		if st.rec, err = CreateNPY(filepath.Join(dir, "record.npy"), rows, len(vars), n); err != nil {
			st.abort()
			return nil, err
		}
	}
	return st, nil
}

// writeOnsets writes the onset table: one row per region, in recruitment
// order first (rank 1, 2, …), then the regions that did not seize. An x0
// of NaN (a mass without x0) is written as an empty cell.
func writeOnsets(path string, labels, role []string, x0 []float64, p Propagation) error {
	var sb strings.Builder
	sb.WriteString("rank,region,label,role,x0,first_onset_ms,delay_ms,duration_ms,n_seizures\n")
	f := models.FormatFloat
	row := func(rank string, i int, delay float64) {
		r := role[i]
		if r == "" {
			r = "healthy"
		}
		x, onset, dur, del := "", "", "", ""
		if !math.IsNaN(x0[i]) {
			x = f(x0[i]) // empty for a mass without x0
		}
		if p.Count[i] > 0 {
			onset, dur, del = f(p.FirstOnset[i]), f(p.Duration[i]), f(delay)
		}
		fmt.Fprintf(&sb, "%s,%d,%s,%s,%s,%s,%s,%s,%d\n", rank, i, labels[i], r, x, onset, del, dur, p.Count[i])
	}
	for k, i := range p.Order {
		row(strconv.Itoa(k+1), i, p.FirstOnset[i]-p.FirstOnset[p.Order[0]])
	}
	for i := range labels {
		if p.Count[i] == 0 {
			row("", i, 0)
		}
	}
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}
