package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/calibrate"
	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/report"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/workers"
)

func (a *app) calibrateCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "calibrate SCENARIO",
		Short: "Fit a model's parameters to observations (ABC-SMC, Nelder–Mead or CMA-ES)",
		Long: "Calibrate fits the parameters in the scenario's [calibrate.params] (priors and bounds) to its\n" +
			"[[calibrate.targets]] (outputs with observed values and standard errors, counts, or output tables\n" +
			"compared with CSV data files) by the [calibrate] method: ABC-SMC (a posterior sample) or Nelder–Mead /\n" +
			"CMA-ES (a point estimate with Hessian-based standard errors). Every simulation is a run of an engine\n" +
			"study (pop-TTT/batch-BBB/, round-NNNN/), so any backend works and the results do not depend on it.\n" +
			"Outputs in the output folder: posterior.csv, populations.csv (ABC-SMC) or trace.csv (optimisation),\n" +
			"calibration.json (posterior summaries, correlations, fit to every target), predictive/ (posterior-\n" +
			"predictive runs) and calibration-state.json. `mdtwin report OUTDIR` draws the calibration page.\n" +
			"The output folder must be empty or absent, unless --resume: then the calibration recorded there continues\n" +
			"(same scenario, else exit 2) and comes out as an uninterrupted one would.\n" +
			"Exit codes: 0 calibrated; 1 the calibration could not be carried out; 2 bad input; 130 interrupted\n" +
			"(continue with --resume).",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("calibrate takes one scenario file, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return err
			}
			if sc.Calibrate == nil {
				return &scenarios.Error{File: sc.File, Line: 1, Col: 1, Msg: "no [calibrate] table: it names the parameters to fit ([calibrate.params]) and the targets ([[calibrate.targets]]); mdtwin run runs a scenario without one"}
			}
			if sc.Patient != nil {
				return sc.Errorf([]string{"patient"}, "calibrate does not personalise a scenario: remove [patient] (give the patient's data as targets)")
			}
			return a.runCalibration(cmd.Context(), sc, f)
		},
	}
	f.register(cmd)
	return cmd
}

func (a *app) runCalibration(ctx context.Context, sc *scenarios.Scenario, f runFlags) error {
	log := a.logger()
	r, err := a.resolve(sc, f)
	if err != nil {
		return err
	}
	newBackend := func(dir string) (workers.Backend, error) {
		rs, fs := r, f
		rs.out = dir
		if base := first(f.slurm.SharedDir, sc.Backend.Slurm.SharedDir); base != "" {
			// Each study needs a shared folder of its own.
			rel, err := filepath.Rel(r.out, dir)
			if err != nil {
				return nil, err
			}
			fs.slurm.SharedDir = filepath.Join(base, rel)
		}
		return newBackend(sc, fs, rs, log)
	}
	out := a.stdout
	res, err := calibrate.Run(ctx, sc, calibrate.Options{
		OutDir: r.out, Resume: f.resume, Model: r.desc, NewBackend: newBackend, BackendKind: r.backendKind,
		Workers: r.workers, MaxAttempts: r.maxAttempts, RunTimeout: r.runTimeout, Log: log,
		Progress: func(label string) engine.Progress { return newProgress(a.stderr, log, label) },
		Report: func(s calibrate.Step) {
			again := ""
			if s.Resumed {
				again = " (before this session)"
			}
			if s.Method == scenarios.ABCSMC {
				fmt.Fprintf(out, "population %d: tolerance %s, acceptance %.3g, ESS %.0f, %d simulations (%d in all)%s\n",
					s.Index, fmtTol(s.Tolerance), s.Acceptance, s.ESS, s.Simulations, s.Total, again)
			} else {
				fmt.Fprintf(out, "round %d: %d evaluations (%d in all), best objective %s%s\n", s.Index, s.Simulations, s.Total, models.FormatFloat(s.Tolerance), again)
			}
		},
	})
	if err != nil {
		if ctx.Err() != nil {
			return &interrupted{fmt.Sprintf("interrupted; continue with: mdtwin calibrate %s --out %s --resume", sc.File, r.out)}
		}
		return err
	}
	s := res.Summary
	fmt.Fprintf(out, "calibration %s (%s): %s after %d %s and %d simulations\n", sc.Study.Name, res.Method, res.Stop, res.Steps,
		map[bool]string{true: "populations", false: "rounds"}[res.Method == scenarios.ABCSMC], res.Simulations)
	for _, p := range s.Params {
		est := ""
		if p.Estimate != nil {
			est = "estimate " + fmtNum(p.Estimate)
			if p.SE != nil {
				est += " (se " + fmtNum(p.SE) + "), "
			} else {
				est += ", "
			}
		}
		fmt.Fprintf(out, "  %-24s %smean %s, sd %s, 95 %% interval [%s, %s]%s\n", p.Name, est, fmtNum(p.Mean), fmtNum(p.SD), fmtNum(p.Q025), fmtNum(p.Q975), unit(p.Unit))
	}
	var misses []string
	for _, t := range s.Targets {
		if t.Within != nil && !*t.Within {
			misses = append(misses, t.Name)
		}
	}
	if len(misses) > 0 {
		fmt.Fprintf(out, "  targets not reproduced within 1.96 standard errors: %s\n", strings.Join(misses, ", "))
	}
	fmt.Fprintf(out, "outputs in %s: posterior.csv, %s, calibration.json, predictive/\n", r.out,
		map[bool]string{true: calibrate.PopulationsFile, false: calibrate.TraceFile}[res.Method == scenarios.ABCSMC])
	return nil
}

func fmtTol(x float64) string {
	if math.IsInf(x, 1) {
		return "∞"
	}
	return fmt.Sprintf("%.4g", x)
}

func fmtNum(x *float64) string {
	if x == nil {
		return "–"
	}
	return fmt.Sprintf("%.4g", *x)
}

func unit(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}

// calibrationReport writes the calibration page of the calibration in dir
// (mdtwin report on a calibration's output folder).
func (a *app) calibrationReport(dir, out string) error {
	c, err := report.LoadCalibration(dir)
	if err != nil {
		return &engine.InputError{Msg: err.Error()}
	}
	if out == "" {
		out = filepath.Join(dir, "report.html")
	}
	var b bytes.Buffer
	if err := report.Calibration(&b, c); err != nil {
		return err
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return &engine.InputError{Msg: fmt.Sprintf("--out: %v", err)}
	}
	fmt.Fprintf(a.stdout, "report written to %s\n", out)
	return nil
}
