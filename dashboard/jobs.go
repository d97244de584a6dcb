package dashboard

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/optima"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/prediction"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/store"
)

// Job states.
const (
	jobQueued  = "queued"
	jobRunning = "running"
	jobDone    = "done"
	jobFailed  = "failed"
)

// job is a scenario run for one patient, started from the dashboard. It
// receives the engine's progress (engine.Progress).
type job struct {
	ps        *store.Patients // the view of the store of the request that started it
	ID        string
	PatientID string
	Scenario  string // example file name
	Patients  int    // n_patients override, 0: the scenario's

	mu          sync.Mutex
	state       string
	total, done int
	failed      int
	err         string
	notes       []string
	predictions []int64
	out         string
	created     time.Time
	started     time.Time
	finished    time.Time
}

// jobStatus is a job as GET /api/jobs/{id} returns it.
type jobStatus struct {
	ID          string   `json:"id"`
	Patient     string   `json:"patient"`
	Scenario    string   `json:"scenario"`
	State       string   `json:"state"`
	Runs        int      `json:"runs"`
	Done        int      `json:"done"`
	Failed      int      `json:"failed"`
	Elapsed     float64  `json:"elapsed_s"`
	Error       string   `json:"error,omitempty"`
	Notes       []string `json:"notes,omitempty"`
	Predictions []int64  `json:"predictions,omitempty"`
	PatientURL  string   `json:"patient_url"`
}

func (j *job) Start(total, done, failed int) {
	j.mu.Lock()
	j.total, j.done, j.failed = total, done, failed
	j.mu.Unlock()
}

func (j *job) Update(done, failed int) {
	j.mu.Lock()
	j.done, j.failed = done, failed
	j.mu.Unlock()
}

func (j *job) Stop() {}

func (j *job) status() jobStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := jobStatus{ID: j.ID, Patient: j.PatientID, Scenario: j.Scenario, State: j.state, Runs: j.total, Done: j.done,
		Failed: j.failed, Error: j.err, Notes: j.notes, Predictions: j.predictions, PatientURL: "/patients/" + j.PatientID}
	switch {
	case !j.finished.IsZero():
		st.Elapsed = j.finished.Sub(j.started).Seconds()
	case !j.started.IsZero():
		st.Elapsed = time.Since(j.started).Seconds()
	}
	st.Elapsed = float64(int(st.Elapsed*10)) / 10
	return st
}

func (j *job) set(f func(j *job)) {
	j.mu.Lock()
	f(j)
	j.mu.Unlock()
}

// startJob queues a run of the example scenario name for patient pid.
func (s *Server) startJob(ps *store.Patients, pid, name string, nPatients int) (*job, error) {
	if _, err := s.example(name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.seq++
	j := &job{ps: ps, ID: strconv.Itoa(s.seq), PatientID: pid, Scenario: name, Patients: nPatients, state: jobQueued, created: time.Now()}
	s.jobs[j.ID] = j
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runJob(j)
	}()
	return j, nil
}

// runJob runs one job at a time (the others wait, queued): personalise the
// scenario for the patient, execute it in-process, store the predictions.
func (s *Server) runJob(j *job) {
	select {
	case s.slot <- struct{}{}:
		defer func() { <-s.slot }()
	case <-s.ctx.Done():
		j.set(func(j *job) { j.state, j.err = jobFailed, "the dashboard stopped" })
		return
	}
	j.set(func(j *job) { j.state, j.started = jobRunning, time.Now() })
	s.log.Info("run started", "job", j.ID, "patient", j.PatientID, "scenario", j.Scenario)
	ids, err := s.execute(s.ctx, j)
	j.set(func(j *job) {
		j.finished = time.Now()
		if err != nil {
			j.state, j.err = jobFailed, err.Error()
			return
		}
		j.state, j.predictions = jobDone, ids
	})
	if err != nil {
		// The error may quote the record (dates, values): it goes to the
		// page, not to the log.
		s.log.Info("run failed", "job", j.ID, "patient", j.PatientID, "scenario", j.Scenario)
		return
	}
	s.log.Info("run done", "job", j.ID, "patient", j.PatientID, "scenario", j.Scenario, "predictions", len(ids))
}

func (s *Server) execute(ctx context.Context, j *job) ([]int64, error) {
	src, err := s.example(j.Scenario)
	if err != nil {
		return nil, err
	}
	sc, err := scenarios.Parse("scenarios/examples/"+j.Scenario, src)
	if err != nil {
		return nil, err
	}
	set := map[string]any{}
	if _, has := sc.Params["n_patients"]; has && j.Patients > 0 {
		// Only a scenario with simulated patients takes their number (the
		// form sends one for every scenario).
		set["n_patients"] = j.Patients
	}
	if _, given := sc.Params["save_trajectories"]; sc.Study.Model == "mscohort" && !given {
		// The trajectories give the report its EDSS forecast per strategy.
		set["save_trajectories"] = true
	}
	if len(set) > 0 {
		if sc, err = sc.Derive(scenarios.Derivation{Why: "dashboard", Params: set}); err != nil {
			return nil, err
		}
	}
	rec, err := j.ps.Record(ctx, j.PatientID)
	if err != nil {
		return nil, err
	}
	p, err := embodiment.Personalise(sc, rec, embodiment.Options{})
	if err != nil {
		return nil, err
	}
	j.set(func(j *job) { j.notes = p.Notes })
	out := filepath.Join(s.studiesDir, fmt.Sprintf("%s-%s-%s-%s", sc.Study.Name, j.PatientID, time.Now().Format("20060102-150405"), j.ID))
	if p.Scenario.Study.Model == "atrial" && optima.Has(p.Scenario) {
		return s.executeOptima(ctx, j, p.Scenario, src, out)
	}
	study, err := prediction.InProcess(p.Scenario, out, s.workers)
	if err != nil {
		return nil, err
	}
	study.Progress, study.Log = j, s.log
	j.set(func(j *job) { j.out = out })
	rep, err := prediction.Execute(ctx, study)
	if err != nil {
		return nil, err
	}
	if rep.Done == 0 {
		msg := "no run finished"
		if len(rep.Failed) > 0 {
			msg += ": " + rep.Failed[0].Error
		}
		return nil, fmt.Errorf("%s", msg)
	}
	// The scenario the study ran, for whoever wants to repeat it with mdtwin run.
	if err := os.WriteFile(filepath.Join(out, "scenario.toml"), src, 0o644); err != nil {
		return nil, err
	}
	return prediction.Record(ctx, j.ps, j.PatientID, p.Scenario, rep.OutDir)
}

// executeOptima runs the OPTIMA loop of the personalised atrial scenario sc
// in out (round-NN/, plan.json, plan.vtu, as mdtwin optima), each round's
// study in-process, and stores its first round — the induction, one
// prediction per pacing site — for the patient, as the demo does; the
// report's atrial map draws the plan's lesions from out/plan.vtu.
func (s *Server) executeOptima(ctx context.Context, j *job, sc *scenarios.Scenario, src []byte, out string) ([]int64, error) {
	j.set(func(j *job) { j.out = out })
	exec := func(ctx context.Context, rsc *scenarios.Scenario, dir string, resume bool) (engine.Report, error) {
		study, err := prediction.InProcess(rsc, dir, s.workers)
		if err != nil {
			return engine.Report{}, err
		}
		study.Progress, study.Log, study.Resume = j, s.log, resume
		j.set(func(j *job) {
			j.notes = append(j.notes, fmt.Sprintf("OPTIMA %s: burst pacing from each of the round's sites.", filepath.Base(dir)))
		})
		return prediction.Execute(ctx, study)
	}
	plan, err := optima.Run(ctx, sc, optima.Options{OutDir: out, Execute: exec, Log: s.log})
	if err != nil {
		return nil, err
	}
	drivers := 0
	for _, r := range plan.Rounds {
		drivers += len(r.Drivers)
	}
	j.set(func(j *job) {
		j.notes = append(j.notes, fmt.Sprintf("OPTIMA plan: %s after %d rounds; %d re-entrant drivers, %d lesions (%.1f mm²); plan.json and plan.vtu in %s.",
			plan.Outcome, len(plan.Rounds), drivers, len(plan.Lesions), plan.TotalLesionAreaMM2, out))
	})
	if err := os.WriteFile(filepath.Join(out, "scenario.toml"), src, 0o644); err != nil {
		return nil, err
	}
	return prediction.Record(ctx, j.ps, j.PatientID, sc, filepath.Join(out, plan.Rounds[0].Dir))
}
