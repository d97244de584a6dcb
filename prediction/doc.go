// Package prediction is the one path by which mdtwin executes a study and
// stores what it predicted for a patient. `mdtwin run` (any backend),
// `mdtwin demo` and the dashboard (`mdtwin serve`) all go through it:
//
//   - Builtin finds a scenario's model among the built-in models and
//     describes it for the scenario's [inputs];
//   - Execute expands the scenario into runs, prepares the output folder
//     and its ledger (package engine) and executes the runs on a backend;
//   - Record stores a finished study against a patient: the study (model,
//     model version, personalised scenario hash, output folder) and one
//     prediction per done run, in one transaction of the patient store.
//
// Personalising the scenario for the patient between the two is the work
// of patient.Load and embodiment.Personalise. `mdtwin run` takes the
// patient from --patient or from the scenario's [patient] table
// (scenarios.Patient); both go through the same calls.
//
// # Usage
//
//	rec, err := ps.Record(ctx, pid)
//	...
//	p, err := embodiment.Personalise(sc, rec, embodiment.Options{})
//	...
//	m, desc, err := prediction.Builtin(p.Scenario)
//	...
//	rep, err := prediction.Execute(ctx, prediction.Study{Scenario: p.Scenario, Model: desc,
//		Summarizer: prediction.SummarizerOf(m), Backend: inproc.New(m, 2), BackendKind: "inproc",
//		Workers: 2, OutDir: out})
//	...
//	n, err := prediction.Record(ctx, ps, pid, p.Scenario, rep.OutDir)
package prediction
