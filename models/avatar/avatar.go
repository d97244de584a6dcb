// Package avatar is the avatar method of package cohort as an mdtwin model,
// so that studies over its settings — the number of neighbours k above all,
// and seeds — run through `mdtwin run` like any other model:
//
//	[study]
//	name = "avatar-k-sweep"
//	model = "avatar"
//	seed = 2023
//
//	[inputs]
//	table = "cohort/testdata/breast_cancer_wisconsin.csv"  # CSV or Parquet
//	drop = ["Sample_code_number"]
//
//	[sweep]
//	design = "grid"
//	[sweep.params]
//	k = [5, 10, 20, 40]
//
// One run reads the table named in [inputs] (see Inputs), applies the
// preset's column kinds (cohort.Presets: "default", or "paper" for the
// avatar paper's settings), makes one avatar per row with cohort.Generate
// (Guillaudeux et al., npj Digit Med 2023;6:37) seeded with the run's
// seed, judges the release with cohort.Evaluate (same seed) and returns the
// privacy and utility figures as scalar outputs: hidden rate, local
// cloaking (ties counted, and strict), distance to closest record,
// nearest-neighbour distance ratio (NaN when undefined), the exact-copy
// rate, the Anonymeter-style attack risks with the upper bounds of their
// intervals, the membership-inference AUC and TPRs, Hellinger distances,
// the correlation difference and the downstream AUCs; a figure that was
// not computed is NaN, never 0. With a run folder (and save_avatars, the default) it
// also writes avatars.csv, report.json and report.html there, as
// `mdtwin synth` does; the pairing of avatars with originals is never
// written.
//
// The model is a models.Configurable: DescribeInputs reads and checks the
// table before any run, so a missing or malformed file, an unknown column
// or a bad kind is a scenario error (exit code 2), and the bound of k is
// the table's number of rows minus one.
//
// Each figure is one criterion among several, with its own threshold in
// report.json; none of them, nor all together, proves a release anonymous
// (see package cohort).
package avatar

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mdtwin/mdtwin/cohort"
	"github.com/mdtwin/mdtwin/models"
)

// Model is the avatar method as an mdtwin model. Its zero value is ready.
type Model struct{}

var (
	_ models.Model        = Model{}
	_ models.Configurable = Model{}
)

// Name is the model's registry name; Version the version of its method
// and outputs.
const (
	Name    = "avatar"
	Version = "2.0.0"
)

// Inputs is the model's structured input: the scenario's [inputs] table,
// as JSON.
//
//	[inputs]
//	table = "cohort/testdata/breast_cancer_wisconsin.csv"  # required: CSV, or Parquet (.parquet); relative to the current directory
//	kinds = { Class = "categorical" }  # optional: override inferred kinds (continuous, ordinal, categorical, date, identifier)
//	drop = ["Sample_code_number"]      # optional: columns to leave out
//	sep = ";"                          # optional: CSV field separator (default ",")
//	secrets = ["Class"]                # optional: columns the inference attack guesses (default: the last column)
//	target = "Class"                   # optional: binary column of the downstream task (default: the last
//	                                   # two-modality column; "-" for none)
//
// They are those of `mdtwin synth` (--kind, --drop, --sep, --secret,
// --target). A relative table path is relative to the current directory
// of the process that runs the study; give an absolute path for a Slurm
// study.
type Inputs struct {
	Table   string            `json:"table"`
	Kinds   map[string]string `json:"kinds,omitempty"`
	Drop    []string          `json:"drop,omitempty"`
	Sep     string            `json:"sep,omitempty"`
	Secrets []string          `json:"secrets,omitempty"`
	Target  string            `json:"target,omitempty"`
}

// Artifact names in the run's folder.
const (
	AvatarsFile    = "avatars.csv"
	ReportJSONFile = "report.json"
	ReportHTMLFile = "report.html"
)

const doc = "Avatar method (Guillaudeux et al., npj Digit Med 2023;6:37): FAMD projection, k nearest " +
	"neighbours, random weights, inverse projection, shuffle; one synthetic patient per row of the " +
	"[inputs] table, with distance-based privacy metrics (hidden rate, local cloaking, DCR, NNDR), " +
	"Anonymeter-style attack risks and utility metrics (Hellinger, correlation difference, downstream AUC)."

var b = models.Bound

// maxK bounds k when no table is known (Describe).
const maxK = 1e6

// Describe returns the parameters and outputs without inputs; the bound of
// k comes from the table (DescribeInputs).
func (Model) Describe() models.Descriptor { return descriptor(maxK) }

// DescribeInputs reads and checks the table named in inputs and returns the
// descriptor for it: k may be at most its number of rows minus one.
func (Model) DescribeInputs(inputs json.RawMessage) (models.Descriptor, error) {
	_, t, err := load(inputs)
	if err != nil {
		return models.Descriptor{}, err
	}
	return descriptor(float64(t.Rows() - 1)), nil
}

func descriptor(kMax float64) models.Descriptor {
	return models.Descriptor{
		Name: Name, Version: Version, Doc: doc,
		Params: []models.Param{
			{Name: "preset", Kind: models.String, Default: "default", Choices: presetNames(),
				Doc: "named settings (cohort.Presets): default (mdtwin's: kinds as inferred, 5 components, k = 20) or paper (the avatar paper's for its breast-cancer table: columns with ≤ 10 values categorical, 2 components, k = 20), paper-aids; k and ncp set here override the preset's"},
			{Name: "k", Kind: models.Int, Default: int64(0), Min: b(0), Max: b(kMax),
				Doc: "neighbours per avatar: larger k, more privacy and less utility (the avatar paper uses 20; k ≤ 2 is warned about); below the table's number of rows; 0: the preset's"},
			{Name: "ncp", Kind: models.Int, Default: int64(0), Min: b(0), Max: b(1000),
				Doc: "projected components the neighbours are searched in (capped at the number of components; the distance metrics use 5); 0: the preset's"},
			{Name: "control_fraction", Kind: models.Float, Default: 0.0, Min: b(0), Max: b(0.9),
				Doc: "share of rows held out as the attacks' control set (the membership attack's non-members) and the downstream test set; 0: as many as the planned attacks need, 20 % to 50 % of the rows"},
			{Name: "attacks", Kind: models.Int, Default: int64(0), Min: b(0), Max: b(1e6),
				Doc: "targets per attack (capped at the control set's size); 0: as many as a risk interval of ±half_width needs"},
			{Name: "half_width", Kind: models.Float, Default: cohort.DefaultRiskHalfWidth, Min: b(0.005), Max: b(0.5),
				Doc: "planned half-width of the 95 % interval of each attack's risk; every attack verdict is decided on that interval"},
			{Name: "save_avatars", Kind: models.Bool, Default: true,
				Doc: "write avatars.csv, report.json and report.html in the run's folder"},
		},
		Outputs: []models.Output{
			{Name: "hidden_rate_percent", Unit: "%", Doc: "share of originals whose nearest avatar is not their own (indicative target > 90)"},
			{Name: "local_cloaking_median", Doc: "median number of other avatars closer to an original than its own avatar (indicative target > 5)"},
			{Name: "local_cloaking_records_median", Doc: "median number of other originals closer to an original than its own avatar"},
			{Name: "local_cloaking_empty_rate_percent", Unit: "%", Doc: "share of originals with no other avatar nor original closer than their own avatar"},
			{Name: "dcr_median", Doc: "median distance of an avatar to the closest original, FAMD space (indicative target > 0.2)"},
			{Name: "dcr_zero_rate_percent", Unit: "%", Doc: "share of avatars at distance 0 from an original"},
			{Name: "nndr_median", Doc: "median ratio of an avatar's closest to second-closest original distance, undefined ratios (two originals at distance 0) ranked lowest (indicative target > 0.3); NaN when the median is undefined"},
			{Name: "nndr_undefined_rate_percent", Unit: "%", Doc: "share of avatars whose two closest originals are both at distance 0 (NNDR undefined)"},
			{Name: "local_cloaking_strict_median", Doc: "median number of other avatars strictly closer to an original than its own avatar (ties not counted)"},
			{Name: "exact_copy_rate_percent", Unit: "%", Doc: "share of avatars identical to an original row on every released column (checked against the originals' own duplicate rate)"},
			{Name: "membership_auc", Doc: "AUC of the distance-based membership-inference attack (0.5: chance; threshold < 0.55 on its interval); NaN when not run"},
			{Name: "membership_auc_ci_low", Doc: "lower bound of the membership AUC's 95 % bootstrap interval"},
			{Name: "membership_auc_ci_high", Doc: "upper bound of the membership AUC's 95 % bootstrap interval"},
			{Name: "membership_tpr_at_1_percent_fpr", Doc: "true-positive rate of the membership attack at 1 % false-positive rate"},
			{Name: "membership_tpr_at_10_percent_fpr", Doc: "true-positive rate of the membership attack at 10 % false-positive rate"},
			{Name: "singling_out_risk", Doc: "Anonymeter-style singling-out risk in [0, 1] (threshold < 0.1 on its interval); NaN when not computed"},
			{Name: "singling_out_risk_ci_high", Doc: "upper bound of the singling-out risk's 95 % interval"},
			{Name: "linkability_risk", Doc: "Anonymeter-style linkability risk in [0, 1] (threshold < 0.1 on its interval); NaN when not computed"},
			{Name: "linkability_risk_ci_high", Doc: "upper bound of the linkability risk's 95 % interval"},
			{Name: "inference_risk", Doc: "Anonymeter-style attribute-inference risk in [0, 1], of the secret with the highest upper bound (threshold < 0.1 on its interval); NaN when not computed"},
			{Name: "inference_risk_ci_high", Doc: "upper bound of that inference risk's 95 % interval"},
			{Name: "hellinger_mean", Doc: "mean over variables of the Hellinger distance between original and avatar distributions, in [0, 1]"},
			{Name: "hellinger_std", Doc: "standard deviation over variables of the Hellinger distance"},
			{Name: "correlation_diff_mean", Doc: "mean |Pearson r(originals) − r(avatars)| over pairs of variables; NaN when fewer than two columns have a Pearson correlation"},
			{Name: "correlation_diff_max", Doc: "largest |Pearson r(originals) − r(avatars)| over pairs of variables; NaN when not computed"},
			{Name: "auc_original", Doc: "downstream logistic regression trained on original rows, AUC on held-out originals; NaN when there is no downstream task"},
			{Name: "auc_avatar", Doc: "the same trained on avatars of the training rows; NaN when there is no downstream task"},
			{Name: "auc_ratio", Doc: "auc_avatar / auc_original; NaN when there is no downstream task"},
		},
	}
}

// load decodes and checks the inputs and reads the table.
func load(raw json.RawMessage) (Inputs, *cohort.Table, error) {
	var in Inputs
	const want = "expected keys table, kinds, drop, sep, secrets, target"
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return in, nil, errors.New(`no table: set table = "path/to/table.csv" in [inputs]`)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, nil, fmt.Errorf("avatar inputs: %v (%s)", err, want)
	}
	if in.Table == "" {
		return in, nil, errors.New(`no table: set table = "path/to/table.csv" in [inputs]`)
	}
	opt := cohort.ReadOptions{Kinds: map[string]cohort.Kind{}, Drop: in.Drop}
	for _, name := range sortedKeys(in.Kinds) {
		k, err := cohort.ParseKind(in.Kinds[name])
		if err != nil {
			return in, nil, fmt.Errorf("kinds.%s: %v", name, err)
		}
		opt.Kinds[name] = k
	}
	if in.Sep != "" {
		r := []rune(in.Sep)
		if len(r) != 1 {
			return in, nil, fmt.Errorf("sep = %q: expected one character", in.Sep)
		}
		opt.Comma = r[0]
	}
	t, err := cohort.ReadFile(in.Table, opt)
	if err != nil {
		return in, nil, err
	}
	for _, s := range append(slices.Clone(in.Secrets), in.Target) {
		if s != "" && s != "-" && t.Column(s) == nil {
			return in, nil, fmt.Errorf("no column %q in %s (columns: %s)", s, in.Table, strings.Join(t.Names(), ", "))
		}
	}
	if t.Rows() < 2 {
		return in, nil, fmt.Errorf("%s: %d row: the avatar method needs at least 2", in.Table, t.Rows())
	}
	return in, t, nil
}

// Run makes the avatars of the table, judges them and, with a folder,
// writes them and the report there.
func (Model) Run(ctx context.Context, spec models.RunSpec, obs models.Observer) (models.Result, error) {
	models.Report(obs, 0, "reading the table")
	in, t, err := load(spec.Inputs)
	if err != nil {
		return models.Result{}, err
	}
	p := spec.Params
	preset, err := cohort.PresetNamed(p.String("preset"))
	if err != nil {
		return models.Result{}, &models.ParamError{Model: Name, Param: "preset", Value: p.String("preset"), Msg: err.Error()}
	}
	t = preset.Apply(t)
	k, ncp := int(p.Int("k")), int(p.Int("ncp"))
	if k == 0 {
		k = preset.K
	}
	if ncp == 0 {
		ncp = preset.NCP
	}
	if k >= t.Rows() {
		return models.Result{}, &models.ParamError{Model: Name, Param: "k", Value: p.Int("k"),
			Msg: fmt.Sprintf("expected fewer than the %d rows of %s", t.Rows(), in.Table)}
	}
	models.Report(obs, 0.05, "generating avatars")
	av, err := cohort.Generate(ctx, t, cohort.AvatarOptions{K: k, NCP: ncp, Seed: spec.Seed})
	if err != nil {
		return models.Result{}, err
	}
	models.Report(obs, 0.3, "evaluating privacy and utility")
	rep, err := cohort.Evaluate(ctx, t, av, cohort.EvalOptions{K: k, NCP: ncp, Seed: spec.Seed, Preset: preset.Name,
		ControlFraction: p.Float("control_fraction"), NAttacks: int(p.Int("attacks")), HalfWidth: p.Float("half_width"),
		Secrets: in.Secrets, Target: in.Target})
	if err != nil {
		return models.Result{}, err
	}
	res := models.Result{Scalars: Scalars(rep)}
	if spec.Dir != "" && p.Bool("save_avatars") {
		models.Report(obs, 0.95, "writing avatars and report")
		if res.Artifacts, err = write(spec.Dir, av, rep); err != nil {
			return models.Result{}, err
		}
	}
	models.Report(obs, 1, "done")
	return res, nil
}

// Scalars returns the model's outputs from a report: NaN for figures the
// report does not hold (not computed, undefined).
func Scalars(rep *cohort.Report) map[string]float64 {
	nan := math.NaN()
	d := rep.Distances
	val := func(p *float64) float64 {
		if p == nil {
			return nan
		}
		return *p
	}
	s := map[string]float64{
		"hidden_rate_percent":               d.HiddenRate,
		"local_cloaking_median":             d.LocalCloakingMedian,
		"local_cloaking_strict_median":      d.LocalCloakingStrictMedian,
		"local_cloaking_records_median":     d.RecordsMedian,
		"local_cloaking_empty_rate_percent": d.EmptyRate,
		"dcr_median":                        d.DCRMedian,
		"dcr_zero_rate_percent":             d.DCRZeroRate,
		"nndr_median":                       val(d.NNDRMedian),
		"nndr_undefined_rate_percent":       d.NNDRUndefinedRate,
		"exact_copy_rate_percent":           d.ExactCopyRate,
		"singling_out_risk":                 nan,
		"singling_out_risk_ci_high":         nan,
		"linkability_risk":                  nan,
		"linkability_risk_ci_high":          nan,
		"inference_risk":                    nan,
		"inference_risk_ci_high":            nan,
		"membership_auc":                    nan,
		"membership_auc_ci_low":             nan,
		"membership_auc_ci_high":            nan,
		"membership_tpr_at_1_percent_fpr":   nan,
		"membership_tpr_at_10_percent_fpr":  nan,
		"hellinger_mean":                    rep.Utility.HellingerMean,
		"hellinger_std":                     rep.Utility.HellingerStd,
		"correlation_diff_mean":             val(rep.Utility.CorrelationMean),
		"correlation_diff_max":              val(rep.Utility.CorrelationMax),
		"auc_original":                      nan,
		"auc_avatar":                        nan,
		"auc_ratio":                         nan,
	}
	for _, a := range rep.Attacks {
		if a.Verdict == cohort.NotComputed {
			continue
		}
		name := a.Attack + "_risk"
		// Of several inference secrets, the one whose interval reaches
		// highest.
		if hi, ok := s[name+"_ci_high"]; ok && (math.IsNaN(hi) || a.RiskHigh > hi) {
			s[name], s[name+"_ci_high"] = a.Risk, a.RiskHigh
		}
	}
	if m := rep.Membership; m != nil {
		s["membership_auc"], s["membership_auc_ci_low"], s["membership_auc_ci_high"] = m.AUC.Value, m.AUC.Low, m.AUC.High
		s["membership_tpr_at_1_percent_fpr"], s["membership_tpr_at_10_percent_fpr"] = m.TPR1.Value, m.TPR10.Value
	}
	if dd := rep.Utility.Downstream; dd != nil {
		s["auc_original"], s["auc_avatar"] = dd.AUCOriginal, dd.AUCAvatar
		s["auc_ratio"] = dd.AUCAvatar / dd.AUCOriginal
	}
	return s
}

func presetNames() []string {
	var out []string
	for _, p := range cohort.Presets {
		out = append(out, p.Name)
	}
	return out
}

// write writes the avatars and the report in dir and returns their names.
func write(dir string, av *cohort.Avatars, rep *cohort.Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var csvBuf, htmlBuf bytes.Buffer
	if err := av.Table.WriteCSV(&csvBuf); err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := rep.WriteHTML(&htmlBuf); err != nil {
		return nil, err
	}
	files := []struct {
		name string
		data []byte
	}{{AvatarsFile, csvBuf.Bytes()}, {ReportJSONFile, append(js, '\n')}, {ReportHTMLFile, htmlBuf.Bytes()}}
	names := make([]string, 0, len(files))
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return nil, err
		}
		names = append(names, f.name)
	}
	return names, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
