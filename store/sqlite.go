package store

import (
	"context"
	"database/sql"
	"fmt"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Open opens (creating if needed) the SQLite database at path with WAL
// journaling, synchronous=NORMAL (durable at each checkpoint, safe against
// process crashes), foreign keys on and a busy timeout, then applies the
// migrations not yet applied. migrations[i] brings the schema from version
// i to i+1; the version is kept in PRAGMA user_version.
func Open(path string, migrations []string) (*sql.DB, error) {
	return open(path, "journal_mode(WAL)", "synchronous(NORMAL)", migrations)
}

// openScratch opens a database that is being built under a temporary name
// and will be discarded if anything fails: its rollback journal is kept in
// memory and nothing is synced to disk (the caller syncs the finished file
// once). Its connection's pragmas are Open's otherwise.
func openScratch(path string, migrations []string) (*sql.DB, error) {
	return open(path, "journal_mode(MEMORY)", "synchronous(OFF)", migrations)
}

func open(path, journal, synchronous string, migrations []string) (*sql.DB, error) {
	dsn := "file:" + path + "?_pragma=" + journal + "&_pragma=" + synchronous +
		"&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection: SQLite serialises writers anyway, and a single
	// connection keeps transactions simple and deterministic.
	db.SetMaxOpenConns(1)
	if err := Migrate(context.Background(), db, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

// Migrate applies migrations[v:] where v is the database's user_version,
// each in its own transaction together with the version bump.
func Migrate(ctx context.Context, db *sql.DB, migrations []string) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this mdtwin knows (%d)", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}
