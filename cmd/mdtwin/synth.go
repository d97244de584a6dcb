package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/cohort"
	"github.com/mdtwin/mdtwin/engine"
)

// tableFlags are the flags that control how a CSV table is read.
type tableFlags struct {
	kinds []string
	drop  []string
	sep   string
}

func (f *tableFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&f.kinds, "kind", nil, "override an inferred column kind: NAME=continuous|ordinal|categorical|date|identifier (repeatable, comma-separated)")
	cmd.Flags().StringSliceVar(&f.drop, "drop", nil, "columns to leave out (repeatable, comma-separated)")
	cmd.Flags().StringVar(&f.sep, "sep", ",", "field separator of the CSV file")
}

// readTable reads a CSV or Parquet table; a bad file is an input error (exit 2).
func (f *tableFlags) readTable(path string) (*cohort.Table, error) {
	opt := cohort.ReadOptions{Kinds: map[string]cohort.Kind{}, Drop: f.drop}
	for _, kv := range f.kinds {
		name, kind, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, &usageError{fmt.Errorf("--kind %q: expected NAME=KIND", kv)}
		}
		k, err := cohort.ParseKind(kind)
		if err != nil {
			return nil, &usageError{fmt.Errorf("--kind %q: %v", kv, err)}
		}
		opt.Kinds[name] = k
	}
	if r := []rune(f.sep); len(r) != 1 {
		return nil, &usageError{fmt.Errorf("--sep %q: expected one character", f.sep)}
	} else {
		opt.Comma = r[0]
	}
	t, err := cohort.ReadFile(path, opt) // CSV or Parquet, by extension
	var ie *cohort.InputError
	if errors.As(err, &ie) {
		return nil, &engine.InputError{Msg: ie.Msg}
	}
	return t, err
}

func (a *app) synthCommand() *cobra.Command {
	var (
		tf       tableFlags
		k, ncp   int
		preset   string
		width    float64
		study    string
		seed     uint64
		out      string
		control  float64
		attacks  int
		secrets  []string
		target   string
		nWorkers int
	)
	cmd := &cobra.Command{
		Use:   "synth TABLE.csv (--k K | --preset NAME) --out DIR",
		Short: "Make privacy-preserving avatars of a patient table, with a privacy and utility report",
		Long: "synth makes one synthetic patient (avatar) per row of TABLE with the avatar method (Guillaudeux et al.,\n" +
			"npj Digit Med 2023): FAMD projection, K nearest neighbours, random weights, inverse projection, shuffle.\n" +
			"Column kinds are inferred (see --kind). --preset names settings and what they reproduce: default (mdtwin's:\n" +
			"kinds as inferred, 5 components, k = 20) or paper (the avatar paper's for its breast-cancer table: columns with\n" +
			"≤ 10 values categorical, 2 components, k = 20; the report then sets the published figures beside ours);\n" +
			"--k and --ncp override the preset. It writes to DIR:\n" +
			"  avatars.csv   the avatars, shuffled, identifier columns left out\n" +
			"  report.json   settings and comparable published figures, privacy checks each with its threshold and\n" +
			"                verdict (attacks and membership inference decided on 95 % intervals), utility\n" +
			"  report.html   the same as one self-contained page with the distributions side by side\n" +
			"With --study SCENARIO (a scenario with a [cohort] table) it also runs the study on the real table and on\n" +
			"the avatars and writes DIR/virtual-cohort.html comparing their outcomes.\n" +
			"The pairing of avatars with originals is never written. Exit codes: 0 done; 1 a study run failed; 2 bad input.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("synth takes one table file, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case k == 0 && preset == "":
				return &usageError{fmt.Errorf("--k is required: the number of neighbours per avatar (e.g. 20), or --preset default|paper")}
			case k < 0:
				return &usageError{fmt.Errorf("--k %d: expected a positive number", k)}
			case out == "":
				return &usageError{fmt.Errorf("--out is required: the folder to write avatars.csv and the report to")}
			case ncp < 0:
				return &usageError{fmt.Errorf("--ncp %d: expected a positive number", ncp)}
			case control < 0 || control >= 1:
				return &usageError{fmt.Errorf("--control-fraction %g: expected a number in (0, 1), or 0 for as many as the attacks need", control)}
			case !(width > 0 && width < 0.5):
				return &usageError{fmt.Errorf("--half-width %g: expected a number in (0, 0.5)", width)}
			case attacks < 0:
				return &usageError{fmt.Errorf("--attacks %d: expected a positive number, or 0 for as many as --half-width needs", attacks)}
			}
			ps, err := cohort.PresetNamed(cmp.Or(preset, "default"))
			if err != nil {
				return &usageError{fmt.Errorf("--preset: %v", err)}
			}
			k, ncp = cmp.Or(k, ps.K), cmp.Or(ncp, ps.NCP)
			t, err := tf.readTable(args[0])
			if err != nil {
				return err
			}
			t = ps.Apply(t)
			var vc *virtualStudy
			if study != "" {
				if vc, err = a.loadVirtualStudy(study); err != nil {
					return err
				}
			}
			for _, s := range append(slices.Clone(secrets), target) {
				if s != "" && s != "-" && t.Column(s) == nil {
					return &usageError{fmt.Errorf("no column %q in %s (columns: %s)", s, args[0], strings.Join(t.Names(), ", "))}
				}
			}
			if k >= t.Rows() {
				return &usageError{fmt.Errorf("--k %d: expected fewer than the %d rows of %s", k, t.Rows(), args[0])}
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return &engine.InputError{Msg: fmt.Sprintf("output folder %s: cannot create it: %v", out, errors.Unwrap(err))}
			}
			log := a.logger()
			av, err := cohort.Generate(cmd.Context(), t, cohort.AvatarOptions{K: k, NCP: ncp, Seed: seed, Workers: nWorkers})
			if err != nil {
				return &engine.InputError{Msg: fmt.Sprintf("%s: %v", args[0], err)}
			}
			for _, w := range av.Warnings {
				log.Warn(w)
			}
			rep, err := cohort.Evaluate(cmd.Context(), t, av, cohort.EvalOptions{K: k, NCP: ncp, Seed: seed, Workers: nWorkers, Preset: ps.Name,
				ControlFraction: control, NAttacks: attacks, HalfWidth: width, Secrets: secrets, Target: target})
			if err != nil {
				return err
			}
			var csvBuf, htmlBuf bytes.Buffer
			if err := av.Table.WriteCSV(&csvBuf); err != nil {
				return err
			}
			js, err := json.MarshalIndent(rep, "", "  ")
			if err != nil {
				return err
			}
			if err := rep.WriteHTML(&htmlBuf); err != nil {
				return err
			}
			for name, b := range map[string][]byte{"avatars.csv": csvBuf.Bytes(), "report.json": append(js, '\n'), "report.html": htmlBuf.Bytes()} {
				if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
					return fmt.Errorf("writing %s: %w", name, err)
				}
			}
			printSynth(a, args[0], av, rep, out)
			if vc != nil {
				return a.runVirtualStudy(cmd.Context(), vc, args[0], filepath.Join(out, "avatars.csv"), out, log)
			}
			return nil
		},
	}
	tf.register(cmd)
	cmd.Flags().IntVar(&k, "k", 0, "neighbours per avatar (larger k: more privacy, less utility; the avatar paper uses 20; default: the preset's)")
	cmd.Flags().StringVar(&preset, "preset", "", "named settings: default (mdtwin's, k 20) or paper (the avatar paper's for its breast-cancer table), paper-aids")
	cmd.Flags().IntVar(&ncp, "ncp", 0, "projected components the neighbours are searched in (default: the preset's, 5 for default; the distance metrics use 5)")
	cmd.Flags().Float64Var(&width, "half-width", cohort.DefaultRiskHalfWidth, "planned half-width of each attack risk's 95 % interval; sets the number of attacks")
	cmd.Flags().StringVar(&study, "study", "", "also run this scenario (with a [cohort] table) on the real table and on the avatars, and compare their outcomes")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed; the same seed gives the same avatars")
	cmd.Flags().StringVar(&out, "out", "", "output folder (required)")
	cmd.Flags().Float64Var(&control, "control-fraction", 0, "share of rows held out as the attacks' control set (the membership attack's non-members) and the downstream test set (default: as many as the attacks need, 20–50 %)")
	cmd.Flags().IntVar(&attacks, "attacks", 0, "targets per attack (default: as many as --half-width needs)")
	cmd.Flags().StringSliceVar(&secrets, "secret", nil, "columns the inference attack guesses (default: the last column)")
	cmd.Flags().StringVar(&target, "target", "", "binary column of the downstream logistic regression (default: the last two-modality column; - for none)")
	cmd.Flags().IntVar(&nWorkers, "workers", 0, "goroutines for the neighbour searches (default: one per CPU)")
	return cmd
}

// printSynth prints the settings, each check with its value, interval and
// verdict, and the utility figures.
func printSynth(a *app, table string, av *cohort.Avatars, rep *cohort.Report, out string) {
	w := a.stdout
	fmt.Fprintf(w, "%d avatars of %s (preset %s: k = %d, %d components, seed %d)\n", av.Table.Rows(), table, rep.Settings.Name, rep.K, av.NCP, rep.Seed)
	for _, c := range rep.Comparable {
		fmt.Fprintf(w, "  comparable: %-40s %10.4g  (published %g, %s)\n", c.Metric, c.Ours, c.Value, c.Table)
	}
	if m := rep.Settings.Measured; m != nil && len(rep.Comparable) > 0 {
		fmt.Fprintf(w, "  (comparable hidden rate and local cloaking measured %s)\n", m.Doc)
	}
	if len(rep.Comparable) == 0 {
		fmt.Fprintf(w, "  %s\n", rep.ComparableNote)
	}
	for _, c := range rep.Checks {
		verdict := map[cohort.Verdict]string{cohort.Pass: "pass", cohort.Fail: "FAIL"}[c.Verdict]
		if verdict == "" {
			verdict = string(c.Verdict)
		}
		value := "—"
		switch {
		case c.Value == nil:
		case c.Low != nil:
			value = fmt.Sprintf("%.4g [%.4g, %.4g]", *c.Value, *c.Low, *c.High)
		default:
			value = fmt.Sprintf("%.4g", *c.Value)
		}
		fmt.Fprintf(w, "  %-12s  %-40s %-26s (threshold %s %.4g)\n", verdict, c.Metric, value, c.Op, c.Threshold)
	}
	fmt.Fprintf(w, "  local cloaking counting only avatars strictly closer than the own one (not the paper's definition): median %g\n", rep.Distances.LocalCloakingStrictMedian)
	if m := rep.Membership; m != nil {
		fmt.Fprintf(w, "  membership: TPR %.3f at 1 %% FPR, %.3f at 10 %% FPR; exact rows in the release: members %.1f %%, non-members %.1f %%\n",
			m.TPR1.Value, m.TPR10.Value, 100*m.ExactMember.Value, 100*m.ExactNonMember.Value)
	}
	fmt.Fprintf(w, "  utility: Hellinger mean %.3g; correlation |Δ| mean ", rep.Utility.HellingerMean)
	if rep.Utility.CorrelationMean != nil {
		fmt.Fprintf(w, "%.3g", *rep.Utility.CorrelationMean)
	} else {
		fmt.Fprint(w, "not computed")
	}
	if d := rep.Utility.Downstream; d != nil {
		fmt.Fprintf(w, "; AUC(%s) %.3f on originals, %.3f on avatars", d.Target, d.AUCOriginal, d.AUCAvatar)
	}
	fmt.Fprintf(w, "\nwrote %s, %s, %s\n", filepath.Join(out, "avatars.csv"), filepath.Join(out, "report.json"), filepath.Join(out, "report.html"))
}
