package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// LedgerFile is the ledger's file name inside a study's output folder.
const LedgerFile = "ledger.sqlite"

// Run states in the ledger. A run that was executing when the study
// stopped is still Pending: only the ends of attempts are recorded, in an
// append-only log (table ends) that also keeps every failed attempt's error.
const (
	Pending = "pending"
	Done    = "done"
	Failed  = "failed"
)

var ledgerMigrations = []string{`
CREATE TABLE study (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
-- One row per run, written when the study is created.
CREATE TABLE runs (
	idx       INTEGER PRIMARY KEY,
	id        TEXT NOT NULL UNIQUE,
	replicate INTEGER NOT NULL,
	seed      TEXT NOT NULL,       -- uint64 in decimal
	params    TEXT NOT NULL        -- JSON object
);
-- An append-only log: one row per ended attempt. A run's state is its
-- latest row (none: pending).
CREATE TABLE ends (
	seq        INTEGER PRIMARY KEY,
	idx        INTEGER NOT NULL REFERENCES runs(idx),
	state      TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
	attempts   INTEGER NOT NULL,   -- attempts ended so far, this one included
	error      TEXT NOT NULL,      -- this attempt's failure, '' when done
	outputs    TEXT,               -- JSON object of scalar outputs (done)
	elapsed_ms REAL NOT NULL,
	worker     TEXT NOT NULL
);
CREATE INDEX ends_by_run ON ends(idx, seq);
CREATE VIEW run_states AS
SELECT r.idx, r.id, r.replicate, r.seed, r.params,
	COALESCE(e.state, 'pending') AS state, COALESCE(e.attempts, 0) AS attempts,
	COALESCE(e.error, '') AS error, e.outputs, e.elapsed_ms, COALESCE(e.worker, '') AS worker
FROM runs r LEFT JOIN ends e ON e.seq = (SELECT MAX(seq) FROM ends WHERE idx = r.idx);
`, `
-- How each attempt ended: ok, error (the model's), bad_input (the model
-- rejected the run's input), timeout, lost (its worker died), or retry (a
-- marker: --retry-failed gave a failed run a fresh budget). Ledgers of
-- version 1 charged every end: their failed ends become errors.
ALTER TABLE ends ADD COLUMN kind TEXT NOT NULL DEFAULT '';
UPDATE ends SET kind = CASE state WHEN 'done' THEN 'ok' ELSE 'error' END;
`}

// The kinds of attempt ends in the ledger (column ends.kind).
const (
	EndOK       = "ok"
	EndError    = "error"
	EndBadInput = "bad_input"
	EndTimeout  = "timeout"
	EndLost     = "lost"
	EndRetry    = "retry" // not an attempt: --retry-failed reset the run's budget
)

// rowsPerStatement bounds multi-row INSERTs (SQLite allows 32766 variables).
const rowsPerStatement = 256

// insertRows inserts rows in multi-row INSERT statements of up to
// rowsPerStatement rows; cols is the column list, args(i) row i's values.
func insertRows(ctx context.Context, tx *sql.Tx, table, cols string, ncols, n int, args func(i int) []any) error {
	ph := "(?" + strings.Repeat(", ?", ncols-1) + ")"
	for start := 0; start < n; start += rowsPerStatement {
		end := min(n, start+rowsPerStatement)
		q := "INSERT INTO " + table + "(" + cols + ") VALUES " + ph + strings.Repeat(", "+ph, end-start-1)
		vals := make([]any, 0, (end-start)*ncols)
		for i := start; i < end; i++ {
			vals = append(vals, args(i)...)
		}
		if _, err := tx.ExecContext(ctx, q, vals...); err != nil {
			return err
		}
	}
	return nil
}

// LedgerRun is one run's row.
type LedgerRun struct {
	Index     int
	ID        string
	Replicate int
	Seed      uint64
	Params    string // JSON
	State     string
	Attempts  int
	Error     string
	Outputs   map[string]float64 // nil unless Done
	ElapsedMS float64
	Worker    string
}

// RunEnd records the end of one attempt.
type RunEnd struct {
	Index     int
	State     string // Pending (will be retried), Done or Failed
	Kind      string // EndOK, EndError, EndBadInput, EndTimeout, EndLost or EndRetry
	Attempts  int    // attempts ended so far, this one included
	Error     string
	Outputs   map[string]float64
	ElapsedMS float64
	Worker    string
}

// Ledger is a study's run ledger: what every run's state is, how many
// attempts it took, its last error and its outputs. It lets a study resume
// after a crash without redoing finished runs.
type Ledger struct {
	db   *sql.DB
	path string
}

// CreateLedger writes a new ledger at path holding meta and n runs (all
// Pending), run i given by run(i). It builds the database under a
// temporary name and renames it into place, so a failure leaves no ledger
// behind. It fails if path exists.
func CreateLedger(path string, meta map[string]string, n int, run func(i int) (LedgerRun, error)) (*Ledger, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("%s: a ledger already exists", path)
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".new")
	removeDB(tmp)
	l, err := fill(tmp, meta, n, run)
	if err != nil {
		removeDB(tmp)
		return nil, err
	}
	// Checkpoint into the main file and drop the WAL before renaming.
	_, err = l.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	l.db.Close()
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		removeDB(tmp)
		return nil, err
	}
	removeDB(tmp)
	return OpenLedger(path)
}

func removeDB(p string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(p + suffix)
	}
}

func fill(path string, meta map[string]string, n int, run func(i int) (LedgerRun, error)) (*Ledger, error) {
	db, err := Open(path, ledgerMigrations)
	if err != nil {
		return nil, err
	}
	l := &Ledger{db: db, path: path}
	tx, err := db.Begin()
	if err != nil {
		db.Close()
		return nil, err
	}
	defer tx.Rollback()
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, err := tx.Exec("INSERT INTO study(key, value) VALUES (?, ?)", k, meta[k]); err != nil {
			db.Close()
			return nil, err
		}
	}
	var runErr error
	err = insertRows(context.Background(), tx, "runs", "idx, id, replicate, seed, params", 5, n, func(i int) []any {
		r, err := run(i)
		if err != nil && runErr == nil {
			runErr = err
		}
		return []any{r.Index, r.ID, r.Replicate, strconv.FormatUint(r.Seed, 10), r.Params}
	})
	if err == nil {
		err = runErr
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		db.Close()
		return nil, err
	}
	return l, nil
}

// OpenLedger opens an existing ledger.
func OpenLedger(path string) (*Ledger, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	db, err := Open(path, ledgerMigrations)
	if err != nil {
		return nil, err
	}
	return &Ledger{db: db, path: path}, nil
}

// Path returns the ledger's file path.
func (l *Ledger) Path() string { return l.path }

// Close closes the ledger.
func (l *Ledger) Close() error { return l.db.Close() }

// Meta returns the study's key/value metadata.
func (l *Ledger) Meta() (map[string]string, error) {
	rows, err := l.db.Query("SELECT key, value FROM study")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, rows.Err()
}

// GetMeta returns one metadata key's value, "" when absent.
func (l *Ledger) GetMeta(key string) (string, error) {
	var v string
	err := l.db.QueryRow("SELECT value FROM study WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetMeta sets one metadata key.
func (l *Ledger) SetMeta(key, value string) error {
	_, err := l.db.Exec("INSERT INTO study(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value)
	return err
}

// Runs returns every run in index order.
func (l *Ledger) Runs() ([]LedgerRun, error) {
	var out []LedgerRun
	err := l.EachRun(context.Background(), func(r LedgerRun) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

// EachRun calls fn with every run in index order, reading them one at a
// time, so that a study of millions of runs is read in constant memory.
// An error from fn stops the walk and is returned.
func (l *Ledger) EachRun(ctx context.Context, fn func(LedgerRun) error) error {
	rows, err := l.db.QueryContext(ctx, `SELECT idx, id, replicate, seed, params, state, attempts, error,
		outputs, elapsed_ms, worker FROM run_states ORDER BY idx`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r LedgerRun
		var seed string
		var outputs sql.NullString
		var elapsed sql.NullFloat64
		if err := rows.Scan(&r.Index, &r.ID, &r.Replicate, &seed, &r.Params, &r.State, &r.Attempts,
			&r.Error, &outputs, &elapsed, &r.Worker); err != nil {
			return err
		}
		if r.Seed, err = strconv.ParseUint(seed, 10, 64); err != nil {
			return fmt.Errorf("run %s: seed %q: %w", r.ID, seed, err)
		}
		r.ElapsedMS = elapsed.Float64
		if outputs.Valid {
			if r.Outputs, err = DecodeOutputs(outputs.String); err != nil {
				return fmt.Errorf("run %s: outputs: %w", r.ID, err)
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachLastEnd calls fn with the latest end of every run that has one, in
// run order: the run's state, attempts, last error and outputs. It reads
// less than EachRun (no ids, seeds or parameters, which the caller can
// derive), for the engine's outputs.
func (l *Ledger) EachLastEnd(ctx context.Context, fn func(RunEnd) error) error {
	rows, err := l.db.QueryContext(ctx, `SELECT e.idx, e.state, e.kind, e.attempts, e.error, e.outputs
		FROM (SELECT idx, MAX(seq) AS seq FROM ends GROUP BY idx) m JOIN ends e ON e.seq = m.seq ORDER BY e.idx`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e RunEnd
		var outputs sql.NullString
		if err := rows.Scan(&e.Index, &e.State, &e.Kind, &e.Attempts, &e.Error, &outputs); err != nil {
			return err
		}
		if outputs.Valid {
			if e.Outputs, err = DecodeOutputs(outputs.String); err != nil {
				return fmt.Errorf("run %d: outputs: %w", e.Index, err)
			}
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachEnd calls fn with every attempt end in run order (by index, then in
// the order they were recorded): the run's index, the state it left the
// run in and the end's kind. The engine folds them into each run's
// counters on resume.
func (l *Ledger) EachEnd(ctx context.Context, fn func(index int, state, kind string)) error {
	rows, err := l.db.QueryContext(ctx, "SELECT idx, state, kind FROM ends ORDER BY idx, seq")
	if err != nil {
		return err
	}
	defer rows.Close()
	var idx int
	var state, kind string
	for rows.Next() {
		if err := rows.Scan(&idx, &state, &kind); err != nil {
			return err
		}
		fn(idx, state, kind)
	}
	return rows.Err()
}

// NumRuns returns the number of runs in the ledger.
func (l *Ledger) NumRuns() (int, error) {
	var n int
	err := l.db.QueryRow("SELECT COUNT(*) FROM runs").Scan(&n)
	return n, err
}

// Record appends a batch of run ends in one transaction.
func (l *Ledger) Record(ctx context.Context, ends []RunEnd) error {
	if len(ends) == 0 {
		return nil
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	err = insertRows(ctx, tx, "ends", "idx, state, kind, attempts, error, outputs, elapsed_ms, worker", 8, len(ends), func(i int) []any {
		e := ends[i]
		var outputs any
		if e.Outputs != nil {
			outputs = EncodeOutputs(e.Outputs)
		}
		return []any{e.Index, e.State, e.Kind, e.Attempts, e.Error, outputs, e.ElapsedMS, e.Worker}
	})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// EncodeOutputs encodes scalar outputs as a JSON object with keys sorted.
// Finite numbers are JSON numbers in the shortest form that round-trips;
// NaN and ±Inf, which JSON lacks, are the strings "NaN", "Inf", "-Inf".
func EncodeOutputs(m map[string]float64) string {
	obj := make(map[string]any, len(m))
	for k, v := range m {
		switch {
		case math.IsNaN(v):
			obj[k] = "NaN"
		case math.IsInf(v, 1):
			obj[k] = "Inf"
		case math.IsInf(v, -1):
			obj[k] = "-Inf"
		default:
			obj[k] = v
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		panic("store: " + err.Error())
	}
	return string(b)
}

// DecodeOutputs reverses EncodeOutputs exactly.
func DecodeOutputs(s string) (map[string]float64, error) {
	var obj map[string]any
	if err := json.Unmarshal([]byte(s), &obj); err != nil {
		return nil, err
	}
	m := make(map[string]float64, len(obj))
	for k, v := range obj {
		switch x := v.(type) {
		case float64:
			m[k] = x
		case string:
			switch x {
			case "NaN":
				m[k] = math.NaN()
			case "Inf":
				m[k] = math.Inf(1)
			case "-Inf":
				m[k] = math.Inf(-1)
			default:
				return nil, fmt.Errorf("output %q: bad value %q", k, x)
			}
		default:
			return nil, errors.New("output " + k + " is not a number")
		}
	}
	return m, nil
}

// CountEnds returns how many attempt ends in the log have the given state.
// After a study, CountEnds(Done) equals the number of done runs exactly
// when no finished run was ever run again.
func (l *Ledger) CountEnds(state string) (int, error) {
	var n int
	err := l.db.QueryRow("SELECT COUNT(*) FROM ends WHERE state = ?", state).Scan(&n)
	return n, err
}
