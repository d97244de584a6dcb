package prediction

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"time"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/builtin"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/store"
	"github.com/mdtwin/mdtwin/workers"
	"github.com/mdtwin/mdtwin/workers/inproc"
)

// ErrNotBuiltin is returned by Builtin for a model that is not built in
// (it may be an external plugin).
var ErrNotBuiltin = errors.New("not a built-in model")

// Builtin returns sc's model from the built-in registry and its
// descriptor, described for sc's [inputs] when the model is
// models.Configurable. A model that is not built in gives ErrNotBuiltin;
// inputs the model rejects give a *scenarios.Error at [inputs].
func Builtin(sc *scenarios.Scenario) (models.Model, models.Descriptor, error) {
	m, err := builtin.Registry().Lookup(sc.Study.Model)
	if err != nil {
		return nil, models.Descriptor{}, fmt.Errorf("model %q: %w", sc.Study.Model, ErrNotBuiltin)
	}
	desc := m.Describe()
	if c, ok := m.(models.ParamsDescriber); ok {
		if desc, err = c.DescribeFor(sc.Inputs, fixedParams(sc)); err != nil {
			return nil, desc, sc.Errorf([]string{"inputs"}, "%v", err)
		}
	} else if c, ok := m.(models.Configurable); ok {
		if desc, err = c.DescribeInputs(sc.Inputs); err != nil {
			return nil, desc, sc.Errorf([]string{"inputs"}, "%v", err)
		}
	}
	return m, desc, nil
}

// fixedParams returns the values sc's [params] sets that neither its
// [sweep] nor its [calibrate] varies.
func fixedParams(sc *scenarios.Scenario) map[string]any {
	fixed := maps.Clone(sc.Params)
	if sc.Sweep != nil {
		for _, p := range sc.Sweep.Params {
			delete(fixed, p.Name)
		}
	}
	if sc.Calibrate != nil {
		for _, p := range sc.Calibrate.Params {
			delete(fixed, p.Name)
		}
	}
	return fixed
}

// SummarizerOf returns m's study summariser, or nil when m is nil or has
// none.
func SummarizerOf(m models.Model) models.Summarizer {
	if s, ok := m.(models.Summarizer); ok {
		return s
	}
	return nil
}

// Study is a study ready to execute: a scenario, its model and where the
// runs go.
type Study struct {
	Scenario    *scenarios.Scenario
	Model       models.Descriptor
	Summarizer  models.Summarizer // nil: none (summary.json without model_summary)
	Backend     workers.Backend   // not started yet
	BackendKind string            // inproc, plugin or slurm, for the manifest
	Workers     int
	MaxAttempts int // ≤ 0: engine.DefaultMaxAttempts
	MaxLost     int // ≤ 0: engine.DefaultMaxLost
	// RunTimeout bounds each run's wall time; 0: the model's declared
	// timeout; negative: none.
	RunTimeout  time.Duration
	OutDir      string
	Resume      bool
	RetryFailed bool            // with Resume: run the failed runs again
	Progress    engine.Progress // nil: none
	Log         *slog.Logger    // nil: discard
}

// Execute expands s.Scenario into runs, prepares s.OutDir and executes
// the runs on s.Backend (see engine.Prepare and engine.Study.Execute).
// Failed runs are listed in the report, not returned as an error.
func Execute(ctx context.Context, s Study) (engine.Report, error) {
	runs, err := s.Scenario.Design(s.Model)
	if err != nil {
		return engine.Report{}, err
	}
	study, err := engine.Prepare(engine.Plan{
		Scenario: s.Scenario, Model: s.Model, Runs: runs, OutDir: s.OutDir, MaxAttempts: s.MaxAttempts,
		MaxLost: s.MaxLost, RunTimeout: s.RunTimeout, Resume: s.Resume, RetryFailed: s.RetryFailed,
		Backend: s.BackendKind, Workers: s.Workers, Summarizer: s.Summarizer,
	}, s.Log)
	if err != nil {
		return engine.Report{}, err
	}
	rep, err := study.Execute(ctx, s.Backend, s.Progress)
	if err == nil {
		err = savePosterior(s.Scenario, s.OutDir) // posterior.go
	}
	return rep, err
}

// Record stores the study whose outputs are in out (its ledger) for
// patient pid: the study with its model and version, sc's hash (the
// personalised scenario's) and out's absolute path, and one prediction per
// done run. It returns the ids of the stored predictions, in run order.
// Everything is written in one transaction: on error nothing is stored.
func Record(ctx context.Context, ps *store.Patients, pid string, sc *scenarios.Scenario, out string) ([]int64, error) {
	l, err := store.OpenLedger(filepath.Join(out, store.LedgerFile))
	if err != nil {
		return nil, err
	}
	defer l.Close()
	meta, err := l.Meta()
	if err != nil {
		return nil, err
	}
	runs, err := l.Runs()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	w, err := ps.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer w.Rollback() // a no-op after Commit
	sid, err := w.AddStudy(ctx, patient.Study{Name: sc.Study.Name, Model: meta["model"], ModelVersion: meta["model_version"],
		ScenarioSHA256: sc.Hash, Output: abs})
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range runs {
		if r.State != store.Done {
			continue
		}
		id, err := w.AddPrediction(ctx, patient.Prediction{PatientID: pid, StudyID: sid, RunID: r.ID, Outputs: r.Outputs})
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, w.Commit()
}

// InProcess returns the study of sc's built-in model on the in-process
// backend (package workers/inproc) with the given number of workers,
// writing to out.
func InProcess(sc *scenarios.Scenario, out string, workers int) (Study, error) {
	m, desc, err := Builtin(sc)
	if err != nil {
		return Study{}, err
	}
	return Study{Scenario: sc, Model: desc, Summarizer: SummarizerOf(m), Backend: inproc.New(m, workers),
		BackendKind: "inproc", Workers: workers, OutDir: out}, nil
}
