package slurm

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/workers"
	"github.com/mdtwin/mdtwin/workers/inproc"
)

// chunkIn is what an array task reads: the model and its runs.
type chunkIn struct {
	Model   string
	Specs   []models.RunSpec
	Timeout time.Duration // per run; 0: none
}

// partResult is one run's end as an array task writes it.
type partResult struct {
	Index     int
	Result    models.Result
	Err       string // the model's error; "" when done
	BadInput  bool   // Err is a failure of the run's input (models.IsBadInput)
	TimedOut  bool   // the run exceeded its timeout
	ElapsedNS int64
	Worker    string
}

func chunkInName(k int) string   { return fmt.Sprintf("chunk-%05d.in", k) }
func partPrefix(k int) string    { return fmt.Sprintf("chunk-%05d.part-", k) }
func partName(k, seq int) string { return fmt.Sprintf("%s%04d", partPrefix(k), seq) }
func chunkOfPart(name string) (int, bool) {
	var k, seq int
	if _, err := fmt.Sscanf(name, "chunk-%05d.part-%04d", &k, &seq); err != nil || strings.Contains(name, ".tmp") {
		return 0, false
	}
	return k, true
}

// writeGob encodes v to path through a temporary file and a rename.
func writeGob(path string, v any) error {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func readGob(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return gob.NewDecoder(f).Decode(v)
}

// readParts returns the results in the part files of chunk k in dir.
func readParts(dir string, k int) ([]partResult, error) {
	names, err := filepath.Glob(filepath.Join(dir, partPrefix(k)+"*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []partResult
	for _, n := range names {
		if strings.HasSuffix(n, ".tmp") {
			continue
		}
		var rs []partResult
		if err := readGob(n, &rs); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// TaskOptions configure RunTask.
type TaskOptions struct {
	Workers    int           // parallel runs; ≤ 0: SLURM_CPUS_PER_TASK, else one per CPU
	FlushEvery time.Duration // a part is written at least this often while runs end; 0: 2 s
	FlushRuns  int           // … or when this many results wait; 0: 256
}

// RunTask is the body of one array task (`mdtwin worker`): it runs the runs
// of chunk task in dir with the model lookup finds, on an in-process pool,
// and writes their results in parts. Runs that already have a result (a
// task Slurm requeued) are skipped. Model errors are results too; RunTask
// returns an error only when it cannot do its job at all.
func RunTask(ctx context.Context, dir string, task int, lookup func(name string) (models.Model, error), opts TaskOptions) error {
	var in chunkIn
	if err := readGob(filepath.Join(dir, chunkInName(task)), &in); err != nil {
		return fmt.Errorf("reading chunk %d: %w", task, err)
	}
	m, err := lookup(in.Model)
	if err != nil {
		return err
	}
	have, err := readParts(dir, task)
	if err != nil {
		return err
	}
	done := map[int]bool{}
	for _, r := range have {
		done[r.Index] = true
	}
	var todo []workers.Task
	for _, s := range in.Specs {
		if !done[s.Index] {
			todo = append(todo, workers.Task{Spec: s, Attempt: 1, Timeout: in.Timeout})
		}
	}
	seq := 0
	if names, _ := filepath.Glob(filepath.Join(dir, partPrefix(task)+"*")); len(names) > 0 {
		seq = len(names) // new parts never overwrite old ones
	}
	if len(todo) == 0 {
		return nil
	}
	n := opts.Workers
	if n <= 0 {
		fmt.Sscan(os.Getenv("SLURM_CPUS_PER_TASK"), &n)
	}
	if n <= 0 {
		n = runtime.NumCPU()
	}
	every := opts.FlushEvery
	if every <= 0 {
		every = 2 * time.Second
	}
	maxRuns := opts.FlushRuns
	if maxRuns <= 0 {
		maxRuns = 256
	}
	pool := inproc.New(m, n)
	if err := pool.Start(ctx); err != nil {
		return err
	}
	defer pool.Close()
	next, received := 0, 0
	submit := func() {
		for next < len(todo) && next-received < pool.Capacity() {
			pool.Submit(todo[next])
			next++
		}
	}
	var pending []partResult
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		// Parts are written in index order within, for tidy files.
		sort.Slice(pending, func(i, j int) bool { return pending[i].Index < pending[j].Index })
		if err := writeGob(filepath.Join(dir, partName(task, seq)), pending); err != nil {
			return err
		}
		seq++
		pending = pending[:0:0]
		return nil
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	submit()
	for received < len(todo) {
		select {
		case <-ctx.Done():
			flush()
			return ctx.Err()
		case <-ticker.C:
			if err := flush(); err != nil {
				return err
			}
		case o := <-pool.Outcomes():
			received++
			r := partResult{Index: o.Index, Result: o.Result, ElapsedNS: int64(o.Elapsed), Worker: hostWorker(o.Worker),
				TimedOut: o.TimedOut}
			if o.Err != nil {
				r.Err, r.BadInput = o.Err.Error(), models.IsBadInput(o.Err)
			}
			pending = append(pending, r)
			if len(pending) >= maxRuns {
				if err := flush(); err != nil {
					return err
				}
			}
			submit()
		}
	}
	return flush()
}

func hostWorker(w string) string {
	h, _ := os.Hostname()
	id := os.Getenv("SLURM_ARRAY_JOB_ID") + "_" + os.Getenv("SLURM_ARRAY_TASK_ID")
	return h + "/" + id + "/" + w
}
