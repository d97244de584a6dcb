package engine

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
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
	Scenario    *scenarios.Scenario
	Model       models.Descriptor
	Runs        []scenarios.Run
	OutDir      string
	MaxAttempts int  // ≤ 0: DefaultMaxAttempts
	Resume      bool // continue the study recorded in OutDir
	Backend     string
	Workers     int
	// Summarizer, if not nil, aggregates the study for summary.json (the
	// in-process model, whatever backend ran it).
	Summarizer models.Summarizer
}

// Progress receives the study's progress. The CLI shows it as bars on a
// terminal or as periodic log lines.
type Progress interface {
	Start(total, done, failed int)
	Update(done, failed int)
	Stop()
}

// Study is a prepared study: its output folder and ledger exist.
type Study struct {
	plan   Plan
	ledger *store.Ledger
	// rows mirrors the ledger in memory: every run's latest state, so the
	// outputs are written without reading the ledger back.
	rows  []store.LedgerRun
	log   *slog.Logger
	start time.Time
}

// Prepare checks the output folder and, with Resume, opens the ledger there
// and checks it belongs to this scenario. A new study's ledger is created by
// Execute once the backend has started. Errors the user can fix are
// *InputError. Nothing is left half-written on error.
func Prepare(plan Plan, log *slog.Logger) (*Study, error) {
	if plan.MaxAttempts <= 0 {
		plan.MaxAttempts = DefaultMaxAttempts
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(plan.Runs) == 0 {
		return nil, inputErrorf("%s: the study has no runs", plan.Scenario.File)
	}
	if err := checkWritable(plan.OutDir); err != nil {
		return nil, err
	}
	s := &Study{plan: plan, log: log, start: time.Now()}
	path := filepath.Join(plan.OutDir, store.LedgerFile)
	_, statErr := os.Stat(path)
	exists := statErr == nil
	switch {
	case exists && !plan.Resume:
		return nil, inputErrorf("%s: the output folder already holds a study (%s); use --resume to continue it, or another --out", plan.OutDir, store.LedgerFile)
	case exists:
		if err := s.openForResume(path); err != nil {
			return nil, err
		}
	case plan.Resume:
		log.Info("nothing to resume: starting the study", "out", plan.OutDir)
	}
	return s, nil
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
	return map[string]string{
		"study":         sc.Study.Name,
		"model":         s.plan.Model.Name,
		"model_version": s.plan.Model.Version,
		"scenario":      sc.File,
		"scenario_hash": sc.Hash,
		"seed":          strconv.FormatUint(sc.Study.Seed, 10),
		"runs":          strconv.Itoa(len(s.plan.Runs)),
	}
}

func (s *Study) create(path string) error {
	rows := make([]store.LedgerRun, len(s.plan.Runs))
	for i, r := range s.plan.Runs {
		params, err := json.Marshal(r.Params)
		if err != nil {
			return err
		}
		rows[i] = store.LedgerRun{Index: r.Index, ID: r.ID, Replicate: r.Replicate, Seed: r.Seed,
			Params: string(params), State: store.Pending}
	}
	l, err := store.CreateLedger(path, s.meta(), rows)
	if err != nil {
		return fmt.Errorf("creating the ledger: %w", err)
	}
	s.ledger, s.rows = l, rows
	return nil
}

func (s *Study) openForResume(path string) error {
	l, err := store.OpenLedger(path)
	if err != nil {
		return inputErrorf("%s: cannot open the ledger to resume: %v", path, err)
	}
	meta, err := l.Meta()
	if err != nil {
		l.Close()
		return inputErrorf("%s: cannot read the ledger: %v", path, err)
	}
	want := s.meta()
	for _, k := range []string{"scenario_hash", "model", "model_version", "runs"} {
		if meta[k] != want[k] {
			l.Close()
			return inputErrorf("%s: cannot resume: the ledger's %s is %q but the scenario gives %q; use another --out for a changed study", path, k, meta[k], want[k])
		}
	}
	rows, err := l.Runs()
	if err != nil {
		l.Close()
		return err
	}
	s.ledger, s.rows = l, rows
	return nil
}

// prior returns the runs' states from a resumed ledger, nil for a new study.
func (s *Study) prior() []Prior {
	if s.rows == nil {
		return nil
	}
	prior := make([]Prior, len(s.rows))
	for i, r := range s.rows {
		prior[i].Attempts = r.Attempts
		switch r.State {
		case store.Done:
			prior[i].State = Done
		case store.Failed:
			prior[i].State = Failed
		}
	}
	return prior
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
}

// Execute runs the study on backend, which must not be started yet, and
// writes its outputs. It returns an error only if the study could not be
// carried out (a backend that does not start, a ledger that cannot be
// written, ctx cancelled); failed runs are listed in the Report.
func (s *Study) Execute(ctx context.Context, backend workers.Backend, progress Progress) (Report, error) {
	s.start = time.Now()
	runs := s.plan.Runs
	core := NewCore(len(runs), s.plan.MaxAttempts, s.prior())
	if !core.Finished() {
		if err := backend.Start(ctx); err != nil {
			backend.Close()
			if s.ledger != nil {
				s.ledger.Close()
			}
			return Report{}, err
		}
		defer backend.Close()
	}
	if s.ledger == nil {
		if err := s.create(filepath.Join(s.plan.OutDir, store.LedgerFile)); err != nil {
			return Report{}, err
		}
	}
	defer s.ledger.Close()
	if j, ok := backend.(workers.Journaled); ok && !core.Finished() {
		if err := j.UseJournal(ledgerJournal{s.ledger}); err != nil {
			return Report{}, err
		}
	}
	_, _, done0, failed0 := core.Counts()
	rep := Report{OutDir: s.plan.OutDir, Runs: len(runs), Resumed: done0 + failed0}
	if err := s.writeManifest("running", core); err != nil {
		return rep, err
	}
	if progress != nil {
		progress.Start(len(runs), done0, failed0)
		defer progress.Stop()
	}
	s.log.Info("study started", "study", s.plan.Scenario.Study.Name, "model", s.plan.Model.Name,
		"runs", len(runs), "already_finished", done0+failed0, "backend", backend.Name(), "out", s.plan.OutDir)

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
	return s.finish(core, rep)
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
	var tasks []workers.Task
	for !core.Finished() {
		tasks = tasks[:0]
		for _, d := range core.Next(capacity - core.InFlight()) {
			r := runs[d.Index]
			tasks = append(tasks, workers.Task{Attempt: d.Attempt, Spec: models.RunSpec{
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
				return errors.New("the backend stopped before the study finished")
			}
			end, record := s.settle(core, o)
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
// verdict; it returns the ledger row to record.
func (s *Study) settle(core *Core, o workers.Outcome) (store.RunEnd, bool) {
	err := o.Err
	if err == nil {
		err = s.checkOutputs(o.Result)
	}
	if err == nil && len(o.Result.Tables) > 0 {
		err = writeTables(filepath.Join(s.plan.OutDir, "runs", s.plan.Runs[o.Index].ID), o.Result.Tables)
	}
	v := core.Report(o.Index, o.Attempt, err == nil)
	end := store.RunEnd{Index: o.Index, Attempts: core.Attempts(o.Index),
		ElapsedMS: float64(o.Elapsed.Microseconds()) / 1000, Worker: o.Worker}
	id := s.plan.Runs[o.Index].ID
	switch v {
	case Record:
		end.State, end.Outputs = store.Done, o.Result.Scalars
	case Retry:
		end.State, end.Error = store.Pending, err.Error()
		s.log.Warn("run failed; retrying", "run_id", id, "attempt", o.Attempt, "lost_worker", o.Lost, "error", err)
	case GiveUp:
		end.State, end.Error = store.Failed, err.Error()
		s.log.Error("run failed; giving up", "run_id", id, "attempts", o.Attempt, "error", err)
	default:
		return end, false
	}
	r := &s.rows[o.Index]
	r.State, r.Attempts, r.Error, r.Outputs, r.ElapsedMS, r.Worker = end.State, end.Attempts, end.Error, end.Outputs, end.ElapsedMS, end.Worker
	return end, true
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

func (s *Study) finish(core *Core, rep Report) (Report, error) {
	rows := s.rows
	if err := s.writeResults(rows); err != nil {
		return rep, err
	}
	for _, r := range rows {
		switch r.State {
		case store.Done:
			rep.Done++
		case store.Failed:
			rep.Failed = append(rep.Failed, FailedRun{ID: r.ID, Attempts: r.Attempts, Error: r.Error})
		}
	}
	if err := s.writeSummary(rows, rep.Failed); err != nil {
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

// writeResults writes results.csv from the ledger, in run order.
func (s *Study) writeResults(rows []store.LedgerRun) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	header := []string{"run_id", "replicate", "seed", "status"}
	for _, p := range s.plan.Model.Params {
		header = append(header, p.Name)
	}
	for _, o := range s.plan.Model.Outputs {
		header = append(header, o.Name)
	}
	w.Write(header)
	rec := make([]string, 0, len(header))
	for i, r := range rows {
		run := s.plan.Runs[i]
		rec = append(rec[:0], r.ID, strconv.Itoa(r.Replicate), strconv.FormatUint(r.Seed, 10), r.State)
		for _, p := range s.plan.Model.Params {
			rec = append(rec, csvValue(run.Params[p.Name]))
		}
		for _, o := range s.plan.Model.Outputs {
			if v, ok := r.Outputs[o.Name]; ok && r.State == store.Done {
				rec = append(rec, models.FormatFloat(v))
			} else {
				rec = append(rec, "")
			}
		}
		w.Write(rec)
	}
	w.Flush()
	return writeAtomic(filepath.Join(s.plan.OutDir, "results.csv"), []byte(b.String()))
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

func (s *Study) writeSummary(rows []store.LedgerRun, failed []FailedRun) error {
	type summary struct {
		Study   string                   `json:"study"`
		Name    string                   `json:"model"`
		Runs    int                      `json:"runs"`
		Done    int                      `json:"done"`
		Outputs map[string]OutputSummary `json:"outputs"`
		Model   any                      `json:"model_summary,omitempty"`
		Failed  []FailedRun              `json:"failed_runs"`
	}
	sm := summary{Study: s.plan.Scenario.Study.Name, Name: s.plan.Model.Name, Runs: len(rows),
		Outputs: map[string]OutputSummary{}, Failed: failed}
	if sm.Failed == nil {
		sm.Failed = []FailedRun{}
	}
	for _, o := range s.plan.Model.Outputs {
		var xs []float64
		for _, r := range rows {
			if r.State == store.Done {
				xs = append(xs, r.Outputs[o.Name])
			}
		}
		os := summarise(xs)
		os.Unit = o.Unit
		sm.Outputs[o.Name] = os
	}
	for _, r := range rows {
		if r.State == store.Done {
			sm.Done++
		}
	}
	if s.plan.Summarizer != nil {
		runs := make([]models.RunSummary, len(rows))
		for i, r := range rows {
			runs[i] = models.RunSummary{RunID: r.ID, Replicate: r.Replicate, Params: s.plan.Runs[i].Params,
				Done: r.State == store.Done}
			if runs[i].Done {
				runs[i].Scalars = r.Outputs
			}
		}
		ms, err := s.plan.Summarizer.Summarize(s.plan.Scenario.Inputs, runs)
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
		"runs":           len(s.plan.Runs),
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
