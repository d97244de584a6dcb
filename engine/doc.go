// Package engine is mdtwin's scheduler: it takes a study's expanded runs,
// dispatches them to a workers.Backend, retries failed attempts, records
// every run's end in a SQLite ledger in the output folder, and writes the
// study's outputs.
//
// The decisions (what to dispatch next, what to retry, when to give up) are
// made by Core, a pure deterministic state machine tested by the scripts in
// testdata/core. Study wraps it with the I/O: the backend, the ledger, the
// output files and progress reporting.
//
// # Outputs
//
// In the output folder:
//
//	manifest.json   study, model and version, scenario hash, seed, backend, counts, status
//	results.csv     one row per run in run order: run_id, replicate, seed, status,
//	                the parameters and the scalar outputs (descriptor order)
//	summary.json    per output: n, mean, sd, min, p05, median, p95, max over done runs;
//	                the failed runs with their errors
//	runs/<id>/      each run's artifacts and tables (<table>.csv)
//	ledger.sqlite   the run ledger
//
// A study with a Reduction (a calibration's populations) writes no tables:
// it keeps a few numbers computed from each run's tables, as outputs
// recorded with the run and written to results.csv after the model's.
//
// results.csv depends only on the scenario: numbers are written in the
// shortest form that round-trips (models.FormatFloat) and rows in run
// order, so it is byte-identical whatever the backend, the worker count or
// the order in which runs end.
//
// # Resume
//
// Each run's end is recorded in the ledger (batched in transactions, at
// least every FlushInterval). After a crash — even kill -9 — Prepare with
// Resume opens the ledger, checks the scenario is unchanged, and Execute
// runs only the runs not recorded as done or failed.
package engine
