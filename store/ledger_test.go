package store

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestLedgerRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, LedgerFile)
	runs := []LedgerRun{
		{Index: 0, ID: "r000000", Seed: math.MaxUint64, Params: `{"a":1}`},
		{Index: 1, ID: "r000001", Replicate: 1, Seed: 42, Params: `{"a":2}`},
	}
	l, err := CreateLedger(path, map[string]string{"hash": "abc"}, len(runs), runAt(runs))
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]float64{"x": 0.1, "nan": math.NaN(), "inf": math.Inf(-1), "tiny": 5e-324}
	if err := l.Record(context.Background(), []RunEnd{
		{Index: 0, State: Done, Kind: EndOK, Attempts: 1, Outputs: outs, ElapsedMS: 1.5, Worker: "w1"},
		{Index: 1, State: Pending, Kind: EndLost, Attempts: 1, Error: "boom"},
	}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	// A WAL database (file format versions 2 at bytes 18 and 19 of its
	// header), though it was built with its journal in memory.
	if b, err := os.ReadFile(path); err != nil || len(b) < 100 {
		t.Errorf("reading the ledger: %d bytes, %v", len(b), err)
	} else if b[18] != 2 || b[19] != 2 {
		t.Errorf("the ledger is not a WAL database (header bytes 18-19: %v)", b[18:20])
	}
	if _, err := CreateLedger(path, nil, len(runs), runAt(runs)); err == nil {
		t.Fatal("CreateLedger over an existing ledger must fail")
	}
	l, err = OpenLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	meta, _ := l.Meta()
	if meta["hash"] != "abc" {
		t.Errorf("meta = %v", meta)
	}
	got, err := l.Runs()
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Seed != math.MaxUint64 || got[0].State != Done || got[0].Outputs["x"] != 0.1 ||
		!math.IsNaN(got[0].Outputs["nan"]) || !math.IsInf(got[0].Outputs["inf"], -1) || got[0].Outputs["tiny"] != 5e-324 {
		t.Errorf("run 0 = %+v", got[0])
	}
	if got[1].State != Pending || got[1].Attempts != 1 || got[1].Error != "boom" || got[1].Outputs != nil {
		t.Errorf("run 1 = %+v", got[1])
	}
	// Nothing but the ledger (and SQLite's WAL files) in the folder.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if n := e.Name(); n != LedgerFile && n != LedgerFile+"-wal" && n != LedgerFile+"-shm" {
			t.Errorf("stray file %s", n)
		}
	}
}

func TestCreateLedgerFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, LedgerFile)
	// Duplicate run ids violate the UNIQUE constraint half-way through.
	runs := []LedgerRun{{Index: 0, ID: "r0", Params: "{}"}, {Index: 1, ID: "r0", Params: "{}"}}
	if _, err := CreateLedger(path, nil, len(runs), runAt(runs)); err == nil {
		t.Fatal("want an error")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("left behind %d files", len(ents))
	}
}

// runAt gives CreateLedger the runs of a slice.
func runAt(runs []LedgerRun) func(int) (LedgerRun, error) {
	return func(i int) (LedgerRun, error) { return runs[i], nil }
}

// A ledger written by mdtwin before ends had kinds (schema version 1)
// opens with every failed end taken as a model error, every done one ok.
func TestLedgerMigratesVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), LedgerFile)
	db, err := Open(path, ledgerMigrations[:1])
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO runs VALUES (0, 'r0', 0, '1', '{}'), (1, 'r1', 0, '2', '{}')`,
		`INSERT INTO ends(idx, state, attempts, error, outputs, elapsed_ms, worker) VALUES
			(0, 'pending', 1, 'boom', NULL, 1, 'w'), (0, 'done', 2, '', '{"x":1}', 1, 'w'), (1, 'failed', 3, 'bad', NULL, 1, 'w')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	l, err := OpenLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var got []string
	l.EachEnd(context.Background(), func(i int, state, kind string) { got = append(got, fmt.Sprintf("%d %s %s", i, state, kind)) })
	want := []string{"0 pending error", "0 done ok", "1 failed error"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ends = %v, want %v", got, want)
	}
}

// Ends recorded in batches of every size the prepared statements split
// (0, 1, 3, 255, 256, 257, 700 rows), with retries and concurrent metadata
// writes, are stored in the order given, and EachLastEnd gives each run's
// latest end as the join on MAX(seq) that it replaced does.
func TestLedgerRecordBatches(t *testing.T) {
	const n = 1000
	runs := make([]LedgerRun, n)
	for i := range runs {
		runs[i] = LedgerRun{Index: i, ID: fmt.Sprintf("r%04d", i), Params: "{}"}
	}
	l, err := CreateLedger(filepath.Join(t.TempDir(), LedgerFile), nil, n, runAt(runs))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	done := make(chan struct{})
	go func() { // metadata written beside the batches, as a backend's journal is
		defer close(done)
		for i := range 50 {
			if err := l.SetMeta("journal.k", fmt.Sprint(i)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var all []RunEnd
	next := 0
	for b, size := range []int{0, 1, 3, 255, 256, 257, 700, 3, 1} {
		ends := make([]RunEnd, size)
		for i := range ends {
			// Runs in a scrambled order, each run more than once.
			idx := (next * 7919) % n
			next++
			e := RunEnd{Index: idx, State: Pending, Kind: EndLost, Attempts: b + 1, Error: fmt.Sprint("lost ", next), Worker: "w"}
			if next%3 == 0 {
				e = RunEnd{Index: idx, State: Done, Kind: EndOK, Attempts: b + 1, Outputs: map[string]float64{"y": float64(next) / 7}, ElapsedMS: 0.5}
			}
			ends[i] = e
		}
		if err := l.Record(ctx, ends); err != nil {
			t.Fatal(err)
		}
		all = append(all, ends...)
	}
	<-done
	// The log holds every end in the order recorded.
	rows, err := l.db.Query("SELECT idx, error FROM ends ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	for rows.Next() {
		var idx int
		var msg string
		rows.Scan(&idx, &msg)
		if k >= len(all) || idx != all[k].Index || msg != all[k].Error {
			t.Fatalf("end %d: run %d %q, want %+v", k, idx, msg, all[min(k, len(all)-1)])
		}
		k++
	}
	rows.Close()
	if k != len(all) {
		t.Fatalf("%d ends stored, want %d", k, len(all))
	}
	// Each run's latest end, by the reference query.
	var want []string
	rows, err = l.db.Query(`SELECT e.idx, e.state, e.kind, e.attempts, e.error, e.outputs
		FROM (SELECT idx, MAX(seq) AS seq FROM ends GROUP BY idx) m JOIN ends e ON e.seq = m.seq ORDER BY e.idx`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var e RunEnd
		var out *string
		rows.Scan(&e.Index, &e.State, &e.Kind, &e.Attempts, &e.Error, &out)
		if out != nil {
			e.Outputs, _ = DecodeOutputs(*out)
		}
		want = append(want, fmt.Sprintf("%+v", e))
	}
	rows.Close()
	var got []string
	if err := l.EachLastEnd(ctx, func(e RunEnd) error {
		got = append(got, fmt.Sprintf("%+v", e))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(want) < 900 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("EachLastEnd gives %d ends, the reference %d; first difference:\n%s", len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + "\n" + b[i]
		}
	}
	return "(one is a prefix of the other)"
}
