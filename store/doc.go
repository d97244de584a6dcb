// Package store holds mdtwin's SQLite databases (modernc.org/sqlite, pure
// Go): opening with the project's pragmas, schema migrations by
// PRAGMA user_version, the run ledger a study keeps in its output folder,
// and the patient store: pseudonymous patients and their records (keyed on
// the source that sent them), studies and predictions, explicit links
// between two sources' patients, named dashboard tokens, and an audit log
// chained by a keyed hash. The patient store's secret key lives outside
// it (a key file beside it, or an environment variable), and several
// processes may read and write it at once.
package store
