package dashboard

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/mdtwin/mdtwin/prediction"
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
// receives the engine's progress (prediction.ExampleRun.Progress).
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

// startJob queues a run of the example scenario name for patient pid (the
// caller has checked that the patient page offers it: startRun; a name
// that is not fails the job with the reason).
func (s *Server) startJob(ps *store.Patients, pid, name string, nPatients int) *job {
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
	return j
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

// execute runs the job's scenario for its patient through package
// prediction (prediction.RunExample), its outputs under the studies folder.
func (s *Server) execute(ctx context.Context, j *job) ([]int64, error) {
	return prediction.RunExample(ctx, prediction.ExampleRun{Store: j.ps, PatientID: j.PatientID, Example: j.Scenario,
		Patients: j.Patients, Workers: s.workers, Progress: j, Log: s.log,
		OutDir: func(study string) string {
			return filepath.Join(s.studiesDir, fmt.Sprintf("%s-%s-%s-%s", study, j.PatientID, time.Now().Format("20060102-150405"), j.ID))
		},
		Note: func(note string) { j.set(func(j *job) { j.notes = append(j.notes, note) }) },
	})
}
