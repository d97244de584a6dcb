package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Defect 5 of issue 20: the store was created 0644 with the
// pseudonymisation key inside it.
func TestStoreFileModeAndKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sqlite")
	ps := openTestPatients(t, path)
	key := hexKey(ps)
	ps.Close()
	for _, f := range []string{path, path + "-wal", path + "-shm", KeyFile(path)} {
		fi, err := os.Stat(f)
		if os.IsNotExist(err) && f != path && f != KeyFile(path) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), key) {
			t.Errorf("%s holds the pseudonymisation key", filepath.Base(f))
		}
	}
}

// Defect 2: deleting an observation's components scanned the whole table.
func TestComponentDeleteUsesIndex(t *testing.T) {
	ps := openTestPatients(t, filepath.Join(t.TempDir(), "s.sqlite"))
	for _, q := range []string{`DELETE FROM observations WHERE parent_id = 1`, `SELECT 1 FROM report_results WHERE observation_id = 1`} {
		rows, err := ps.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			rows.Scan(&id, &parent, &notused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		for _, p := range plan {
			if strings.HasPrefix(p, "SCAN ") {
				t.Errorf("%s: plan %q scans a table", q, plan)
			}
		}
	}
}

// A process opening the store while another holds it locked for longer
// than busy_timeout (an ingest's long write under load; CI saw "reading
// schema version: database is locked" from concurrent ingests) waits for
// the lock, as a writer does, instead of failing.
func TestOpenWaitsForLockedStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sqlite")
	openTestPatients(t, path).Close()
	holder, err := sql.Open("sqlite", "file:"+path+"?_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	holder.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// An exclusive-mode connection keeps its lock once it has written.
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE; CREATE TABLE hold(x); COMMIT"); err != nil {
		t.Fatal(err)
	}
	held := 6 * time.Second // > the store's busy_timeout of 5 s
	go func() {
		time.Sleep(held)
		conn.Close()
		holder.Close()
	}()
	start := time.Now()
	ps, err := OpenPatients(path, "test")
	if err != nil {
		t.Fatalf("opening a store held by another connection: %v", err)
	}
	ps.Close()
	if waited := time.Since(start); waited < held-time.Second {
		t.Errorf("opened after %v although the store was locked for %v", waited, held)
	}
}
