package prediction

import (
	"context"
	"log/slog"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/optima"
	"github.com/mdtwin/mdtwin/scenarios"
)

// isOptima reports whether sc is an atrial scenario with an
// [inputs.optima] table: its study is the OPTIMA loop (package optima),
// not a single study.
func isOptima(sc *scenarios.Scenario) bool {
	return sc.Study.Model == "atrial" && optima.Has(sc)
}

// Loop is an OPTIMA loop (or a virtual trial of ablation strategies) ready
// to run: each of its studies is a Study executed by Execute, the one
// study path.
type Loop struct {
	Scenario *scenarios.Scenario
	OutDir   string
	Rounds   int  // > 0: overrides [inputs.optima] rounds
	Resume   bool // continue the loop recorded in OutDir
	// Study returns the study of the scenario rsc, whose outputs go to the
	// folder dir; RunOptima and RunTrial set its OutDir (and Resume, when
	// the loop continues a study recorded there) and execute it. It is
	// called once before each of the loop's studies.
	Study func(rsc *scenarios.Scenario, dir string) (Study, error)
	Log   *slog.Logger // nil: discard
}

func (l Loop) options() optima.Options {
	exec := func(ctx context.Context, rsc *scenarios.Scenario, dir string, resume bool) (engine.Report, error) {
		s, err := l.Study(rsc, dir)
		if err != nil {
			return engine.Report{}, err
		}
		s.OutDir, s.Resume = dir, resume
		return Execute(ctx, s)
	}
	return optima.Options{OutDir: l.OutDir, Rounds: l.Rounds, Execute: exec, Resume: l.Resume, Log: l.Log}
}

// RunOptima runs the OPTIMA loop of l.Scenario in l.OutDir (round-NN/,
// plan.json, plan.vtu; see optima.Run) and returns its plan.
func RunOptima(ctx context.Context, l Loop) (*optima.Plan, error) {
	return optima.Run(ctx, l.Scenario, l.options())
}

// RunTrial runs the virtual trial of ablation strategies of l.Scenario in
// l.OutDir (see optima.RunTrial) and returns its summary.
func RunTrial(ctx context.Context, l Loop) (*optima.TrialSummary, error) {
	return optima.RunTrial(ctx, l.Scenario, l.options())
}
