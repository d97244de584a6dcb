package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// KeyEnv is the environment variable that may hold the patient store's
// secret key (64 hexadecimal digits) instead of its key file.
const KeyEnv = "MDTWIN_STORE_KEY"

// KeyFile returns the path of the key file of the patient store at path:
// the store's name with ".key" appended, in the same folder, mode 0600.
// The key derives pseudonyms and authenticates the audit chain; the store
// itself never holds it, so a copy of the store alone re-identifies no one
// and cannot be re-chained after an edit.
func KeyFile(storePath string) string { return storePath + ".key" }

// patientMigration brings the patient store's schema one version up: its
// SQL, then (optionally) a step in Go, both in the migration's transaction.
type patientMigration struct {
	sql  string
	step func(ctx context.Context, tx *sql.Tx, o *opening) error
}

// patientMigrations is the schema of the patient store, one migration per
// version (PRAGMA user_version). Patients are known only by a pseudonym
// (see Patients.Pseudonym); no name, address or source identifier is
// stored. Times are FHIR date/dateTime strings as received (possibly
// partial, with their original offset).
var patientMigrations = []patientMigration{{sql: `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE patients (
	id         TEXT PRIMARY KEY,   -- pseudonym
	birth_date TEXT NOT NULL,
	sex        TEXT NOT NULL,      -- FHIR administrative gender
	deceased   TEXT NOT NULL,      -- date of death, '' when alive or unknown
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
-- Where each stored record came from, for idempotent ingest: key is a keyed
-- hash of "<Type>/<source id>" (no source id is stored), digest a hash of
-- the stored values.
CREATE TABLE sources (
	key        TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,      -- the table holding the record
	row_id     INTEGER NOT NULL,   -- its id there (0 for patients)
	patient_id TEXT NOT NULL REFERENCES patients(id),
	digest     TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE TABLE encounters (
	id         INTEGER PRIMARY KEY,
	patient_id TEXT NOT NULL REFERENCES patients(id),
	class      TEXT NOT NULL,
	system     TEXT NOT NULL, code TEXT NOT NULL, display TEXT NOT NULL,
	codings    TEXT NOT NULL,      -- JSON array of every coding kept
	start_time TEXT NOT NULL, end_time TEXT NOT NULL,
	status     TEXT NOT NULL
);
CREATE TABLE observations (
	id           INTEGER PRIMARY KEY,
	patient_id   TEXT NOT NULL REFERENCES patients(id),
	encounter_id INTEGER REFERENCES encounters(id),
	parent_id    INTEGER REFERENCES observations(id) ON DELETE CASCADE, -- component of
	category     TEXT NOT NULL,
	system       TEXT NOT NULL, code TEXT NOT NULL, display TEXT NOT NULL,
	codings      TEXT NOT NULL,
	time         TEXT NOT NULL,
	value        REAL,             -- numeric value, NULL when not numeric
	value_text   TEXT NOT NULL,
	value_system TEXT NOT NULL, value_code TEXT NOT NULL, -- coded value
	unit         TEXT NOT NULL,
	status       TEXT NOT NULL
);
CREATE INDEX observations_by_patient ON observations(patient_id, system, code, time);
CREATE TABLE conditions (
	id           INTEGER PRIMARY KEY,
	patient_id   TEXT NOT NULL REFERENCES patients(id),
	encounter_id INTEGER REFERENCES encounters(id),
	system       TEXT NOT NULL, code TEXT NOT NULL, display TEXT NOT NULL,
	codings      TEXT NOT NULL,
	onset        TEXT NOT NULL, abatement TEXT NOT NULL, recorded TEXT NOT NULL,
	clinical_status TEXT NOT NULL, verification_status TEXT NOT NULL
);
CREATE TABLE therapies (
	id           INTEGER PRIMARY KEY,
	patient_id   TEXT NOT NULL REFERENCES patients(id),
	encounter_id INTEGER REFERENCES encounters(id),
	system       TEXT NOT NULL, code TEXT NOT NULL, display TEXT NOT NULL,
	codings      TEXT NOT NULL,
	start_time   TEXT NOT NULL, stop_time TEXT NOT NULL, -- '' when open or unknown
	status       TEXT NOT NULL,
	origin       TEXT NOT NULL     -- MedicationRequest, MedicationStatement, registry
);
CREATE TABLE procedures (
	id           INTEGER PRIMARY KEY,
	patient_id   TEXT NOT NULL REFERENCES patients(id),
	encounter_id INTEGER REFERENCES encounters(id),
	system       TEXT NOT NULL, code TEXT NOT NULL, display TEXT NOT NULL,
	codings      TEXT NOT NULL,
	start_time   TEXT NOT NULL, end_time TEXT NOT NULL,
	status       TEXT NOT NULL
);
-- Diagnostic reports and the observations they group.
CREATE TABLE reports (
	id           INTEGER PRIMARY KEY,
	patient_id   TEXT NOT NULL REFERENCES patients(id),
	encounter_id INTEGER REFERENCES encounters(id),
	system       TEXT NOT NULL, code TEXT NOT NULL, display TEXT NOT NULL,
	codings      TEXT NOT NULL,
	time         TEXT NOT NULL,
	status       TEXT NOT NULL,
	conclusion   TEXT NOT NULL
);
CREATE TABLE report_results (
	report_id      INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
	observation_id INTEGER NOT NULL REFERENCES observations(id),
	PRIMARY KEY (report_id, observation_id)
);
-- Imaging studies and derived assets (meshes, connectomes, fields).
CREATE TABLE assets (
	id           INTEGER PRIMARY KEY,
	patient_id   TEXT NOT NULL REFERENCES patients(id),
	encounter_id INTEGER REFERENCES encounters(id),
	kind         TEXT NOT NULL,    -- imaging-study, mesh, connectome, field, ...
	description  TEXT NOT NULL,
	time         TEXT NOT NULL,
	modality     TEXT NOT NULL,
	body_site    TEXT NOT NULL,
	uid          TEXT NOT NULL,    -- e.g. the DICOM study instance UID
	uri          TEXT NOT NULL,    -- where the file lives ('' for an imaging study)
	sha256       TEXT NOT NULL,    -- of the file's bytes ('' for an imaging study)
	bytes        INTEGER NOT NULL,
	derived_from INTEGER REFERENCES assets(id)
);
CREATE TABLE studies (
	id              INTEGER PRIMARY KEY,
	name            TEXT NOT NULL,
	model           TEXT NOT NULL,
	model_version   TEXT NOT NULL,
	scenario_sha256 TEXT NOT NULL,
	output          TEXT NOT NULL,  -- the study's output folder
	created_at      TEXT NOT NULL
);
CREATE TABLE predictions (
	id         INTEGER PRIMARY KEY,
	patient_id TEXT NOT NULL REFERENCES patients(id),
	study_id   INTEGER NOT NULL REFERENCES studies(id),
	run_id     TEXT NOT NULL,
	outputs    TEXT NOT NULL,      -- JSON object of scalar outputs
	report     TEXT NOT NULL,      -- path of the prediction report, '' if none
	created_at TEXT NOT NULL
);
-- Append-only: who read or wrote which record.
CREATE TABLE audit (
	seq        INTEGER PRIMARY KEY,
	at         TEXT NOT NULL,
	actor      TEXT NOT NULL,
	action     TEXT NOT NULL CHECK (action IN ('read', 'write')),
	kind       TEXT NOT NULL,      -- table
	record     TEXT NOT NULL,      -- row id, patient id, or '*'
	patient_id TEXT NOT NULL,
	detail     TEXT NOT NULL
);
CREATE INDEX audit_by_patient ON audit(patient_id, seq);
`},
	// Version 2 (issue 20): records keyed on their source; the index the
	// per-observation delete of components needs (and the one the foreign key
	// of report results needs); an audit log chained by a keyed hash, with the
	// operating-system user, the client address and the token name; explicit
	// links between patients of two sources; named dashboard tokens (hashes
	// only). Its step moves the pseudonymisation key out of the store into the
	// key file and chains the existing audit rows.
	{sql: `
-- The source a record came from (Bundle.meta.source, an identifier system or
-- a name given at ingest); '' marks records stored before sources existed.
ALTER TABLE patients ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN source TEXT NOT NULL DEFAULT '';
CREATE INDEX observations_by_parent ON observations(parent_id);
CREATE INDEX report_results_by_observation ON report_results(observation_id);
ALTER TABLE audit ADD COLUMN os_user TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN client TEXT NOT NULL DEFAULT '';  -- dashboard client address
ALTER TABLE audit ADD COLUMN token TEXT NOT NULL DEFAULT '';   -- dashboard token name
ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT '';    -- HMAC chaining the row to the previous one
-- Two patients (of two sources, usually) known to be one person.
CREATE TABLE links (
	id         INTEGER PRIMARY KEY,
	patient_a  TEXT NOT NULL REFERENCES patients(id),
	patient_b  TEXT NOT NULL REFERENCES patients(id),
	reason     TEXT NOT NULL,
	created_at TEXT NOT NULL,
	removed_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX links_by_a ON links(patient_a);
CREATE INDEX links_by_b ON links(patient_b);
-- Named bearer tokens of the dashboard: only their SHA-256 is kept.
CREATE TABLE tokens (
	name       TEXT PRIMARY KEY,
	sha256     TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	revoked_at TEXT NOT NULL DEFAULT ''
);
`, step: migrateV2}}

// opening is the state of OpenPatients that migration steps share.
type opening struct {
	path     string
	key      []byte // the store's key, once known
	movedKey bool   // a version-1 store's key was moved out of it
}

// openPatientDB opens the SQLite database of the patient store, creating
// the file (and its folder) private to the user: 0600 (0700 for a folder
// it creates); an existing store, its WAL and shared-memory files are made
// 0600 if they were readable by others. Pragmas: busy_timeout first (so
// that the others wait for a lock instead of failing), WAL journaling,
// synchronous=NORMAL, foreign keys, secure_delete (deleted content is
// overwritten, not left in free pages); write transactions begin
// IMMEDIATE, so a writer takes the lock before reading what it will change
// and never fails with SQLITE_BUSY_SNAPSHOT half-way.
func openPatientDB(path string) (*sql.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := private(path, true); err != nil {
		return nil, err
	}
	for _, f := range []string{path + "-wal", path + "-shm"} {
		if err := private(f, false); err != nil {
			return nil, err
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// Readers run beside the writer (WAL): a page view never waits for an
	// ingest. Writers are serialised by SQLite's lock.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	return db, nil
}

// private makes the file at path readable and writable by its owner only,
// creating it empty when create is set and it does not exist.
func private(path string, create bool) error {
	if create {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return err
		}
		f.Close()
	}
	fi, err := os.Stat(path)
	if !create && errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return fmt.Errorf("making %s private (mode 0600): %w", path, err)
		}
	}
	return nil
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// lockWait bounds how long a process waits for others holding the store
// (other processes ingesting into it): each statement waits up to
// busy_timeout, and one that still finds the store locked is retried with
// a growing pause until lockWait.
const lockWait = 5 * time.Minute

// waitBusy runs f until it succeeds, fails with an error other than
// SQLite's "database is locked", or lockWait has passed.
func waitBusy(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(lockWait)
	for pause := 10 * time.Millisecond; ; pause = min(2*pause, time.Second) {
		err := f()
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

// beginWrite starts a write transaction, waiting for the lock.
func beginWrite(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	var tx *sql.Tx
	err := waitBusy(ctx, func() (err error) {
		tx, err = db.BeginTx(ctx, nil)
		return err
	})
	return tx, err
}

// prepare brings the schema up to date and reads the store's key. Two
// processes opening a new store at once are serialised by the write lock:
// the version is read again inside the migration's transaction, so the
// second finds the schema made.
func (p *Patients) prepare(ctx context.Context) error {
	// The first statement of a new connection waits for a store that
	// another process holds (a connection's pragmas and first read can
	// find it locked for longer than busy_timeout).
	var v int
	if err := waitBusy(ctx, func() error { return p.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v) }); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if v > len(patientMigrations) {
		return fmt.Errorf("schema version %d is newer than this mdtwin knows (%d)", v, len(patientMigrations))
	}
	if v == len(patientMigrations) {
		var check string
		err := waitBusy(ctx, func() error {
			return p.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'key_check'`).Scan(&check)
		})
		if err == nil {
			key, found, err := loadKey(p.path)
			if err != nil {
				return err
			}
			if !found {
				return errMissingKey(p.path)
			}
			if !hmac.Equal([]byte(keyCheck(key)), []byte(check)) {
				return errWrongKey(p.path)
			}
			return p.setKey(ctx, key)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	o := &opening{path: p.path}
	tx, err := beginWrite(ctx, p.db)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	for i := v; i < len(patientMigrations); i++ {
		m := patientMigrations[i]
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if m.step != nil {
			if err := m.step(ctx, tx, o); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			return err
		}
	}
	if err := ensureKey(ctx, tx, o); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if o.movedKey {
		// Copy the pages without the key (overwritten: secure_delete) into
		// the main file and empty the WAL, so that no copy of it remains.
		p.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	return p.setKey(ctx, o.key)
}

// setKey installs the store's key and reads what the schema step recorded.
func (p *Patients) setKey(ctx context.Context, key []byte) error {
	p.key = key
	p.chain = chainKey(key)
	var legacy string
	err := p.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'legacy_records'`).Scan(&legacy)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	p.legacy = legacy == "1"
	return nil
}

// keyCheck is a value that tells whether a key is the store's key without
// revealing it.
func keyCheck(key []byte) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("mdtwin key check"))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// chainKey is the key of the audit chain, derived from the store's key.
func chainKey(key []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("mdtwin audit chain"))
	return h.Sum(nil)
}

func errMissingKey(path string) error {
	return fmt.Errorf("%s: its key file %s is missing and $%s is not set; without the key the store's pseudonyms and audit "+
		"chain cannot be used (restore the key file from its backup)", path, KeyFile(path), KeyEnv)
}

func errWrongKey(path string) error {
	src := KeyFile(path)
	if os.Getenv(KeyEnv) != "" {
		src = "$" + KeyEnv
	}
	return fmt.Errorf("%s: the key in %s is not this store's key", path, src)
}

// loadKey reads the store's key from $MDTWIN_STORE_KEY, else from its key
// file; found is false when neither is there.
func loadKey(path string) (key []byte, found bool, err error) {
	if s := os.Getenv(KeyEnv); s != "" {
		k, err := hex.DecodeString(strings.TrimSpace(s))
		if err != nil || len(k) != 32 {
			return nil, false, fmt.Errorf("$%s: expected 64 hexadecimal digits (a 256-bit key)", KeyEnv)
		}
		return k, true, nil
	}
	kf := KeyFile(path)
	b, err := os.ReadFile(kf)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != 32 {
		return nil, false, fmt.Errorf("%s: expected 64 hexadecimal digits (a 256-bit key)", kf)
	}
	if err := private(kf, false); err != nil {
		return nil, false, err
	}
	return k, true, nil
}

// writeKeyFile writes key to the store's new key file (0600, synced). A
// key file that already exists is left alone and read instead.
func writeKeyFile(path string, key []byte) ([]byte, error) {
	kf := KeyFile(path)
	f, err := os.OpenFile(kf, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		k, found, err := loadKey(path)
		if err == nil && !found {
			err = errMissingKey(path)
		}
		return k, err
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// ensureKey settles the store's key inside the opening transaction: the
// one a migration step moved out, else $MDTWIN_STORE_KEY or the key file,
// else (a new store) a new random key written to the key file. The key
// check in table meta then tells a wrong key from the right one.
func ensureKey(ctx context.Context, tx *sql.Tx, o *opening) error {
	var check string
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'key_check'`).Scan(&check)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if o.key == nil {
		k, found, err := loadKey(o.path)
		if err != nil {
			return err
		}
		if !found {
			if check != "" {
				return errMissingKey(o.path)
			}
			k = make([]byte, 32)
			rand.Read(k)
			if k, err = writeKeyFile(o.path, k); err != nil {
				return err
			}
		}
		o.key = k
	}
	if check == "" {
		_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('key_check', ?)`, keyCheck(o.key))
		return err
	}
	if !hmac.Equal([]byte(keyCheck(o.key)), []byte(check)) {
		return errWrongKey(o.path)
	}
	return nil
}

// migrateV2 moves a version-1 store's key out of table meta into the key
// file (or checks it against $MDTWIN_STORE_KEY), marks the records stored
// before sources existed, and chains the audit rows written so far.
func migrateV2(ctx context.Context, tx *sql.Tx, o *opening) error {
	var legacyHex string
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'pseudonym_key'`).Scan(&legacyHex)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // a new store
	}
	if err != nil {
		return err
	}
	k, err := hex.DecodeString(legacyHex)
	if err != nil || len(k) != 32 {
		return errors.New("the store's pseudonymisation key is damaged")
	}
	have, found, err := loadKey(o.path)
	if err != nil {
		return err
	}
	switch {
	case found && !hmac.Equal(have, k):
		return errWrongKey(o.path)
	case !found:
		if have, err = writeKeyFile(o.path, k); err != nil {
			return err
		}
		if !hmac.Equal(have, k) {
			return errWrongKey(o.path)
		}
	}
	o.key, o.movedKey = k, true
	if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = 'pseudonym_key'`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) SELECT 'legacy_records', '1'
		WHERE EXISTS (SELECT 1 FROM sources)`); err != nil {
		return err
	}
	return chainAll(ctx, tx, chainKey(k))
}
