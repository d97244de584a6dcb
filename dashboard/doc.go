// Package dashboard is `mdtwin serve`: the web dashboard of the patient
// store for clinicians at the point of care, after the MS BioScreen's
// levels of display (Gourraud et al., Ann Neurol 2014;76:633–42):
// visualisation of the patient's multimodal history, and the predictions
// made for them as the basis of a decision.
//
// Pages (net/http, html/template; style sheet and one small script
// embedded with go:embed; no CDN, no web font; charts are inline SVG drawn
// by the server):
//
//	GET  /                                   patients, with search (?q= words in id, sex, dates)
//	GET  /patients/{pid}                     the predictions first, each drawn with its model's main
//	                                         picture (MS: the observed EDSS and each strategy's
//	                                         forecast mean and 90 % band on one time axis; atrial: the
//	                                         atrial map; brain: the seizure onsets) and its report a
//	                                         click away; the timeline: encounters, conditions and
//	                                         therapies as bars, relapses as episodes, procedures,
//	                                         imaging and assets on one time axis; one chart per
//	                                         numeric observation code (EDSS first); the run form,
//	                                         offering only the scenarios the record can personalise
//	POST /patients/{pid}/runs                run a bundled scenario (scenarios/examples) for the patient
//	GET  /jobs/{id}, /api/jobs/{id}          the run's progress, as a page and as JSON (polled)
//	GET  /patients/{pid}/predictions/{id}/report
//	                                         the prediction's report (package report)
//	GET  /smart/launch?iss=…[&launch=…]      with Options.SMART: an EHR (or standalone) SMART launch
//	GET  /smart/callback                     its authorization response: token, pull, the patient's page
//	POST /smart/refresh                      pull the launched patient's record again
//
// A run personalises the scenario from the record (patient/embodiment),
// executes it in-process and stores its predictions through package
// prediction (prediction.RunExample), the path `mdtwin run --patient`
// takes too; an atrial scenario with [inputs.optima] (af-ablation.toml)
// runs its OPTIMA loop, as `mdtwin optima` and the demo do, and stores its
// first round, drawn with the plan's lesions. Runs go one at a time; their
// outputs go under Options.StudiesDir. The similar-patients panel matches
// through package prediction too (prediction.Similar): the dashboard holds
// no study machinery (engine, optima, scenarios, cohort) of its own.
//
// Security: every record read and write goes through store.Patients and
// so lands in its audit log, with the client's address and the name of
// the token it presented. Without a token the server answers only to
// loopback host names (no DNS rebinding); CheckAddr refuses an address
// beyond loopback without tokens and TLS. With tokens (the store's named
// ones, Options.StoreTokens, or Options.Token of at least MinTokenLen
// characters), each request carries one as "Authorization: Bearer" or as
// the HttpOnly, SameSite=Strict cookie that opening a page with ?token=
// sets; an address that fails too often is refused (429) for a while.
// POSTs from other origins are refused. The log names pseudonymous patient
// ids and paths only, never record content or search terms.
//
// As a SMART on FHIR app (Options.SMART), the dashboard is launched by an
// EHR: the launched patient's record is pulled from the EHR's FHIR server
// into the store (the server as its source) and the browser gets a session
// limited to that patient. Only the configured EHR origins may embed the
// dashboard (CSP frame-ancestors); the timeline then shows the patient's
// device data and patient-reported scores as series of their own.
//
// # Usage
//
//	ps, err := store.OpenPatients(path, "mdtwin serve")
//	...
//	dash, err := dashboard.New(dashboard.Options{Store: ps, StudiesDir: dir, Log: log})
//	...
//	defer dash.Close()
//	err = http.ListenAndServe("127.0.0.1:8080", dash)
package dashboard
