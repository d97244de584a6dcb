// Package store holds mdtwin's SQLite databases (modernc.org/sqlite, pure
// Go): opening with the project's pragmas, schema migrations by
// PRAGMA user_version, and the run ledger a study keeps in its output
// folder. Later the patient store lives here too.
package store
