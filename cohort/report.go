package cohort

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// EvalOptions controls Evaluate.
type EvalOptions struct {
	// K, NCP, Seed and Workers are those the release was made with; the
	// evaluation release (below) is made with the same K and NCP.
	K, NCP  int
	Seed    uint64
	Workers int
	// Preset names the settings the release was made with (Presets); ""
	// means "default". The report states it and the published figures it
	// can be compared with.
	Preset string
	// ControlFraction is the share of original rows held out as the
	// attacks' control set (the membership attack's non-members) and the
	// downstream task's test set; 0 means as many as the planned attacks
	// need, at least 20 % and at most 50 % of the rows.
	ControlFraction float64
	// NAttacks is the number of targets per attack; 0 means as many as a
	// risk interval of ±HalfWidth needs (AttacksForHalfWidth).
	NAttacks int
	// HalfWidth is the planned half-width of the attacks' risk intervals;
	// 0 means DefaultRiskHalfWidth.
	HalfWidth float64
	// Secrets are the inference attack's target columns (default: the last
	// column).
	Secrets []string
	// Target is the binary column of the downstream task; "" means the
	// last categorical column with two modalities, "-" means none.
	Target string
}

// Check is one privacy criterion with its own verdict. There is
// deliberately no overall verdict: passing every check does not make a
// release anonymous (see the report's Limits).
type Check struct {
	Metric    string `json:"metric"`
	Criterion string `json:"criterion"` // what it protects against (WP29 wording)
	// Value is nil when the figure is undefined or was not computed
	// (Verdict says which); Low and High bound it when it is an estimate
	// with a 95 % interval, the verdict then decided on the interval.
	Value     *float64 `json:"value"`
	Low       *float64 `json:"ci_low,omitempty"`
	High      *float64 `json:"ci_high,omitempty"`
	Op        string   `json:"op"` // ">" or "<": the value must be … the threshold
	Threshold float64  `json:"threshold"`
	Verdict   Verdict  `json:"verdict"`
	Pass      bool     `json:"pass"` // Verdict == Pass
	Source    string   `json:"threshold_source"`
	Note      string   `json:"note,omitempty"`
}

func ptr(x float64) *float64 { return &x }

// check judges a figure of the release on its value.
func check(metric, criterion string, value float64, op string, threshold float64, source string) Check {
	c := Check{Metric: metric, Criterion: criterion, Value: ptr(value), Op: op, Threshold: threshold, Source: source}
	c.Verdict = Fail
	if op == ">" && value > threshold || op == "<" && value < threshold {
		c.Verdict = Pass
	}
	c.Pass = c.Verdict == Pass
	return c
}

// intervalCheck judges an estimate on its 95 % interval (see Verdict).
func intervalCheck(metric, criterion string, value, lo, hi float64, op string, threshold float64, source string) Check {
	c := Check{Metric: metric, Criterion: criterion, Value: ptr(value), Low: ptr(lo), High: ptr(hi), Op: op, Threshold: threshold, Source: source}
	c.Verdict = decide(op, lo, hi, threshold)
	c.Pass = c.Verdict == Pass
	return c
}

// VariableScore is a per-variable utility figure.
type VariableScore struct {
	Variable  string  `json:"variable"`
	Kind      string  `json:"kind"`
	Hellinger float64 `json:"hellinger"`
}

// ColumnInfo is a column of the schema.
type ColumnInfo struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Comparison puts a published figure beside the same figure of this
// release.
type Comparison struct {
	PublishedFigure
	Ours float64 `json:"ours"`
}

// Report is the release report of an avatar table: settings and the
// published figures they are comparable with, privacy checks (each with
// its threshold and verdict), attack risks and membership inference, each
// with its interval, utility and the distributions the HTML report plots.
// It encodes to JSON as is.
type Report struct {
	Method string `json:"method"`
	Rows   int    `json:"rows"`
	K      int    `json:"k"`
	NCP    int    `json:"ncp"`
	Seed   uint64 `json:"seed"`
	// Settings is the preset the release was made with.
	Settings Preset `json:"settings"`
	// Comparable lists the published figures this release can be compared
	// with (same settings, same table) beside ours; ComparableNote says
	// why there are none, or what to keep in mind.
	Comparable        []Comparison    `json:"comparable_with,omitempty"`
	ComparableNote    string          `json:"comparable_note"`
	Schema            []ColumnInfo    `json:"schema"`
	NotReleased       []string        `json:"not_released,omitempty"` // identifier columns
	ExplainedVariance []float64       `json:"explained_variance_ncp"`
	Warnings          []string        `json:"warnings,omitempty"`
	Checks            []Check         `json:"privacy_checks"`
	Distances         DistanceMetrics `json:"distance_metrics"`
	Evaluation        struct {
		TrainRows   int     `json:"train_rows"`
		ControlRows int     `json:"control_rows"`
		Attacks     int     `json:"attacks_per_check"`
		HalfWidth   float64 `json:"planned_risk_half_width"`
		Note        string  `json:"note"`
	} `json:"attack_evaluation"`
	Attacks    []AttackRisk `json:"attacks"`
	Membership *Membership  `json:"membership_inference,omitempty"`
	Utility    struct {
		Hellinger          []VariableScore `json:"hellinger"`
		HellingerMean      float64         `json:"hellinger_mean"`
		HellingerStd       float64         `json:"hellinger_std"`
		CorrelationColumns []string        `json:"correlation_columns"`
		CorrelationDiff    [][]float64     `json:"correlation_abs_difference"`
		// CorrelationMean and CorrelationMax are nil when fewer than two
		// columns have a Pearson correlation (CorrelationNote says so).
		CorrelationMean *float64    `json:"correlation_abs_difference_mean"`
		CorrelationMax  *float64    `json:"correlation_abs_difference_max"`
		CorrelationNote string      `json:"correlation_note,omitempty"`
		Downstream      *Downstream `json:"downstream,omitempty"`
		DownstreamNote  string      `json:"downstream_note,omitempty"`
	} `json:"utility"`
	Distributions []Histogram `json:"distributions"`
	// LocalCloaking (ties counted) and DCR quantiles (0, 5, 25, 50, 75,
	// 95, 100 %).
	LocalCloakingQuantiles []float64 `json:"local_cloaking_quantiles"`
	DCRQuantiles           []float64 `json:"dcr_quantiles"`

	lc  []int
	dcr []float64
}

// AttackRiskThreshold is the largest attack risk a release passes with.
// Anonymeter publishes no threshold; 0.1 is mdtwin's choice.
const AttackRiskThreshold = 0.1

var reportQuantiles = []float64{0, 0.05, 0.25, 0.5, 0.75, 0.95, 1}

const vendor = "Octopize's indicative target (Demuth et al., J Med Internet Res 2025;27:e71297, Table 1)"

// Evaluate judges a release av made from orig (with the preset's kinds
// already applied). Distance metrics and distributions compare the release
// with orig. The attacks need records that were not used to make the
// synthetic data, so Evaluate holds out a random part of orig (see
// EvalOptions.ControlFraction), makes an evaluation release from the rest
// with the same settings, and attacks that (Giomi et al., PETS 2023): the
// Anonymeter-style attacks and the membership inference, whose members are
// the rest and non-members the held-out rows. The downstream task is
// trained on the same split and tested on the held-out rows.
func Evaluate(ctx context.Context, orig *Table, av *Avatars, opt EvalOptions) (*Report, error) {
	preset := opt.Preset
	if preset == "" {
		preset = "default"
	}
	settings, err := PresetNamed(preset)
	if err != nil {
		return nil, err
	}
	settings.K, settings.NCP = opt.K, av.NCP
	r := &Report{Method: "avatar (Guillaudeux et al., npj Digit Med 2023;6:37): FAMD, kNN, random weights, inverse projection, shuffle",
		Rows: orig.Rows(), K: opt.K, NCP: av.NCP, Seed: opt.Seed, Settings: settings, Warnings: slices.Clone(av.Warnings)}
	for _, c := range orig.Columns {
		if c.Kind == Identifier {
			r.NotReleased = append(r.NotReleased, c.Name)
			continue
		}
		r.Schema = append(r.Schema, ColumnInfo{c.Name, c.Kind.String()})
	}
	r.ExplainedVariance = av.Model.ExplainedVariance()[:av.NCP]

	dm, err := Distances(ctx, orig, av, opt.Workers)
	if err != nil {
		return nil, err
	}
	r.Distances, r.lc, r.dcr = *dm, dm.LocalCloaking, dm.DCR
	r.Checks = distanceChecks(dm)
	lcf := make([]float64, len(dm.LocalCloaking))
	for i, v := range dm.LocalCloaking {
		lcf[i] = float64(v)
	}
	r.LocalCloakingQuantiles = quantiles(lcf, reportQuantiles...)
	r.DCRQuantiles = quantiles(dm.DCR, reportQuantiles...)
	r.utility(orig, av.Table)
	if err := r.compare(ctx, orig, av, settings, opt.Workers); err != nil {
		return nil, err
	}

	// Attacks, membership inference and the downstream task on a
	// held-out split.
	n := orig.Rows()
	nAtt, w := AttackOptions{NAttacks: opt.NAttacks, HalfWidth: opt.HalfWidth}.planned()
	nCtrl := int(math.Round(opt.ControlFraction * float64(n)))
	if opt.ControlFraction <= 0 {
		nCtrl = min(max(nAtt, int(math.Round(0.2*float64(n)))), n/2)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, seedStream+3))
	perm := rng.Perm(n)
	trainRows, ctrlRows := slices.Clone(perm[nCtrl:]), slices.Clone(perm[:nCtrl])
	slices.Sort(trainRows)
	slices.Sort(ctrlRows)
	r.Evaluation.TrainRows, r.Evaluation.ControlRows, r.Evaluation.HalfWidth = len(trainRows), len(ctrlRows), w
	r.Evaluation.Attacks = min(nAtt, len(ctrlRows), len(trainRows))
	if nCtrl < 10 || len(trainRows) <= opt.K {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d rows: too few to hold out a control set; attacks, membership inference and the downstream task were not computed", n))
		r.Utility.DownstreamNote = "not computed: too few rows to hold out a test set"
		r.Checks = append(r.Checks, Check{Metric: "attack risks and membership inference", Verdict: NotComputed, Note: "too few rows to hold out a control set"})
		return r, nil
	}
	r.Evaluation.Note = "attacks target an evaluation release made, with the same settings, from the train rows only (the members); the control rows (the non-members) were held out"
	train, control := orig.Subset(trainRows), orig.Subset(ctrlRows)
	evalAv, err := Generate(ctx, train, AvatarOptions{K: opt.K, NCP: opt.NCP, Seed: opt.Seed ^ 0x9e3779b97f4a7c15, Workers: opt.Workers})
	if err != nil {
		return nil, err
	}
	r.Attacks, err = Attacks(ctx, train, control, evalAv.Table, AttackOptions{NAttacks: r.Evaluation.Attacks, HalfWidth: w,
		Secrets: opt.Secrets, Seed: opt.Seed, Workers: opt.Workers})
	if err != nil {
		return nil, err
	}
	const anon = "mdtwin's choice (Anonymeter publishes no threshold); risk = (main − control)/(1 − control), verdict on its 95 % interval"
	for _, a := range r.Attacks {
		name := a.Attack + " risk"
		crit := map[string]string{"singling_out": "singling out", "linkability": "linkability", "inference": "inference"}[a.Attack]
		if a.Target != "" {
			name += " (" + a.Target + ")"
		}
		c := intervalCheck(name, crit, a.Risk, a.RiskLow, a.RiskHigh, "<", AttackRiskThreshold, anon)
		if a.Verdict == NotComputed {
			c = Check{Metric: name, Criterion: crit, Op: "<", Threshold: AttackRiskThreshold, Verdict: NotComputed, Source: anon}
		}
		c.Note = a.Note
		r.Checks = append(r.Checks, c)
	}
	r.Membership, err = MembershipInference(ctx, train, control, evalAv.Table, MembershipOptions{Targets: r.Evaluation.Attacks, Seed: opt.Seed, Workers: opt.Workers})
	if err != nil {
		return nil, err
	}
	mc := intervalCheck("membership inference AUC", "membership", r.Membership.AUC.Value, r.Membership.AUC.Low, r.Membership.AUC.High, "<", MembershipAUCThreshold,
		"mdtwin's choice: attack advantage 2·(AUC − ½) < 0.1, as for the attack risks; verdict on the bootstrap 95 % interval")
	mc.Note = r.Membership.Note
	r.Checks = append(r.Checks, mc)

	target := opt.Target
	if target == "" {
		for _, c := range orig.Columns {
			if c.Kind == Categorical && len(c.Levels) == 2 {
				target = c.Name
			}
		}
	}
	switch {
	case target == "-":
		r.Utility.DownstreamNote = "not computed: no downstream task asked for (target -)"
	case target == "":
		r.Utility.DownstreamNote = "not computed: no categorical column with two modalities to predict (give one with --target)"
	default:
		d, err := DownstreamAUC(train, evalAv.Table, control, target, opt.Seed)
		switch {
		case err != nil:
			return nil, err
		case math.IsNaN(d.AUCOriginal) || math.IsNaN(d.AUCAvatar):
			r.Utility.DownstreamNote = fmt.Sprintf("not computed: one class only of %q in a training or test set", target)
		default:
			r.Utility.Downstream = d
		}
	}
	return r, nil
}

// distanceChecks judges the distance metrics of a release on their values.
func distanceChecks(dm *DistanceMetrics) []Check {
	lc := check(MetricLocalCloaking, "inference", dm.LocalCloakingMedian, ">", 5, vendor)
	lc.Note = fmt.Sprintf("the avatar paper's definition (avatars at most as far as the own avatar, ties counted); counting only avatars strictly closer: median %g", dm.LocalCloakingStrictMedian)
	hr := check(MetricHiddenRate, "inference", dm.HiddenRate, ">", 90, vendor)
	hr.Note = fmt.Sprintf("the share of originals whose nearest avatar, on %d projected components, is not their own — a distance-based linkage that guesses wrong; an original with m other avatars exactly as close as its own counts as found with probability 1/(m+1) (avatar-paper hidden_rate.py)", dm.Components)
	dcr := check("median distance to closest record", "singling out", dm.DCRMedian, ">", 0.2, vendor+"; our scale: FAMD space of standardised variables")
	dcr.Note = fmt.Sprintf("per avatar, the Euclidean distance to the closest original on %d projected components (avatar-paper dcr_nndr.py); %.1f %% of avatars are at distance 0 from an original", dm.Components, dm.DCRZeroRate)
	checks := []Check{hr, lc, dcr}
	nndr := Check{Metric: "median closest distance ratio (NNDR)", Criterion: "singling out", Op: ">", Threshold: 0.3, Source: vendor}
	if dm.NNDRMedian == nil {
		nndr.Verdict = Undefined
	} else {
		nndr.Value = ptr(*dm.NNDRMedian)
		nndr.Verdict = Fail
		if *dm.NNDRMedian > 0.3 {
			nndr.Verdict = Pass
		}
	}
	nndr.Pass = nndr.Verdict == Pass
	nndr.Note = fmt.Sprintf("%.1f %% of avatars have an undefined ratio (their two closest originals are both at distance 0: duplicates); they count as failing, ranked lowest", dm.NNDRUndefinedRate)
	copies := check("exact-copy rate, %", "singling out", dm.ExactCopyRate, "<", math.Max(dm.OriginalDuplicateRate, 0),
		"mdtwin's choice: avatars should copy an original row no more often than the originals repeat one another")
	if dm.ExactCopyRate == 0 {
		copies.Verdict, copies.Pass = Pass, true // no copy passes even when the originals never repeat
	}
	copies.Note = fmt.Sprintf("avatars identical to an original on every released column; %.1f %% of the originals are identical to another original (the threshold)", dm.OriginalDuplicateRate)
	return append(checks, nndr, copies)
}

// utility fills the utility figures of release against orig.
func (r *Report) utility(orig, release *Table) {
	var hs []float64
	for _, name := range projected(orig) {
		h := histogram(orig, release, name)
		r.Distributions = append(r.Distributions, h)
		hv := h.Hellinger()
		hs = append(hs, hv)
		r.Utility.Hellinger = append(r.Utility.Hellinger, VariableScore{name, orig.Column(name).Kind.String(), hv})
	}
	r.Utility.HellingerMean, r.Utility.HellingerStd = meanStd(hs)
	names, co := Correlations(orig.Select(projected(orig)))
	r.Utility.CorrelationColumns = names
	if len(names) < 2 {
		r.Utility.CorrelationNote = fmt.Sprintf("not computed: %d column(s) with a Pearson correlation (numeric, or categorical with two modalities); at least 2 are needed", len(names))
		return
	}
	_, ca := Correlations(release.Select(names))
	var sum, mx float64
	var cnt int
	for i := range names {
		row := make([]float64, len(names))
		for j := range names {
			row[j] = math.Abs(co.At(i, j) - ca.At(i, j))
			if j > i {
				sum += row[j]
				cnt++
				mx = math.Max(mx, row[j])
			}
		}
		r.Utility.CorrelationDiff = append(r.Utility.CorrelationDiff, row)
	}
	r.Utility.CorrelationMean, r.Utility.CorrelationMax = ptr(sum/float64(cnt)), ptr(mx)
}

// compare lists the published figures this release is comparable with.
// When the preset says the published distance figures were measured
// another way (Preset.Measured), ours are measured that way too, on a
// projection fitted for the purpose; the privacy checks keep the report's
// own measurement.
func (r *Report) compare(ctx context.Context, orig *Table, av *Avatars, p Preset, workers int) error {
	switch {
	case len(p.Published) == 0:
		r.ComparableNote = fmt.Sprintf("no published figure was made with the %q settings; use --preset paper on the breast-cancer table to compare with the avatar paper", p.Name)
		return nil
	case !p.PublishedFor.Is(orig):
		r.ComparableNote = fmt.Sprintf("the %q settings' published figures are for %s; this table is another, so none is comparable", p.Name, p.PublishedFor.Name)
		return nil
	}
	ours := map[string]float64{MetricHiddenRate: r.Distances.HiddenRate, MetricLocalCloaking: r.Distances.LocalCloakingMedian, MetricHellinger: r.Utility.HellingerMean}
	note := "same settings and table as the published figures; ours are one release (one seed), the published ones the paper's; the Hellinger distance bins each variable by its modalities, as the paper's categorical variables are"
	if m := p.Measured; m != nil {
		dm, err := measureAs(ctx, orig, av, *m, workers)
		if err != nil {
			return err
		}
		ours[MetricHiddenRate], ours[MetricLocalCloaking] = dm.HiddenRate, dm.LocalCloakingMedian
		note += fmt.Sprintf("; hidden rate and local cloaking are measured %s (the privacy checks above use %d components of this release's own projection)", m.Doc, r.Distances.Components)
	}
	for _, f := range p.Published {
		r.Comparable = append(r.Comparable, Comparison{PublishedFigure: f, Ours: ours[f.Metric]})
	}
	r.ComparableNote = note
	return nil
}

// measureAs computes the distance-based metrics of release av the way m
// says a published release was measured.
func measureAs(ctx context.Context, orig *Table, av *Avatars, m Measurement, workers int) (*DistanceMetrics, error) {
	o, rel := orig, av.Table
	if m.FeaturesAsNumbers {
		o, rel = featuresAsNumbers(o), featuresAsNumbers(rel)
	}
	model, err := FitFAMD(o)
	if err != nil {
		return nil, err
	}
	return distancesOn(ctx, o, rel, av.Source, model, min(m.NCP, model.Components()), workers)
}

// featuresAsNumbers returns t with every categorical column whose
// modalities are all numbers, more than two of them, turned back into a
// numeric column (Ordinal when every modality is an integer, else
// Continuous; missing kept missing) — the kinds ReadCSV infers from such a
// column, undoing Categorize. Two-modality columns stay categorical, as
// ReadCSV reads them. Other columns are shared with t.
func featuresAsNumbers(t *Table) *Table {
	out := &Table{rows: t.rows, Columns: slices.Clone(t.Columns)}
	for j := range out.Columns {
		c := &out.Columns[j]
		if c.Kind != Categorical || len(c.Levels) <= 2 {
			continue
		}
		vals := make([]float64, len(c.Levels))
		integral, ok := true, true
		for l, s := range c.Levels {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				ok = false
				break
			}
			vals[l] = x
			integral = integral && x == math.Trunc(x)
		}
		if !ok {
			continue
		}
		num := make([]float64, len(c.Cat))
		for i, l := range c.Cat {
			if l < 0 {
				num[i] = math.NaN()
			} else {
				num[i] = vals[l]
			}
		}
		kind := Continuous
		if integral {
			kind = Ordinal
		}
		*c = Column{Name: c.Name, Kind: kind, Num: num, Integer: integral}
	}
	return out
}

func meanStd(v []float64) (mean, std float64) {
	if len(v) == 0 {
		return 0, 0
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}
