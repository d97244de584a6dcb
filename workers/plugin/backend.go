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
	Batch  int
	Logger *slog.Logger // nil means slog.Default()
}

// Backend runs tasks in a pool of plugin worker processes. It implements
// workers.Backend.
type Backend struct {
	opts Options
	log  *slog.Logger
	out  chan workers.Outcome

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc

	mu       sync.Mutex
	cond     *sync.Cond // queue not empty, or closed
	queue    []workers.Task
	workers  []*worker
	model    string
	restarts int
	fatal    error // set when restarts exceed the limit
	started  bool
	closed   bool

	wg        sync.WaitGroup
	closeOnce sync.Once
}

var _ workers.Backend = (*Backend)(nil)

// worker is one slot of the pool: one goroutine and, at any time, at most
// one process.
type worker struct {
	id     int
	proc   *pluginsdk.Process // guarded by Backend.mu; nil once killed
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

// Start launches the worker processes in parallel and checks that they
// serve the model. On error no process is left running.
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
		wg.Go(func() { procs[i], errs[i] = pluginsdk.Launch(ctx, b.opts.Path, b.opts.Args, b.opts.Logger) })
	}
	wg.Wait()
	killAll := func() {
		for _, p := range procs {
			if p != nil {
				p.Kill()
			}
		}
	}
	for _, err := range errs {
		if err != nil {
			killAll()
			return err
		}
	}
	model, err := b.servedModel(procs[0].Models())
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
		w := &worker{id: i + 1, proc: p}
		b.workers = append(b.workers, w)
		b.wg.Add(1)
		go b.work(w)
	}
	b.log.Info("plugin workers started", "model", model, "workers", len(procs))
	return nil
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
	if b.closed {
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

// maxRestarts is the number of restarts after which the backend gives up:
// a binary that always crashes must not loop forever.
func (b *Backend) maxRestarts() int { return 10 * b.opts.Workers }

// Close cancels running calls, kills every worker process and waits for
// them, then closes Outcomes. Queued tasks are dropped. It is safe to call
// more than once.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.queue = nil
		b.cond.Broadcast()
		b.mu.Unlock()
		b.cancel()
		b.wg.Wait()

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
		close(b.out)
	})
	return nil
}

// take waits for queued tasks and removes up to limit of them from the
// front of the queue, leaving other workers their share. It returns nil
// once the backend is closed.
func (b *Backend) take(limit int) []workers.Task {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.queue) == 0 && !b.closed {
		b.cond.Wait()
	}
	if b.closed {
		return nil
	}
	share := (len(b.queue) + b.opts.Workers - 1) / b.opts.Workers
	n := min(limit, share, len(b.queue))
	tasks := make([]workers.Task, n)
	copy(tasks, b.queue)
	b.queue = b.queue[n:]
	return tasks
}

// requeue puts tasks back at the front of the queue.
func (b *Backend) requeue(tasks []workers.Task) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.queue = append(append(make([]workers.Task, 0, len(tasks)+len(b.queue)), tasks...), b.queue...)
	b.cond.Broadcast()
}

// batchLimit is the most tasks w takes next.
func (b *Backend) batchLimit(w *worker) int {
	if b.opts.Batch > 0 {
		return b.opts.Batch
	}
	if w.perRun <= 0 {
		return 1
	}
	return max(1, min(AutoBatchMax, int(autoBatchTarget/w.perRun)))
}

// work is the loop of one worker: take a batch, send it in one call,
// report its outcomes.
func (b *Backend) work(w *worker) {
	defer b.wg.Done()
	for {
		tasks := b.take(b.batchLimit(w))
		if tasks == nil {
			return
		}
		b.mu.Lock()
		proc, fatal := w.proc, b.fatal
		b.mu.Unlock()
		if fatal != nil || proc == nil {
			if fatal == nil {
				fatal = errors.New("plugin backend: worker has no process")
			}
			for _, t := range tasks {
				b.emit(workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, Err: fatal, Lost: true, Worker: b.workerName(w, 0)})
			}
			continue
		}
		if proc.Exited() { // died while idle: replace it before sending anything
			b.requeue(tasks)
			b.log.Warn("plugin worker exited while idle", "worker", b.workerName(w, proc.PID()))
			b.restart(w, proc, errors.New("worker process exited while idle"))
			continue
		}
		if !b.runBatch(w, proc, tasks) && b.ctx.Err() != nil {
			return
		}
	}
}

// runBatch runs tasks in one call to proc. It returns false if the process
// was lost (its tasks are then reported Lost and the process replaced) or
// the backend is closing.
func (b *Backend) runBatch(w *worker, proc *pluginsdk.Process, tasks []workers.Task) bool {
	specs := make([]models.RunSpec, len(tasks))
	for i, t := range tasks {
		specs[i] = t.Spec
	}
	start := time.Now()
	replies, err := proc.Client().Run(b.ctx, b.model, specs)
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
		return true
	case b.ctx.Err() != nil:
		return false
	case lost(proc, err):
		loss := fmt.Errorf("plugin worker %s lost during the run: %w", name, err)
		b.log.Warn("plugin worker lost", "worker", name, "runs", len(tasks), "error", err.Error())
		for _, t := range tasks {
			b.emit(workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, Err: loss, Lost: true,
				Elapsed: elapsed, Worker: name})
		}
		b.restart(w, proc, err)
		return false
	case len(tasks) == 1:
		// The process lives but the call failed (say, a message over the
		// size limit): the run fails, the worker carries on.
		t := tasks[0]
		b.emit(workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, Elapsed: elapsed, Worker: name,
			Err: fmt.Errorf("plugin worker %s could not run %s: %w", name, t.Spec.RunID, err)})
		return true
	}
	// Isolate the run that broke the call: one run per call.
	for i := range tasks {
		if !b.runBatch(w, proc, tasks[i:i+1]) {
			b.requeue(tasks[i+1:])
			return false
		}
	}
	return true
}

// lost tells a dead or unreachable process from a call the plugin refused.
func lost(proc *pluginsdk.Process, err error) bool {
	return status.Code(err) == codes.Unavailable || proc.Exited() || proc.Ping() != nil
}

// restart replaces the lost process old of w. After maxRestarts restarts
// in all it gives up: every worker process is killed and every queued or
// future task gets the fatal error.
func (b *Backend) restart(w *worker, old *pluginsdk.Process, cause error) {
	b.mu.Lock()
	mine := w.proc == old // else giveUp or Close took it and kills it
	if mine {
		w.proc = nil
	}
	b.mu.Unlock()
	if mine {
		old.Kill()
	}
	for failures := 0; ; failures++ {
		b.mu.Lock()
		if b.closed || b.fatal != nil {
			b.mu.Unlock()
			return
		}
		b.restarts++
		if b.restarts > b.maxRestarts() {
			b.giveUp(cause) // unlocks
			return
		}
		n := b.restarts
		b.mu.Unlock()

		p, err := pluginsdk.Launch(b.ctx, b.opts.Path, b.opts.Args, b.opts.Logger)
		if err == nil {
			if _, err = b.servedModel(p.Models()); err != nil {
				p.Kill()
			}
		}
		if err == nil {
			b.mu.Lock()
			if b.closed || b.fatal != nil {
				b.mu.Unlock()
				p.Kill()
				return
			}
			w.proc = p
			b.mu.Unlock()
			b.log.Info("plugin worker restarted", "worker", b.workerName(w, p.PID()), "restarts", n)
			return
		}
		cause = err
		b.log.Warn("plugin worker restart failed", "worker", w.id, "restarts", n, "error", err.Error())
		select {
		case <-b.ctx.Done():
			return
		case <-time.After(min(2*time.Second, 50*time.Millisecond<<failures)):
		}
	}
}

// giveUp records the fatal error, fails the queue and kills all processes.
// It is called with b.mu held and unlocks it.
func (b *Backend) giveUp(cause error) {
	b.fatal = fmt.Errorf("plugin %s: gave up after %d worker restarts; last failure: %w", b.opts.Path, b.restarts-1, cause)
	queued := b.queue
	b.queue = nil
	var procs []*pluginsdk.Process
	for _, w := range b.workers {
		if w.proc != nil {
			procs = append(procs, w.proc)
			w.proc = nil
		}
	}
	fatal := b.fatal
	b.mu.Unlock()
	b.log.Error("plugin backend failed", "error", fatal.Error())
	for _, p := range procs {
		p.Kill()
	}
	for _, t := range queued {
		b.emit(workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, Err: fatal, Lost: true, Worker: "plugin"})
	}
}

// emit delivers an outcome unless the backend is closing.
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
