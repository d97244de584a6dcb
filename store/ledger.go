package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// inserter inserts rows into one table with multi-row INSERT statements
// prepared once and kept: n rows go in n/rowsPerStatement statements of
// rowsPerStatement rows, and the rest in at most one statement each of
// 128, 64, …, 1 rows (the binary digits of the remainder), so that at most
// nine statements per table are ever parsed. (SQLite takes about as long
// to parse an INSERT of 256 rows as to run it.) The rows are inserted in
// the order given, as one statement per batch inserted them.
type inserter struct {
	table, cols string
	ncols       int
	mu          sync.Mutex
	stmts       map[int]*sql.Stmt // by number of rows
}

func newInserter(table, cols string, ncols int) *inserter {
	return &inserter{table: table, cols: cols, ncols: ncols, stmts: map[int]*sql.Stmt{}}
}

// chunks calls fn with the statement sizes an insert of n rows uses, in
// order.
func chunks(n int, fn func(rows int) error) error {
	for ; n >= rowsPerStatement; n -= rowsPerStatement {
		if err := fn(rowsPerStatement); err != nil {
			return err
		}
	}
	for size := rowsPerStatement / 2; size >= 1; size /= 2 {
		if n&size != 0 {
			if err := fn(size); err != nil {
				return err
			}
		}
	}
	return nil
}

// prepare prepares on db the statements an insert of n rows needs. It
// must be called outside any transaction on db: a ledger's database has
// one connection, which an open transaction holds, so a statement
// prepared on the pool inside one would wait for that connection for
// ever. exec then runs them on the transaction's connection, which is the
// one they were prepared on.
func (ins *inserter) prepare(ctx context.Context, db *sql.DB, n int) error {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	ph := "(?" + strings.Repeat(", ?", ins.ncols-1) + ")"
	return chunks(n, func(rows int) error {
		if ins.stmts[rows] != nil {
			return nil
		}
		q := "INSERT INTO " + ins.table + "(" + ins.cols + ") VALUES " + ph + strings.Repeat(", "+ph, rows-1)
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		ins.stmts[rows] = st
		return nil
	})
}

// exec inserts n rows in tx, row i's values given by args(i), through the
// statements prepare made.
func (ins *inserter) exec(ctx context.Context, tx *sql.Tx, n int, args func(i int) []any) error {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	var vals []any
	start := 0
	return chunks(n, func(rows int) error {
		st := ins.stmts[rows]
		if st == nil {
			panic("store: insert of an unprepared size")
		}
		vals = vals[:0]
		for i := start; i < start+rows; i++ {
			vals = append(vals, args(i)...)
		}
		start += rows
		_, err := tx.StmtContext(ctx, st).ExecContext(ctx, vals...)
		return err
	})
}

// close releases the prepared statements.
func (ins *inserter) close() {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	for k, st := range ins.stmts {
		st.Close()
		delete(ins.stmts, k)
	}
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
	ends *inserter // of run ends, its statements kept for the ledger's life
}

const endColumns = "idx, state, kind, attempts, error, outputs, elapsed_ms, worker"

func newLedger(db *sql.DB, path string) *Ledger {
	return &Ledger{db: db, path: path, ends: newInserter("ends", endColumns, 8)}
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
	// Make the file a WAL database as every ledger is (while nothing else
	// has it open, with nothing synced: the mode is in its header), then
	// sync it once before renaming it into place.
	_, err = l.db.Exec("PRAGMA journal_mode=WAL")
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(tmp)
	}
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

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func removeDB(p string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(p + suffix)
	}
}

func fill(path string, meta map[string]string, n int, run func(i int) (LedgerRun, error)) (*Ledger, error) {
	db, err := openScratch(path, ledgerMigrations)
	if err != nil {
		return nil, err
	}
	l := newLedger(db, path)
	runs := newInserter("runs", "idx, id, replicate, seed, params", 5)
	defer runs.close()
	if err := runs.prepare(context.Background(), db, n); err != nil {
		db.Close()
		return nil, err
	}
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
	err = runs.exec(context.Background(), tx, n, func(i int) []any {
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
	return newLedger(db, path), nil
}

// Path returns the ledger's file path.
func (l *Ledger) Path() string { return l.path }

// Close closes the ledger.
func (l *Ledger) Close() error {
	l.ends.close()
	return l.db.Close()
}

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
	// One pass over the index by (run, end), keeping each run's last end,
	// instead of a join on each run's latest end: SQLite would sort the
	// join's rows again for the ORDER BY.
	rows, err := l.db.QueryContext(ctx, "SELECT idx, state, kind, attempts, error, outputs FROM ends ORDER BY idx, seq")
	if err != nil {
		return err
	}
	defer rows.Close()
	var last RunEnd
	var lastOutputs sql.NullString
	have := false
	emit := func() error {
		if lastOutputs.Valid {
			var err error
			if last.Outputs, err = DecodeOutputs(lastOutputs.String); err != nil {
				return fmt.Errorf("run %d: outputs: %w", last.Index, err)
			}
		}
		return fn(last)
	}
	for rows.Next() {
		var e RunEnd
		var outputs sql.NullString
		if err := rows.Scan(&e.Index, &e.State, &e.Kind, &e.Attempts, &e.Error, &outputs); err != nil {
			return err
		}
		if have && e.Index != last.Index {
			if err := emit(); err != nil {
				return err
			}
		}
		last, lastOutputs, have = e, outputs, true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if have {
		return emit()
	}
	return nil
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
	if err := l.ends.prepare(ctx, l.db, len(ends)); err != nil {
		return err
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	err = l.ends.exec(ctx, tx, len(ends), func(i int) []any {
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

// CountEnds returns how many attempt ends in the log have the given state.
// After a study, CountEnds(Done) equals the number of done runs exactly
// when no finished run was ever run again.
func (l *Ledger) CountEnds(state string) (int, error) {
	var n int
	err := l.db.QueryRow("SELECT COUNT(*) FROM ends WHERE state = ?", state).Scan(&n)
	return n, err
}
