package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mdtwin/mdtwin/patient"
)

// auditedStore is a store with one patient and 1 + reads audit rows.
func auditedStore(t *testing.T, reads int) (*Patients, string) {
	t.Helper()
	ctx := context.Background()
	ps := openTestPatients(t, filepath.Join(t.TempDir(), "s.sqlite"))
	w, err := ps.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pid, _, err := w.PutPatient(ctx, Ref{"urn:test", "Patient/1"}, "sys|1", patient.Patient{Sex: "female"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < reads; i++ {
		if _, err := ps.As(fmt.Sprintf("reader %d", i)).Observations(ctx, pid); err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := ps.VerifyAudit(ctx); err != nil || !rep.OK() || rep.Rows != 1+reads {
		t.Fatalf("fresh log: %v %v", rep, err)
	}
	return ps, pid
}

// Defect 4 of issue 20: audit rows could be deleted or changed with
// sqlite3 without trace, and sequence numbers were reused.
func TestAuditTamperEvidence(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		sql    string
		broken int64
		reason string
	}{
		{"changed", `UPDATE audit SET actor = 'nobody' WHERE seq = 3`, 3, "row 3 does not match its keyed hash"},
		{"deleted", `DELETE FROM audit WHERE seq = 3`, 4, "row 4 does not follow row 2: rows 3 to 3 were removed"},
		{"first deleted", `DELETE FROM audit WHERE seq = 1`, 2, "row 2 does not match its keyed hash"},
		{"tail cut", `DELETE FROM audit WHERE seq >= 5`, 5, "rows 5 to 6 were removed from the end of the log"},
		{"tail and end cut", `DELETE FROM audit WHERE seq >= 5; DELETE FROM meta WHERE key = 'audit_head'`, 5,
			"the authenticated end of the log is missing"},
		{"row added", `INSERT INTO audit(seq, at, actor, action, kind, record, patient_id, detail, hash)
			SELECT 7, at, actor, action, kind, record, patient_id, detail, hash FROM audit WHERE seq = 6`, 7, "row 7 does not match"},
		{"reused sequence number", `DELETE FROM audit WHERE seq = 6; INSERT INTO audit(seq, at, actor, action, kind, record, patient_id, detail, hash)
			SELECT 6, at, 'someone else', action, kind, record, patient_id, detail, hash FROM audit WHERE seq = 5`, 6, "row 6 does not match"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps, pid := auditedStore(t, 5)
			if _, err := ps.db.Exec(c.sql); err != nil {
				t.Fatal(err)
			}
			rep, err := ps.VerifyAudit(ctx)
			if err != nil || rep.Broken != c.broken || !strings.Contains(rep.Reason, c.reason) {
				t.Errorf("got %v (%v), want row %d: %s", rep, err, c.broken, c.reason)
			}
			// Writing on does not hide the break.
			if _, err := ps.Observations(ctx, pid); err != nil {
				t.Fatal(err)
			}
			if rep2, _ := ps.VerifyAudit(ctx); rep2.OK() {
				t.Errorf("after a further read: %v, want the break still reported", rep2)
			}
		})
	}
}

// The audit rows record the operating-system user, and the client address
// and token name of a dashboard request; the export is FHIR R4 AuditEvent
// NDJSON.
func TestAuditActorAndExport(t *testing.T) {
	ctx := context.Background()
	ps, pid := auditedStore(t, 0)
	if _, err := ps.As("mdtwin serve").ForClient("192.0.2.7:51234", "dr-martin").Observations(ctx, pid); err != nil {
		t.Fatal(err)
	}
	log, err := ps.Audit(ctx, pid)
	if err != nil || len(log) != 2 {
		t.Fatalf("%v %v", log, err)
	}
	r := log[1]
	if r.Actor != "mdtwin serve" || r.User == "" || r.User != osUser() || r.Client != "192.0.2.7:51234" || r.Token != "dr-martin" {
		t.Errorf("read row: %+v", r)
	}
	var b bytes.Buffer
	n, err := ps.ExportAudit(ctx, &b)
	if err != nil || n != 2 || strings.Count(b.String(), "\n") != 2 {
		t.Fatalf("export: %d %v\n%s", n, err, b.String())
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(strings.Split(b.String(), "\n")[1]), &ev); err != nil {
		t.Fatal(err)
	}
	agent := ev["agent"].([]any)[0].(map[string]any)
	entity := ev["entity"].([]any)
	if ev["resourceType"] != "AuditEvent" || ev["action"] != "R" || ev["recorded"] != r.At || ev["id"] != "2" ||
		agent["altId"] != "dr-martin" || agent["network"].(map[string]any)["address"] != "192.0.2.7" ||
		agent["requestor"] != true || agent["name"] != "mdtwin serve" ||
		entity[0].(map[string]any)["what"].(map[string]any)["reference"] != "Patient/"+pid {
		t.Errorf("event: %s", strings.Split(b.String(), "\n")[1])
	}
	if first := strings.Split(b.String(), "\n")[0]; !strings.Contains(first, `"action":"C"`) {
		t.Errorf("the patient's creation is not a create event: %s", first)
	}
}

// Defect 3: two writers through separate connections (as two processes
// have), one of them creating the store, and a reader: no "database is
// locked", no "table meta already exists", every record present, the
// audit chain intact.
func TestConcurrentWritersAndReader(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new", "s.sqlite")
	const writers, perWriter = 2, 15
	stores := make([]*Patients, writers+1)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps, err := OpenPatients(path, fmt.Sprintf("process %d", i))
			if err != nil {
				errs <- fmt.Errorf("open %d: %w", i, err)
				return
			}
			stores[i] = ps
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	defer func() {
		for _, ps := range stores {
			ps.Close()
		}
	}()
	done := make(chan struct{})
	var rwg sync.WaitGroup
	rwg.Add(1)
	reads := 0
	go func() { // the reader: a dashboard during the ingests
		defer rwg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			pts, err := stores[writers].PatientList(ctx)
			if err != nil {
				errs <- fmt.Errorf("reader: %w", err)
				return
			}
			for _, p := range pts {
				if _, ok, err := stores[writers].Patient(ctx, p.ID); err != nil || !ok {
					errs <- fmt.Errorf("reader: patient %s: ok %v, %v", p.ID, ok, err)
					return
				}
			}
			reads++
		}
	}()
	for wi := 0; wi < writers; wi++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps := stores[wi]
			for j := 0; j < perWriter; j++ {
				w, err := ps.Begin(ctx)
				if err != nil {
					errs <- err
					return
				}
				src := Ref{fmt.Sprintf("urn:writer:%d", wi), fmt.Sprintf("Patient/%d", j)}
				pid, _, err := w.PutPatient(ctx, src, fmt.Sprintf("sys|%d", j), patient.Patient{Sex: "female"})
				if err == nil {
					v := float64(j)
					_, _, err = w.PutObservation(ctx, Ref{src.Source, fmt.Sprintf("Observation/%d", j)},
						patient.Observation{PatientID: pid, Code: patient.Coded{{Code: "x"}}, Time: "2020", Value: &v})
				}
				if err == nil {
					err = w.Commit()
				} else {
					w.Rollback()
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d: %w", wi, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	rwg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n, err := stores[0].Counts(ctx)
	if err != nil || n["patients"] != writers*perWriter || n["observations"] != writers*perWriter {
		t.Errorf("counts %v %v, want %d patients and observations", n, err, writers*perWriter)
	}
	for _, ps := range stores {
		if err := ps.Flush(ctx); err != nil {
			t.Error(err)
		}
	}
	if rep, err := stores[0].VerifyAudit(ctx); err != nil || !rep.OK() {
		t.Errorf("audit after concurrent writes: %v %v", rep, err)
	}
	t.Logf("%d reader passes", reads)
}

func TestLinks(t *testing.T) {
	ctx := context.Background()
	ps := openTestPatients(t, filepath.Join(t.TempDir(), "s.sqlite"))
	w, _ := ps.Begin(ctx)
	a, _, _ := w.PutPatient(ctx, Ref{"urn:a", "Patient/1"}, "urn:a|1", patient.Patient{Sex: "female", BirthDate: "1980"})
	b, _, _ := w.PutPatient(ctx, Ref{"urn:b", "Patient/1"}, "urn:b|1", patient.Patient{Sex: "female", BirthDate: "1980"})
	for i, pid := range []string{a, b} {
		v := float64(i)
		if _, _, err := w.PutObservation(ctx, Ref{"urn:x", fmt.Sprint("Observation/", i)}, patient.Observation{PatientID: pid, Code: patient.Coded{{Code: "x"}}, Time: "2020", Value: &v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if obs, _ := ps.Observations(ctx, a); len(obs) != 1 {
		t.Fatalf("before linking: %d observations", len(obs))
	}
	if _, err := ps.Link(ctx, a, b, ""); err == nil {
		t.Error("a link without a reason was recorded")
	}
	if _, err := ps.Link(ctx, a, "pnobody", "x"); err == nil {
		t.Error("a link to no patient was recorded")
	}
	if _, err := ps.As("mdtwin patients").Link(ctx, a, b, "same national id, checked by J. Doe"); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Link(ctx, b, a, "again"); err == nil {
		t.Error("a second link of the same pair was recorded")
	}
	if obs, _ := ps.Observations(ctx, a); len(obs) != 2 {
		t.Errorf("linked: %d observations of %s, want both patients' 2", len(obs), a)
	}
	log, _ := ps.Audit(ctx, b)
	var linked bool
	for _, e := range log {
		if e.Kind == "links" && e.Actor == "mdtwin patients" && strings.Contains(e.Detail, "J. Doe") {
			linked = true
		}
	}
	if !linked {
		t.Errorf("the link is not in b's audit log: %+v", log)
	}
	if err := ps.Unlink(ctx, a, b, "different people after all"); err != nil {
		t.Fatal(err)
	}
	if obs, _ := ps.Observations(ctx, a); len(obs) != 1 {
		t.Errorf("unlinked: %d observations", len(obs))
	}
	if ls, _ := ps.Links(ctx, a); len(ls) != 1 || ls[0].RemovedAt == "" {
		t.Errorf("links: %+v", ls)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	ps := openTestPatients(t, filepath.Join(t.TempDir(), "s.sqlite"))
	tok, err := ps.NewToken(ctx, "dr-martin")
	if err != nil || len(tok) != 43 {
		t.Fatalf("token %q %v, want 43 base64url characters (256 bits)", tok, err)
	}
	if _, err := ps.NewToken(ctx, "dr-martin"); err == nil {
		t.Error("a second token of one name")
	}
	if _, err := ps.NewToken(ctx, "bad name"); err == nil {
		t.Error("a name with a space")
	}
	if name, ok, err := ps.TokenName(ctx, tok); !ok || err != nil || name != "dr-martin" {
		t.Errorf("TokenName: %q %v %v", name, ok, err)
	}
	if _, ok, _ := ps.TokenName(ctx, tok+"x"); ok {
		t.Error("a wrong token was accepted")
	}
	if err := ps.RevokeToken(ctx, "dr-martin"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ps.TokenName(ctx, tok); ok {
		t.Error("a revoked token was accepted")
	}
}
