package slurm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/workers"
)

// Defaults of Options.
const (
	DefaultRunsPerTask  = 100
	DefaultMaxArraySize = 1000 // Slurm's MaxArraySize is 1001 by default
	DefaultPoll         = 2 * time.Second
	journalKey          = "slurm.jobs"
)

// Options configure the Slurm backend. Zero values take the defaults.
type Options struct {
	// Command starts a worker: the mdtwin binary as the compute nodes see
	// it, and arguments before "worker".
	Command []string
	Model   string
	Study   string // for the job name
	// Dir is the shared folder for run specs and results; it must be on a
	// file system the compute nodes share with this machine.
	Dir          string
	RunsPerTask  int
	CPUsPerTask  int
	Partition    string
	Account      string
	Time         string
	Mem          string
	Setup        []string // shell lines run at the start of each task
	MaxArraySize int
	Poll         time.Duration
	// Gather is how long Submit waits for more tasks before packing them
	// into a job (the engine submits a study's runs in a burst); 0: 100 ms.
	Gather time.Duration
	Logger *slog.Logger
}

// Backend runs tasks as Slurm job arrays.
type Backend struct {
	opts Options
	log  *slog.Logger
	out  chan workers.Outcome

	mu      sync.Mutex
	buffer  []workers.Task      // submitted, not yet packed into a job
	want    map[int]int         // run index → attempt the engine waits for
	where   map[int]*submission // run index → the job still running it
	early   map[int]partResult  // results read before the engine asked (resume)
	subs    []*submission       // every job, in submission order
	ready   []workers.Outcome   // outcomes waiting for the pump (never blocks a caller)
	wake    *sync.Cond          // ready is not empty, or the backend stops
	journal workers.Journal
	nextSub int
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	closed  bool
	once    sync.Once
}

// submission is one sbatch --array job.
type submission struct {
	Dir    string  `json:"dir"`
	JobID  string  `json:"job_id"`
	Chunks [][]int `json:"-"` // run indices per array task
	ended  []bool  // array task has left the queue and was settled
	read   map[string]bool
	active bool
}

var _ workers.Journaled = (*Backend)(nil)

// New returns a Slurm backend.
func New(opts Options) *Backend {
	if opts.RunsPerTask <= 0 {
		opts.RunsPerTask = DefaultRunsPerTask
	}
	if opts.MaxArraySize <= 0 {
		opts.MaxArraySize = DefaultMaxArraySize
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.Gather <= 0 {
		opts.Gather = 100 * time.Millisecond
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Backend{opts: opts, log: log.With("backend", "slurm"),
		want: map[int]int{}, where: map[int]*submission{}, early: map[int]partResult{},
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	b.wake = sync.NewCond(&b.mu)
	return b
}

// Name returns "slurm".
func (b *Backend) Name() string { return "slurm" }

// Capacity is unbounded in practice: the cluster's queue holds the study.
func (b *Backend) Capacity() int { return 1 << 30 }

// Outcomes delivers the outcomes.
func (b *Backend) Outcomes() <-chan workers.Outcome { return b.out }

// Err is always nil: a Slurm study ends only when the engine stops it.
func (b *Backend) Err() error { return nil }

// Start checks that the Slurm commands are there and the shared folder is
// writable, and starts the poller.
func (b *Backend) Start(ctx context.Context) error {
	for _, c := range []string{"sbatch", "squeue", "scancel"} {
		if _, err := exec.LookPath(c); err != nil {
			return fmt.Errorf("slurm backend: %s not found on PATH: is this a Slurm login node?", c)
		}
	}
	if len(b.opts.Command) == 0 {
		return errors.New("slurm backend: no worker command")
	}
	if err := os.MkdirAll(b.opts.Dir, 0o755); err != nil {
		return fmt.Errorf("slurm backend: shared folder: %w", err)
	}
	b.out = make(chan workers.Outcome, 1024)
	go b.poll()
	go b.pump()
	return nil
}

// UseJournal re-attaches to the jobs a previous scheduler recorded and
// records new ones there.
func (b *Backend) UseJournal(j workers.Journal) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.journal = j
	v, err := j.Get(journalKey)
	if err != nil || v == "" {
		return err
	}
	var subs []*submission
	if err := json.Unmarshal([]byte(v), &subs); err != nil {
		return fmt.Errorf("slurm backend: journal: %w", err)
	}
	for _, s := range subs {
		if err := readGob(filepath.Join(s.Dir, "chunks.gob"), &s.Chunks); err != nil {
			b.log.Warn("cannot re-attach to a job: its chunk list is unreadable", "job", s.JobID, "error", err)
			continue
		}
		s.ended = make([]bool, len(s.Chunks))
		s.read = map[string]bool{}
		s.active = true
		for _, c := range s.Chunks {
			for _, idx := range c {
				b.where[idx] = s
			}
		}
		b.subs = append(b.subs, s)
		b.log.Info("re-attached to a job", "job", s.JobID, "tasks", len(s.Chunks), "dir", s.Dir)
	}
	b.nextSub = len(subs)
	b.signal()
	return nil
}

// Submit takes tasks. A run that a re-attached job still runs, or whose
// result that job already wrote, is not submitted again.
func (b *Backend) Submit(tasks ...workers.Task) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	for _, t := range tasks {
		idx := t.Spec.Index
		b.want[idx] = t.Attempt
		if r, ok := b.early[idx]; ok {
			delete(b.early, idx)
			b.deliver(r)
			continue
		}
		if b.where[idx] != nil {
			continue // a re-attached job runs it
		}
		b.buffer = append(b.buffer, t)
	}
	b.signal()
}

func (b *Backend) signal() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// poll packs buffered tasks into jobs and collects results until Close.
func (b *Backend) poll() {
	defer close(b.done)
	ticker := time.NewTicker(b.opts.Poll)
	defer ticker.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-b.kick:
			// Let the burst of Submit calls finish, then pack.
			select {
			case <-b.stop:
				return
			case <-time.After(b.opts.Gather):
			}
			b.submitBuffered()
			b.collect()
		case <-ticker.C:
			b.collect()
		}
	}
}

// submitBuffered packs the buffer into chunks and submits them as jobs.
func (b *Backend) submitBuffered() {
	b.mu.Lock()
	tasks := b.buffer
	b.buffer = nil
	b.mu.Unlock()
	if len(tasks) == 0 {
		return
	}
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].Spec.Index < tasks[j].Spec.Index })
	per := b.opts.RunsPerTask
	for start := 0; start < len(tasks); start += per * b.opts.MaxArraySize {
		end := min(len(tasks), start+per*b.opts.MaxArraySize)
		if err := b.submitJob(tasks[start:end]); err != nil {
			b.log.Error("sbatch failed", "runs", end-start, "error", err)
			for _, t := range tasks[start:end] {
				b.emit(workers.Outcome{Index: t.Spec.Index, Attempt: t.Attempt, Lost: true, Worker: "slurm",
					Err: fmt.Errorf("submitting to Slurm: %w", err)})
			}
		}
	}
}

func (b *Backend) submitJob(tasks []workers.Task) error {
	b.mu.Lock()
	b.nextSub++
	dir := filepath.Join(b.opts.Dir, fmt.Sprintf("sub-%04d", b.nextSub))
	b.mu.Unlock()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return err
	}
	per := b.opts.RunsPerTask
	s := &submission{Dir: dir, read: map[string]bool{}}
	for k := 0; k*per < len(tasks); k++ {
		part := tasks[k*per : min(len(tasks), (k+1)*per)]
		in := chunkIn{Model: b.opts.Model, Specs: make([]models.RunSpec, 0, len(part)), Timeout: part[0].Timeout}
		idx := make([]int, len(part))
		for i, t := range part {
			in.Specs = append(in.Specs, t.Spec)
			idx[i] = t.Spec.Index
		}
		if err := writeGob(filepath.Join(dir, chunkInName(k)), in); err != nil {
			return err
		}
		s.Chunks = append(s.Chunks, idx)
	}
	if err := writeGob(filepath.Join(dir, "chunks.gob"), s.Chunks); err != nil {
		return err
	}
	script := filepath.Join(dir, "job.sh")
	if err := os.WriteFile(script, []byte(b.jobScript(dir)), 0o755); err != nil {
		return err
	}
	args := []string{"--parsable", fmt.Sprintf("--array=0-%d", len(s.Chunks)-1),
		"--job-name=mdtwin-" + b.opts.Study, "--output=" + filepath.Join(dir, "logs", "task-%a.out")}
	for _, o := range []struct{ flag, v string }{{"--partition", b.opts.Partition}, {"--account", b.opts.Account},
		{"--time", b.opts.Time}, {"--mem", b.opts.Mem}} {
		if o.v != "" {
			args = append(args, o.flag+"="+o.v)
		}
	}
	if b.opts.CPUsPerTask > 0 {
		args = append(args, "--cpus-per-task="+strconv.Itoa(b.opts.CPUsPerTask))
	}
	out, err := command("sbatch", append(args, script)...)
	if err != nil {
		return err
	}
	s.JobID = strings.SplitN(strings.TrimSpace(out), ";", 2)[0]
	if _, err := strconv.ParseUint(strings.ReplaceAll(s.JobID, "_", ""), 10, 64); err != nil {
		return fmt.Errorf("sbatch printed %q, expected a job id", out)
	}
	s.ended = make([]bool, len(s.Chunks))
	s.active = true
	b.mu.Lock()
	for _, c := range s.Chunks {
		for _, idx := range c {
			b.where[idx] = s
		}
	}
	b.subs = append(b.subs, s)
	err = b.saveJournal()
	b.mu.Unlock()
	b.log.Info("submitted a job array", "job", s.JobID, "tasks", len(s.Chunks), "runs", len(tasks), "dir", dir)
	return err
}

// jobScript is the batch script of one array job.
func (b *Backend) jobScript(dir string) string {
	var sb strings.Builder
	sb.WriteString("#!/bin/bash\n# mdtwin: one array task runs one chunk of the study's runs.\nset -eu\n")
	for _, l := range b.opts.Setup {
		sb.WriteString(l + "\n")
	}
	sb.WriteString("exec")
	for _, a := range b.opts.Command {
		sb.WriteString(" " + shellQuote(a))
	}
	fmt.Fprintf(&sb, " worker --dir %s --task \"$SLURM_ARRAY_TASK_ID\"\n", shellQuote(dir))
	return sb.String()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// saveJournal records the active jobs; b.mu is held.
func (b *Backend) saveJournal() error {
	if b.journal == nil {
		return nil
	}
	active := []*submission{}
	for _, s := range b.subs {
		if s.active {
			active = append(active, s)
		}
	}
	v, _ := json.Marshal(active)
	return b.journal.Set(journalKey, string(v))
}

// collect reads new results of every active job and settles the array
// tasks that have left the queue.
func (b *Backend) collect() {
	b.mu.Lock()
	var subs []*submission
	for _, s := range b.subs {
		if s.active {
			subs = append(subs, s)
		}
	}
	b.mu.Unlock()
	changed := false
	for _, s := range subs {
		// Ask the queue first: a task that has left it has written all
		// its parts, so reading them afterwards sees everything.
		queued, err := queuedTasks(s.JobID)
		if err != nil {
			b.log.Warn("squeue failed; will retry", "job", s.JobID, "error", err)
			continue
		}
		b.readNew(s)
		for k := range s.Chunks {
			if s.ended[k] || queued[k] {
				continue
			}
			b.settle(s, k)
		}
		all := true
		for _, e := range s.ended {
			all = all && e
		}
		if all {
			b.mu.Lock()
			s.active = false
			b.mu.Unlock()
			changed = true
		}
	}
	if changed {
		b.mu.Lock()
		if err := b.saveJournal(); err != nil {
			b.log.Warn("cannot update the journal", "error", err)
		}
		b.mu.Unlock()
	}
}

// readNew delivers the results in part files of s not read before.
func (b *Backend) readNew(s *submission) {
	names, _ := filepath.Glob(filepath.Join(s.Dir, "chunk-*.part-*"))
	sort.Strings(names)
	for _, n := range names {
		if s.read[n] || strings.HasSuffix(n, ".tmp") {
			continue
		}
		if _, ok := chunkOfPart(filepath.Base(n)); !ok {
			continue
		}
		var rs []partResult
		if err := readGob(n, &rs); err != nil {
			b.log.Warn("unreadable result part", "file", n, "error", err)
			continue
		}
		s.read[n] = true
		b.mu.Lock()
		for _, r := range rs {
			if b.where[r.Index] != s {
				continue // settled already
			}
			delete(b.where, r.Index)
			if _, ok := b.want[r.Index]; ok {
				b.deliver(r)
			} else {
				b.early[r.Index] = r
			}
		}
		b.mu.Unlock()
	}
}

// deliver emits a result the engine waits for; b.mu is held.
func (b *Backend) deliver(r partResult) {
	attempt := b.want[r.Index]
	delete(b.want, r.Index)
	o := workers.Outcome{Index: r.Index, Attempt: attempt, Result: r.Result, Elapsed: time.Duration(r.ElapsedNS),
		Worker: r.Worker, TimedOut: r.TimedOut}
	switch {
	case r.BadInput:
		o.Err = &models.InputError{Model: b.opts.Model, Msg: r.Err}
	case r.Err != "":
		o.Err = errors.New(r.Err)
	}
	b.emitLocked(o)
}

// settle reports the runs of array task k of s that have no result.
func (b *Backend) settle(s *submission, k int) {
	s.ended[k] = true
	state := taskState(s.JobID, k)
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, idx := range s.Chunks[k] {
		if b.where[idx] != s {
			continue // its result came
		}
		delete(b.where, idx)
		attempt, wanted := b.want[idx]
		if !wanted {
			continue // the engine will submit it again (resume)
		}
		delete(b.want, idx)
		msg := fmt.Sprintf("array task %s_%d ended (%s) before the run finished", s.JobID, k, state)
		b.emitLocked(workers.Outcome{Index: idx, Attempt: attempt, Lost: true, Err: errors.New(msg),
			Worker: fmt.Sprintf("slurm/%s_%d", s.JobID, k)})
	}
}

// emitLocked queues an outcome for the pump; b.mu is held. It never
// blocks: Submit calls it from the engine's goroutine, which is also the
// only reader of Outcomes.
func (b *Backend) emitLocked(o workers.Outcome) {
	b.ready = append(b.ready, o)
	b.wake.Signal()
}

func (b *Backend) emit(o workers.Outcome) {
	b.mu.Lock()
	b.emitLocked(o)
	b.mu.Unlock()
}

// pump forwards queued outcomes to Outcomes, in order, until Close.
func (b *Backend) pump() {
	for {
		b.mu.Lock()
		for len(b.ready) == 0 && !b.closed {
			b.wake.Wait()
		}
		if b.closed {
			b.mu.Unlock()
			return
		}
		batch := b.ready
		b.ready = nil
		b.mu.Unlock()
		for _, o := range batch {
			select {
			case b.out <- o:
			case <-b.stop:
				return
			}
		}
	}
}

// Close stops polling and cancels (scancel) the jobs still active.
func (b *Backend) Close() error {
	b.once.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.wake.Broadcast()
		b.mu.Unlock()
		close(b.stop)
		if b.out != nil {
			<-b.done // a job being submitted is in b.subs after this
		}
		var ids []string
		for _, s := range b.subs {
			if s.active {
				ids = append(ids, s.JobID)
			}
		}
		if len(ids) > 0 {
			if _, err := command("scancel", ids...); err != nil {
				b.log.Warn("scancel failed", "jobs", ids, "error", err)
			} else {
				b.log.Info("cancelled the study's jobs", "jobs", ids)
			}
		}
	})
	return nil
}

// queuedTasks returns the array task ids of job that are still in the
// queue (pending or running).
func queuedTasks(job string) (map[int]bool, error) {
	out, err := command("squeue", "-h", "-r", "-j", job, "-o", "%K %T")
	if err != nil {
		if strings.Contains(err.Error(), "Invalid job id") {
			return map[int]bool{}, nil // purged: nothing queued
		}
		return nil, err
	}
	q := map[int]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if k, err := strconv.Atoi(f[0]); err == nil {
			q[k] = true
		}
	}
	return q, nil
}

// taskState asks scontrol for an ended array task's state, for messages.
func taskState(job string, k int) string {
	out, err := command("scontrol", "-o", "show", "job", fmt.Sprintf("%s_%d", job, k))
	if err != nil {
		return "state unknown"
	}
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, "JobState="); ok {
			return v
		}
	}
	return "state unknown"
}

// command runs a Slurm command and returns its stdout; an error carries
// its stderr.
func command(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.String(), fmt.Errorf("%s: %s", name, msg)
	}
	return stdout.String(), nil
}
