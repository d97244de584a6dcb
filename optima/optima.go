// Package optima is the OPTIMA-style ablation planning loop (Boyle et al.,
// Nat Biomed Eng 2019) on the atrial model: pace from N sites spread over
// the mesh (farthest-point sampling by distance along the wall, see
// PacingSites; each site one engine run, so they go parallel on any
// backend), collect the re-entrant drivers (RDs) of every run, ablate them
// (a disc over each driver joined by a line to the nearest barrier; see
// ProposeLesions), and re-induce with the accumulated lesions until
// no run is inducible or the round limit is reached. Its settings are the
// scenario's [inputs.optima] (Settings), which a single run of the atrial
// model ignores; all of the loop's logic lives in this package.
//
// Each round is an ordinary study of the scenario — its [sweep] a zip over
// the S1 and S2 site coordinates (stim_*_mm, s2_*_mm), its [inputs] lesions
// the scenario's plus those planned so far — executed through package
// prediction into <out>/round-NN/. The plan goes to <out>/plan.json (Plan)
// and <out>/plan.vtu (the mesh with cell fields LesionRound — the round
// whose drivers a lesion ablated, 0 for none — and NonConducting).
//
// The loop so far — the scenario's hash, the settings, the finished rounds
// and the lesions — is <out>/optima-state.json (StateFile), replaced
// atomically before round 1 and after each round. With Options.Resume
// (`mdtwin optima --resume`) an interrupted loop continues from it: the
// finished rounds are read back, not run again; the round that was
// interrupted is executed again with the engine's resume, so only its
// unfinished runs run; and since every round is a deterministic function of
// the scenario and the lesions before it (sites, substrate, run seeds), the
// plan comes out byte for byte as an uninterrupted loop's. The round limit
// (Options.Rounds) may be raised on resuming: a loop that stopped at its
// old limit still inducible proposes its last round's lesions and goes on,
// again as an uninterrupted loop with the new limit would. A folder whose
// state records another scenario is refused, as is a limit below the rounds
// already run, and without Resume the output folder must be empty or
// absent.
//
// With baseline = "pvi" in [inputs.optima] the loop starts from a
// wide-antral pulmonary-vein isolation (the atrial model's "pvi" lesion
// set) in place in every round: OPTIMA on top of PVI. The baseline is
// counted in the lesion areas and kept apart from the lesions the loop
// proposes (Plan.Baseline; plan.vtu's Baseline field).
//
// RunTrial runs a virtual trial of ablation strategies: the loop over a
// cohort of substrates (fibrosis realisations or meshes, [inputs.trial])
// under the arms none, pvi, optima and pvi+optima, with the endpoint
// non-inducible and the lesion area per arm (trial.csv, trial.json; 95 %
// Wilson intervals for the proportions).
//
// `mdtwin optima SCENARIO` runs it; scenarios/examples/af-ablation.toml is
// the example.
package optima

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/models/atrial/substrate"
	"github.com/mdtwin/mdtwin/scenarios"
)

// Executor executes the study sc into the folder out, on some backend (see
// prediction.Execute); a new backend per call. With resume it continues
// the study recorded in out, if any (engine.Plan.Resume).
type Executor func(ctx context.Context, sc *scenarios.Scenario, out string, resume bool) (engine.Report, error)

// Options configure Run.
type Options struct {
	OutDir  string
	Rounds  int // > 0: overrides [inputs.optima] rounds
	Execute Executor
	// Resume continues the loop recorded in OutDir (StateFile): the rounds
	// it finished are taken from there, the round it was in resumes its
	// study. Without Resume, OutDir must be empty or absent.
	Resume bool
	Log    *slog.Logger // nil: discard
}

// StateFile, in the output folder, is the loop so far: the scenario's hash,
// the settings and the plan of the finished rounds (State). It is replaced
// atomically before round 1 and after every round.
const StateFile = "optima-state.json"

// State is StateFile.
type State struct {
	ScenarioHash string   `json:"scenario_hash"`
	Settings     Settings `json:"settings"`
	Plan         Plan     `json:"plan"` // Outcome set once the loop has ended
}

// The outcomes of a plan.
const (
	NonInducible = "non-inducible"
	RoundLimit   = "round limit reached: still inducible"
	NoNewLesion  = "no new lesion: the drivers lie in tissue already ablated"
)

// Plan is plan.json: the rounds and the lesion set.
type Plan struct {
	Study              string          `json:"study"`
	Scenario           string          `json:"scenario"`
	Settings           Settings        `json:"settings"`
	Rounds             []Round         `json:"rounds"`
	Outcome            string          `json:"outcome"`
	Inducible          bool            `json:"inducible"` // at the last round
	Lesions            []PlannedLesion `json:"lesions"`   // the final lesion set, every lesion tested in a later round
	TotalLesionAreaMM2 float64         `json:"total_lesion_area_mm2"`
	// Baseline is the lesion set in place from round 1 on (Settings.Baseline,
	// e.g. PVI), counted in the lesion areas but not in Lesions.
	Baseline []atrial.LesionInput `json:"baseline,omitempty"`

	Resumed int `json:"-"` // rounds read back from the output folder (Options.Resume), not run by this call

	reopened bool // resumed with a higher round limit after ending at the old one: the last round's lesions are still to propose
}

// Round is one induction round.
type Round struct {
	Round          int          `json:"round"`
	Dir            string       `json:"dir"` // study folder, relative to the plan's
	Sites          [][3]float64 `json:"sites"`
	Runs           int          `json:"runs"`
	Failed         int          `json:"failed"`
	InducibleRuns  []string     `json:"inducible_runs"`
	InducibleSites []int        `json:"inducible_sites"` // indices into Sites
	Drivers        []Driver     `json:"drivers"`
	LesionAreaMM2  float64      `json:"lesion_area_mm2"` // of the lesions in place during the round
	LesionsAdded   int          `json:"lesions_added"`
}

// Driver is one RD found in a round (a row of the run's drivers.csv).
type Driver struct {
	Run        string     `json:"run"`
	Site       int        `json:"site"`
	Position   [3]float64 `json:"position_mm"`
	Rotations  float64    `json:"rotations"`
	LifespanMS float64    `json:"lifespan_ms"`
}

// PlannedLesion is a lesion of the plan with the round whose drivers it ablates.
type PlannedLesion struct {
	Round int `json:"round"`
	atrial.LesionInput
}

// The parameters each round's zip design sets per pacing site.
var siteParams = []string{"stim_x_mm", "stim_y_mm", "stim_z_mm", "s2_x_mm", "s2_y_mm", "s2_z_mm"}

// Run runs the loop for sc (model atrial, no [sweep], no [inputs] sites,
// phase tracking on, a fixed fibrosis_seed with generated fibrosis) and
// writes the plan. Every round's study is executed by opt.Execute.
func Run(ctx context.Context, sc *scenarios.Scenario, opt Options) (*Plan, error) {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	params, given, err := check(sc)
	if err != nil {
		return nil, err
	}
	set := given.WithDefaults(sc.Study.Seed)
	if opt.Rounds > 0 {
		set.Rounds = opt.Rounds
	}
	seed := scenarios.RunSeed(sc.Study.Seed, 0)
	plan, err := start(sc, set, opt)
	if err != nil {
		return nil, err
	}
	if len(plan.Rounds) > 0 {
		log.Info("optima resumed", "rounds_finished", len(plan.Rounds), "lesions", len(plan.Lesions), "ended", plan.Outcome != "")
	}
	save := func() error {
		return writeJSON(filepath.Join(opt.OutDir, StateFile), State{ScenarioHash: sc.Hash, Settings: set, Plan: *plan})
	}
	if plan.reopened {
		if err := proposeAgain(plan, sc, params, seed, set, log); err != nil {
			return nil, err
		}
	}
	if err := save(); err != nil {
		return nil, err
	}
	for r := len(plan.Rounds) + 1; plan.Outcome == "" && r <= set.Rounds; r++ {
		inputs, err := withLesions(sc.Inputs, plan.inPlace())
		if err != nil {
			return nil, err
		}
		m, mask, err := atrial.Substrate(params, inputs, seed)
		if err != nil {
			return nil, sc.Errorf([]string{"inputs"}, "%v", err)
		}
		a, err := substrate.NewAblation(m)
		if err != nil {
			return nil, err
		}
		sites := PacingSites(m, mask, set.Sites, set.Seed)
		rd := Round{Round: r, Dir: fmt.Sprintf("round-%02d", r), InducibleRuns: []string{}, InducibleSites: []int{}, Drivers: []Driver{}}
		for _, s := range sites {
			rd.Sites = append(rd.Sites, [3]float64(s))
		}
		_, rd.LesionAreaMM2, err = lesionField(a, plan.inPlace())
		if err != nil {
			return nil, err
		}
		rsc, err := roundScenario(sc, r, inputs, sites)
		if err != nil {
			return nil, err
		}
		if rsc, err = prepaced(ctx, sc, rsc, params, set, r, inputs, sites, opt); err != nil {
			return nil, err
		}
		dir := filepath.Join(opt.OutDir, rd.Dir)
		log.Info("optima round", "round", r, "sites", len(sites), "lesions", len(plan.Lesions), "out", dir)
		rep, err := opt.Execute(ctx, rsc, dir, opt.Resume)
		if err != nil {
			return nil, fmt.Errorf("round %d: %w", r, err)
		}
		rd.Runs, rd.Failed = rep.Runs, len(rep.Failed)
		if rep.Done == 0 {
			msg := ""
			if len(rep.Failed) > 0 {
				msg = ", e.g. " + rep.Failed[0].ID + ": " + rep.Failed[0].Error
			}
			return nil, fmt.Errorf("round %d: every run failed (see %s)%s", r, filepath.Join(dir, "summary.json"), msg)
		}
		if err := collect(dir, sc.Study.Replicates, &rd); err != nil {
			return nil, fmt.Errorf("round %d: %w", r, err)
		}
		plan.Rounds = append(plan.Rounds, rd)
		plan.Inducible = len(rd.InducibleRuns) > 0
		if err := propose(plan, rd, a, mask, set, r, log); err != nil {
			return nil, err
		}
		if err := save(); err != nil {
			return nil, err
		}
	}
	if plan.Outcome == "" { // cannot be: the last round sets it, and start checked the rounds
		return nil, fmt.Errorf("%s: the loop has no outcome after %d rounds", filepath.Join(opt.OutDir, StateFile), len(plan.Rounds))
	}
	if err := write(opt.OutDir, sc, params, seed, plan); err != nil {
		return nil, err
	}
	return plan, nil
}

// proposeAgain proposes the lesions of plan's last round, on the substrate
// that round ran on, for a loop resumed with a higher round limit.
func proposeAgain(plan *Plan, sc *scenarios.Scenario, params models.Params, seed uint64, set Settings, log *slog.Logger) error {
	r := len(plan.Rounds)
	inputs, err := withLesions(sc.Inputs, plan.inPlace())
	if err != nil {
		return err
	}
	m, mask, err := atrial.Substrate(params, inputs, seed)
	if err != nil {
		return sc.Errorf([]string{"inputs"}, "%v", err)
	}
	a, err := substrate.NewAblation(m)
	if err != nil {
		return err
	}
	plan.reopened = false
	return propose(plan, plan.Rounds[r-1], a, mask, set, r, log)
}

// propose ends the loop after round r (plan.Outcome), or adds the lesions
// for rd's drivers to plan.
func propose(plan *Plan, rd Round, a *substrate.Ablation, mask []bool, set Settings, r int, log *slog.Logger) error {
	if !plan.Inducible {
		plan.Outcome = NonInducible
		return nil
	}
	if r == set.Rounds {
		plan.Outcome = RoundLimit
		return nil
	}
	drivers := slices.Clone(rd.Drivers)
	slices.SortStableFunc(drivers, func(x, y Driver) int {
		return -cmp.Compare(x.Rotations, y.Rotations)
	})
	var pos []mgl64.Vec3
	for _, d := range drivers {
		pos = append(pos, mgl64.Vec3(d.Position))
	}
	proposed, err := ProposeLesions(a, mask, pos, set)
	if err != nil {
		return fmt.Errorf("round %d: %w", r, err)
	}
	next := slices.Clone(plan.Lesions)
	for _, l := range proposed {
		next = append(next, PlannedLesion{Round: r, LesionInput: l})
	}
	_, area, err := lesionField(a, append(baselinePlanned(plan.Baseline), next...))
	if err != nil {
		return err
	}
	if len(proposed) == 0 || area <= rd.LesionAreaMM2 {
		plan.Outcome = NoNewLesion
		return nil
	}
	plan.Rounds[len(plan.Rounds)-1].LesionsAdded = len(proposed)
	plan.Lesions = next
	log.Info("optima lesions", "round", r, "drivers", len(drivers), "added", len(proposed), "area_mm2", area)
	return nil
}

// start returns the plan to continue: a new one, or with opt.Resume the one
// in opt.OutDir's StateFile (none there: a new one) after checking it was
// made from sc with set. Without opt.Resume the folder must be empty.
func start(sc *scenarios.Scenario, set Settings, opt Options) (*Plan, error) {
	fresh := &Plan{Study: sc.Study.Name, Scenario: sc.File, Settings: set, Lesions: []PlannedLesion{}, Baseline: set.baseline()}
	ents, err := os.ReadDir(opt.OutDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, &engine.InputError{Msg: fmt.Sprintf("output folder %s: %v", opt.OutDir, err)}
	case len(ents) > 0 && !opt.Resume:
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: the output folder is not empty; use --resume to continue the optima loop recorded there, or another --out", opt.OutDir)}
	}
	if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
		return nil, &engine.InputError{Msg: fmt.Sprintf("output folder %s: %v", opt.OutDir, err)}
	}
	if !opt.Resume {
		return fresh, nil
	}
	path := filepath.Join(opt.OutDir, StateFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if len(ents) > 0 {
			return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: the folder holds no optima loop (%s); use another --out", opt.OutDir, StateFile)}
		}
		return fresh, nil
	}
	if err != nil {
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: %v", path, err)}
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: %v", path, err)}
	}
	switch {
	case st.ScenarioHash != sc.Hash:
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: the loop there was started from another scenario (SHA-256 %.12s…, this one %.12s…); use another --out for a changed scenario",
			opt.OutDir, st.ScenarioHash, sc.Hash)}
	case !sameButRounds(st.Settings, set):
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: the loop there was started with settings %+v, these are %+v; use the same (only --rounds may change), or another --out",
			opt.OutDir, st.Settings, set)}
	case st.Plan.Study != fresh.Study || st.Plan.Settings != st.Settings || len(st.Plan.Rounds) > st.Settings.Rounds:
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume: the plan there does not match its own settings", path)}
	case len(st.Plan.Rounds) > set.Rounds:
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: cannot resume with --rounds %d: the loop there has run %d rounds already", opt.OutDir, set.Rounds, len(st.Plan.Rounds))}
	}
	p := st.Plan
	p.Scenario, p.Resumed = sc.File, len(p.Rounds)
	if p.Settings.Rounds != set.Rounds {
		// A new round limit: a loop that stopped at the old limit while
		// still inducible goes on (its last round's lesions are proposed
		// as an uninterrupted loop with this limit would have); one that
		// stopped at an unfinished round ends at the new limit; one that
		// ended otherwise stays ended.
		p.Settings = set
		if p.Outcome == RoundLimit && len(p.Rounds) < set.Rounds {
			p.Outcome, p.reopened = "", true
		}
	}
	if p.Lesions == nil {
		p.Lesions = []PlannedLesion{}
	}
	return &p, nil
}

// sameButRounds reports whether two loop settings differ at most in the
// round limit.
func sameButRounds(a, b Settings) bool {
	a.Rounds, b.Rounds = 0, 0
	return a == b
}

// writeJSON writes v as indented JSON to path atomically: a temporary file
// in path's folder, synced, renamed over it.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, func(tmp string) error {
		f, err := os.Create(tmp)
		if err != nil {
			return err
		}
		_, err = f.Write(append(b, '\n'))
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// writeAtomic has write fill a temporary file (same folder, same
// extension) and renames it to path.
func writeAtomic(path string, write func(tmp string) error) error {
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err := write(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// check returns sc's resolved parameters and loop settings (as given,
// without defaults), or an error naming what keeps sc from the loop.
func check(sc *scenarios.Scenario) (models.Params, Settings, error) {
	var set Settings
	if sc.Study.Model != atrial.Name {
		return nil, set, sc.Errorf([]string{"study", "model"}, "optima runs the %q model, not %q", atrial.Name, sc.Study.Model)
	}
	if sc.Sweep != nil {
		return nil, set, sc.Errorf([]string{"sweep"}, "optima sets the sweep itself (one run per pacing site); remove [sweep]")
	}
	for _, k := range siteParams {
		if _, ok := sc.Params[k]; ok {
			return nil, set, sc.Errorf([]string{"params", k}, "optima sets %s per pacing site; remove it from [params]", k)
		}
	}
	in, err := atrial.ParseInputs(sc.Inputs)
	if err != nil {
		return nil, set, sc.Errorf([]string{"inputs"}, "%v", err)
	}
	if set, err = parseSettings(in.Optima); err != nil {
		return nil, set, sc.Errorf([]string{"inputs", "optima"}, "%v", err)
	}
	if set.PrepaceBeats > 0 && in.Initial != nil {
		return nil, set, sc.Errorf([]string{"inputs", "initial"}, "optima with prepace_beats starts every site from its pre-paced state; remove [inputs.initial]")
	}
	if len(in.Sites) > 0 {
		return nil, set, sc.Errorf([]string{"inputs", "sites"}, "optima paces from sites it chooses with the S1/S2 parameters (n_beats, bcl_ms, s2_ms); remove [inputs] sites")
	}
	desc, err := atrial.Model{}.DescribeInputs(sc.Inputs)
	if err != nil {
		return nil, set, sc.Errorf([]string{"inputs"}, "%v", err)
	}
	p, err := desc.Resolve(sc.Params)
	if err != nil {
		return nil, set, sc.Errorf([]string{"params"}, "%v", err)
	}
	if p.String("phase") == atrial.PhaseNone {
		return nil, set, sc.Errorf([]string{"params"}, "optima needs the drivers: set phase = \"state\" or \"lat\" in [params]")
	}
	if p.String("fibrosis_pattern") != "none" && p.Int("fibrosis_seed") == 0 {
		return nil, set, sc.Errorf([]string{"params"}, "optima needs one substrate for every run: set fibrosis_seed (not 0) in [params]")
	}
	return p, set, nil
}

// inPlace returns the lesions in place in the plan's next round: the
// baseline (as round 0) and the planned ones.
func (p *Plan) inPlace() []PlannedLesion {
	return append(baselinePlanned(p.Baseline), p.Lesions...)
}

func baselinePlanned(b []atrial.LesionInput) []PlannedLesion {
	out := make([]PlannedLesion, 0, len(b))
	for _, l := range b {
		out = append(out, PlannedLesion{Round: 0, LesionInput: l})
	}
	return out
}

// withLesions returns the [inputs] JSON with the planned lesions appended
// to its lesions, the other keys as they were.
func withLesions(raw json.RawMessage, planned []PlannedLesion) (json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, err
		}
	}
	var ls []atrial.LesionInput
	if b, ok := obj["lesions"]; ok {
		if err := json.Unmarshal(b, &ls); err != nil {
			return nil, err
		}
	}
	if len(planned) == 0 {
		return raw, nil
	}
	for _, p := range planned {
		ls = append(ls, p.LesionInput)
	}
	b, err := json.Marshal(ls)
	if err != nil {
		return nil, err
	}
	obj["lesions"] = b
	return json.Marshal(obj)
}

// roundScenario derives round r's scenario from sc: the lesions of inputs
// (the planned ones appended, withLesions) and a zip design over the
// pacing sites.
func roundScenario(sc *scenarios.Scenario, r int, inputs json.RawMessage, sites []mgl64.Vec3) (*scenarios.Scenario, error) {
	sw := &scenarios.Sweep{Design: scenarios.Zip}
	for i, name := range siteParams {
		p := scenarios.SweepParam{Name: name}
		for _, s := range sites {
			p.Values = append(p.Values, s[i%3])
		}
		sw.Params = append(sw.Params, p)
	}
	d := scenarios.Derivation{Why: fmt.Sprintf("optima round %d", r), Sweep: sw}
	obj := map[string]json.RawMessage{}
	if len(inputs) > 0 && string(inputs) != "null" {
		if err := json.Unmarshal(inputs, &obj); err != nil {
			return nil, err
		}
	}
	if ls, ok := obj["lesions"]; ok {
		d.Inputs = map[string]any{"lesions": ls}
	}
	return sc.Derive(d)
}

// collect reads a round's results.csv and runs/<id>/drivers.csv.
func collect(dir string, replicates int, rd *Round) error {
	rows, err := readCSV(filepath.Join(dir, "results.csv"))
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	for _, c := range []string{"run_id", "status", "inducible"} {
		if _, ok := col[c]; !ok {
			return fmt.Errorf("%s/results.csv has no column %s", dir, c)
		}
	}
	for i, row := range rows[1:] {
		id, site := row[col["run_id"]], i/max(1, replicates)
		if row[col["inducible"]] != "1" {
			continue
		}
		rd.InducibleRuns = append(rd.InducibleRuns, id)
		if !slices.Contains(rd.InducibleSites, site) {
			rd.InducibleSites = append(rd.InducibleSites, site)
		}
		drows, err := readCSV(filepath.Join(dir, "runs", id, "drivers.csv"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		dc := map[string]int{}
		for i, c := range drows[0] {
			dc[c] = i
		}
		for _, d := range drows[1:] {
			f := func(c string) float64 {
				v, err := strconv.ParseFloat(d[dc[c]], 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return math.NaN()
				}
				return v
			}
			if math.IsNaN(f("x_mm") + f("y_mm") + f("z_mm") + f("rotations") + f("lifespan_ms")) {
				return fmt.Errorf("%s: a driver row with a missing or non-finite value", filepath.Join(dir, "runs", id, "drivers.csv"))
			}
			rd.Drivers = append(rd.Drivers, Driver{Run: id, Site: site, Position: [3]float64{f("x_mm"), f("y_mm"), f("z_mm")},
				Rotations: f("rotations"), LifespanMS: f("lifespan_ms")})
		}
	}
	return nil
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	return rows, nil
}

func lesionField(a *substrate.Ablation, ls []PlannedLesion) ([]float64, float64, error) {
	in := make([]atrial.LesionInput, len(ls))
	rounds := make([]int, len(ls))
	for i, l := range ls {
		in[i], rounds[i] = l.LesionInput, l.Round
	}
	return LesionRounds(a, in, rounds)
}

// write writes plan.json and plan.vtu into dir.
func write(dir string, sc *scenarios.Scenario, params models.Params, seed uint64, plan *Plan) error {
	m, mask, err := atrial.Substrate(params, sc.Inputs, seed)
	if err != nil {
		return err
	}
	a, err := substrate.NewAblation(m)
	if err != nil {
		return err
	}
	f, area, err := lesionField(a, plan.Lesions)
	if err != nil {
		return err
	}
	if len(plan.Baseline) > 0 {
		if _, area, err = lesionField(a, plan.inPlace()); err != nil {
			return err
		}
	}
	plan.TotalLesionAreaMM2 = area
	nc := make([]float64, len(mask))
	for e, b := range mask {
		if b {
			nc[e] = 1
		}
	}
	out := m.Clone()
	out.CellData = append(out.CellData,
		mesh.Field{Name: "LesionRound", Components: 1, Values: f},
		mesh.Field{Name: "NonConducting", Components: 1, Values: nc})
	if len(plan.Baseline) > 0 {
		bl := baselinePlanned(plan.Baseline)
		for i := range bl {
			bl[i].Round = 1 // the field's value on the baseline's elements
		}
		bf, _, err := lesionField(a, bl)
		if err != nil {
			return err
		}
		out.CellData = append(out.CellData, mesh.Field{Name: "Baseline", Components: 1, Values: bf})
	}
	if err := writeAtomic(filepath.Join(dir, "plan.vtu"), func(tmp string) error {
		return mesh.WriteFile(tmp, out, mesh.WriteOptions{XML: mesh.XMLOptions{Compress: true}})
	}); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "plan.json"), plan)
}
