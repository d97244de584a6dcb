package optima

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/scenarios"
)

// A virtual trial of ablation strategies: the loop's scenario run over a
// cohort of substrates — N realisations of the generated fibrosis
// (fibrosis_seed, fibrosis_seed + 1, …) or N mesh files — under each
// strategy (arm), with the endpoint "non-inducible" (no pacing site
// induces a re-entrant driver after the strategy's ablation) and the
// ablated area.
//
// The arms: "none" (induction only), "pvi" (wide-antral PVI), "optima"
// (the OPTIMA loop) and "pvi+optima" (the loop on top of PVI). An arm
// without the loop is the first round of the loop with the same baseline
// (same sites, substrate and seeds: the rounds are deterministic), so the
// trial runs one loop per substrate and baseline, with the round limit of
// [inputs.optima] when an optima arm needs it and 1 otherwise.

// TrialSettings is the scenario's [inputs.trial].
//
//	[inputs.trial]
//	substrates = 4                        # fibrosis realisations: fibrosis_seed + 0 … + 3
//	arms = ["none", "pvi", "pvi+optima"]  # the default
//	meshes = ["a.vtp", "b.vtp"]           # or: one substrate per mesh file (inputs.mesh replaced)
type TrialSettings struct {
	Substrates int      `json:"substrates"`
	Arms       []string `json:"arms"`
	Meshes     []string `json:"meshes,omitempty"`
}

// The arms of a trial.
const (
	ArmNone       = "none"
	ArmPVI        = "pvi"
	ArmOptima     = "optima"
	ArmPVIOptima  = "pvi+optima"
	MaxSubstrates = 10000
)

// TrialFile and TrialTable, in the trial's output folder, are its summary
// (TrialSummary) and its one row per substrate and arm.
const (
	TrialFile  = "trial.json"
	TrialTable = "trial.csv"
)

// armBaseline returns the baseline and whether the arm runs the loop.
func armBaseline(arm string) (baseline string, loop bool, ok bool) {
	switch arm {
	case ArmNone:
		return BaselineNone, false, true
	case ArmPVI:
		return BaselinePVI, false, true
	case ArmOptima:
		return BaselineNone, true, true
	case ArmPVIOptima:
		return BaselinePVI, true, true
	}
	return "", false, false
}

func parseTrial(raw json.RawMessage) (TrialSettings, error) {
	var t TrialSettings
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return t, fmt.Errorf("atrial inputs: trial: %v (expected keys substrates, arms, meshes)", err)
	}
	if len(t.Arms) == 0 {
		t.Arms = []string{ArmNone, ArmPVI, ArmPVIOptima}
	}
	for _, a := range t.Arms {
		if _, _, ok := armBaseline(a); !ok {
			return t, fmt.Errorf("atrial inputs: trial: arm %q, expected \"none\", \"pvi\", \"optima\" or \"pvi+optima\"", a)
		}
	}
	for i, a := range t.Arms {
		if slices.Contains(t.Arms[:i], a) {
			return t, fmt.Errorf("atrial inputs: trial: arm %q is listed twice", a)
		}
	}
	if len(t.Meshes) > 0 {
		if t.Substrates != 0 && t.Substrates != len(t.Meshes) {
			return t, fmt.Errorf("atrial inputs: trial: substrates = %d but %d meshes; give one or the other", t.Substrates, len(t.Meshes))
		}
		t.Substrates = len(t.Meshes)
	}
	if t.Substrates < 1 || t.Substrates > MaxSubstrates {
		return t, fmt.Errorf("atrial inputs: trial: substrates must be 1 to %d, got %d", MaxSubstrates, t.Substrates)
	}
	return t, nil
}

// Has reports whether the scenario sc has an [inputs.optima] table: a
// scenario written for the planning loop (mdtwin optima), not for a single
// study.
func Has(sc *scenarios.Scenario) bool {
	var in map[string]json.RawMessage
	return json.Unmarshal(sc.Inputs, &in) == nil && in["optima"] != nil
}

// IsTrial reports whether the scenario sc has an [inputs.trial] table.
func IsTrial(sc *scenarios.Scenario) bool {
	in, err := atrial.ParseInputs(sc.Inputs)
	return err == nil && len(in.Trial) > 0
}

// TrialOutcome is one substrate under one arm: a row of trial.csv.
type TrialOutcome struct {
	Substrate     int     `json:"substrate"`
	FibrosisSeed  int64   `json:"fibrosis_seed"`
	Mesh          string  `json:"mesh,omitempty"`
	Arm           string  `json:"arm"`
	NonInducible  bool    `json:"non_inducible"`
	LesionAreaMM2 float64 `json:"lesion_area_mm2"`
	Rounds        int     `json:"rounds"`  // induction rounds the arm took
	Outcome       string  `json:"outcome"` // the loop's outcome, or of its first round for arms without it
	Dir           string  `json:"dir"`     // the loop's folder, relative to the trial's
}

// ArmSummary is the result of one arm over the cohort.
type ArmSummary struct {
	Arm          string `json:"arm"`
	N            int    `json:"n"`
	NonInducible int    `json:"non_inducible"`
	// Proportion non-inducible and its 95 % Wilson score interval.
	Proportion float64    `json:"proportion"`
	CI95       [2]float64 `json:"ci95"`
	// Mean lesion area (mm²), its standard deviation and the 95 %
	// t-interval of the mean (NaN bounds, written null, for n = 1).
	MeanAreaMM2 float64    `json:"mean_lesion_area_mm2"`
	SDAreaMM2   float64    `json:"sd_lesion_area_mm2"`
	AreaCI95    [2]float64 `json:"lesion_area_ci95"`
}

// TrialSummary is trial.json.
type TrialSummary struct {
	Study        string         `json:"study"`
	Scenario     string         `json:"scenario"`
	ScenarioHash string         `json:"scenario_hash"`
	Cohort       string         `json:"cohort"`
	Substrates   int            `json:"substrates"`
	Sites        int            `json:"sites"`  // pacing sites per round
	Rounds       int            `json:"rounds"` // round limit of the optima arms
	Endpoint     string         `json:"endpoint"`
	Arms         []ArmSummary   `json:"arms"`
	Outcomes     []TrialOutcome `json:"-"` // trial.csv
}

// RunTrial runs the virtual trial of sc's [inputs.trial] (see TrialSettings)
// into opt.OutDir: one OPTIMA loop per substrate and baseline under
// substrate-NNN/<baseline>/, then trial.csv and trial.json. opt.Rounds
// overrides the optima arms' round limit; with opt.Resume the loops
// recorded in the folder continue.
func RunTrial(ctx context.Context, sc *scenarios.Scenario, opt Options) (*TrialSummary, error) {
	params, set, err := check(sc)
	if err != nil {
		return nil, err
	}
	in, _ := atrial.ParseInputs(sc.Inputs) // check parsed it
	if len(in.Trial) == 0 {
		return nil, sc.Errorf([]string{"inputs"}, "no [inputs.trial]: a trial needs its cohort and arms")
	}
	tr, err := parseTrial(in.Trial)
	if err != nil {
		return nil, sc.Errorf([]string{"inputs", "trial"}, "%v", err)
	}
	if set.Baseline == BaselinePVI {
		return nil, sc.Errorf([]string{"inputs", "optima", "baseline"}, "a trial sets the baseline per arm; remove baseline from [inputs.optima] (pvi_distance_mm and pvi_width_mm may stay)")
	}
	if params.String("fibrosis_pattern") == "none" && len(tr.Meshes) == 0 && tr.Substrates > 1 {
		return nil, sc.Errorf([]string{"inputs", "trial"}, "the cohort is %d fibrosis realisations but fibrosis_pattern = \"none\": generate fibrosis or give meshes", tr.Substrates)
	}
	full := set.WithDefaults(sc.Study.Seed)
	rounds := full.Rounds
	if opt.Rounds > 0 {
		rounds = opt.Rounds
	}
	if ents, err := os.ReadDir(opt.OutDir); err == nil && len(ents) > 0 && !opt.Resume {
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: the output folder is not empty; use --resume to continue the trial recorded there, or another --out", opt.OutDir)}
	}
	// The loops each baseline needs, and their round limit.
	need := map[string]int{}
	for _, a := range tr.Arms {
		b, loop, _ := armBaseline(a)
		r := 1
		if loop {
			r = rounds
		}
		need[b] = max(need[b], r)
	}
	baselines := []string{}
	for _, b := range []string{BaselineNone, BaselinePVI} {
		if need[b] > 0 {
			baselines = append(baselines, b)
		}
	}
	var rawOptima map[string]json.RawMessage
	if len(in.Optima) > 0 {
		if err := json.Unmarshal(in.Optima, &rawOptima); err != nil {
			return nil, err
		}
	}
	seed0 := params.Int("fibrosis_seed")
	sum := &TrialSummary{Study: sc.Study.Name, Scenario: sc.File, ScenarioHash: sc.Hash, Substrates: tr.Substrates,
		Sites: full.Sites, Rounds: rounds,
		Endpoint: "non-inducible: no pacing site induces a re-entrant driver with the arm's lesions in place"}
	if len(tr.Meshes) > 0 {
		sum.Cohort = fmt.Sprintf("%d meshes (fibrosis_seed %d + substrate index)", len(tr.Meshes), seed0)
	} else {
		sum.Cohort = fmt.Sprintf("%d fibrosis realisations (%s, fibrosis_seed %d … %d)", tr.Substrates, params.String("fibrosis_pattern"), seed0, seed0+int64(tr.Substrates)-1)
	}
	for i := range tr.Substrates {
		plans := map[string]*Plan{}
		fseed := seed0 + int64(i)
		for _, b := range baselines {
			o := map[string]any{}
			for k, v := range rawOptima {
				o[k] = v
			}
			o["baseline"], o["rounds"] = b, need[b]
			d := scenarios.Derivation{Why: fmt.Sprintf("trial substrate %d, baseline %s", i, b),
				Params: map[string]any{"fibrosis_seed": fseed}, Inputs: map[string]any{"optima": o}}
			if len(tr.Meshes) > 0 {
				d.Inputs["mesh"] = tr.Meshes[i]
			}
			dsc, err := sc.Derive(d)
			if err != nil {
				return nil, err
			}
			dir := filepath.Join(opt.OutDir, fmt.Sprintf("substrate-%03d", i), b)
			if opt.Log != nil {
				opt.Log.Info("trial loop", "substrate", i, "fibrosis_seed", fseed, "baseline", b, "rounds", need[b])
			}
			sub := opt
			sub.OutDir, sub.Rounds = dir, 0 // a loop not started yet has no folder: Run starts it afresh, also on Resume
			p, err := Run(ctx, dsc, sub)
			if err != nil {
				return nil, fmt.Errorf("trial substrate %d, baseline %s: %w", i, b, err)
			}
			plans[b] = p
		}
		for _, a := range tr.Arms {
			b, loop, _ := armBaseline(a)
			p := plans[b]
			o := TrialOutcome{Substrate: i, FibrosisSeed: fseed, Arm: a, Dir: filepath.Join(fmt.Sprintf("substrate-%03d", i), b)}
			if len(tr.Meshes) > 0 {
				o.Mesh = tr.Meshes[i]
			}
			if loop {
				o.NonInducible, o.LesionAreaMM2, o.Rounds, o.Outcome = p.Outcome == NonInducible, p.TotalLesionAreaMM2, len(p.Rounds), p.Outcome
			} else {
				r := p.Rounds[0]
				o.NonInducible, o.LesionAreaMM2, o.Rounds = len(r.InducibleRuns) == 0, r.LesionAreaMM2, 1
				o.Outcome = RoundLimit
				if o.NonInducible {
					o.Outcome = NonInducible
				}
			}
			sum.Outcomes = append(sum.Outcomes, o)
		}
	}
	for _, a := range tr.Arms {
		var areas []float64
		s := ArmSummary{Arm: a}
		for _, o := range sum.Outcomes {
			if o.Arm == a {
				s.N++
				if o.NonInducible {
					s.NonInducible++
				}
				areas = append(areas, o.LesionAreaMM2)
			}
		}
		s.Proportion = float64(s.NonInducible) / float64(s.N)
		s.CI95[0], s.CI95[1] = Wilson(s.NonInducible, s.N, z95)
		s.MeanAreaMM2, s.SDAreaMM2, s.AreaCI95 = meanCI(areas)
		sum.Arms = append(sum.Arms, s)
	}
	if err := writeTrial(opt.OutDir, sum); err != nil {
		return nil, err
	}
	return sum, nil
}

// z95 is the standard normal quantile of 0.975.
var z95 = distuv.UnitNormal.Quantile(0.975)

// Wilson returns the Wilson score interval (Wilson 1927, J Am Stat Assoc
// 22:209) for x successes in n trials at normal quantile z:
//
//	centre = (p̂ + z²/(2n)) / (1 + z²/n)
//	half   = z/(1 + z²/n) · √(p̂(1 − p̂)/n + z²/(4n²)),   p̂ = x/n
//
// Unlike the Wald interval p̂ ± z√(p̂(1−p̂)/n) it stays inside [0, 1] and
// does not collapse to a point at x = 0 or x = n, which matters for the
// small cohorts of a virtual trial. n must be positive.
func Wilson(x, n int, z float64) (lo, hi float64) {
	if n <= 0 || x < 0 || x > n {
		panic("optima: Wilson needs 0 ≤ x ≤ n and n > 0")
	}
	nf, p := float64(n), float64(x)/float64(n)
	d := 1 + z*z/nf
	c := (p + z*z/(2*nf)) / d
	h := z / d * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return max(0, c-h), min(1, c+h)
}

// meanCI returns the mean, the sample standard deviation and the 95 %
// Student-t interval of the mean of v (NaN sd and bounds for one value).
func meanCI(v []float64) (mean, sd float64, ci [2]float64) {
	n := float64(len(v))
	for _, x := range v {
		mean += x
	}
	mean /= n
	if len(v) < 2 {
		return mean, math.NaN(), [2]float64{math.NaN(), math.NaN()}
	}
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	sd = math.Sqrt(sd / (n - 1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975)
	h := t * sd / math.Sqrt(n)
	return mean, sd, [2]float64{mean - h, mean + h}
}

// writeTrial writes trial.csv and trial.json into dir.
func writeTrial(dir string, s *TrialSummary) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"substrate", "fibrosis_seed", "mesh", "arm", "non_inducible", "lesion_area_mm2", "rounds", "outcome", "dir"})
	for _, o := range s.Outcomes {
		ni := "0"
		if o.NonInducible {
			ni = "1"
		}
		w.Write([]string{strconv.Itoa(o.Substrate), strconv.FormatInt(o.FibrosisSeed, 10), o.Mesh, o.Arm, ni,
			strconv.FormatFloat(o.LesionAreaMM2, 'g', -1, 64), strconv.Itoa(o.Rounds), o.Outcome, filepath.ToSlash(o.Dir)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, TrialTable), func(tmp string) error { return os.WriteFile(tmp, b.Bytes(), 0o644) }); err != nil {
		return err
	}
	js := *s
	js.Arms = slices.Clone(s.Arms)
	return writeJSON(filepath.Join(dir, TrialFile), jsonSafe(js))
}

// jsonSafe replaces the NaN of a one-substrate arm (no spread) by a value
// encoding/json writes: the summary as a map with nulls.
func jsonSafe(s TrialSummary) any {
	b, _ := json.Marshal(struct {
		TrialSummary
		Arms []map[string]any `json:"arms"`
	}{TrialSummary: s, Arms: armsMaps(s.Arms)})
	return json.RawMessage(b)
}

func armsMaps(as []ArmSummary) []map[string]any {
	num := func(v float64) any {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	out := make([]map[string]any, len(as))
	for i, a := range as {
		out[i] = map[string]any{"arm": a.Arm, "n": a.N, "non_inducible": a.NonInducible, "proportion": a.Proportion,
			"ci95": []any{a.CI95[0], a.CI95[1]}, "mean_lesion_area_mm2": num(a.MeanAreaMM2), "sd_lesion_area_mm2": num(a.SDAreaMM2),
			"lesion_area_ci95": []any{num(a.AreaCI95[0]), num(a.AreaCI95[1])}}
	}
	return out
}
