package cohort

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// EvalOptions controls Evaluate.
type EvalOptions struct {
	// K, NCP, Seed and Workers are those the release was made with; the
	// evaluation release (below) is made with the same K and NCP.
	K, NCP  int
	Seed    uint64
	Workers int
	// ControlFraction is the share of original rows held out as the
	// attacks' control set and the downstream task's test set; 0 means 0.2.
	ControlFraction float64
	// NAttacks is the number of targets per attack; 0 means 500.
	NAttacks int
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
	Metric    string  `json:"metric"`
	Criterion string  `json:"criterion"` // what it protects against (WP29 wording)
	Value     float64 `json:"value"`
	Op        string  `json:"op"` // ">" or "<": the value must be … the threshold
	Threshold float64 `json:"threshold"`
	Pass      bool    `json:"pass"`
	Source    string  `json:"threshold_source"`
}

func check(metric, criterion string, value float64, op string, threshold float64, source string) Check {
	pass := value > threshold
	if op == "<" {
		pass = value < threshold
	}
	return Check{Metric: metric, Criterion: criterion, Value: value, Op: op, Threshold: threshold, Pass: pass, Source: source}
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

// Report is the release report of an avatar table: settings, privacy checks
// (each with its threshold), attack risks, utility and the distributions the
// HTML report plots. It encodes to JSON as is.
type Report struct {
	Method            string          `json:"method"`
	Rows              int             `json:"rows"`
	K                 int             `json:"k"`
	NCP               int             `json:"ncp"`
	Seed              uint64          `json:"seed"`
	Schema            []ColumnInfo    `json:"schema"`
	NotReleased       []string        `json:"not_released,omitempty"` // identifier columns
	ExplainedVariance []float64       `json:"explained_variance_ncp"`
	Warnings          []string        `json:"warnings,omitempty"`
	Checks            []Check         `json:"privacy_checks"`
	Distances         DistanceMetrics `json:"distance_metrics"`
	Evaluation        struct {
		TrainRows   int    `json:"train_rows"`
		ControlRows int    `json:"control_rows"`
		Note        string `json:"note"`
	} `json:"attack_evaluation"`
	Attacks []AttackRisk `json:"attacks"`
	Utility struct {
		Hellinger          []VariableScore `json:"hellinger"`
		HellingerMean      float64         `json:"hellinger_mean"`
		HellingerStd       float64         `json:"hellinger_std"`
		CorrelationColumns []string        `json:"correlation_columns"`
		CorrelationDiff    [][]float64     `json:"correlation_abs_difference"`
		CorrelationMean    float64         `json:"correlation_abs_difference_mean"`
		CorrelationMax     float64         `json:"correlation_abs_difference_max"`
		Downstream         *Downstream     `json:"downstream,omitempty"`
	} `json:"utility"`
	Distributions []Histogram `json:"distributions"`
	// LocalCloaking and DCR quantiles (0, 5, 25, 50, 75, 95, 100 %).
	LocalCloakingQuantiles []float64 `json:"local_cloaking_quantiles"`
	DCRQuantiles           []float64 `json:"dcr_quantiles"`

	lc  []int
	dcr []float64
}

// AttackRiskThreshold is the largest attack risk a release passes with.
// Anonymeter publishes no threshold; 0.1 is mdtwin's choice.
const AttackRiskThreshold = 0.1

var reportQuantiles = []float64{0, 0.05, 0.25, 0.5, 0.75, 0.95, 1}

// Evaluate judges a release av made from orig. Distance metrics and
// distributions compare the release with orig. The attacks need records
// that were not used to make the synthetic data, so Evaluate holds out a
// random ControlFraction of orig, makes an evaluation release from the rest
// with the same settings, and attacks that (Giomi et al., PETS 2023); the
// downstream task is trained on the same split and tested on the held-out
// rows.
func Evaluate(ctx context.Context, orig *Table, av *Avatars, opt EvalOptions) (*Report, error) {
	r := &Report{Method: "avatar (Guillaudeux et al., npj Digit Med 2023;6:37): FAMD, kNN, random weights, inverse projection, shuffle",
		Rows: orig.Rows(), K: opt.K, NCP: av.NCP, Seed: opt.Seed, Warnings: slices.Clone(av.Warnings)}
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
	const vendor = "Octopize's indicative target (Demuth et al., J Med Internet Res 2025;27:e71297, Table 1)"
	r.Checks = []Check{
		check("hidden rate, %", "inference", dm.HiddenRate, ">", 90, vendor),
		check("median local cloaking", "inference", dm.LocalCloakingMedian, ">", 5, vendor),
		check("median distance to closest record", "singling out", dm.DCRMedian, ">", 0.2, vendor+"; our scale: FAMD space of standardised variables"),
		check("median closest distance ratio (NNDR)", "singling out", dm.NNDRMedian, ">", 0.3, vendor),
	}
	lcf := make([]float64, len(dm.LocalCloaking))
	for i, v := range dm.LocalCloaking {
		lcf[i] = float64(v)
	}
	for _, q := range reportQuantiles {
		r.LocalCloakingQuantiles = append(r.LocalCloakingQuantiles, quantile(lcf, q))
		r.DCRQuantiles = append(r.DCRQuantiles, quantile(dm.DCR, q))
	}

	// Utility of the release.
	var hs []float64
	for _, name := range projected(orig) {
		h := histogram(orig, av.Table, name)
		r.Distributions = append(r.Distributions, h)
		hv := h.Hellinger()
		hs = append(hs, hv)
		r.Utility.Hellinger = append(r.Utility.Hellinger, VariableScore{name, orig.Column(name).Kind.String(), hv})
	}
	r.Utility.HellingerMean, r.Utility.HellingerStd = meanStd(hs)
	names, co := Correlations(orig.Select(projected(orig)))
	_, ca := Correlations(av.Table.Select(names))
	r.Utility.CorrelationColumns = names
	var sum float64
	var cnt int
	for i := range names {
		row := make([]float64, len(names))
		for j := range names {
			row[j] = math.Abs(co.At(i, j) - ca.At(i, j))
			if j > i {
				sum += row[j]
				cnt++
				r.Utility.CorrelationMax = math.Max(r.Utility.CorrelationMax, row[j])
			}
		}
		r.Utility.CorrelationDiff = append(r.Utility.CorrelationDiff, row)
	}
	if cnt > 0 {
		r.Utility.CorrelationMean = sum / float64(cnt)
	}

	// Attacks and the downstream task on a held-out split.
	frac := opt.ControlFraction
	if frac <= 0 {
		frac = 0.2
	}
	n := orig.Rows()
	nCtrl := int(math.Round(frac * float64(n)))
	rng := rand.New(rand.NewPCG(opt.Seed, seedStream+3))
	perm := rng.Perm(n)
	trainRows, ctrlRows := slices.Clone(perm[nCtrl:]), slices.Clone(perm[:nCtrl])
	slices.Sort(trainRows)
	slices.Sort(ctrlRows)
	r.Evaluation.TrainRows, r.Evaluation.ControlRows = len(trainRows), len(ctrlRows)
	if nCtrl < 10 || len(trainRows) <= opt.K {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d rows: too few to hold out a control set; attacks and the downstream task were not run", n))
		return r, nil
	}
	r.Evaluation.Note = "attacks target an evaluation release made, with the same settings, from the train rows only; the control rows were held out"
	train, control := orig.Subset(trainRows), orig.Subset(ctrlRows)
	evalAv, err := Generate(ctx, train, AvatarOptions{K: opt.K, NCP: opt.NCP, Seed: opt.Seed ^ 0x9e3779b97f4a7c15, Workers: opt.Workers})
	if err != nil {
		return nil, err
	}
	r.Attacks, err = Attacks(ctx, train, control, evalAv.Table, AttackOptions{NAttacks: opt.NAttacks, Secrets: opt.Secrets, Seed: opt.Seed, Workers: opt.Workers})
	if err != nil {
		return nil, err
	}
	for _, a := range r.Attacks {
		name := a.Attack + " risk"
		crit := map[string]string{"singling_out": "singling out", "linkability": "linkability", "inference": "inference"}[a.Attack]
		if a.Target != "" {
			name += " (" + a.Target + ")"
		}
		r.Checks = append(r.Checks, check(name, crit, a.Risk, "<", AttackRiskThreshold,
			"mdtwin's choice (Anonymeter publishes no threshold); risk = (main − control)/(1 − control)"))
	}
	target := opt.Target
	if target == "" {
		for _, c := range orig.Columns {
			if c.Kind == Categorical && len(c.Levels) == 2 {
				target = c.Name
			}
		}
	}
	if target != "" && target != "-" {
		d, err := DownstreamAUC(train, evalAv.Table, control, target, opt.Seed)
		switch {
		case err != nil:
			return nil, err
		case math.IsNaN(d.AUCOriginal) || math.IsNaN(d.AUCAvatar):
			r.Warnings = append(r.Warnings, fmt.Sprintf("downstream task on %q: one class only in a training or test set; AUC not computed", target))
		default:
			r.Utility.Downstream = d
		}
	}
	return r, nil
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
