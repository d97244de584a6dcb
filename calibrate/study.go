package calibrate

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/store"
)

// This file is the one place that builds and executes a calibration's
// studies on the engine (engine.Prepare, Plan and Study.Execute) and reads
// their runs back (results.csv, in run order).

// runOutcome is one run of a calibration study as its ledger recorded it.
type runOutcome struct {
	ID      string
	Dir     string // the run's folder (tables), relative to nothing: a path
	Done    bool
	Outputs map[string]float64
	Error   string
}

// study is one engine study of a calibration: a population's batch of
// proposals, an optimisation's batch of evaluations, or the
// posterior-predictive runs.
type study struct {
	dir    string           // its folder
	label  string           // e.g. "pop-003/batch-000", for names and logs
	seed   uint64           // the study's seed (the population's)
	seeds  []uint64         // each run's seed
	params []map[string]any // each run's parameters beyond the model's defaults
	// reduce keeps of each run's tables only the values the targets
	// compare (problem.reduction), instead of writing the tables.
	reduce bool
}

// execute runs s on a fresh backend: a new study, or the continuation of
// the one recorded in s.dir (a study the engine finished is only read
// back). It returns the runs in run order.
func (c *calibration) execute(ctx context.Context, s study) ([]runOutcome, error) {
	sc := c.pr.sc
	runs := make([]scenarios.Run, len(s.params))
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00", sc.Hash, s.label, s.seed)
	for i, p := range s.params {
		resolved, err := c.pr.desc.Resolve(p)
		if err != nil {
			return nil, fmt.Errorf("%s run %d: %w", s.label, i, err)
		}
		runs[i] = scenarios.Run{Index: i, ID: scenarios.RunID(i, len(s.params)), Point: i, Seed: s.seeds[i], Params: resolved}
		b, _ := store.EncodeParams(p) // json.Marshal's bytes, sorted keys: deterministic
		fmt.Fprintf(h, "%d\x00%s\x00", s.seeds[i], b)
	}
	derived := *sc
	derived.Study.Name = sc.Study.Name + "." + filepath.ToSlash(s.label)
	derived.Study.Seed = s.seed
	derived.Hash = hex.EncodeToString(h.Sum(nil))
	derived.Sweep = nil
	_, err := os.Stat(filepath.Join(s.dir, store.LedgerFile))
	plan := engine.Plan{
		Scenario: &derived, Model: c.pr.desc, Runs: scenarios.RunList(runs), OutDir: s.dir, MaxAttempts: c.opt.MaxAttempts,
		MaxLost: c.opt.MaxLost, RunTimeout: c.opt.RunTimeout, Resume: err == nil, Backend: c.opt.BackendKind, Workers: c.opt.Workers,
	}
	if s.reduce && !c.opt.keepTables {
		plan.Reduce = c.pr.reduction()
	}
	st, err := engine.Prepare(plan, c.studyLog)
	if err != nil {
		return nil, err
	}
	backend, err := c.opt.NewBackend(s.dir)
	if err != nil {
		return nil, err
	}
	var progress engine.Progress = quiet{}
	if c.opt.Progress != nil {
		progress = c.opt.Progress(sc.Study.Name + " " + filepath.ToSlash(s.label))
	}
	if _, err := st.Execute(ctx, backend, progress); err != nil {
		return nil, err
	}
	out, err := readResults(s.dir)
	if err != nil {
		return nil, err
	}
	if len(out) != len(runs) {
		return nil, fmt.Errorf("%s: results.csv holds %d runs, the study %d", s.dir, len(out), len(runs))
	}
	return out, nil
}

// readResults reads the runs of the study in dir from its results.csv, in
// run order (cheaper than the ledger's rows, and the same numbers: the
// engine writes them in the shortest form that round-trips).
func readResults(dir string) ([]runOutcome, error) {
	f, err := os.Open(filepath.Join(dir, "results.csv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", f.Name(), err)
	}
	head = slices.Clone(head)
	id, status := slices.Index(head, "run_id"), slices.Index(head, "status")
	if id < 0 || status < 0 {
		return nil, fmt.Errorf("%s: no run_id or status column", f.Name())
	}
	var out []runOutcome
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name(), err)
		}
		o := runOutcome{ID: rec[id], Dir: filepath.Join(dir, "runs", rec[id]), Done: rec[status] == store.Done}
		if o.Done {
			o.Outputs = make(map[string]float64, len(head))
			for i, v := range rec {
				if i <= status || v == "" {
					continue
				}
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					o.Outputs[head[i]] = x // parameters too; outputs are looked up by name
				}
			}
		}
		out = append(out, o)
	}
}

// quiet is a Progress that shows nothing.
type quiet struct{}

func (quiet) Start(total, done, failed int) {}
func (quiet) Update(done, failed int)       {}
func (quiet) Stop()                         {}

// batchLabel names batch b of population t.
func batchLabel(t, b int) string {
	return filepath.Join("pop-"+pad(t, 3), "batch-"+pad(b, 3))
}

func pad(i, width int) string {
	s := strconv.Itoa(i)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// readRuns reads back runs of earlier studies, each named by its path
// relative to the output folder (<study folder>/<run id>), from their
// studies' results.csv, in the order given.
func (c *calibration) readRuns(paths []string) ([]runOutcome, error) {
	byStudy := map[string]map[string]runOutcome{}
	out := make([]runOutcome, len(paths))
	for i, p := range paths {
		dir, id := filepath.Split(filepath.FromSlash(p))
		dir = filepath.Join(c.opt.OutDir, dir)
		runs, ok := byStudy[dir]
		if !ok {
			rows, err := readResults(dir)
			if err != nil {
				return nil, err
			}
			runs = map[string]runOutcome{}
			for _, r := range rows {
				runs[r.ID] = r
			}
			byStudy[dir] = runs
		}
		o, ok := runs[id]
		if !ok {
			return nil, fmt.Errorf("%s: no run %s in the study's ledger", dir, id)
		}
		out[i] = o
	}
	return out, nil
}

// finished reports whether the study in dir has finished (its manifest
// says so), for telling resumed steps apart in progress lines.
func finished(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return false
	}
	var m struct {
		Status string `json:"status"`
	}
	return json.Unmarshal(b, &m) == nil && (m.Status == "complete" || m.Status == "failed")
}
