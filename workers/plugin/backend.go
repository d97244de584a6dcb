package plugin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pluginsdk"
	"github.com/mdtwin/mdtwin/workers"
)

// AutoBatchMax is the largest batch when Options.Batch is 0.
const AutoBatchMax = 256

// autoBatchTarget is the wall time an automatic batch aims at: long enough
// to make the ≈ 0.2 ms cost of a call negligible, short enough to keep
// workers evenly loaded at the end of a study.
const autoBatchTarget = 20 * time.Millisecond

// Defaults of Options.
const (
	// DefaultRestartWindow is the window over which restarts are counted.
	DefaultRestartWindow = time.Minute
	// DefaultStartFailures is how many launches in a row may fail before
	// the backend stops for good: the binary no longer starts.
	DefaultStartFailures = 8
)

// Options configure a Backend. The zero value of each field is useful
// except Path.
type Options struct {
	Path string   // the plugin binary
	Args []string // its arguments
	// Model is the model to run; "" means the one model the binary serves.
	Model string
	// Workers is the number of worker processes; 0 means runtime.NumCPU().
	Workers int
	// Batch is the most runs sent to a worker in one call; 0 means
	// automatic: one run at first, then as many as take about 20 ms, up to
	// AutoBatchMax.
	Batch int
	// RestartBudget is how many worker restarts may happen within
	// RestartWindow; more wait for the window to move on (the study slows
	// down rather than failing). 0: 10 per worker.
	RestartBudget int
	RestartWindow time.Duration // 0: DefaultRestartWindow
	// StartFailures is how many launches in a row may fail (the binary
	// exits, crashes or answers no handshake, with back-off between tries)
	// before the backend stops and closes Outcomes; processes killed from
	// outside while they start do not count. 0: DefaultStartFailures.
	StartFailures int
	Logger        *slog.Logger // nil means slog.Default()
}

// Backend runs tasks in a pool of plugin worker processes. It implements
// workers.Backend.
//
// A worker process that dies or stops answering loses the runs it was
// executing (reported Lost) and is replaced; restarts are paced by a budget
// per time window, never capped for the study. A run that exceeds its
// Task.Timeout has its process killed and replaced: alone in its call it
// ends TimedOut; batched with others, the batch is re-queued with each run
// to be executed alone, without an outcome (no attempt is charged), so
// that the next timeout names the run that hangs.
type Backend struct {
	opts Options
	log  *slog.Logger
	out  chan workers.Outcome

	ctx    context.Context // cancelled by Close and when the backend fails
	cancel context.CancelFunc

	mu       sync.Mutex
	cond     *sync.Cond // queue not empty, or closed
	queue    []workers.Task
	workers  []*worker
	model    string
	restarts int         // restarts so far, for diagnostics
	recent   []time.Time // restart times within the window
	failing  int         // launches failed in a row
	fatal    error       // set when the binary no longer starts
	started  bool
	closed   bool

	wg        sync.WaitGroup
	closeOnce sync.Once
	outOnce   sync.Once
}

var _ workers.Backend = (*Backend)(nil)

// worker is one slot of the pool: one goroutine and, at any time, at most
// one process.
type worker struct {
	id     int
	proc   *pluginsdk.Process // guarded by Backend.mu; nil when none runs
	perRun time.Duration      // running estimate of the time per run, for automatic batches
}

// New returns a Backend for opts; Start launches the processes.
func New(opts Options) *Backend {
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	if opts.Batch < 0 {
		opts.Batch = 0
	}
	if opts.RestartBudget <= 0 {
		opts.RestartBudget = 10 * opts.Workers
	}
	if opts.RestartWindow <= 0 {
		opts.RestartWindow = DefaultRestartWindow
	}
	if opts.StartFailures <= 0 {
		opts.StartFailures = DefaultStartFailures
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	b := &Backend{opts: opts, log: opts.Logger.With("backend", "plugin", "plugin", opts.Path)}
	b.cond = sync.NewCond(&b.mu)
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.out = make(chan workers.Outcome, b.Capacity())
	return b
}

// Name returns "plugin".
func (b *Backend) Name() string { return "plugin" }

// Capacity is twice what the workers take in one round of calls, so that a
// worker finishing a batch always finds the next one queued.
func (b *Backend) Capacity() int {
	batch := b.opts.Batch
	if batch == 0 {
		batch = AutoBatchMax
	}
	return b.opts.Workers * batch * 2
}

// Outcomes delivers one Outcome per submitted task.
func (b *Backend) Outcomes() <-chan workers.Outcome { return b.out }

// Err is why the backend stopped before Close: the binary no longer starts.
func (b *Backend) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fatal
}

// startTries is how many times Start launches each worker before it counts
// the slot as failed; a process killed or crashing during start-up is
// retried, one that is not a plugin is not.
const startTries = 3

// Start launches the worker processes in parallel and checks that they
// serve the model. A launch that fails for a reason that may pass (the
// process was killed or exited during start-up) is retried; slots that
// still fail are left to start later, as long as one process runs. On
// error no process is left running.
func (b *Backend) Start(ctx context.Context) error {
	b.mu.Lock()
	if b.started || b.closed {
		b.mu.Unlock()
		return errors.New("plugin backend: Start called twice or after Close")
	}
	b.started = true
	b.mu.Unlock()

	procs := make([]*pluginsdk.Process, b.opts.Workers)
	errs := make([]error, b.opts.Workers)
	var wg sync.WaitGroup
	for i := range procs {
		wg.Go(func() { procs[i], errs[i] = b.launchWithRetry(ctx) })
	}
	wg.Wait()
	killAll := func() {
		for _, p := range procs {
			if p != nil {
				p.Kill()
			}
		}
	}
	var first *pluginsdk.Process
	for _, p := range procs {
		if p != nil {
			first = p
			break
		}
	}
	if first == nil {
		return errors.Join(distinct(errs)...)
	}
	model, err := b.servedModel(first.Models())
	if err != nil {
		killAll()
		return err
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		killAll()
		return errors.New("plugin backend: closed during Start")
	}
	b.model = model
	for i, p := range procs {
		if errs[i] != nil {
			b.log.Warn("plugin worker did not start; it will be retried", "worker", i+1, "error", errs[i].Error())
		}
		w := &worker{id: i + 1, proc: p}
		b.workers = append(b.workers, w)
		b.wg.Add(1)
		go b.work(w)
	}
	b.log.Info("plugin workers started", "model", model, "workers", len(procs))
	return nil
}

// launchWithRetry launches one process, retrying failures that may pass:
// startTries times a process that crashed starting, and up to
// maxKilledStarts times one killed from outside (nothing says the binary
// is broken), with back-off.
func (b *Backend) launchWithRetry(ctx context.Context) (*pluginsdk.Process, error) {
	var err error
	failed := 0
	for try := 0; failed < startTries && try < maxKilledStarts; try++ {
		var p *pluginsdk.Process
		if p, err = pluginsdk.Launch(ctx, b.opts.Path, b.opts.Args, b.opts.Logger); err == nil {
			return p, nil
		}
		if !pluginsdk.Transient(err) || ctx.Err() != nil {
			return nil, err
		}
		if !pluginsdk.KilledStarting(err) {
			failed++
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(min(time.Second, 50*time.Millisecond<<min(try, 10))):
		}
	}
	return nil, err
}

// maxKilledStarts bounds the launches Start makes of one worker.
const maxKilledStarts = 30

// distinct drops repeated error messages, keeping the first of each.
func distinct(errs []error) []error {
	seen := map[string]bool{}
	var out []error
	for _, e := range errs {
		if e != nil && !seen[e.Error()] {
			seen[e.Error()] = true
			out = append(out, e)
		}
	}
	return out
}

// servedModel returns the model to run given what the binary serves.
func (b *Backend) servedModel(ds []models.Descriptor) (string, error) {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
		if d.Name == b.opts.Model {
			return d.Name, nil
		}
	}
	switch {
	case b.opts.Model == "" && len(ds) == 1:
		return ds[0].Name, nil
	case b.opts.Model == "":
		return "", fmt.Errorf("%s serves several models (%s): name the one to run", b.opts.Path, strings.Join(names, ", "))
	}
	return "", fmt.Errorf("%s does not serve model %q; it serves: %s", b.opts.Path, b.opts.Model, strings.Join(names, ", "))
}

// Submit queues tasks in FIFO order. It never blocks on the workers.
func (b *Backend) Submit(tasks ...workers.Task) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.fatal != nil {
		return
	}
	b.queue = append(b.queue, tasks...)
	b.cond.Broadcast()
}

// PIDs returns the process ids of the running worker processes, in worker
// order. It is meant for tests and diagnostics.
func (b *Backend) PIDs() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	var pids []int
	for _, w := range b.workers {
		if w.proc != nil {
			pids = append(pids, w.proc.PID())
		}
	}
	return pids
}

// Restarts returns how many times a lost worker process was replaced (or a
// replacement attempted). It is meant for tests and diagnostics.
func (b *Backend) Restarts() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.restarts
}

// Close cancels running calls, kills every worker process and waits for
// them, then closes Outcomes. Queued tasks are dropped. It is safe to call
// more than once, and from any goroutine.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.queue = nil
		b.cond.Broadcast()
		b.mu.Unlock()
		b.cancel()
		b.wg.Wait()
		b.killAll()
		b.closeOut()
	})
	return nil
}

func (b *Backend) closeOut() { b.outOnce.Do(func() { close(b.out) }) }

// killAll kills every worker process and waits for them.
func (b *Backend) killAll() {
	b.mu.Lock()
	var procs []*pluginsdk.Process
	for _, w := range b.workers {
		if w.proc != nil {
			procs = append(procs, w.proc)
			w.proc = nil
		}
	}
	b.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Go(p.Kill)
	}
	wg.Wait()
}

// stopping reports whether the backend is closing or failed; b.mu is held.
func (b *Backend) stopping() bool { return b.closed || b.fatal != nil }

// take waits for queued tasks and removes some from the front of the
// queue: one task to be run alone, or up to limit others, leaving other
// workers their share. It returns nil once the backend stops.
func (b *Backend) take(limit int) []workers.Task {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.queue) == 0 && !b.stopping() {
		b.cond.Wait()
	}
	if b.stopping() {
		return nil
	}
	share := (len(b.queue) + b.opts.Workers - 1) / b.opts.Workers
	n := min(limit, share, len(b.queue))
	if b.queue[0].Isolate {
		n = 1
	} else {
		for k := 1; k < n; k++ {
			if b.queue[k].Isolate {
				n = k
				break
			}
		}
	}
	tasks := make([]workers.Task, n)
	copy(tasks, b.queue)
	b.queue = b.queue[n:]
	return tasks
}

// requeue puts tasks back at the front of the queue.
func (b *Backend) requeue(tasks []workers.Task) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopping() {
		return
	}
	b.queue = append(append(make([]workers.Task, 0, len(tasks)+len(b.queue)), tasks...), b.queue...)
	b.cond.Broadcast()
}

// batchLimit is the most tasks w takes next.
func (b *Backend) batchLimit(w *worker, timeout time.Duration) int {
	if b.opts.Batch > 0 {
		return b.opts.Batch
	}
	if w.perRun <= 0 {
		return 1
	}
	target := autoBatchTarget
	if timeout > 0 {
		target = min(target, timeout/4)
	}
	return max(1, min(AutoBatchMax, int(target/w.perRun)))
}

// work is the loop of one worker: make sure a process runs, take a batch,
// send it in one call, report its outcomes.
func (b *Backend) work(w *worker) {
	defer b.wg.Done()
	var timeout time.Duration // the latest task timeout seen, for batch sizes
	for {
		b.mu.Lock()
		proc := w.proc
		b.mu.Unlock()
		if proc == nil {
			if !b.replace(w, nil, errors.New("worker process did not start")) {
				return
			}
			continue
		}
		waited := time.Now()
		tasks := b.take(b.batchLimit(w, timeout))
		if tasks == nil {
			return
		}
		timeout = tasks[0].Timeout
		// A process that was idle may have died meanwhile: ask it (one
		// round trip) before sending runs that would be lost with it.
		idle := time.Since(waited) > IdleCheck
		if proc.Exited() || idle && proc.Ping() != nil { // died while idle: replace it before sending anything
			b.requeue(tasks)
			b.log.Warn("plugin worker exited while idle", "worker", b.workerName(w, proc.PID()))
			if !b.replace(w, proc, errors.New("worker process exited while idle")) {
				return
			}
			continue
		}
		b.runBatch(w, proc, tasks)
		if b.ctx.Err() != nil {
			return
		}
	}
}

// IdleCheck is how long a worker waits for work before it checks, when
// work comes, that its process still answers (one round trip), so that a
// process that died while idle takes no run with it.
const IdleCheck = 10 * time.Millisecond

// callTimeout is the deadline of a call running tasks: the run's timeout
// for one run; for a batch, one timeout plus four times the expected time
// of the others, at most a timeout per run. Zero: none.
func callTimeout(w *worker, tasks []workers.Task) time.Duration {
	t := tasks[0].Timeout
	if t <= 0 {
		return 0
	}
	n := time.Duration(len(tasks))
	return min(n*t, t+(n-1)*4*w.perRun)
}

// runBatch runs tasks in one call to proc. When the process is lost its
// tasks are reported Lost and it is replaced; when the call times out the
// process is killed and replaced, and the tasks end TimedOut (one) or are
// re-queued to run alone (several).
func (b *Backend) runBatch(w *worker, proc *pluginsdk.Process, tasks []workers.Task) {
	specs := make([]models.RunSpec, len(tasks))
	for i, t := range tasks {
		specs[i] = t.Spec
	}
	ctx, cancel := b.ctx, context.CancelFunc(func() {})
	limit := callTimeout(w, tasks)
	if limit > 0 {
		ctx, cancel = context.WithTimeout(b.ctx, limit)
	}
	start := time.Now()
	replies, err := proc.Client().Run(ctx, b.model, specs)
	cancel()
	elapsed := time.Since(start)
	name := b.workerName(w, proc.PID())
	switch {
	case err == nil:
		per := elapsed / time.Duration(len(tasks))
		if w.perRun == 0 {
			w.perRun = per
		} else {
			w.perRun = (w.perRun + per) / 2
		}
		for i, t := range tasks {
			r := replies[i]
			b.emit(workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, Result: r.Result, Err: r.Err,
				Elapsed: r.Elapsed, Worker: name})
		}
	case b.ctx.Err() != nil:
		// Closing: the outcomes are not wanted.
	case limit > 0 && errors.Is(err, context.DeadlineExceeded):
		if len(tasks) == 1 {
			t := tasks[0]
			b.log.Warn("run timed out; killing its worker", "worker", name, "run_id", t.Spec.RunID, "timeout", t.Timeout.String())
			b.emit(workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, TimedOut: true, Elapsed: elapsed, Worker: name,
				Err: fmt.Errorf("run %s timed out after %s; its worker process %s was killed", t.Spec.RunID, t.Timeout, name)})
		} else {
			b.log.Warn("a batch timed out; killing its worker and running its runs one by one", "worker", name, "runs", len(tasks))
			for i := range tasks {
				tasks[i].Isolate = true
			}
			b.requeue(tasks)
		}
		b.replace(w, proc, err)
	case lost(proc, err):
		loss := fmt.Errorf("plugin worker %s lost during the run: %w", name, err)
		b.log.Warn("plugin worker lost", "worker", name, "runs", len(tasks), "error", err.Error())
		for _, t := range tasks {
			b.emit(workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, Err: loss, Lost: true,
				Elapsed: elapsed, Worker: name})
		}
		b.replace(w, proc, err)
	case len(tasks) == 1:
		// The process lives but the call failed (say, a message over the
		// size limit): the run fails, the worker carries on.
		t := tasks[0]
		b.emit(workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, Elapsed: elapsed, Worker: name,
			Err: fmt.Errorf("plugin worker %s could not run %s: %w", name, t.Spec.RunID, err)})
	default:
		// Isolate the run that broke the call: one run per call.
		for i := range tasks {
			tasks[i].Isolate = true
		}
		b.requeue(tasks)
	}
}

// lost tells a dead or unreachable process from a call the plugin refused.
func lost(proc *pluginsdk.Process, err error) bool {
	return status.Code(err) == codes.Unavailable || proc.Exited() || proc.Ping() != nil
}

// replace kills w's process old (if any) and launches a new one, pacing
// restarts by the budget and backing off after failed launches. It returns
// false when the backend stops instead: closed, or failed because the
// binary no longer starts (then Outcomes is closed and Err says why).
func (b *Backend) replace(w *worker, old *pluginsdk.Process, cause error) bool {
	b.mu.Lock()
	mine := old != nil && w.proc == old // else Close took it and kills it
	if mine {
		w.proc = nil
	}
	b.mu.Unlock()
	if mine {
		old.Kill()
	}
	for {
		if !b.waitForBudget() {
			return false
		}
		b.mu.Lock()
		b.restarts++
		n := b.restarts
		b.mu.Unlock()
		p, err := pluginsdk.Launch(b.ctx, b.opts.Path, b.opts.Args, b.opts.Logger)
		if err == nil {
			if _, err = b.servedModel(p.Models()); err != nil {
				p.Kill()
			}
		}
		b.mu.Lock()
		if b.stopping() {
			b.mu.Unlock()
			if p != nil && err == nil {
				p.Kill()
			}
			return false
		}
		if err == nil {
			w.proc = p
			b.failing = 0
			b.mu.Unlock()
			b.log.Info("plugin worker restarted", "worker", b.workerName(w, p.PID()), "restarts", n, "cause", oneLine(cause))
			return true
		}
		if !pluginsdk.KilledStarting(err) { // killed from outside: not the binary's failure
			b.failing++
		}
		failing := b.failing
		if failing >= b.opts.StartFailures {
			b.fail(fmt.Errorf("plugin %s no longer starts: %d launches in a row failed; last failure: %w", b.opts.Path, failing, err))
			return false
		}
		b.mu.Unlock()
		cause = err
		b.log.Warn("plugin worker restart failed; backing off", "worker", w.id, "failures_in_a_row", failing, "error", err.Error())
		select {
		case <-b.ctx.Done():
			return false
		case <-time.After(min(2*time.Second, 50*time.Millisecond<<min(failing, 10))):
		}
	}
}

// waitForBudget waits until a restart fits in the budget of the window and
// records it. It returns false if the backend stops meanwhile.
func (b *Backend) waitForBudget() bool {
	for {
		b.mu.Lock()
		if b.stopping() {
			b.mu.Unlock()
			return false
		}
		now := time.Now()
		keep := b.recent[:0]
		for _, t := range b.recent {
			if now.Sub(t) < b.opts.RestartWindow {
				keep = append(keep, t)
			}
		}
		b.recent = keep
		if len(b.recent) < b.opts.RestartBudget {
			b.recent = append(b.recent, now)
			b.mu.Unlock()
			return true
		}
		wait := b.opts.RestartWindow - now.Sub(b.recent[0])
		b.mu.Unlock()
		b.log.Warn("plugin worker restarts over budget; waiting", "budget", b.opts.RestartBudget,
			"window", b.opts.RestartWindow.String(), "wait", wait.Round(time.Millisecond).String())
		select {
		case <-b.ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
}

// fail stops the backend for good: it records err, drops the queue, kills
// the processes and closes Outcomes once every worker has stopped. b.mu is
// held; fail unlocks it.
func (b *Backend) fail(err error) {
	b.fatal = err
	b.queue = nil
	b.cond.Broadcast()
	b.mu.Unlock()
	b.log.Error("plugin backend failed", "error", err.Error())
	b.cancel()
	go func() {
		b.wg.Wait()
		b.killAll()
		b.closeOut()
	}()
}

// emit delivers an outcome unless the backend is stopping.
func (b *Backend) emit(o workers.Outcome) {
	select {
	case b.out <- o:
	case <-b.ctx.Done():
	}
}

func (b *Backend) workerName(w *worker, pid int) string {
	if pid == 0 {
		return fmt.Sprintf("%s#%d", filepath.Base(b.opts.Path), w.id)
	}
	return fmt.Sprintf("%s#%d(pid %d)", filepath.Base(b.opts.Path), w.id, pid)
}

// oneLine is err's message on one line, "" for nil.
func oneLine(err error) string {
	if err == nil {
		return ""
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}
