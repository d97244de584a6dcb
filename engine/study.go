package engine

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/store"
	"github.com/mdtwin/mdtwin/workers"
)

// Version is mdtwin's version, written in every manifest.
const Version = "0.1.0"

// DefaultMaxAttempts is how many times a run is tried before it is failed.
const DefaultMaxAttempts = 3

// FlushInterval bounds how long a run's end waits before it is committed to
// the ledger: a crash loses at most this much finished work.
const FlushInterval = 200 * time.Millisecond

// flushBatch commits the ledger early when this many ends are waiting.
const flushBatch = 512

// InputError is a problem with what the user asked for (an unwritable
// output folder, a study that exists already, …). The CLI reports it as
// one line and exits with code 2.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// Plan is everything a study needs to run.
type Plan struct {
	Scenario *scenarios.Scenario
	Model    models.Descriptor
	// Runs are the study's runs, made on demand (a *scenarios.Design, or a
	// scenarios.RunList).
	Runs        scenarios.RunSet
	OutDir      string
	MaxAttempts int // charged attempts (errors, timeouts) per run; ≤ 0: DefaultMaxAttempts
	MaxLost     int // losses per run; ≤ 0: DefaultMaxLost
	// RunTimeout bounds each run's wall time; 0: the model's declared
	// RunTimeout; negative: none.
	RunTimeout time.Duration
	Resume     bool // continue the study recorded in OutDir
	// RetryFailed, with Resume, gives the runs recorded as failed a fresh
	// budget of attempts and runs them again.
	RetryFailed bool
	Backend     string
	Workers     int
	// Summarizer, if not nil, aggregates the study for summary.json (the
	// in-process model, whatever backend ran it).
	Summarizer models.Summarizer
	// Reduce, if not nil, keeps a few numbers of each succeeded run's
	// tables instead of the tables: see Reduction.
	Reduce *Reduction
}

// Reduction turns each succeeded run's tables into scalar outputs that are
// recorded with the run, in the ledger and in results.csv (as columns
// after the model's outputs), instead of writing the tables to the run's
// folder: for a study whose user needs a few numbers of each table and not
// the tables (the populations of a calibration). It is applied where the
// engine runs, to the result every backend returns, so the numbers do not
// depend on the backend; a resumed study keeps the numbers of the runs
// finished before.
type Reduction struct {
	// Outputs names the outputs Func returns, in the order of their
	// columns. They must not be names of the model's parameters or outputs.
	Outputs []string
	// Func computes the outputs of the run whose folder is dir (where the
	// model may have written files) from its result. An *InputError stops
	// the study: it is a mismatch between what the study asks of the
	// tables and what the model wrote, which rerunning does not mend. Any
	// other error fails the attempt.
	Func func(dir string, r models.Result) (map[string]float64, error)
}

// Progress receives the study's progress. The CLI shows it as bars on a
// terminal or as periodic log lines.
type Progress interface {
	Start(total, done, failed int)
	Update(done, failed int)
	Stop()
}

// Study is a prepared study: its output folder is locked and, when it
// resumes, its ledger is open.
type Study struct {
	plan        Plan
	lock        *FolderLock
	ledger      *store.Ledger
	fingerprint scenarios.Fingerprint
	prior       []Prior // from the ledger on resume; nil for a new study
	log         *slog.Logger
	start       time.Time
}

// Prepare checks the output folder, locks it for the study's life and,
// with Resume, opens the ledger there and checks it belongs to this
// scenario and its data (scenarios.Fingerprint). A new study's ledger is
// created by Execute once the backend has started. Errors the user can fix
// are *InputError. Nothing is left half-written on error, and the lock is
// released.
func Prepare(plan Plan, log *slog.Logger) (*Study, error) {
	if plan.MaxAttempts <= 0 {
		plan.MaxAttempts = DefaultMaxAttempts
	}
	if plan.MaxLost <= 0 {
		plan.MaxLost = DefaultMaxLost
	}
	if plan.RunTimeout == 0 {
		plan.RunTimeout = plan.Model.RunTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if red := plan.Reduce; red != nil {
		for _, name := range red.Outputs {
			if _, ok := plan.Model.Param(name); ok || slices.ContainsFunc(plan.Model.Outputs, func(o models.Output) bool { return o.Name == name }) {
				return nil, fmt.Errorf("engine: the reduced output %q is a name of model %s", name, plan.Model.Name)
			}
		}
	}
	if plan.Runs == nil || plan.Runs.Len() == 0 {
		return nil, inputErrorf("%s: the study has no runs", plan.Scenario.File)
	}
	if err := checkWritable(plan.OutDir); err != nil {
		return nil, err
	}
	lock, err := LockFolder(plan.OutDir)
	if err != nil {
		return nil, err
	}
	s := &Study{plan: plan, lock: lock, log: log, start: time.Now()}
	if err := s.prepare(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Study) prepare() error {
	fp, err := s.plan.Scenario.Fingerprint()
	if err != nil {
		return &InputError{Msg: err.Error()}
	}
	s.fingerprint = fp
	path := filepath.Join(s.plan.OutDir, store.LedgerFile)
	_, statErr := os.Stat(path)
	exists := statErr == nil
	switch {
	case exists && !s.plan.Resume:
		return inputErrorf("%s: the output folder already holds a study (%s); use --resume to continue it, or another --out", s.plan.OutDir, store.LedgerFile)
	case exists:
		return s.openForResume(path)
	case s.plan.Resume:
		s.log.Info("nothing to resume: starting the study", "out", s.plan.OutDir)
	}
	return nil
}

// Close releases what Prepare took: the ledger and the folder's lock.
// Execute calls it when it returns; it is safe to call more than once.
func (s *Study) Close() {
	if s.ledger != nil {
		s.ledger.Close()
		s.ledger = nil
	}
	s.lock.Unlock()
}

// checkWritable creates dir if needed and proves a file can be written in it.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return inputErrorf("output folder %s: cannot create it: %v", dir, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return inputErrorf("output folder %s: not writable: %v", dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (s *Study) meta() map[string]string {
	sc := s.plan.Scenario
	fp, _ := json.Marshal(s.fingerprint)
	return map[string]string{
		"study":         sc.Study.Name,
		"model":         s.plan.Model.Name,
		"model_version": s.plan.Model.Version,
		"scenario":      sc.File,
		"scenario_hash": sc.Hash,
		"fingerprint":   string(fp),
		"seed":          strconv.FormatUint(sc.Study.Seed, 10),
		"runs":          strconv.Itoa(s.plan.Runs.Len()),
	}
}

func (s *Study) create(path string) error {
	runs := s.plan.Runs
	l, err := store.CreateLedger(path, s.meta(), runs.Len(), func(i int) (store.LedgerRun, error) {
		r, err := runs.Run(i)
		if err != nil {
			return store.LedgerRun{}, err
		}
		params, err := store.EncodeParams(r.Params)
		if err != nil {
			return store.LedgerRun{}, err
		}
		return store.LedgerRun{Index: r.Index, ID: r.ID, Replicate: r.Replicate, Seed: r.Seed,
			Params: params, State: store.Pending}, nil
	})
	if err != nil {
		return fmt.Errorf("creating the ledger: %w", err)
	}
	s.ledger = l
	return nil
}

func (s *Study) openForResume(path string) error {
	l, err := store.OpenLedger(path)
	if err != nil {
		return inputErrorf("%s: cannot open the ledger to resume: %v", path, err)
	}
	s.ledger = l
	meta, err := l.Meta()
	if err != nil {
		return inputErrorf("%s: cannot read the ledger: %v", path, err)
	}
	want := s.meta()
	for _, k := range []string{"model", "model_version", "runs"} {
		if meta[k] != want[k] {
			return inputErrorf("%s: cannot resume: the ledger's %s is %q but the scenario gives %q; use another --out for a changed study", path, k, meta[k], want[k])
		}
	}
	if err := s.checkFingerprint(path, meta); err != nil {
		return err
	}
	return s.readPrior()
}

// checkFingerprint refuses to resume a study whose scenario or data
// changed, naming what changed. A ledger older than fingerprints is held
// to the scenario file's bytes.
func (s *Study) checkFingerprint(path string, meta map[string]string) error {
	if meta["fingerprint"] == "" {
		if meta["scenario_hash"] != s.plan.Scenario.Hash {
			return inputErrorf("%s: cannot resume: the ledger's scenario_hash is %q but the scenario gives %q; use another --out for a changed study", path, meta["scenario_hash"], s.plan.Scenario.Hash)
		}
		return nil
	}
	var old scenarios.Fingerprint
	if err := json.Unmarshal([]byte(meta["fingerprint"]), &old); err != nil {
		return inputErrorf("%s: cannot resume: unreadable fingerprint in the ledger: %v", path, err)
	}
	if ch := s.fingerprint.Changes(old); len(ch) > 0 {
		return inputErrorf("%s: cannot resume: since the study started, %s changed; use another --out for a changed study", s.plan.Scenario.File, strings.Join(ch, ", "))
	}
	return nil
}

// readPrior folds the ledger's attempt ends into each run's state and
// counters. With RetryFailed, failed runs get a fresh budget (recorded as
// a retry marker when the study starts).
func (s *Study) readPrior() error {
	n := s.plan.Runs.Len()
	prior := make([]Prior, n)
	bad := -1
	err := s.ledger.EachEnd(context.Background(), func(i int, state, kind string) {
		if i < 0 || i >= n {
			bad = i
			return
		}
		p := &prior[i]
		if kind == store.EndRetry {
			p.Charged, p.Lost, p.State = 0, 0, Pending
			return
		}
		p.Attempts++
		switch kind {
		case store.EndError, store.EndTimeout:
			p.Charged++
		case store.EndLost:
			p.Lost++
		}
		switch state {
		case store.Done:
			p.State = Done
		case store.Failed:
			p.State = Failed
		default:
			p.State = Pending
		}
	})
	if err != nil {
		return fmt.Errorf("%s: reading the ledger: %w", s.ledger.Path(), err)
	}
	if bad >= 0 {
		return inputErrorf("%s: cannot resume: the ledger records run %d of a study of %d runs", s.ledger.Path(), bad, n)
	}
	s.prior = prior
	return nil
}

// retryFailed gives the failed runs of a resumed study a fresh budget and
// returns the markers to record for them.
func (s *Study) retryFailed() []store.RunEnd {
	var ends []store.RunEnd
	for i := range s.prior {
		p := &s.prior[i]
		if p.State != Failed {
			continue
		}
		p.State, p.Charged, p.Lost = Pending, 0, 0
		ends = append(ends, store.RunEnd{Index: i, State: store.Pending, Kind: store.EndRetry, Attempts: p.Attempts,
			Error: "--retry-failed: run again"})
	}
	return ends
}

// ledgerJournal keeps a backend's journal in the ledger's study table,
// under keys prefixed "journal.".
type ledgerJournal struct{ l *store.Ledger }

func (j ledgerJournal) Get(key string) (string, error) { return j.l.GetMeta("journal." + key) }
func (j ledgerJournal) Set(key, value string) error    { return j.l.SetMeta("journal."+key, value) }

// Report is what Execute returns.
type Report struct {
	OutDir  string
	Runs    int
	Done    int
	Failed  []FailedRun
	Resumed int // runs already finished before this session
	Elapsed time.Duration
}

// FailedRun is a run that failed every attempt.
type FailedRun struct {
	ID       string `json:"run_id"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error"`
	// BadInput is set when the model refused the run's input
	// (models.IsBadInput): no retry can mend it.
	BadInput bool `json:"bad_input,omitempty"`
}

// Execute runs the study on backend, which must not be started yet, and
// writes its outputs. It returns an error only if the study could not be
// carried out (a backend that does not start or stops for good, a ledger
// that cannot be written, ctx cancelled); failed runs are listed in the
// Report. It releases the folder's lock when it returns.
func (s *Study) Execute(ctx context.Context, backend workers.Backend, progress Progress) (Report, error) {
	defer s.Close()
	s.start = time.Now()
	runs := s.plan.Runs
	var markers []store.RunEnd
	if s.plan.RetryFailed && s.prior != nil {
		markers = s.retryFailed()
	}
	core := NewCore(runs.Len(), Limits{MaxAttempts: s.plan.MaxAttempts, MaxLost: s.plan.MaxLost}, s.prior)
	if !core.Finished() {
		if err := backend.Start(ctx); err != nil {
			backend.Close()
			return Report{}, err
		}
		defer backend.Close()
		// A backend that blocks must not keep the study from stopping.
		stop := context.AfterFunc(ctx, func() { backend.Close() })
		defer stop()
	}
	if s.ledger == nil {
		if err := s.create(filepath.Join(s.plan.OutDir, store.LedgerFile)); err != nil {
			return Report{}, err
		}
	}
	if len(markers) > 0 {
		if err := s.ledger.Record(ctx, markers); err != nil {
			return Report{}, fmt.Errorf("recording --retry-failed in the ledger: %w", err)
		}
		s.log.Info("retrying failed runs", "runs", len(markers))
	}
	if j, ok := backend.(workers.Journaled); ok && !core.Finished() {
		if err := j.UseJournal(ledgerJournal{s.ledger}); err != nil {
			return Report{}, err
		}
	}
	_, _, done0, failed0 := core.Counts()
	rep := Report{OutDir: s.plan.OutDir, Runs: runs.Len(), Resumed: done0 + failed0}
	if err := s.writeManifest("running", core); err != nil {
		return rep, err
	}
	if progress != nil {
		progress.Start(runs.Len(), done0, failed0)
		defer progress.Stop()
	}
	s.log.Info("study started", "study", s.plan.Scenario.Study.Name, "model", s.plan.Model.Name,
		"runs", runs.Len(), "already_finished", done0+failed0, "backend", backend.Name(), "out", s.plan.OutDir)

	if !core.Finished() {
		err := s.loop(ctx, core, backend, progress)
		backend.Close()
		if err != nil {
			status := "interrupted"
			if ctx.Err() == nil {
				status = "error"
			}
			s.writeManifest(status, core)
			_, _, rep.Done, _ = core.Counts()
			return rep, err
		}
	}
	return s.finish(ctx, core, rep)
}

func (s *Study) loop(ctx context.Context, core *Core, backend workers.Backend, progress Progress) error {
	runs := s.plan.Runs
	capacity := backend.Capacity()
	w := newLedgerWriter(s.ledger)
	var pending []store.RunEnd
	flush := func() error {
		if len(pending) > 0 {
			w.write(pending)
			pending = make([]store.RunEnd, 0, flushBatch)
		}
		return w.err()
	}
	defer w.close()
	ticker := time.NewTicker(FlushInterval)
	defer ticker.Stop()
	outDir := s.plan.OutDir
	absOut, err := filepath.Abs(outDir)
	if err != nil {
		return err
	}
	timeout := max(0, s.plan.RunTimeout)
	start := time.Now()
	var tasks []workers.Task
	for !core.Finished() {
		tasks = tasks[:0]
		for _, d := range core.Next(capacity-core.InFlight(), time.Since(start)) {
			r, err := runs.Run(d.Index)
			if err != nil {
				return fmt.Errorf("run %d: %w", d.Index, err)
			}
			tasks = append(tasks, workers.Task{Attempt: d.Attempt, Timeout: timeout, Isolate: d.Isolate, Spec: models.RunSpec{
				Study: s.plan.Scenario.Study.Name, Model: s.plan.Model.Name, RunID: r.ID, Index: r.Index,
				Replicate: r.Replicate, Seed: r.Seed, Params: r.Params, Inputs: s.plan.Scenario.Inputs,
				Dir: filepath.Join(absOut, "runs", r.ID),
			}})
		}
		if len(tasks) > 0 {
			backend.Submit(tasks...)
		}
		select {
		case <-ctx.Done():
			flush()
			if err := w.close(); err != nil {
				return err
			}
			return ctx.Err()
		case <-ticker.C:
			if err := flush(); err != nil {
				return err
			}
		case o, ok := <-backend.Outcomes():
			if !ok {
				flush()
				w.close()
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err := backend.Err(); err != nil {
					return fmt.Errorf("the %s backend stopped before the study finished: %w", backend.Name(), err)
				}
				return fmt.Errorf("the %s backend stopped before the study finished", backend.Name())
			}
			end, record, err := s.settle(core, o, time.Since(start))
			if err != nil {
				flush()
				w.close()
				return err
			}
			if !record {
				continue
			}
			pending = append(pending, end)
			if len(pending) >= flushBatch {
				if err := flush(); err != nil {
					return err
				}
			}
			if progress != nil {
				_, _, d, f := core.Counts()
				progress.Update(d, f)
			}
		}
	}
	flush()
	return w.close()
}

// ledgerWriter commits batches of run ends in its own goroutine, so the
// dispatch loop never waits for SQLite. A failed commit stops the study.
type ledgerWriter struct {
	ledger  *store.Ledger
	batches chan []store.RunEnd
	done    chan struct{}
	mu      sync.Mutex
	failure error
	closed  bool
}

func newLedgerWriter(l *store.Ledger) *ledgerWriter {
	w := &ledgerWriter{ledger: l, batches: make(chan []store.RunEnd, 8), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for b := range w.batches {
			if err := l.Record(context.Background(), b); err != nil {
				w.mu.Lock()
				if w.failure == nil {
					w.failure = fmt.Errorf("recording run ends in the ledger: %w", err)
				}
				w.mu.Unlock()
			}
		}
	}()
	return w
}

func (w *ledgerWriter) write(b []store.RunEnd) { w.batches <- b }

func (w *ledgerWriter) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failure
}

// close commits what is queued and returns the first failure.
func (w *ledgerWriter) close() error {
	if !w.closed {
		w.closed = true
		close(w.batches)
		<-w.done
	}
	return w.err()
}

// settle checks an outcome, writes its tables and asks the core for a
// verdict; it returns the ledger row to record. A non-nil error (a
// Reduction's *InputError) stops the study: the run is then neither
// retried nor recorded.
func (s *Study) settle(core *Core, o workers.Outcome, now time.Duration) (store.RunEnd, bool, error) {
	err := o.Err
	var end End
	switch {
	case o.Lost:
		end = Lost
	case o.TimedOut:
		end = TimedOut
	case err != nil && models.IsBadInput(err):
		end = Rejected
	case err != nil:
		end = Errored
	default:
		end = Succeeded
		err = s.checkOutputs(o.Result)
		switch {
		case err != nil:
		case s.plan.Reduce != nil:
			o.Result.Scalars, err = s.reduce(o.Index, o.Result)
			var ie *InputError
			if errors.As(err, &ie) {
				return store.RunEnd{}, false, err
			}
		case len(o.Result.Tables) > 0:
			err = writeTables(filepath.Join(s.plan.OutDir, "runs", s.runID(o.Index)), o.Result.Tables)
		}
		if err != nil {
			end = Errored
		}
	}
	if err == nil && end != Succeeded {
		err = fmt.Errorf("attempt ended (%s) without an error message", end)
	}
	v := core.Report(o.Index, o.Attempt, end, now)
	rec := store.RunEnd{Index: o.Index, Kind: end.String(), Attempts: core.Attempts(o.Index),
		ElapsedMS: float64(o.Elapsed.Microseconds()) / 1000, Worker: o.Worker}
	switch v {
	case Record:
		rec.State, rec.Outputs = store.Done, o.Result.Scalars
		return rec, true, nil
	case Ignore:
		return rec, false, nil
	}
	id := s.runID(o.Index)
	switch v {
	case Retry:
		rec.State, rec.Error = store.Pending, err.Error()
		if end == Lost {
			s.log.Warn("run lost with its worker; retrying it alone after a backoff", "run_id", id, "attempt", o.Attempt,
				"losses", core.Lost(o.Index), "error", err)
		} else {
			s.log.Warn("run failed; retrying", "run_id", id, "attempt", o.Attempt, "end", end.String(), "error", err)
		}
	case GiveUp:
		rec.State, rec.Error = store.Failed, err.Error()
		s.log.Error("run failed; giving up", "run_id", id, "attempts", o.Attempt, "end", end.String(), "error", err)
	}
	return rec, true, nil
}

// reduce applies the plan's Reduction to run i's result and returns the
// run's outputs with the reduced ones added. It returns the Reduction's
// error as is, so settle can stop the study on an *InputError.
func (s *Study) reduce(i int, r models.Result) (map[string]float64, error) {
	red := s.plan.Reduce
	if len(red.Outputs) == 0 {
		return r.Scalars, nil
	}
	extra, err := red.Func(filepath.Join(s.plan.OutDir, "runs", s.runID(i)), r)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(r.Scalars)+len(red.Outputs))
	for k, v := range r.Scalars {
		out[k] = v
	}
	for _, name := range red.Outputs {
		v, ok := extra[name]
		if !ok {
			return nil, fmt.Errorf("the study's reduction of the run's tables gave no output %q", name)
		}
		out[name] = v
	}
	return out, nil
}

// runID returns run i's id.
func (s *Study) runID(i int) string {
	if r, err := s.plan.Runs.Run(i); err == nil {
		return r.ID
	}
	return scenarios.RunID(i, s.plan.Runs.Len())
}

// checkOutputs holds a model to its descriptor: every declared output,
// nothing else.
func (s *Study) checkOutputs(r models.Result) error {
	for _, o := range s.plan.Model.Outputs {
		if _, ok := r.Scalars[o.Name]; !ok {
			return fmt.Errorf("model %s returned no output %q", s.plan.Model.Name, o.Name)
		}
	}
	if len(r.Scalars) != len(s.plan.Model.Outputs) {
		for name := range r.Scalars {
			if !s.declared(name) {
				return fmt.Errorf("model %s returned an undeclared output %q", s.plan.Model.Name, name)
			}
		}
	}
	return nil
}

func (s *Study) declared(name string) bool {
	for _, o := range s.plan.Model.Outputs {
		if o.Name == name {
			return true
		}
	}
	return false
}

// writeTables writes each table as <dir>/<name>.csv, atomically.
func writeTables(dir string, tables []models.Table) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, t := range tables {
		var b strings.Builder
		w := csv.NewWriter(&b)
		w.Write(t.Columns)
		rec := make([]string, len(t.Columns))
		for _, row := range t.Rows {
			rec = rec[:0]
			for _, v := range row {
				rec = append(rec, models.FormatFloat(v))
			}
			w.Write(rec)
		}
		w.Flush()
		if err := writeAtomic(filepath.Join(dir, t.Name+".csv"), []byte(b.String())); err != nil {
			return err
		}
	}
	return nil
}

// writeAtomic writes data to path through a temporary file and a rename,
// so readers never see a half-written file.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// finish writes results.csv, summary.json and the manifest from the
// ledger, reading it once in run order: memory does not grow with the
// number of runs (but for a model's own Summarizer, which is given every
// run at once).
func (s *Study) finish(ctx context.Context, core *Core, rep Report) (Report, error) {
	out := newOutputs(s)
	defer out.close()
	next := 0                         // the next run to write
	pending := func(upTo int) error { // runs with no end yet: none once a study is finished
		for ; next < upTo; next++ {
			if err := out.add(store.RunEnd{Index: next, State: store.Pending}); err != nil {
				return err
			}
		}
		return nil
	}
	err := s.ledger.EachLastEnd(ctx, func(e store.RunEnd) error {
		if err := pending(e.Index); err != nil {
			return err
		}
		switch e.State {
		case store.Done:
			rep.Done++
		case store.Failed:
			rep.Failed = append(rep.Failed, FailedRun{ID: s.runID(e.Index), Attempts: e.Attempts, Error: e.Error, BadInput: e.Kind == store.EndBadInput})
		}
		next++
		return out.add(e)
	})
	if err == nil {
		err = pending(s.plan.Runs.Len())
	}
	if err == nil {
		err = out.writeResults()
	}
	if err == nil {
		err = s.writeSummary(out, rep)
	}
	if err != nil {
		return rep, err
	}
	status := "complete"
	if len(rep.Failed) > 0 {
		status = "failed"
	}
	if err := s.writeManifest(status, core); err != nil {
		return rep, err
	}
	rep.Elapsed = time.Since(s.start)
	s.log.Info("study finished", "study", s.plan.Scenario.Study.Name, "done", rep.Done, "failed", len(rep.Failed),
		"elapsed", rep.Elapsed.Round(time.Millisecond).String(), "out", s.plan.OutDir)
	return rep, nil
}

// outputs writes results.csv as the ledger is read, row by row, and
// collects each output's values for summary.json.
type outputs struct {
	s       *Study
	tmp     *os.File
	buf     *bufio.Writer
	csv     *csv.Writer
	rec     []string
	columns []*column
	runs    []models.RunSummary // for the model's Summarizer only
	n       int
	err     error
}

func newOutputs(s *Study) *outputs {
	o := &outputs{s: s}
	path := filepath.Join(s.plan.OutDir, "results.csv.tmp")
	o.tmp, o.err = os.Create(path)
	if o.err != nil {
		return o
	}
	o.buf = bufio.NewWriterSize(o.tmp, 1<<16)
	o.csv = csv.NewWriter(o.buf)
	header := []string{"run_id", "replicate", "seed", "status"}
	for _, p := range s.plan.Model.Params {
		header = append(header, p.Name)
	}
	for _, out := range s.plan.Model.Outputs {
		header = append(header, out.Name)
		o.columns = append(o.columns, newColumn(s.plan.OutDir))
	}
	if s.plan.Reduce != nil {
		header = append(header, s.plan.Reduce.Outputs...)
	}
	o.csv.Write(header)
	o.rec = make([]string, 0, len(header))
	return o
}

// add writes the row of the run whose latest end is r (runs come in run
// order) and collects its outputs.
func (o *outputs) add(r store.RunEnd) error {
	if o.err != nil {
		return o.err
	}
	if r.Index != o.n {
		return fmt.Errorf("the ledger gives run %d where run %d was expected", r.Index, o.n)
	}
	o.n++
	run, err := o.s.plan.Runs.Run(r.Index)
	if err != nil {
		return err
	}
	done := r.State == store.Done
	o.rec = append(o.rec[:0], run.ID, strconv.Itoa(run.Replicate), strconv.FormatUint(run.Seed, 10), r.State)
	for _, p := range o.s.plan.Model.Params {
		o.rec = append(o.rec, csvValue(run.Params[p.Name]))
	}
	for k, out := range o.s.plan.Model.Outputs {
		v, ok := r.Outputs[out.Name]
		if !ok || !done {
			o.rec = append(o.rec, "")
			continue
		}
		o.rec = append(o.rec, models.FormatFloat(v))
		if err := o.columns[k].add(v); err != nil {
			return err
		}
	}
	if red := o.s.plan.Reduce; red != nil {
		for _, name := range red.Outputs {
			v, ok := r.Outputs[name]
			if !ok || !done {
				o.rec = append(o.rec, "")
				continue
			}
			o.rec = append(o.rec, models.FormatFloat(v))
		}
	}
	if err := o.csv.Write(o.rec); err != nil {
		return err
	}
	if o.s.plan.Summarizer != nil {
		rs := models.RunSummary{RunID: run.ID, Replicate: run.Replicate, Params: run.Params, Done: done}
		if done {
			rs.Scalars = r.Outputs
			if red := o.s.plan.Reduce; red != nil && len(red.Outputs) > 0 { // the model's own outputs only
				rs.Scalars = maps.Clone(r.Outputs)
				for _, name := range red.Outputs {
					delete(rs.Scalars, name)
				}
			}
		}
		o.runs = append(o.runs, rs)
	}
	return nil
}

// writeResults completes results.csv and renames it into place.
func (o *outputs) writeResults() error {
	if o.err != nil {
		return o.err
	}
	o.csv.Flush()
	if err := o.csv.Error(); err != nil {
		return err
	}
	if err := o.buf.Flush(); err != nil {
		return err
	}
	if err := o.tmp.Close(); err != nil {
		return err
	}
	name := o.tmp.Name()
	o.tmp = nil
	return os.Rename(name, filepath.Join(o.s.plan.OutDir, "results.csv"))
}

func (o *outputs) close() {
	if o.tmp != nil {
		o.tmp.Close()
		os.Remove(o.tmp.Name())
	}
	for _, c := range o.columns {
		c.close()
	}
}

func csvValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return models.FormatValue(v)
}

// OutputSummary aggregates one scalar output over the done runs.
type OutputSummary struct {
	Unit      string   `json:"unit,omitempty"`
	N         int      `json:"n"`
	NonFinite int      `json:"non_finite,omitempty"`
	Mean      *float64 `json:"mean,omitempty"`
	SD        *float64 `json:"sd,omitempty"`
	Min       *float64 `json:"min,omitempty"`
	P05       *float64 `json:"p05,omitempty"`
	Median    *float64 `json:"median,omitempty"`
	P95       *float64 `json:"p95,omitempty"`
	Max       *float64 `json:"max,omitempty"`
}

func summarise(xs []float64) OutputSummary {
	var s OutputSummary
	finite := xs[:0:0]
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			s.NonFinite++
		} else {
			finite = append(finite, x)
		}
	}
	s.N = len(finite)
	if s.N == 0 {
		return s
	}
	sort.Float64s(finite)
	var sum float64
	for _, x := range finite {
		sum += x
	}
	mean := sum / float64(s.N)
	var ss float64
	for _, x := range finite {
		ss += (x - mean) * (x - mean)
	}
	f := func(v float64) *float64 { return &v }
	s.Mean, s.Min, s.Max = f(mean), f(finite[0]), f(finite[s.N-1])
	if s.N > 1 {
		s.SD = f(math.Sqrt(ss / float64(s.N-1)))
	}
	s.P05, s.Median, s.P95 = f(quantile(finite, 0.05)), f(quantile(finite, 0.5)), f(quantile(finite, 0.95))
	return s
}

// quantile of sorted xs by linear interpolation between order statistics
// (Hyndman & Fan 1996, definition 7, as in R's default and numpy).
func quantile(xs []float64, p float64) float64 {
	h := p * float64(len(xs)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[i] + (h-lo)*(xs[i+1]-xs[i])
}

func (s *Study) writeSummary(o *outputs, rep Report) error {
	type summary struct {
		Study   string                   `json:"study"`
		Name    string                   `json:"model"`
		Runs    int                      `json:"runs"`
		Done    int                      `json:"done"`
		Outputs map[string]OutputSummary `json:"outputs"`
		Model   any                      `json:"model_summary,omitempty"`
		Failed  []FailedRun              `json:"failed_runs"`
	}
	sm := summary{Study: s.plan.Scenario.Study.Name, Name: s.plan.Model.Name, Runs: rep.Runs, Done: rep.Done,
		Outputs: map[string]OutputSummary{}, Failed: rep.Failed}
	if sm.Failed == nil {
		sm.Failed = []FailedRun{}
	}
	for k, out := range s.plan.Model.Outputs {
		os, err := o.columns[k].summary()
		if err != nil {
			return fmt.Errorf("summarising output %s: %w", out.Name, err)
		}
		os.Unit = out.Unit
		sm.Outputs[out.Name] = os
	}
	if s.plan.Summarizer != nil {
		ms, err := s.plan.Summarizer.Summarize(s.plan.Scenario.Inputs, o.runs)
		if err != nil {
			return fmt.Errorf("model %s: summarising the study: %w", s.plan.Model.Name, err)
		}
		sm.Model = ms
	}
	return writeJSON(filepath.Join(s.plan.OutDir, "summary.json"), sm)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, append(b, '\n'))
}

func (s *Study) writeManifest(status string, core *Core) error {
	sc := s.plan.Scenario
	_, _, done, failed := core.Counts()
	m := map[string]any{
		"mdtwin_version": Version,
		"study":          sc.Study.Name,
		"model":          s.plan.Model.Name,
		"model_version":  s.plan.Model.Version,
		"scenario":       sc.File,
		"scenario_hash":  sc.Hash,
		"seed":           sc.Study.Seed,
		"replicates":     sc.Study.Replicates,
		"runs":           s.plan.Runs.Len(),
		"done":           done,
		"failed":         failed,
		"max_attempts":   s.plan.MaxAttempts,
		"backend":        s.plan.Backend,
		"workers":        s.plan.Workers,
		"status":         status,
		"started":        s.start.UTC().Format(time.RFC3339),
		"updated":        time.Now().UTC().Format(time.RFC3339),
		"outputs": map[string]string{
			"results": "results.csv", "summary": "summary.json", "ledger": store.LedgerFile, "runs": "runs/",
		},
	}
	return writeJSON(filepath.Join(s.plan.OutDir, "manifest.json"), m)
}
