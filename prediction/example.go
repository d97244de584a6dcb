package prediction

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/optima"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/embodiment"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/scenarios/examples"
	"github.com/mdtwin/mdtwin/store"
)

// Example is a bundled scenario (scenarios/examples) of a model with a
// patient embodiment (patient/embodiment): one that can be run for a
// patient.
type Example struct {
	File, Name, Model, Doc string
	Patients               int64  // its n_patients, 0 when it has none
	Optima                 bool   // an atrial scenario with [inputs.optima]: RunExample runs its OPTIMA loop
	Why                    string // why it cannot be run for a patient (here, or for one record), "" when it can

	sc *scenarios.Scenario // the parsed scenario, nil when it cannot be read here
}

// trialWhy is why a virtual trial of ablation strategies is never run for
// a patient.
const trialWhy = "a virtual trial over a cohort of substrates (run it with mdtwin optima), not a prediction for one patient"

// bundled lists the bundled scenarios of models with a patient
// embodiment, in file name order. A scenario of such a model that cannot
// be read here (its data files are named relative to the repository root,
// and the caller runs elsewhere), or that is a virtual trial over a cohort
// of substrates, is listed with the reason in Why, not dropped without a
// word.
func bundled() []Example {
	entries, _ := fs.Glob(examples.FS, "*.toml")
	var out []Example
	for _, f := range entries {
		if e, ok := bundledOne(f); ok {
			out = append(out, e)
		}
	}
	return out
}

// bundledOne reads the bundled scenario file f as bundled lists it, and
// false when f is not a scenario of a model with a patient embodiment.
func bundledOne(f string) (Example, bool) {
	data, err := examples.FS.ReadFile(f)
	if err != nil {
		return Example{}, false
	}
	sc, err := scenarios.Parse("scenarios/examples/"+f, data)
	if err != nil {
		var head struct {
			Study  struct{ Name, Model, Doc string }
			Cohort map[string]any // a cohort scenario is not a patient's
		}
		if _, terr := toml.Decode(string(data), &head); terr == nil && head.Cohort == nil && embodied(head.Study.Model) {
			return Example{File: f, Name: head.Study.Name, Model: head.Study.Model, Doc: head.Study.Doc,
				Why: "cannot be prepared where the server runs: " + err.Error()}, true
		}
		return Example{}, false
	}
	if sc.Cohort != nil || !embodied(sc.Study.Model) {
		return Example{}, false
	}
	n, _ := sc.Params["n_patients"].(int64)
	e := Example{File: f, Name: sc.Study.Name, Model: sc.Study.Model, Doc: sc.Study.Doc, Patients: n, Optima: isOptima(sc), sc: sc}
	if optima.IsTrial(sc) {
		e.Why = trialWhy
	}
	return e, true
}

// embodied reports whether model has a patient embodiment
// (patient/embodiment), so that its scenarios can be run for a patient.
func embodied(model string) bool {
	return model == "mscohort" || model == "brain" || model == "atrial"
}

// ExamplesFor splits the bundled scenarios into those whose model's
// embodiment can personalise them from rec (offered) and the others
// (absent, each with the embodiment's reason in Why): an MS forecast needs
// EDSS visits and a relapsing course, an atrial study an atrial mesh, a
// brain study a connectome and an implantation. A virtual trial over a
// cohort of substrates is never offered.
func ExamplesFor(rec *patient.Record) (offered, absent []Example) {
	for _, e := range bundled() {
		if e.Why != "" {
			absent = append(absent, e)
			continue
		}
		if _, err := embodiment.Personalise(e.sc, rec, embodiment.Options{}); err != nil {
			e.Why = strings.TrimPrefix(err.Error(), "patient "+rec.Patient.ID+": ")
			absent = append(absent, e)
			continue
		}
		offered = append(offered, e)
	}
	return offered, absent
}

// exampleSource returns the bundled scenario name (the file name of a
// bundled scenario that can be run for a patient), parsed, and its bytes.
func exampleSource(name string) (*scenarios.Scenario, []byte, error) {
	e, ok := bundledOne(name)
	switch {
	case !ok || !fs.ValidPath(name) || strings.ContainsAny(name, `/\`) || !strings.HasSuffix(name, ".toml"):
		return nil, nil, fmt.Errorf("no bundled scenario %q for a patient", name)
	case e.Why != "":
		return nil, nil, fmt.Errorf("bundled scenario %q cannot be run for a patient: %s", name, e.Why)
	}
	src, err := examples.FS.ReadFile(name)
	return e.sc, src, err
}

// ExampleRun is a run of a bundled scenario for one patient of a store,
// executed in-process (the dashboard's "Run a scenario").
type ExampleRun struct {
	Store     *store.Patients
	PatientID string
	Example   string // the scenario's file name (ExamplesFor)
	// Patients, when > 0, is the number of simulated patients
	// (n_patients) of a scenario that has them; other scenarios ignore it.
	Patients int
	Workers  int
	// OutDir returns the output folder of the study named study.
	OutDir   func(study string) string
	Progress engine.Progress   // nil: none
	Log      *slog.Logger      // nil: discard
	Note     func(note string) // nil: none; receives what the run tells about itself, in order
}

// RunExample personalises r.Example for the patient (patient/embodiment),
// executes it in-process, writes the scenario's file into the output
// folder as scenario.toml (for whoever wants to repeat it with mdtwin
// run) and stores the study's done runs as the patient's predictions
// (Record); it returns their ids. An MS scenario saves its trajectories
// (unless it says otherwise), which give the report its EDSS forecast per
// strategy. An atrial scenario with [inputs.optima] runs its OPTIMA loop
// instead (round-NN/, plan.json, plan.vtu in the output folder, as mdtwin
// optima), each round's study in-process, and its first round — the
// induction, one prediction per pacing site — is stored (Record), as the
// demo does. A single study in which no run finished is an error (an
// OPTIMA loop's rounds are not checked so).
//
// Note receives the embodiment's notes (which may quote the record), then,
// for an OPTIMA loop, one per round and one for the plan.
func RunExample(ctx context.Context, r ExampleRun) ([]int64, error) {
	note := r.Note
	if note == nil {
		note = func(string) {}
	}
	sc, src, err := exampleSource(r.Example)
	if err != nil {
		return nil, err
	}
	set := map[string]any{}
	if _, has := sc.Params["n_patients"]; has && r.Patients > 0 {
		// Only a scenario with simulated patients takes their number (the
		// dashboard's form sends one for every scenario).
		set["n_patients"] = r.Patients
	}
	if _, given := sc.Params["save_trajectories"]; sc.Study.Model == "mscohort" && !given {
		set["save_trajectories"] = true
	}
	if len(set) > 0 {
		if sc, err = sc.Derive(scenarios.Derivation{Why: "dashboard", Params: set}); err != nil {
			return nil, err
		}
	}
	rec, err := r.Store.Record(ctx, r.PatientID)
	if err != nil {
		return nil, err
	}
	p, err := embodiment.Personalise(sc, rec, embodiment.Options{})
	if err != nil {
		return nil, err
	}
	for _, n := range p.Notes {
		note(n)
	}
	out := r.OutDir(sc.Study.Name)
	if isOptima(p.Scenario) {
		return runExampleOptima(ctx, r, note, p.Scenario, src, out)
	}
	study, err := InProcess(p.Scenario, out, r.Workers)
	if err != nil {
		return nil, err
	}
	study.Progress, study.Log = r.Progress, r.Log
	rep, err := Execute(ctx, study)
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
	if err := os.WriteFile(filepath.Join(out, "scenario.toml"), src, 0o644); err != nil {
		return nil, err
	}
	return Record(ctx, r.Store, r.PatientID, p.Scenario, rep.OutDir)
}

// runExampleOptima runs the OPTIMA loop of the personalised atrial
// scenario sc in out and stores its first round for the patient.
func runExampleOptima(ctx context.Context, r ExampleRun, note func(string), sc *scenarios.Scenario, src []byte, out string) ([]int64, error) {
	plan, err := RunOptima(ctx, Loop{Scenario: sc, OutDir: out, Log: r.Log,
		Study: func(rsc *scenarios.Scenario, dir string) (Study, error) {
			study, err := InProcess(rsc, dir, r.Workers)
			if err != nil {
				return Study{}, err
			}
			study.Progress, study.Log = r.Progress, r.Log
			note(fmt.Sprintf("OPTIMA %s: burst pacing from each of the round's sites.", filepath.Base(dir)))
			return study, nil
		}})
	if err != nil {
		return nil, err
	}
	drivers := 0
	for _, rd := range plan.Rounds {
		drivers += len(rd.Drivers)
	}
	note(fmt.Sprintf("OPTIMA plan: %s after %d rounds; %d re-entrant drivers, %d lesions (%.1f mm²); plan.json and plan.vtu in %s.",
		plan.Outcome, len(plan.Rounds), drivers, len(plan.Lesions), plan.TotalLesionAreaMM2, out))
	if err := os.WriteFile(filepath.Join(out, "scenario.toml"), src, 0o644); err != nil {
		return nil, err
	}
	return Record(ctx, r.Store, r.PatientID, sc, filepath.Join(out, plan.Rounds[0].Dir))
}
