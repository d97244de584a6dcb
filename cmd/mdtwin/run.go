package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/builtin"
	"github.com/mdtwin/mdtwin/optima"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/prediction"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/store"
	"github.com/mdtwin/mdtwin/workers"
	"github.com/mdtwin/mdtwin/workers/inproc"
)

// runFlags are the flags of `mdtwin run` (and `mdtwin demo`).
type runFlags struct {
	backend     string
	workers     int
	out         string
	resume      bool
	retryFailed bool
	pluginDir   string
	maxAttempts int
	runTimeout  time.Duration
	slurm       scenarios.SlurmOptions // flags override the scenario's [backend] keys
}

func (f *runFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.backend, "backend", "", "where runs execute: inproc, plugin or slurm (default: the scenario's [backend] kind, else inproc)")
	cmd.Flags().IntVar(&f.workers, "workers", 0, "number of workers (default: the scenario's [backend] workers, else one per CPU)")
	cmd.Flags().StringVar(&f.out, "out", "", "output folder (default: the scenario's [study] output, else out/<study name>)")
	cmd.Flags().BoolVar(&f.resume, "resume", false, "continue the study recorded in the output folder, running only unfinished runs")
	cmd.Flags().StringVar(&f.pluginDir, "plugin-dir", "", "folder of external model plugins (mdtwin-model-*) (default: [backend] plugin_dir, $MDTWIN_PLUGIN_DIR, else ./plugins)")
	cmd.Flags().IntVar(&f.maxAttempts, "max-attempts", 0, "model errors and timeouts a run may have before it is recorded as failed (default: [backend] max_attempts, else 3)")
	cmd.Flags().DurationVar(&f.runTimeout, "run-timeout", 0, "a run taking longer (e.g. 90s, 10m) is taken to hang: its worker is stopped and replaced, the attempt charged (default: [backend] run_timeout, else the model's own, else none)")
	cmd.Flags().BoolVar(&f.retryFailed, "retry-failed", false, "with --resume: run the runs recorded as failed again, with a fresh budget of attempts")
	cmd.Flags().StringVar(&f.slurm.Partition, "partition", "", "slurm: sbatch --partition")
	cmd.Flags().StringVar(&f.slurm.Account, "account", "", "slurm: sbatch --account")
	cmd.Flags().StringVar(&f.slurm.Time, "time", "", "slurm: sbatch --time per array task, e.g. 00:30:00")
	cmd.Flags().StringVar(&f.slurm.Mem, "mem", "", "slurm: sbatch --mem per array task, e.g. 4G")
	cmd.Flags().IntVar(&f.slurm.CPUsPerTask, "cpus-per-task", 0, "slurm: cores per array task")
	cmd.Flags().IntVar(&f.slurm.RunsPerTask, "runs-per-task", 0, "slurm: runs packed into one array task (default 100)")
	cmd.Flags().StringVar(&f.slurm.SharedDir, "shared-dir", "", "slurm: folder shared with the compute nodes (default <out>/slurm)")
}

func (a *app) runCommand() *cobra.Command {
	var f runFlags
	var pf patientFlags
	cmd := &cobra.Command{
		Use:   "run SCENARIO",
		Short: "Run the study a scenario file describes",
		Long: "Run expands SCENARIO (a TOML file) into runs and executes them. Outputs go to the output folder:\n" +
			"manifest.json, results.csv (one row per run, in run order), summary.json, runs/<id>/ and ledger.sqlite.\n" +
			"Exit codes: 0 all runs done; 1 some runs failed; 2 bad input; 130 interrupted (continue with --resume).",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("run takes one scenario file, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return err
			}
			if err := refuseOptima(sc); err != nil {
				return err
			}
			pf, err := pf.withBlock(sc)
			if err != nil {
				return err
			}
			if pf.patient == "" {
				_, err = a.runStudy(cmd.Context(), sc, f)
				return err
			}
			return a.runForPatient(cmd.Context(), sc, f, pf)
		},
	}
	f.register(cmd)
	pf.register(cmd)
	return cmd
}

// refuseOptima refuses a scenario written for `mdtwin optima` (it has an
// [inputs.optima] table): run would run its atrial model once, from pacing
// sites the loop would have chosen, and fail.
func refuseOptima(sc *scenarios.Scenario) error {
	if optima.Has(sc) {
		return sc.Errorf([]string{"inputs", "optima"}, "this scenario is written for the ablation planning loop ([inputs.optima]); run it with: mdtwin optima %s", sc.File)
	}
	return nil
}

// resolved is a scenario's model and backend after flags and discovery.
type resolved struct {
	desc        models.Descriptor
	model       models.Model // nil for an external plugin
	pluginPath  string       // the plugin binary of an external model
	backendKind string
	workers     int
	maxAttempts int
	runTimeout  time.Duration // 0: the model's own
	out         string
	pluginDir   string
}

// resolve applies the precedence flag > scenario > default and finds the
// model among the built-in ones, then among the plugins.
func (a *app) resolve(sc *scenarios.Scenario, f runFlags) (resolved, error) {
	r := resolved{backendKind: first(f.backend, sc.Backend.Kind, "inproc"),
		workers:     firstInt(f.workers, sc.Backend.Workers, runtime.NumCPU()),
		maxAttempts: firstInt(f.maxAttempts, sc.Backend.MaxAttempts, engine.DefaultMaxAttempts),
		runTimeout:  max(f.runTimeout, 0),
		out:         first(f.out, sc.Study.Output, filepath.Join("out", sc.Study.Name)),
		pluginDir:   first(f.pluginDir, sc.Backend.PluginDir, defaultPluginDir()),
	}
	switch {
	case f.workers < 0:
		return r, &usageError{fmt.Errorf("--workers %d: expected a positive number", f.workers)}
	case f.maxAttempts < 0:
		return r, &usageError{fmt.Errorf("--max-attempts %d: expected a positive number", f.maxAttempts)}
	case f.runTimeout < 0:
		return r, &usageError{fmt.Errorf("--run-timeout %s: expected a positive duration such as 90s or 10m", f.runTimeout)}
	case f.retryFailed && !f.resume:
		return r, &usageError{fmt.Errorf("--retry-failed works with --resume: it reruns the failed runs of the study in the output folder")}
	}
	if r.runTimeout == 0 {
		r.runTimeout = sc.Backend.RunTimeout
	}
	if r.backendKind != "inproc" && r.backendKind != "plugin" && r.backendKind != "slurm" {
		return r, &usageError{fmt.Errorf("--backend %q: expected inproc, plugin or slurm", f.backend)}
	}
	if f.slurm.CPUsPerTask < 0 || f.slurm.RunsPerTask < 0 {
		return r, &usageError{fmt.Errorf("--cpus-per-task and --runs-per-task take a positive number")}
	}
	m, desc, err := prediction.Builtin(sc)
	if err == nil {
		r.model, r.desc = m, desc
		return r, nil
	}
	if !errors.Is(err, prediction.ErrNotBuiltin) {
		return r, err
	}
	reg := builtin.Registry()
	found, discoverErr := findPlugin(r.pluginDir, sc.Study.Model)
	var known []string
	known = append(known, reg.Names()...)
	for _, p := range found {
		for _, d := range p.Models {
			known = append(known, d.Name)
			if d.Name == sc.Study.Model && r.pluginPath == "" {
				r.desc, r.pluginPath = d, p.Path
			}
		}
	}
	if r.pluginPath == "" {
		msg := fmt.Sprintf("unknown model %q, expected one of: %s (built-in or plugins in %s)",
			sc.Study.Model, strings.Join(known, ", "), r.pluginDir)
		if discoverErr != nil {
			msg += "; some plugins there did not start: " + oneLine(discoverErr.Error())
		}
		return r, sc.Errorf([]string{"study", "model"}, "%s", msg)
	}
	if r.backendKind == "slurm" {
		return r, &engine.InputError{Msg: fmt.Sprintf("model %q is an external plugin (%s): the slurm backend runs built-in models only", sc.Study.Model, r.pluginPath)}
	}
	if r.backendKind == "inproc" {
		if f.backend == "inproc" || sc.Backend.Kind == "inproc" {
			return r, &engine.InputError{Msg: fmt.Sprintf("model %q is an external plugin (%s): it runs only with --backend plugin", sc.Study.Model, r.pluginPath)}
		}
		r.backendKind = "plugin"
	}
	return r, nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstInt(vals ...int) int {
	for _, v := range vals {
		if v > 0 {
			return v
		}
	}
	return 0
}

// interrupted is a study stopped by a signal; its ledger is consistent.
type interrupted struct{ msg string }

func (e *interrupted) Error() string { return e.msg }
func (e *interrupted) Unwrap() error { return context.Canceled }

// runStudy expands, prepares and executes a study, and reports it.
func (a *app) runStudy(ctx context.Context, sc *scenarios.Scenario, f runFlags) (engine.Report, error) {
	log := a.logger()
	r, err := a.resolve(sc, f)
	if err != nil {
		return engine.Report{}, err
	}
	backend, err := newBackend(sc, f, r, log)
	if err != nil {
		return engine.Report{}, err
	}
	rep, err := prediction.Execute(ctx, prediction.Study{
		Scenario: sc, Model: r.desc, Summarizer: prediction.SummarizerOf(r.model), Backend: backend,
		BackendKind: r.backendKind, Workers: r.workers, MaxAttempts: r.maxAttempts, RunTimeout: r.runTimeout,
		OutDir: r.out, Resume: f.resume, RetryFailed: f.retryFailed, Progress: newProgress(a.stderr, log, sc.Study.Name), Log: log,
	})
	if err != nil {
		if ctx.Err() != nil {
			return rep, &interrupted{fmt.Sprintf("interrupted after %d runs were recorded; continue with: mdtwin run %s --out %s --resume", rep.Done, sc.File, r.out)}
		}
		return rep, err
	}
	fmt.Fprintf(a.stdout, "study %s: %d runs, %d done, %d failed", sc.Study.Name, rep.Runs, rep.Done, len(rep.Failed))
	if rep.Resumed > 0 {
		fmt.Fprintf(a.stdout, " (%d finished before this session)", rep.Resumed)
	}
	fmt.Fprintf(a.stdout, " in %s\noutputs in %s: manifest.json, results.csv, summary.json, runs/\n", rep.Elapsed.Round(1e6), r.out)
	if len(rep.Failed) > 0 {
		fmt.Fprintln(a.stdout, "failed runs:")
		for _, fr := range rep.Failed {
			fmt.Fprintf(a.stdout, "  %s after %d attempts: %s\n", fr.ID, fr.Attempts, oneLine(fr.Error))
		}
		if allBadInput(rep.Failed) { // the model refused its inputs: exit 2, nothing to retry
			return rep, &engine.InputError{Msg: fmt.Sprintf("%s: the model refused the inputs of %d of %d runs (bad input, not retried), first %s: %s",
				sc.File, len(rep.Failed), rep.Runs, rep.Failed[0].ID, oneLine(rep.Failed[0].Error))}
		}
		return rep, &runFailure{fmt.Sprintf("%d of %d runs failed (listed above and in %s); run them again with: mdtwin run %s --out %s --resume --retry-failed",
			len(rep.Failed), rep.Runs, filepath.Join(r.out, "summary.json"), sc.File, r.out)}
	}
	return rep, nil
}

// newBackend returns the backend r chose for sc, not started yet.
func newBackend(sc *scenarios.Scenario, f runFlags, r resolved, log *slog.Logger) (workers.Backend, error) {
	switch r.backendKind {
	case "slurm":
		return newSlurmBackend(sc, f, r, log)
	case "plugin":
		path, args := r.pluginPath, []string(nil)
		if path == "" {
			exe, err := os.Executable()
			if err != nil {
				return nil, fmt.Errorf("finding the mdtwin binary to serve built-in models: %w", err)
			}
			path, args = exe, []string{"plugin", "serve"}
		}
		return newPluginBackend(path, args, r.desc.Name, r.workers, log), nil
	}
	return inproc.New(r.model, r.workers), nil
}

// ---- mdtwin run --patient: personalise the scenario, record the prediction ----

// patientFlags are the flags of `mdtwin run` that make a study one
// patient's, merged with the scenario's [patient] table by withBlock.
type patientFlags struct {
	patient   string
	storePath string

	blockID    bool     // patient came from [patient] id, not --patient
	blockStore bool     // storePath came from [patient] store, not --store
	flags      []string // --patient and --store as given, for the --resume hint
}

func (pf *patientFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&pf.patient, "patient", "", "personalise the scenario for this patient (pseudonymous id in the patient store) and record the prediction (default: the scenario's [patient] id)")
	cmd.Flags().StringVar(&pf.storePath, "store", "", "patient store for --patient (default: the scenario's [patient] store, else $XDG_DATA_HOME/mdtwin/store.sqlite, else ~/.local/share/mdtwin/store.sqlite)")
}

// withBlock returns pf with the patient and store of sc's [patient] table
// filled in, so that a scenario with the table runs exactly as the same
// scenario with --patient ID --store PATH. A flag given with the table must
// agree with it: --patient naming another patient, or --store another
// file, is bad input positioned at the table's key.
//
// The scenario's hash (of the file's bytes) covers the table, store
// included; the personalised hash stored with the prediction adds the
// patient id and what the record supplied (patient/embodiment). The same
// file run with equal flags therefore gives the same hash as without them.
func (pf patientFlags) withBlock(sc *scenarios.Scenario) (patientFlags, error) {
	if pf.patient != "" {
		pf.flags = append(pf.flags, "--patient", pf.patient)
	}
	if pf.storePath != "" {
		pf.flags = append(pf.flags, "--store", pf.storePath)
	}
	b := sc.Patient
	if b == nil {
		return pf, nil
	}
	if pf.patient != "" && pf.patient != b.ID {
		return pf, sc.Errorf([]string{"patient", "id"}, "[patient] id %q and --patient %q name different patients; give one of them, or the same id", b.ID, pf.patient)
	}
	if pf.patient == "" {
		pf.patient, pf.blockID = b.ID, true
	}
	if st := sc.PatientStore(); st != "" {
		if pf.storePath != "" && !samePath(pf.storePath, st) {
			return pf, sc.Errorf([]string{"patient", "store"}, "[patient] store %q (%s) and --store %q are different files; give one of them, or the same file", b.Store, st, pf.storePath)
		}
		if pf.storePath == "" {
			pf.storePath, pf.blockStore = st, true
		}
	}
	return pf, nil
}

// samePath reports whether a and b name the same file: the same absolute
// path, or the same existing file through a link.
func samePath(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	if errA == nil && errB == nil && absA == absB {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// runForPatient personalises sc for the patient (patient/embodiment), runs
// the study and stores its done runs as predictions for the patient, with
// the study's model version, personalised scenario hash and output folder.
// Errors about the patient or the store name where they came from: the
// flag, or the scenario's [patient] key (file:line:col).
func (a *app) runForPatient(ctx context.Context, sc *scenarios.Scenario, f runFlags, pf patientFlags) error {
	if pf.storePath == "" {
		p, err := store.DefaultPatientStore()
		if err != nil {
			return &usageError{err}
		}
		pf.storePath = p
	}
	storeErr := func(format string, args ...any) error {
		if pf.blockStore {
			return sc.Errorf([]string{"patient", "store"}, "[patient] store: "+format, args...)
		}
		return &engine.InputError{Msg: fmt.Sprintf(format, args...)}
	}
	// Opening creates a missing store: refuse one before, as it holds no patient.
	if _, err := os.Stat(pf.storePath); errors.Is(err, fs.ErrNotExist) {
		return storeErr("patient store %s does not exist (mdtwin ingest creates it)", pf.storePath)
	}
	ps, err := store.OpenPatients(pf.storePath, "mdtwin run")
	if err != nil {
		return storeErr("patient store %s", err)
	}
	defer ps.Close()
	rec, err := ps.Record(ctx, pf.patient)
	if err != nil {
		if pf.blockID {
			return sc.Errorf([]string{"patient", "id"}, "[patient] id: %v (store %s)", err, pf.storePath)
		}
		return &engine.InputError{Msg: fmt.Sprintf("--patient: %v (store %s)", err, pf.storePath)}
	}
	p, err := embodiment.Personalise(sc, rec, embodiment.Options{})
	if err != nil {
		return &engine.InputError{Msg: fmt.Sprintf("%s: %v", sc.File, err)}
	}
	// The notes quote the record (age, sex, EDSS, drugs, dates): debug
	// level only (-v shows them); the info line names the pseudonym.
	log := a.logger()
	log.Info("personalised for the patient", "patient", pf.patient, "notes", len(p.Notes), "see", "-v for what the record gave")
	for _, n := range p.Notes {
		log.Debug("embodiment", "patient", pf.patient, "note", n)
	}
	rep, err := a.runStudy(ctx, p.Scenario, f)
	var in *interrupted
	if errors.As(err, &in) && len(pf.flags) > 0 {
		in.msg += " " + strings.Join(pf.flags, " ")
	}
	var rf *runFailure
	if err != nil && !errors.As(err, &rf) {
		return err
	}
	if rep.Done > 0 {
		ids, serr := prediction.Record(ctx, ps, pf.patient, p.Scenario, rep.OutDir)
		if serr != nil {
			return fmt.Errorf("the study ran but its prediction could not be stored for patient %s: %w", pf.patient, serr)
		}
		fmt.Fprintf(a.stdout, "stored %d predictions for patient %s in %s\n", len(ids), pf.patient, pf.storePath)
	}
	return err
}

// allBadInput reports whether every failed run failed because the model
// refused its input (models.IsBadInput): a mistake in the scenario, not
// in the machine, which --retry-failed cannot mend.
func allBadInput(failed []engine.FailedRun) bool {
	for _, f := range failed {
		if !f.BadInput {
			return false
		}
	}
	return len(failed) > 0
}
