package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/optima"
	"github.com/mdtwin/mdtwin/prediction"
	"github.com/mdtwin/mdtwin/scenarios"
)

func (a *app) optimaCommand() *cobra.Command {
	var f runFlags
	var rounds int
	cmd := &cobra.Command{
		Use:   "optima SCENARIO",
		Short: "Plan ablation of atrial re-entrant drivers by the OPTIMA-style loop",
		Long: "Optima runs the OPTIMA-style loop (Boyle et al. 2019) on an atrial scenario: each round paces from\n" +
			"[inputs.optima] sites spread over the mesh (farthest apart along the wall; one run per site, in parallel),\n" +
			"collects the re-entrant drivers, ablates each (a disc joined by a line to the nearest barrier) and\n" +
			"re-induces with the lesions, until no site induces a driver or the round limit is reached. Outputs in the\n" +
			"output folder: round-NN/ (one study per round), plan.json (rounds, drivers, lesions, total lesion area),\n" +
			"plan.vtu (the mesh with cell fields LesionRound and NonConducting) and optima-state.json (the loop so far,\n" +
			"replaced after every round).\n" +
			"The output folder must be empty or absent, unless --resume: then the loop recorded there continues with the\n" +
			"same scenario (else exit 2) — finished rounds are read back, not run again, the interrupted round runs only\n" +
			"its unfinished runs, and plan.json comes out as an uninterrupted loop's would. --rounds may be raised on\n" +
			"--resume: a loop that stopped at its round limit still inducible then ablates and goes on.\n" +
			"With [inputs.trial] in the scenario it runs a virtual trial of ablation strategies instead: the loop over a\n" +
			"cohort of substrates (fibrosis realisations or meshes) under each arm (none, pvi, optima, pvi+optima), with\n" +
			"the endpoint non-inducible and the lesion area per arm (Wilson and t 95 % intervals) in trial.csv,\n" +
			"trial.json and report.html; substrate-NNN/<baseline>/ holds one loop each.\n" +
			"Exit codes: 0 plan written; 1 a round could not be carried out; 2 bad input; 130 interrupted (continue\n" +
			"with --resume).",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("optima takes one scenario file, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if rounds < 0 {
				return &usageError{fmt.Errorf("--rounds %d: expected a positive number", rounds)}
			}
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return err
			}
			if sc.Patient != nil {
				return sc.Errorf([]string{"patient"}, "optima does not personalise a scenario yet: remove [patient] (mdtwin run takes it)")
			}
			if optima.IsTrial(sc) {
				return a.runTrial(cmd.Context(), sc, f, rounds)
			}
			return a.runOptima(cmd.Context(), sc, f, rounds)
		},
	}
	cmd.Flags().IntVar(&rounds, "rounds", 0, "most induction rounds (default: [inputs.optima] rounds, else 3)")
	cmd.Flags().StringVar(&f.backend, "backend", "", "where runs execute: inproc, plugin or slurm (default: the scenario's [backend] kind, else inproc)")
	cmd.Flags().IntVar(&f.workers, "workers", 0, "number of workers (default: the scenario's [backend] workers, else one per CPU)")
	cmd.Flags().StringVar(&f.out, "out", "", "output folder (default: the scenario's [study] output, else out/<study name>)")
	cmd.Flags().BoolVar(&f.resume, "resume", false, "continue the optima loop recorded in the output folder (same scenario; --rounds may be raised), running only what is unfinished")
	return cmd
}

func (a *app) runOptima(ctx context.Context, sc *scenarios.Scenario, f runFlags, rounds int) error {
	plan, out, err := a.optimaPlan(ctx, sc, f, rounds)
	if err != nil {
		return err
	}
	for _, rd := range plan.Rounds {
		fmt.Fprintf(a.stdout, "round %d: %d sites, %d runs inducible, %d drivers, %d lesions added\n",
			rd.Round, len(rd.Sites), len(rd.InducibleRuns), len(rd.Drivers), rd.LesionsAdded)
	}
	fmt.Fprintf(a.stdout, "optima %s: %s after %d rounds", sc.Study.Name, plan.Outcome, len(plan.Rounds))
	if plan.Resumed > 0 {
		fmt.Fprintf(a.stdout, " (%d finished before this session)", plan.Resumed)
	}
	fmt.Fprintf(a.stdout, "; %d lesions, %.1f mm²\noutputs in %s: plan.json, plan.vtu, round-NN/\n",
		len(plan.Lesions), plan.TotalLesionAreaMM2, out)
	return nil
}

// optimaLoop resolves sc's model, backend and output folder and returns
// the loop of studies `mdtwin optima` runs (an OPTIMA plan or a virtual
// trial): each study on the chosen backend, its progress labelled with the
// study's folder under the output folder.
func (a *app) optimaLoop(sc *scenarios.Scenario, f runFlags, rounds int) (prediction.Loop, error) {
	log := a.logger()
	r, err := a.resolve(sc, f)
	if err != nil {
		return prediction.Loop{}, err
	}
	if r.model == nil {
		return prediction.Loop{}, &engine.InputError{Msg: fmt.Sprintf("optima runs the built-in atrial model, not the plugin model %q", sc.Study.Model)}
	}
	study := func(rsc *scenarios.Scenario, out string) (prediction.Study, error) {
		backend, err := newBackend(rsc, f, r, log)
		if err != nil {
			return prediction.Study{}, err
		}
		rel, _ := filepath.Rel(r.out, out)
		return prediction.Study{
			Scenario: rsc, Model: r.desc, Summarizer: prediction.SummarizerOf(r.model), Backend: backend,
			BackendKind: r.backendKind, Workers: r.workers, MaxAttempts: r.maxAttempts,
			Progress: newProgress(a.stderr, log, rsc.Study.Name+"/"+filepath.ToSlash(rel)), Log: log,
		}, nil
	}
	return prediction.Loop{Scenario: sc, OutDir: r.out, Rounds: rounds, Study: study, Resume: f.resume, Log: log}, nil
}

// optimaPlan runs the OPTIMA loop for sc and returns its plan and the
// output folder it is written in.
func (a *app) optimaPlan(ctx context.Context, sc *scenarios.Scenario, f runFlags, rounds int) (*optima.Plan, string, error) {
	l, err := a.optimaLoop(sc, f, rounds)
	if err != nil {
		return nil, "", err
	}
	plan, err := prediction.RunOptima(ctx, l)
	if err != nil {
		if ctx.Err() != nil {
			again := ""
			if rounds > 0 {
				again = fmt.Sprintf(" --rounds %d", rounds)
			}
			return nil, "", &interrupted{fmt.Sprintf("interrupted; continue with: mdtwin optima %s --out %s%s --resume", sc.File, l.OutDir, again)}
		}
		return nil, "", err
	}
	return plan, l.OutDir, nil
}
