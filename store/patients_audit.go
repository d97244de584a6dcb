package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The audit log is a chain: each row carries an HMAC-SHA256, under a key
// derived from the store's key, of the previous row's hash and its own
// fields. An authenticated head in table meta (the last row's sequence
// number and hash, with their own HMAC) marks the end. Without the key, a
// row cannot be changed, removed or added, and the log cannot be cut
// short, without VerifyAudit naming the first row where the chain breaks.

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	Seq       int64
	At        string
	Actor     string // the program, e.g. "mdtwin serve"
	User      string // the operating-system user running it
	Client    string // the dashboard client's address, '' outside the dashboard
	Token     string // the name of the dashboard token the client presented
	Action    string // read, write
	Kind      string // table
	Record    string
	PatientID string
	Detail    string
	Hash      string // hex HMAC chaining the row to the previous one
}

// mac is the row's chain hash given the previous row's.
func (a *AuditEntry) mac(key []byte, prev string) string {
	h := hmac.New(sha256.New, key)
	var b []byte
	b = append(b, prev...)
	b = binary.AppendVarint(b, a.Seq)
	for _, f := range []string{a.At, a.Actor, a.User, a.Client, a.Token, a.Action, a.Kind, a.Record, a.PatientID, a.Detail} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

const auditCols = "seq, at, actor, os_user, client, token, action, kind, record, patient_id, detail, hash"

func scanAudit(r interface{ Scan(...any) error }) (AuditEntry, error) {
	var a AuditEntry
	err := r.Scan(&a.Seq, &a.At, &a.Actor, &a.User, &a.Client, &a.Token, &a.Action, &a.Kind, &a.Record, &a.PatientID,
		&a.Detail, &a.Hash)
	return a, err
}

// chainHead is where the next audit row of a transaction attaches.
type chainHead struct {
	seq           int64
	hash          string
	loaded, dirty bool
}

// headMAC authenticates the head (seq, hash).
func headMAC(key []byte, seq int64, hash string) string {
	h := hmac.New(sha256.New, key)
	fmt.Fprintf(h, "head\x00%d\x00%s", seq, hash)
	return hex.EncodeToString(h.Sum(nil))
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// readHead returns the authenticated head; ok is false when there is none
// or its HMAC does not match.
func readHead(ctx context.Context, q querier, key []byte) (seq int64, hash string, present, ok bool, err error) {
	var v string
	err = q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'audit_head'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", false, false, nil
	}
	if err != nil {
		return 0, "", false, false, err
	}
	f := strings.Fields(v)
	if len(f) != 3 {
		return 0, "", true, false, nil
	}
	seq, perr := strconv.ParseInt(f[0], 10, 64)
	if perr != nil || !hmac.Equal([]byte(headMAC(key, seq, f[1])), []byte(f[2])) {
		return 0, "", true, false, nil
	}
	return seq, f[1], true, true, nil
}

// load finds where the chain continues: after the authenticated head
// (never before the last row present, so sequence numbers are not reused).
func (h *chainHead) load(ctx context.Context, tx *sql.Tx, key []byte) error {
	var lastSeq int64
	err := tx.QueryRowContext(ctx, `SELECT seq FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&lastSeq)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	hs, hh, _, ok, err := readHead(ctx, tx, key)
	if err != nil {
		return err
	}
	switch {
	case ok:
		h.seq, h.hash = max(hs, lastSeq), hh
	case lastSeq > 0:
		// Rows but no authenticated end: the end was removed or changed.
		// Never chain onto an unauthenticated row, which would make the
		// cut look whole; the new row will not verify, and say so.
		h.seq, h.hash = lastSeq, "unauthenticated"
	}
	h.loaded = true
	return nil
}

// appendAudit adds a row to the chain within tx.
func (p *Patients) appendAudit(ctx context.Context, tx *sql.Tx, h *chainHead, a AuditEntry) error {
	if !h.loaded {
		if err := h.load(ctx, tx, p.chain); err != nil {
			return err
		}
	}
	a.Seq = h.seq + 1
	a.Hash = a.mac(p.chain, h.hash)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit(`+auditCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Seq, a.At, a.Actor, a.User, a.Client, a.Token, a.Action, a.Kind, a.Record, a.PatientID, a.Detail, a.Hash); err != nil {
		return err
	}
	h.seq, h.hash, h.dirty = a.Seq, a.Hash, true
	return nil
}

// writeHead records the chain's new end within tx.
func (p *Patients) writeHead(ctx context.Context, tx *sql.Tx, h *chainHead) error {
	if !h.dirty {
		return nil
	}
	v := fmt.Sprintf("%d %s %s", h.seq, h.hash, headMAC(p.chain, h.seq, h.hash))
	_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('audit_head', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, v)
	h.dirty = false
	return err
}

// chainAll (re)computes the chain over every row, for the migration of a
// store whose audit rows had no hashes.
func chainAll(ctx context.Context, tx *sql.Tx, key []byte) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+auditCols+` FROM audit ORDER BY seq`)
	if err != nil {
		return err
	}
	var all []AuditEntry
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			rows.Close()
			return err
		}
		all = append(all, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	h := chainHead{loaded: true}
	for _, a := range all {
		a.Hash = a.mac(key, h.hash)
		if _, err := tx.ExecContext(ctx, `UPDATE audit SET hash = ? WHERE seq = ?`, a.Hash, a.Seq); err != nil {
			return err
		}
		h.seq, h.hash, h.dirty = a.Seq, a.Hash, true
	}
	if !h.dirty {
		return nil
	}
	v := fmt.Sprintf("%d %s %s", h.seq, h.hash, headMAC(key, h.seq, h.hash))
	_, err = tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('audit_head', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, v)
	return err
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Rows   int    // rows in the log
	Broken int64  // sequence number of the first row where the chain breaks; 0 when intact
	Reason string // why, in a sentence ('' when intact)
}

// OK reports whether the chain is intact.
func (r AuditReport) OK() bool { return r.Broken == 0 }

// VerifyAudit checks the audit chain from its first row to its
// authenticated end and names the first row where it breaks: a row
// changed, a row removed (the next one no longer follows), rows added
// without the key, or the log cut short.
func (p *Patients) VerifyAudit(ctx context.Context) (AuditReport, error) {
	if err := p.Flush(ctx); err != nil {
		return AuditReport{}, err
	}
	var rep AuditReport
	rows, err := p.db.QueryContext(ctx, `SELECT `+auditCols+` FROM audit ORDER BY seq`)
	if err != nil {
		return rep, err
	}
	defer rows.Close()
	prev := ""
	var last int64
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return rep, err
		}
		rep.Rows++
		if rep.OK() && !hmac.Equal([]byte(a.Hash), []byte(a.mac(p.chain, prev))) {
			rep.Broken = a.Seq
			switch {
			case last == 0 && a.Seq != 1:
				rep.Reason = fmt.Sprintf("row %d does not match its keyed hash: it was changed, or the rows before it were removed", a.Seq)
			case last != 0 && a.Seq != last+1:
				rep.Reason = fmt.Sprintf("row %d does not follow row %d: rows %d to %d were removed, or row %d was changed",
					a.Seq, last, last+1, a.Seq-1, a.Seq)
			default:
				rep.Reason = fmt.Sprintf("row %d does not match its keyed hash: it was changed, or a row before it was", a.Seq)
			}
		}
		prev, last = a.Hash, a.Seq
	}
	if err := rows.Err(); err != nil || !rep.OK() {
		return rep, err
	}
	hs, hh, present, ok, err := readHead(ctx, p.db, p.chain)
	switch {
	case err != nil:
		return rep, err
	case !present && last == 0:
	case !present:
		rep.Broken, rep.Reason = last+1, fmt.Sprintf("the authenticated end of the log is missing: rows after row %d may have been removed", last)
	case !ok:
		rep.Broken, rep.Reason = last+1, "the authenticated end of the log was changed: rows at its end may have been removed"
	case hs > last:
		rep.Broken, rep.Reason = last+1, fmt.Sprintf("rows %d to %d were removed from the end of the log", last+1, hs)
	case hs < last || hh != prev:
		rep.Broken, rep.Reason = hs+1, fmt.Sprintf("row %d and the rows after it do not end at the authenticated end (row %d)", hs+1, hs)
	}
	return rep, nil
}

// String is the report in one line.
func (r AuditReport) String() string {
	if r.OK() {
		return fmt.Sprintf("audit log intact: %d rows, chain and end verified", r.Rows)
	}
	return fmt.Sprintf("audit log broken at row %d: %s", r.Broken, r.Reason)
}

// Audit returns the audit log of one patient (all entries when pid is ""),
// oldest first. Reading the log is not itself logged.
func (p *Patients) Audit(ctx context.Context, pid string) ([]AuditEntry, error) {
	if err := p.Flush(ctx); err != nil {
		return nil, err
	}
	q := `SELECT ` + auditCols + ` FROM audit`
	var args []any
	if pid != "" {
		q += " WHERE patient_id = ?"
		args = append(args, pid)
	}
	rows, err := p.db.QueryContext(ctx, q+" ORDER BY seq", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ---- reads are audited without waiting for the write lock ----

// readLog queues the audit rows of reads and writes them in batches from a
// goroutine of its own, so that a read never waits for (or fails on) the
// write lock another process holds. Close writes what is left.
type readLog struct {
	p       *Patients
	mu      sync.Mutex
	rows    []AuditEntry
	flushMu sync.Mutex // one flush at a time
	once    sync.Once
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

// flushDelay is how long the audit rows of reads wait to be written
// together.
const flushDelay = 50 * time.Millisecond

func newReadLog(p *Patients) *readLog {
	l := &readLog{p: p, wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	go l.loop()
	return l
}

func (l *readLog) add(a AuditEntry) {
	l.mu.Lock()
	l.rows = append(l.rows, a)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *readLog) loop() {
	defer close(l.stopped)
	retry := time.Duration(0)
	for {
		var timer <-chan time.Time
		if retry > 0 {
			timer = time.After(retry)
		}
		select {
		case <-l.stop:
			return
		case <-l.wake:
			// Gather the reads of the next moment into one transaction:
			// a busy dashboard takes the write lock a few times a second,
			// not once per page, and writers are not starved of it.
			select {
			case <-l.stop:
				return
			case <-time.After(flushDelay):
			}
		case <-timer:
		}
		if err := l.flush(context.Background()); err != nil {
			retry = min(max(2*retry, 50*time.Millisecond), 5*time.Second)
		} else {
			retry = 0
		}
	}
}

// flush writes the queued rows in one transaction; on failure they stay
// queued, in order.
func (l *readLog) flush(ctx context.Context) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	batch := l.rows
	l.rows = nil
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := l.p.writeAudit(ctx, batch)
	if err != nil {
		l.mu.Lock()
		l.rows = append(batch, l.rows...)
		l.mu.Unlock()
	}
	return err
}

func (p *Patients) writeAudit(ctx context.Context, batch []AuditEntry) error {
	tx, err := beginWrite(ctx, p.db)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var h chainHead
	for _, a := range batch {
		if err := p.appendAudit(ctx, tx, &h, a); err != nil {
			return err
		}
	}
	if err := p.writeHead(ctx, tx, &h); err != nil {
		return err
	}
	return tx.Commit()
}

// Flush writes the audit rows of the reads made so far.
func (p *Patients) Flush(ctx context.Context) error { return p.reads.flush(ctx) }

// close stops the goroutine and writes what is left, retrying for a while
// if the lock is held.
func (l *readLog) close() error {
	closed := false
	l.once.Do(func() { close(l.stop); closed = true })
	if !closed {
		return nil
	}
	<-l.stopped
	ctx, cancel := context.WithTimeout(context.Background(), lockWait)
	defer cancel()
	var err error
	for pause := 50 * time.Millisecond; ; pause = min(2*pause, 2*time.Second) {
		if err = l.flush(ctx); err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(pause)
	}
	l.mu.Lock()
	n := len(l.rows)
	l.mu.Unlock()
	if n > 0 {
		return fmt.Errorf("%d audit rows of reads could not be written: %w", n, err)
	}
	return nil
}

// ---- export ----

// ExportAudit writes the audit log as FHIR R4 AuditEvent resources, one
// JSON object per line (NDJSON), oldest first, and returns their number.
// Each event is a RESTful operation (read, create or update) on one
// record of the store, by the program (agent.name) run by the
// operating-system user (agent.who), with the dashboard client's address
// (agent.network) and token name (agent.altId) when there is one; the
// patient is an entity of role Patient, the record an entity of type
// System Object whose details carry the store's detail and the chain hash.
func (p *Patients) ExportAudit(ctx context.Context, w io.Writer) (int, error) {
	if err := p.Flush(ctx); err != nil {
		return 0, err
	}
	rows, err := p.db.QueryContext(ctx, `SELECT `+auditCols+` FROM audit ORDER BY seq`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return n, err
		}
		if err := enc.Encode(auditEvent(a)); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

type fhirCoding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

type fhirReference struct {
	Reference  string          `json:"reference,omitempty"`
	Identifier *fhirIdentifier `json:"identifier,omitempty"`
	Display    string          `json:"display,omitempty"`
}

type fhirIdentifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value"`
}

// auditEventJSON is the subset of FHIR R4 AuditEvent (4.0.1) mdtwin writes.
type auditEventJSON struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id"`
	Type         fhirCoding       `json:"type"`
	Subtype      []fhirCoding     `json:"subtype"`
	Action       string           `json:"action"`
	Recorded     string           `json:"recorded"`
	Outcome      string           `json:"outcome"`
	Agent        []auditAgentJSON `json:"agent"`
	Source       struct {
		Site     string        `json:"site"`
		Observer fhirReference `json:"observer"`
		Type     []fhirCoding  `json:"type"`
	} `json:"source"`
	Entity []auditEntityJSON `json:"entity"`
}

type auditAgentJSON struct {
	Who       *fhirReference    `json:"who,omitempty"`
	AltID     string            `json:"altId,omitempty"`
	Name      string            `json:"name,omitempty"`
	Requestor bool              `json:"requestor"`
	Network   *auditNetworkJSON `json:"network,omitempty"`
}

type auditNetworkJSON struct {
	Address string `json:"address"`
	Type    string `json:"type"`
}

type auditDetailJSON struct {
	Type        string `json:"type"`
	ValueString string `json:"valueString"`
}

type auditEntityJSON struct {
	What        fhirReference     `json:"what"`
	Type        *fhirCoding       `json:"type,omitempty"`
	Role        *fhirCoding       `json:"role,omitempty"`
	Description string            `json:"description,omitempty"`
	Detail      []auditDetailJSON `json:"detail,omitempty"`
}

func auditEvent(a AuditEntry) auditEventJSON {
	e := auditEventJSON{ResourceType: "AuditEvent", ID: strconv.FormatInt(a.Seq, 10), Recorded: a.At, Outcome: "0",
		Type: fhirCoding{"http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"}}
	switch {
	case a.Action == "read":
		e.Action, e.Subtype = "R", []fhirCoding{{"http://hl7.org/fhir/restful-interaction", "read", "read"}}
	case strings.HasPrefix(a.Detail, "added"):
		e.Action, e.Subtype = "C", []fhirCoding{{"http://hl7.org/fhir/restful-interaction", "create", "create"}}
	default:
		e.Action, e.Subtype = "U", []fhirCoding{{"http://hl7.org/fhir/restful-interaction", "update", "update"}}
	}
	e.Agent = make([]auditAgentJSON, 1)
	ag := &e.Agent[0]
	ag.Requestor, ag.Name, ag.AltID = true, a.Actor, a.Token
	if a.User != "" {
		ag.Who = &fhirReference{Identifier: &fhirIdentifier{System: "urn:mdtwin:os-user", Value: a.User}, Display: a.User}
	}
	if a.Client != "" {
		host := a.Client
		if h, _, err := net.SplitHostPort(a.Client); err == nil {
			host = h
		}
		ag.Network = &auditNetworkJSON{host, "2"} // 2: IP address
	}
	e.Source.Site = "mdtwin"
	e.Source.Observer = fhirReference{Display: "mdtwin patient store"}
	e.Source.Type = []fhirCoding{{"http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server"}}
	if a.PatientID != "" && a.PatientID != "*" {
		e.Entity = append(e.Entity, auditEntityJSON{What: fhirReference{Reference: "Patient/" + a.PatientID},
			Type: &fhirCoding{"http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"},
			Role: &fhirCoding{"http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"}})
	}
	rec := auditEntityJSON{What: fhirReference{Identifier: &fhirIdentifier{System: "urn:mdtwin:store:" + a.Kind, Value: a.Record}},
		Type:        &fhirCoding{"http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"},
		Description: a.Kind}
	add := func(typ, v string) {
		rec.Detail = append(rec.Detail, auditDetailJSON{typ, v})
	}
	if a.Detail != "" {
		add("detail", a.Detail)
	}
	add("mdtwin-audit-hash", a.Hash)
	e.Entity = append(e.Entity, rec)
	return e
}
