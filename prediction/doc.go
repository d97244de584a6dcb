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
// An atrial scenario with [inputs.optima] is a loop of studies, not one:
// RunOptima (and RunTrial, for a virtual trial of ablation strategies)
// runs package optima's loop with each round's study made by the caller
// and executed by Execute (Record then stores the loop's first round, the
// induction, for a patient); `mdtwin optima`, the demo and the dashboard
// all go through them. RunExample is the dashboard's "Run a scenario": a bundled
// scenario (ExamplesFor) personalised for a patient, executed
// in-process (or its OPTIMA loop) and recorded. Similar is the
// similar-patient prognosis the patient page shows (package cohort's
// matching against a reference cohort).
//
// Layering: prediction imports optima and cohort besides engine, scenarios,
// patient and store (a widening of the project's layout table) because it
// is the one layer between the dashboard and the study machinery, so the
// dashboard, which may import only prediction, report, patient and store,
// runs OPTIMA loops and similar-patient matching through it.
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
