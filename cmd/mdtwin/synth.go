package main

import (
	"bytes"
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
		seed     uint64
		out      string
		control  float64
		attacks  int
		secrets  []string
		target   string
		nWorkers int
	)
	cmd := &cobra.Command{
		Use:   "synth TABLE.csv --k K --out DIR",
		Short: "Make privacy-preserving avatars of a patient table, with a privacy and utility report",
		Long: "synth makes one synthetic patient (avatar) per row of TABLE with the avatar method (Guillaudeux et al.,\n" +
			"npj Digit Med 2023): FAMD projection, K nearest neighbours, random weights, inverse projection, shuffle.\n" +
			"Column kinds are inferred (see --kind). It writes to DIR:\n" +
			"  avatars.csv   the avatars, shuffled, identifier columns left out\n" +
			"  report.json   settings, privacy checks each with its threshold and verdict, attack risks, utility\n" +
			"  report.html   the same as one self-contained page with the distributions side by side\n" +
			"The pairing of avatars with originals is never written. Exit codes: 0 done; 2 bad input.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("synth takes one table file, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case k == 0:
				return &usageError{fmt.Errorf("--k is required: the number of neighbours per avatar (e.g. 20)")}
			case k < 0:
				return &usageError{fmt.Errorf("--k %d: expected a positive number", k)}
			case out == "":
				return &usageError{fmt.Errorf("--out is required: the folder to write avatars.csv and the report to")}
			case ncp < 0:
				return &usageError{fmt.Errorf("--ncp %d: expected a positive number", ncp)}
			case control < 0 || control >= 1:
				return &usageError{fmt.Errorf("--control-fraction %g: expected a number in (0, 1)", control)}
			}
			t, err := tf.readTable(args[0])
			if err != nil {
				return err
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
			rep, err := cohort.Evaluate(cmd.Context(), t, av, cohort.EvalOptions{K: k, NCP: ncp, Seed: seed, Workers: nWorkers,
				ControlFraction: control, NAttacks: attacks, Secrets: secrets, Target: target})
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
			fmt.Fprintf(a.stdout, "%d avatars of %s (k = %d, %d components, seed %d)\n", av.Table.Rows(), args[0], k, av.NCP, seed)
			for _, c := range rep.Checks {
				verdict := "pass"
				if !c.Pass {
					verdict = "FAIL"
				}
				fmt.Fprintf(a.stdout, "  %-4s  %-40s %10.4g  (threshold %s %g)\n", verdict, c.Metric, c.Value, c.Op, c.Threshold)
			}
			fmt.Fprintf(a.stdout, "  utility: Hellinger mean %.3g; correlation |Δ| mean %.3g", rep.Utility.HellingerMean, rep.Utility.CorrelationMean)
			if d := rep.Utility.Downstream; d != nil {
				fmt.Fprintf(a.stdout, "; AUC(%s) %.3f on originals, %.3f on avatars", d.Target, d.AUCOriginal, d.AUCAvatar)
			}
			fmt.Fprintf(a.stdout, "\nwrote %s, %s, %s\n", filepath.Join(out, "avatars.csv"), filepath.Join(out, "report.json"), filepath.Join(out, "report.html"))
			return nil
		},
	}
	tf.register(cmd)
	cmd.Flags().IntVar(&k, "k", 0, "neighbours per avatar (required; larger k: more privacy, less utility; the avatar paper uses 20)")
	cmd.Flags().IntVar(&ncp, "ncp", 0, "projected components the neighbours are searched in (default 5)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed; the same seed gives the same avatars")
	cmd.Flags().StringVar(&out, "out", "", "output folder (required)")
	cmd.Flags().Float64Var(&control, "control-fraction", 0.2, "share of rows held out as the attacks' control set and the downstream test set")
	cmd.Flags().IntVar(&attacks, "attacks", 500, "targets per Anonymeter-style attack")
	cmd.Flags().StringSliceVar(&secrets, "secret", nil, "columns the inference attack guesses (default: the last column)")
	cmd.Flags().StringVar(&target, "target", "", "binary column of the downstream logistic regression (default: the last two-modality column; - for none)")
	cmd.Flags().IntVar(&nWorkers, "workers", 0, "goroutines for the neighbour searches (default: one per CPU)")
	return cmd
}
