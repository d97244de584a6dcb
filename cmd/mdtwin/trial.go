package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/prediction"
	"github.com/mdtwin/mdtwin/report"
	"github.com/mdtwin/mdtwin/scenarios"
)

// runTrial runs the virtual trial of ablation strategies of a scenario
// with [inputs.trial] (optima.RunTrial), prints its arms and writes its
// report.
func (a *app) runTrial(ctx context.Context, sc *scenarios.Scenario, f runFlags, rounds int) error {
	l, err := a.optimaLoop(sc, f, rounds)
	if err != nil {
		return err
	}
	sum, err := prediction.RunTrial(ctx, l)
	if err != nil {
		if ctx.Err() != nil {
			return &interrupted{fmt.Sprintf("interrupted; continue with: mdtwin optima %s --out %s --resume", sc.File, l.OutDir)}
		}
		return err
	}
	fmt.Fprintf(a.stdout, "trial %s: %s\n", sc.Study.Name, sum.Cohort)
	fmt.Fprintf(a.stdout, "%-12s %10s %16s %18s %20s\n", "arm", "substrates", "non-inducible", "95 % CI (Wilson)", "lesion area (mm²)")
	for _, s := range sum.Arms {
		fmt.Fprintf(a.stdout, "%-12s %10d %9d (%3.0f %%) %8.2f to %4.2f %20.1f\n", s.Arm, s.N, s.NonInducible, 100*s.Proportion, s.CI95[0], s.CI95[1], s.MeanAreaMM2)
	}
	t, err := report.LoadTrial(l.OutDir)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := report.Trial(&b, t); err != nil {
		return err
	}
	out := filepath.Join(l.OutDir, "report.html")
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "outputs in %s: trial.csv, trial.json, report.html, substrate-NNN/<baseline>/ (one OPTIMA loop each)\n", l.OutDir)
	return nil
}

// trialReport writes the page of the virtual trial in dir to out
// (default dir/report.html).
func (a *app) trialReport(dir, out string) error {
	t, err := report.LoadTrial(dir)
	if err != nil {
		return &engine.InputError{Msg: err.Error()}
	}
	if out == "" {
		out = filepath.Join(dir, "report.html")
	}
	var b bytes.Buffer
	if err := report.Trial(&b, t); err != nil {
		return err
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return &engine.InputError{Msg: fmt.Sprintf("--out: %v", err)}
	}
	fmt.Fprintf(a.stdout, "report written to %s\n", out)
	return nil
}
