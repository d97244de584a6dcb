// Package store holds mdtwin's SQLite databases (modernc.org/sqlite, pure
// Go): opening with the project's pragmas, schema migrations by
// PRAGMA user_version, and the run ledger a study keeps in its output
// folder, and the patient store (patients.go): pseudonymous patients, their
// encounters, observations, conditions, therapies, procedures, reports,
// imaging and derived assets, studies and predictions, with an audit log.
package store
