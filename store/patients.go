package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mdtwin/mdtwin/patient"
)

// PatientStoreFile is the patient store's file name in the user's data
// folder (see DefaultPatientStore).
const PatientStoreFile = "store.sqlite"

// DefaultPatientStore returns the default patient store path:
// $XDG_DATA_HOME/mdtwin/store.sqlite, else ~/.local/share/mdtwin/store.sqlite.
func DefaultPatientStore() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "mdtwin", PatientStoreFile), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no default patient store: %w (use --store)", err)
	}
	return filepath.Join(home, ".local", "share", "mdtwin", PatientStoreFile), nil
}

// Patients is the patient store. Every read and write of a record is
// recorded in the audit log (a keyed hash chain: see VerifyAudit) under
// the view's Actor (see As and ForClient).
//
// Records are keyed on (source, type, id): the source is the system that
// sent them (Bundle.meta.source, an identifier system, or a name given at
// ingest), so two hospitals' Patient/1 stay two patients. Pseudonyms derive
// from (source, identifier). Two sources' records of one person are joined
// only by an explicit, audited Link.
//
// Several processes may use one store at once: WAL journaling lets
// readers run beside a writer, writers wait for each other (BEGIN
// IMMEDIATE, a busy timeout and retries), and the audit rows of reads are
// written in the background, so a read never waits for the write lock.
type Patients struct {
	db     *sql.DB
	path   string
	key    []byte // pseudonymisation key, kept outside the store (KeyFile, KeyEnv)
	chain  []byte // audit chain key, derived from key
	legacy bool   // the store holds records keyed before sources existed
	actor  Actor
	reads  *readLog // shared by every view of the store
}

// Actor is who reads and writes through a view of the store, as the audit
// log records it.
type Actor struct {
	Program string // e.g. "mdtwin serve"
	User    string // the operating-system user running the program
	Client  string // a dashboard client's network address (host:port), '' otherwise
	Token   string // the name of the dashboard token the client presented
}

// OpenPatients opens (creating it and its folder if needed) the patient
// store at path. actor names the program that reads and writes through
// the returned value in the audit log, e.g. "mdtwin ingest"; the
// operating-system user running it is recorded beside it.
//
// The store's secret key is read from $MDTWIN_STORE_KEY when set, else
// from its key file (KeyFile), which a new store gets (mode 0600). A
// store of an earlier version is migrated: its key is moved out into the
// key file and its audit rows are chained.
func OpenPatients(path, actor string) (*Patients, error) {
	db, err := openPatientDB(path)
	if err != nil {
		return nil, err
	}
	p := &Patients{db: db, path: path, actor: Actor{Program: actor, User: osUser()}}
	if err := p.prepare(context.Background()); err != nil {
		db.Close()
		if strings.HasPrefix(err.Error(), path+":") {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p.reads = newReadLog(p)
	return p, nil
}

// osUser names the operating-system user running this process.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "uid " + strconv.Itoa(os.Getuid())
}

// Path is the store's file.
func (p *Patients) Path() string { return p.path }

// Close writes the audit rows still queued and closes the store (every
// view of it).
func (p *Patients) Close() error {
	err := p.reads.close()
	return errors.Join(err, p.db.Close())
}

// As returns a view of the store that records reads and writes under the
// program name actor.
func (p *Patients) As(actor string) *Patients {
	q := *p
	q.actor.Program = actor
	return &q
}

// ForClient returns a view of the store for a dashboard request: the
// client's address and the name of the token it presented are recorded
// with each read and write.
func (p *Patients) ForClient(client, token string) *Patients {
	q := *p
	q.actor.Client, q.actor.Token = client, token
	return &q
}

// Actor returns who reads and writes through this view.
func (p *Patients) Actor() Actor { return p.actor }

// Pseudonym returns the patient id for an identifier of a source (for
// FHIR, identifier is "<identifier system>|<value>"): "p" followed by 20
// base32 characters of an HMAC-SHA256 of the source and the identifier
// under the store's secret key. The same identifier of the same source
// gives the same pseudonym in the same store; the same identifier sent by
// two sources gives two pseudonyms (see Link). Neither can be read back
// from it, and another store (another key) gives another pseudonym. The
// key is kept outside the store (KeyFile): a copy of the store alone is
// pseudonymous, the store with its key is not anonymous.
func (p *Patients) Pseudonym(source, identifier string) string {
	return pseudonymOf(p.mac("patient", source+"\x00"+identifier))
}

// legacyPseudonym is the pseudonym a store of version 1 gave identifier.
func (p *Patients) legacyPseudonym(identifier string) string {
	return pseudonymOf(p.mac("patient", identifier))
}

func pseudonymOf(mac []byte) string {
	return "p" + strings.ToLower(base32.StdEncoding.EncodeToString(mac)[:20])
}

func (p *Patients) mac(domain, s string) []byte {
	h := hmac.New(sha256.New, p.key)
	h.Write([]byte(domain + "\x00" + s))
	return h.Sum(nil)
}

// Ref names a source record: the source that sent it and its id there,
// e.g. {"http://hospital.example/fhir", "Observation/123"}.
type Ref struct {
	Source string
	ID     string
}

func (r Ref) String() string { return r.Source + " " + r.ID }

// sourceKey is the stored key of a source record (no source id is stored).
func (p *Patients) sourceKey(r Ref) string {
	return hex.EncodeToString(p.mac("source", r.Source+"\x00"+r.ID))
}

// legacySourceKey is the key a store of version 1 gave a record ("<Type>/<id>").
func (p *Patients) legacySourceKey(id string) string { return hex.EncodeToString(p.mac("source", id)) }

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// entry is an audit row by the view's actor.
func (p *Patients) entry(action, kind, record, pid, detail string) AuditEntry {
	return AuditEntry{At: now(), Actor: p.actor.Program, User: p.actor.User, Client: p.actor.Client, Token: p.actor.Token,
		Action: action, Kind: kind, Record: record, PatientID: pid, Detail: detail}
}

// auditRead queues the audit row of a read (see readLog).
func (p *Patients) auditRead(kind, record, pid string) {
	p.reads.add(p.entry("read", kind, record, pid, ""))
}

// codedColumns returns the system, code, display and codings columns of c.
func codedColumns(c patient.Coded) []any {
	b, _ := json.Marshal(c)
	if c == nil {
		b = []byte("[]")
	}
	pc := c.Primary()
	return []any{pc.System, pc.Code, pc.Display, string(b)}
}

func scanCoded(system, code, display, codings string) patient.Coded {
	var c patient.Coded
	if json.Unmarshal([]byte(codings), &c) != nil || len(c) == 0 {
		if system == "" && code == "" && display == "" {
			return nil
		}
		c = patient.Coded{{System: system, Code: code, Display: display}}
	}
	return c
}

// Change says what a write did to the store.
type Change int

// Changes.
const (
	Unchanged Change = iota
	Added
	Updated
)

func (c Change) String() string { return [...]string{"unchanged", "added", "updated"}[c] }

// Writer writes to the patient store in one transaction, which holds the
// store's write lock from Begin to Commit or Rollback. Each ingest entry
// runs in Entry, under a savepoint: an entry that fails leaves nothing
// behind, the others stay.
type Writer struct {
	p     *Patients
	tx    *sql.Tx
	head  chainHead // where this transaction's audit rows attach
	saved chainHead // head at the entry's savepoint
}

// Begin starts a write transaction; end it with Commit or Rollback. It
// waits for another writer (another process) to finish.
func (p *Patients) Begin(ctx context.Context) (*Writer, error) {
	tx, err := beginWrite(ctx, p.db)
	if err != nil {
		return nil, err
	}
	return &Writer{p: p, tx: tx}, nil
}

// Commit records the audit chain's new end and commits the transaction.
func (w *Writer) Commit() error {
	if err := w.p.writeHead(context.Background(), w.tx, &w.head); err != nil {
		w.tx.Rollback()
		return err
	}
	return w.tx.Commit()
}

// Rollback abandons the transaction (a no-op after Commit).
func (w *Writer) Rollback() error { return w.tx.Rollback() }

// audit adds a row to the audit chain within the transaction.
func (w *Writer) audit(ctx context.Context, action, kind, record, pid, detail string) error {
	return w.p.appendAudit(ctx, w.tx, &w.head, w.p.entry(action, kind, record, pid, detail))
}

// Entry runs fn under a savepoint; if fn fails, its writes are undone and
// its error returned.
func (w *Writer) Entry(ctx context.Context, fn func() error) error {
	if _, err := w.tx.ExecContext(ctx, "SAVEPOINT entry"); err != nil {
		return err
	}
	w.saved = w.head
	if err := fn(); err != nil {
		w.head = w.saved
		if _, rerr := w.tx.ExecContext(ctx, "ROLLBACK TO entry"); rerr != nil {
			return errors.Join(err, rerr)
		}
		w.tx.ExecContext(ctx, "RELEASE entry")
		return err
	}
	_, err := w.tx.ExecContext(ctx, "RELEASE entry")
	return err
}

// Source is what a source record became in the store.
type Source struct {
	Kind      string // table
	RowID     int64
	PatientID string
}

// Lookup finds the record made from the source record r. In a store that
// holds records of version 1 (keyed on "<Type>/<id>" alone), such a record
// is found too.
func (w *Writer) Lookup(ctx context.Context, r Ref) (Source, bool, error) {
	s, ok, err := w.lookupKey(ctx, w.p.sourceKey(r))
	if ok || err != nil || !w.p.legacy {
		return s, ok, err
	}
	return w.lookupKey(ctx, w.p.legacySourceKey(r.ID))
}

func (w *Writer) lookupKey(ctx context.Context, key string) (Source, bool, error) {
	var s Source
	err := w.tx.QueryRowContext(ctx, `SELECT kind, row_id, patient_id FROM sources WHERE key = ?`, key).
		Scan(&s.Kind, &s.RowID, &s.PatientID)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	return s, err == nil, err
}

// claimLegacy gives a record stored before sources existed (version 1) to
// source r.Source when it is the same patient's: pid is the patient the
// new record is about (for a patient record, its version-1 pseudonym).
// Another source's record of the same "<Type>/<id>" stays apart.
func (w *Writer) claimLegacy(ctx context.Context, r Ref, pid string) error {
	if !w.p.legacy {
		return nil
	}
	res, err := w.tx.ExecContext(ctx, `UPDATE sources SET key = ?, source = ? WHERE key = ? AND source = '' AND patient_id = ?`,
		w.p.sourceKey(r), r.Source, w.p.legacySourceKey(r.ID), pid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		_, err = w.tx.ExecContext(ctx, `UPDATE patients SET source = ? WHERE id = ? AND source = ''`, r.Source, pid)
	}
	return err
}

func digest(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("store: " + err.Error())
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// put writes the record made from source record r into table: an insert
// the first time, an update when the values changed, nothing otherwise.
// extra is hashed with vals (children written by the caller on
// Added/Updated).
func (w *Writer) put(ctx context.Context, r Ref, table, pid string, cols []string, vals []any, extra any) (int64, Change, error) {
	if r.Source == "" {
		return 0, 0, fmt.Errorf("store: %s has no source", r.ID)
	}
	if err := w.claimLegacy(ctx, r, pid); err != nil {
		return 0, 0, err
	}
	key := w.p.sourceKey(r)
	dg := digest([]any{table, vals, extra})
	var id int64
	var old string
	err := w.tx.QueryRowContext(ctx, `SELECT row_id, digest FROM sources WHERE key = ?`, key).Scan(&id, &old)
	switch {
	case err == nil && old == dg:
		return id, Unchanged, nil
	case err == nil:
		set := make([]string, len(cols))
		for i, c := range cols {
			set[i] = c + " = ?"
		}
		if _, err := w.tx.ExecContext(ctx, "UPDATE "+table+" SET "+strings.Join(set, ", ")+" WHERE id = ?",
			append(vals, id)...); err != nil {
			return 0, 0, err
		}
		if _, err := w.tx.ExecContext(ctx, `UPDATE sources SET digest = ?, updated_at = ? WHERE key = ?`, dg, now(), key); err != nil {
			return 0, 0, err
		}
		return id, Updated, w.audit(ctx, "write", table, strconv.FormatInt(id, 10), pid, "updated")
	case !errors.Is(err, sql.ErrNoRows):
		return 0, 0, err
	}
	res, err := w.tx.ExecContext(ctx, "INSERT INTO "+table+"("+strings.Join(cols, ", ")+") VALUES (?"+
		strings.Repeat(", ?", len(cols)-1)+")", vals...)
	if err != nil {
		return 0, 0, err
	}
	if id, err = res.LastInsertId(); err != nil {
		return 0, 0, err
	}
	if _, err := w.tx.ExecContext(ctx, `INSERT INTO sources(key, kind, row_id, patient_id, digest, updated_at, source)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, key, table, id, pid, dg, now(), r.Source); err != nil {
		return 0, 0, err
	}
	return id, Added, w.audit(ctx, "write", table, strconv.FormatInt(id, 10), pid, "added")
}

// PutPatient writes the patient made from source record r. A new source
// record gets the pseudonym of (r.Source, identifier) (see Pseudonym); a
// known one keeps the pseudonym it was given. It returns the patient id.
func (w *Writer) PutPatient(ctx context.Context, r Ref, identifier string, pt patient.Patient) (string, Change, error) {
	if r.Source == "" {
		return "", 0, fmt.Errorf("store: %s has no source", r.ID)
	}
	if err := w.claimLegacy(ctx, r, w.p.legacyPseudonym(identifier)); err != nil {
		return "", 0, err
	}
	key := w.p.sourceKey(r)
	dg := digest([]any{"patients", pt.BirthDate, pt.Sex, pt.Deceased})
	var pid, old string
	err := w.tx.QueryRowContext(ctx, `SELECT patient_id, digest FROM sources WHERE key = ?`, key).Scan(&pid, &old)
	switch {
	case err == nil && old == dg:
		return pid, Unchanged, nil
	case errors.Is(err, sql.ErrNoRows):
		pid = w.p.Pseudonym(r.Source, identifier)
	case err != nil:
		return "", 0, err
	}
	t := now()
	res, err := w.tx.ExecContext(ctx, `INSERT INTO patients(id, birth_date, sex, deceased, created_at, updated_at, source)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET birth_date = excluded.birth_date,
		sex = excluded.sex, deceased = excluded.deceased, updated_at = excluded.updated_at
		WHERE (birth_date, sex, deceased) IS NOT (excluded.birth_date, excluded.sex, excluded.deceased)`,
		pid, pt.BirthDate, pt.Sex, pt.Deceased, t, t, r.Source)
	if err != nil {
		return "", 0, err
	}
	if _, err := w.tx.ExecContext(ctx, `UPDATE patients SET source = ? WHERE id = ? AND source = ''`, r.Source, pid); err != nil {
		return "", 0, err
	}
	if _, err := w.tx.ExecContext(ctx, `INSERT INTO sources(key, kind, row_id, patient_id, digest, updated_at, source)
		VALUES (?, 'patients', 0, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET digest = excluded.digest,
		updated_at = excluded.updated_at`, key, pid, dg, t, r.Source); err != nil {
		return "", 0, err
	}
	ch := Updated
	if old == "" {
		ch = Added
	}
	if n, _ := res.RowsAffected(); n > 0 || ch == Added {
		if err := w.audit(ctx, "write", "patients", pid, pid, ch.String()); err != nil {
			return "", 0, err
		}
	}
	return pid, ch, nil
}

// PatientExists reports whether the patient id is in the store.
func (w *Writer) PatientExists(ctx context.Context, pid string) (bool, error) {
	var n int
	err := w.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM patients WHERE id = ?`, pid).Scan(&n)
	return n > 0, err
}

// PatientByIdentifier returns the patient that source sent with
// identifier ("<system>|<value>"), if stored.
func (w *Writer) PatientByIdentifier(ctx context.Context, source, identifier string) (string, bool, error) {
	pid := w.p.Pseudonym(source, identifier)
	ok, err := w.PatientExists(ctx, pid)
	if ok || err != nil || !w.p.legacy {
		return pid, ok, err
	}
	pid = w.p.legacyPseudonym(identifier)
	ok, err = w.PatientExists(ctx, pid)
	return pid, ok, err
}

// PutEncounter writes the encounter made from source record r.
func (w *Writer) PutEncounter(ctx context.Context, r Ref, e patient.Encounter) (int64, Change, error) {
	return w.put(ctx, r, "encounters", e.PatientID,
		[]string{"patient_id", "class", "system", "code", "display", "codings", "start_time", "end_time", "status"},
		append(append([]any{e.PatientID, e.Class}, codedColumns(e.Type)...), e.Start, e.End, e.Status), nil)
}

var observationCols = []string{"patient_id", "encounter_id", "parent_id", "category", "system", "code", "display", "codings",
	"time", "value", "value_text", "value_system", "value_code", "unit", "status"}

// observationValues returns the columns of o as a component of parent (0: none).
func observationValues(o patient.Observation, parent int64) []any {
	var v any
	if o.Value != nil {
		v = *o.Value
	}
	return append(append([]any{o.PatientID, nullID(o.EncounterID), nullID(parent), o.Category}, codedColumns(o.Code)...),
		o.Time, v, o.ValueText, o.ValueCode.System, o.ValueCode.Code, o.Unit, o.Status)
}

// PutObservation writes the observation made from source record r, with
// its components.
func (w *Writer) PutObservation(ctx context.Context, r Ref, o patient.Observation) (int64, Change, error) {
	var comps [][]any
	for _, c := range o.Components {
		c.PatientID, c.EncounterID, c.Time, c.Status = o.PatientID, o.EncounterID, o.Time, o.Status
		comps = append(comps, observationValues(c, 0))
	}
	id, ch, err := w.put(ctx, r, "observations", o.PatientID, observationCols, observationValues(o, o.ParentID), comps)
	if err != nil || ch == Unchanged {
		return id, ch, err
	}
	if _, err := w.tx.ExecContext(ctx, `DELETE FROM observations WHERE parent_id = ?`, id); err != nil {
		return 0, 0, err
	}
	for _, c := range comps {
		c[2] = id
		if _, err := w.tx.ExecContext(ctx, "INSERT INTO observations("+strings.Join(observationCols, ", ")+
			") VALUES (?"+strings.Repeat(", ?", len(observationCols)-1)+")", c...); err != nil {
			return 0, 0, err
		}
	}
	return id, ch, nil
}

// PutCondition writes the condition made from source record r.
func (w *Writer) PutCondition(ctx context.Context, r Ref, c patient.Condition) (int64, Change, error) {
	return w.put(ctx, r, "conditions", c.PatientID,
		[]string{"patient_id", "encounter_id", "system", "code", "display", "codings", "onset", "abatement", "recorded",
			"clinical_status", "verification_status"},
		append(append([]any{c.PatientID, nullID(c.EncounterID)}, codedColumns(c.Code)...),
			c.Onset, c.Abatement, c.Recorded, c.ClinicalStatus, c.VerificationStatus), nil)
}

// PutTherapy writes the therapy made from source record r.
func (w *Writer) PutTherapy(ctx context.Context, r Ref, t patient.Therapy) (int64, Change, error) {
	return w.put(ctx, r, "therapies", t.PatientID,
		[]string{"patient_id", "encounter_id", "system", "code", "display", "codings", "start_time", "stop_time", "status", "origin"},
		append(append([]any{t.PatientID, nullID(t.EncounterID)}, codedColumns(t.Drug)...), t.Start, t.Stop, t.Status, t.Origin), nil)
}

// PutProcedure writes the procedure made from source record r.
func (w *Writer) PutProcedure(ctx context.Context, r Ref, pr patient.Procedure) (int64, Change, error) {
	return w.put(ctx, r, "procedures", pr.PatientID,
		[]string{"patient_id", "encounter_id", "system", "code", "display", "codings", "start_time", "end_time", "status"},
		append(append([]any{pr.PatientID, nullID(pr.EncounterID)}, codedColumns(pr.Code)...), pr.Start, pr.End, pr.Status), nil)
}

// PutReport writes the diagnostic report made from source record r and
// links it to its result observations.
func (w *Writer) PutReport(ctx context.Context, ref Ref, rep patient.Report) (int64, Change, error) {
	id, ch, err := w.put(ctx, ref, "reports", rep.PatientID,
		[]string{"patient_id", "encounter_id", "system", "code", "display", "codings", "time", "status", "conclusion"},
		append(append([]any{rep.PatientID, nullID(rep.EncounterID)}, codedColumns(rep.Code)...), rep.Time, rep.Status, rep.Conclusion), rep.Results)
	if err != nil || ch == Unchanged {
		return id, ch, err
	}
	if _, err := w.tx.ExecContext(ctx, `DELETE FROM report_results WHERE report_id = ?`, id); err != nil {
		return 0, 0, err
	}
	for _, o := range rep.Results {
		if _, err := w.tx.ExecContext(ctx, `INSERT OR IGNORE INTO report_results(report_id, observation_id) VALUES (?, ?)`, id, o); err != nil {
			return 0, 0, err
		}
	}
	return id, ch, nil
}

// PutAsset writes the asset made from source record r. Assets other than
// imaging studies must carry their file's SHA-256.
func (w *Writer) PutAsset(ctx context.Context, r Ref, a patient.Asset) (int64, Change, error) {
	if a.Kind != "imaging-study" && len(a.SHA256) != 64 {
		return 0, 0, fmt.Errorf("asset %q (%s) has no SHA-256 checksum", a.Description, a.Kind)
	}
	return w.put(ctx, r, "assets", a.PatientID,
		[]string{"patient_id", "encounter_id", "kind", "description", "time", "modality", "body_site", "uid", "uri", "sha256", "bytes", "derived_from"},
		[]any{a.PatientID, nullID(a.EncounterID), a.Kind, a.Description, a.Time, a.Modality, a.BodySite, a.UID, a.URI,
			a.SHA256, a.Bytes, nullID(a.DerivedFrom)}, nil)
}

// AddStudy records a study and returns its id.
func (w *Writer) AddStudy(ctx context.Context, s patient.Study) (int64, error) {
	res, err := w.tx.ExecContext(ctx, `INSERT INTO studies(name, model, model_version, scenario_sha256, output, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, s.Name, s.Model, s.ModelVersion, s.ScenarioSHA256, s.Output, now())
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, w.audit(ctx, "write", "studies", strconv.FormatInt(id, 10), "", "added")
}

// AddPrediction records a prediction made for a patient in a study.
func (w *Writer) AddPrediction(ctx context.Context, pr patient.Prediction) (int64, error) {
	out, err := marshalOutputs(pr.Outputs)
	if err != nil {
		return 0, fmt.Errorf("prediction outputs: %w", err)
	}
	res, err := w.tx.ExecContext(ctx, `INSERT INTO predictions(patient_id, study_id, run_id, outputs, report, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, pr.PatientID, pr.StudyID, pr.RunID, string(out), pr.Report, now())
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, w.audit(ctx, "write", "predictions", strconv.FormatInt(id, 10), pr.PatientID, "added")
}

// Reads. Each read is recorded in the audit log: one row per table and
// patient read. A patient's records include those of the patients linked
// to them (see Link), each linked patient's read audited under their id.

func readRows[T any](ctx context.Context, p *Patients, kind, pid, q string, scan func(*sql.Rows) (T, error), args ...any) ([]T, error) {
	rows, err := p.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scan)
	if err != nil {
		return nil, err
	}
	p.auditRead(kind, pid, pid)
	return out, nil
}

// collect scans every row of rows with scan, and closes rows.
func collect[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// personRows reads the rows of table kind of patient pid and of the
// patients linked to them; q selects with "patient_id IN (%s)".
func personRows[T any](ctx context.Context, p *Patients, kind, pid, q string, scan func(*sql.Rows) (T, error)) ([]T, error) {
	ids, err := p.Linked(ctx, pid)
	if err != nil {
		return nil, err
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := p.db.QueryContext(ctx, fmt.Sprintf(q, "?"+strings.Repeat(", ?", len(ids)-1)), args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scan)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		a := p.entry("read", kind, pid, id, "")
		if id != pid {
			a.Detail = "linked to " + pid
		}
		p.reads.add(a)
	}
	return out, nil
}

const patientCols = "id, birth_date, sex, deceased, source"

func scanPatient(r *sql.Rows) (patient.Patient, error) {
	var p patient.Patient
	return p, r.Scan(&p.ID, &p.BirthDate, &p.Sex, &p.Deceased, &p.Source)
}

// PatientList returns every patient, ordered by id.
func (p *Patients) PatientList(ctx context.Context) ([]patient.Patient, error) {
	return readRows(ctx, p, "patients", "*", `SELECT `+patientCols+` FROM patients ORDER BY id`, scanPatient)
}

// Patient returns one patient; ok is false if there is none with that id.
func (p *Patients) Patient(ctx context.Context, pid string) (pt patient.Patient, ok bool, err error) {
	ps, err := readRows(ctx, p, "patients", pid, `SELECT `+patientCols+` FROM patients WHERE id = ?`, scanPatient, pid)
	if err != nil || len(ps) == 0 {
		return patient.Patient{}, false, err
	}
	return ps[0], true, nil
}

type codeCols struct{ system, code, display, codings string }

func (c *codeCols) ptrs() []any          { return []any{&c.system, &c.code, &c.display, &c.codings} }
func (c *codeCols) coded() patient.Coded { return scanCoded(c.system, c.code, c.display, c.codings) }

func int64Or0(n sql.NullInt64) int64 { return n.Int64 }

// Encounters returns the patient's encounters by start time.
func (p *Patients) Encounters(ctx context.Context, pid string) ([]patient.Encounter, error) {
	return personRows(ctx, p, "encounters", pid, `SELECT id, patient_id, class, system, code, display, codings, start_time,
		end_time, status FROM encounters WHERE patient_id IN (%s) ORDER BY start_time, id`, func(r *sql.Rows) (patient.Encounter, error) {
		var e patient.Encounter
		var c codeCols
		err := r.Scan(append(append([]any{&e.ID, &e.PatientID, &e.Class}, c.ptrs()...), &e.Start, &e.End, &e.Status)...)
		e.Type = c.coded()
		return e, err
	})
}

// Observations returns the patient's observations (components included,
// each with its ParentID) by time.
func (p *Patients) Observations(ctx context.Context, pid string) ([]patient.Observation, error) {
	return personRows(ctx, p, "observations", pid, `SELECT id, patient_id, encounter_id, parent_id, category, system, code,
		display, codings, time, value, value_text, value_system, value_code, unit, status
		FROM observations WHERE patient_id IN (%s) ORDER BY time, id`, func(r *sql.Rows) (patient.Observation, error) {
		var o patient.Observation
		var c codeCols
		var enc, parent sql.NullInt64
		var v sql.NullFloat64
		err := r.Scan(append(append([]any{&o.ID, &o.PatientID, &enc, &parent, &o.Category}, c.ptrs()...),
			&o.Time, &v, &o.ValueText, &o.ValueCode.System, &o.ValueCode.Code, &o.Unit, &o.Status)...)
		o.Code, o.EncounterID, o.ParentID = c.coded(), int64Or0(enc), int64Or0(parent)
		if v.Valid {
			o.Value = &v.Float64
		}
		return o, err
	})
}

// Conditions returns the patient's conditions by onset.
func (p *Patients) Conditions(ctx context.Context, pid string) ([]patient.Condition, error) {
	return personRows(ctx, p, "conditions", pid, `SELECT id, patient_id, encounter_id, system, code, display, codings, onset,
		abatement, recorded, clinical_status, verification_status FROM conditions WHERE patient_id IN (%s) ORDER BY onset, id`,
		func(r *sql.Rows) (patient.Condition, error) {
			var x patient.Condition
			var c codeCols
			var enc sql.NullInt64
			err := r.Scan(append(append([]any{&x.ID, &x.PatientID, &enc}, c.ptrs()...),
				&x.Onset, &x.Abatement, &x.Recorded, &x.ClinicalStatus, &x.VerificationStatus)...)
			x.Code, x.EncounterID = c.coded(), int64Or0(enc)
			return x, err
		})
}

// Therapies returns the patient's therapies by start.
func (p *Patients) Therapies(ctx context.Context, pid string) ([]patient.Therapy, error) {
	return personRows(ctx, p, "therapies", pid, `SELECT id, patient_id, encounter_id, system, code, display, codings,
		start_time, stop_time, status, origin FROM therapies WHERE patient_id IN (%s) ORDER BY start_time, id`,
		func(r *sql.Rows) (patient.Therapy, error) {
			var x patient.Therapy
			var c codeCols
			var enc sql.NullInt64
			err := r.Scan(append(append([]any{&x.ID, &x.PatientID, &enc}, c.ptrs()...), &x.Start, &x.Stop, &x.Status, &x.Origin)...)
			x.Drug, x.EncounterID = c.coded(), int64Or0(enc)
			return x, err
		})
}

// Procedures returns the patient's procedures by start.
func (p *Patients) Procedures(ctx context.Context, pid string) ([]patient.Procedure, error) {
	return personRows(ctx, p, "procedures", pid, `SELECT id, patient_id, encounter_id, system, code, display, codings,
		start_time, end_time, status FROM procedures WHERE patient_id IN (%s) ORDER BY start_time, id`,
		func(r *sql.Rows) (patient.Procedure, error) {
			var x patient.Procedure
			var c codeCols
			var enc sql.NullInt64
			err := r.Scan(append(append([]any{&x.ID, &x.PatientID, &enc}, c.ptrs()...), &x.Start, &x.End, &x.Status)...)
			x.Code, x.EncounterID = c.coded(), int64Or0(enc)
			return x, err
		})
}

// Reports returns the patient's diagnostic reports by time, with their
// result observation ids.
func (p *Patients) Reports(ctx context.Context, pid string) ([]patient.Report, error) {
	return personRows(ctx, p, "reports", pid, `SELECT id, patient_id, encounter_id, system, code, display, codings, time,
		status, conclusion, (SELECT COALESCE(json_group_array(observation_id), '[]') FROM
		(SELECT observation_id FROM report_results WHERE report_id = reports.id ORDER BY observation_id))
		FROM reports WHERE patient_id IN (%s) ORDER BY time, id`,
		func(r *sql.Rows) (patient.Report, error) {
			var x patient.Report
			var c codeCols
			var enc sql.NullInt64
			var res string
			err := r.Scan(append(append([]any{&x.ID, &x.PatientID, &enc}, c.ptrs()...), &x.Time, &x.Status, &x.Conclusion, &res)...)
			x.Code, x.EncounterID = c.coded(), int64Or0(enc)
			if err == nil {
				err = json.Unmarshal([]byte(res), &x.Results)
			}
			return x, err
		})
}

// Assets returns the patient's imaging studies and derived assets by time.
func (p *Patients) Assets(ctx context.Context, pid string) ([]patient.Asset, error) {
	return personRows(ctx, p, "assets", pid, `SELECT id, patient_id, encounter_id, kind, description, time, modality,
		body_site, uid, uri, sha256, bytes, derived_from FROM assets WHERE patient_id IN (%s) ORDER BY time, id`,
		func(r *sql.Rows) (patient.Asset, error) {
			var a patient.Asset
			var enc, from sql.NullInt64
			err := r.Scan(&a.ID, &a.PatientID, &enc, &a.Kind, &a.Description, &a.Time, &a.Modality, &a.BodySite,
				&a.UID, &a.URI, &a.SHA256, &a.Bytes, &from)
			a.EncounterID, a.DerivedFrom = int64Or0(enc), int64Or0(from)
			return a, err
		})
}

// Predictions returns the predictions made for the patient, oldest first.
func (p *Patients) Predictions(ctx context.Context, pid string) ([]patient.Prediction, error) {
	return personRows(ctx, p, "predictions", pid, `SELECT id, patient_id, study_id, run_id, outputs, report, created_at
		FROM predictions WHERE patient_id IN (%s) ORDER BY id`, func(r *sql.Rows) (patient.Prediction, error) {
		var x patient.Prediction
		var out string
		err := r.Scan(&x.ID, &x.PatientID, &x.StudyID, &x.RunID, &out, &x.Report, &x.CreatedAt)
		if err == nil {
			x.Outputs, err = unmarshalOutputs(out)
		}
		return x, err
	})
}

// marshalOutputs encodes a prediction's outputs as a JSON object; an
// output that is not a finite number (NaN: undefined, e.g. an ICER when
// the strategies do not differ; ±Inf) is stored as null, which JSON has
// for it, and read back as NaN.
func marshalOutputs(o map[string]float64) ([]byte, error) {
	m := make(map[string]*float64, len(o))
	for k, v := range o {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			m[k] = &v
		} else {
			m[k] = nil
		}
	}
	return json.Marshal(m)
}

func unmarshalOutputs(s string) (map[string]float64, error) {
	var m map[string]*float64
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	o := make(map[string]float64, len(m))
	for k, v := range m {
		o[k] = math.NaN()
		if v != nil {
			o[k] = *v
		}
	}
	return o, nil
}

// Studies returns the studies with ids in ids (all studies when ids is empty).
func (p *Patients) Studies(ctx context.Context, ids ...int64) ([]patient.Study, error) {
	q := `SELECT id, name, model, model_version, scenario_sha256, output, created_at FROM studies`
	args := make([]any, len(ids))
	if len(ids) > 0 {
		q += " WHERE id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
		for i, id := range ids {
			args[i] = id
		}
	}
	return readRows(ctx, p, "studies", "*", q+" ORDER BY id", func(r *sql.Rows) (patient.Study, error) {
		var s patient.Study
		return s, r.Scan(&s.ID, &s.Name, &s.Model, &s.ModelVersion, &s.ScenarioSHA256, &s.Output, &s.CreatedAt)
	}, args...)
}

// Counts returns the number of rows in each record table (for summaries
// and tests; not audited: it reads no record).
func (p *Patients) Counts(ctx context.Context) (map[string]int, error) {
	if err := p.Flush(ctx); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, t := range []string{"patients", "encounters", "observations", "conditions", "therapies", "procedures",
		"reports", "report_results", "assets", "studies", "predictions", "sources", "audit", "links", "tokens"} {
		var n int
		if err := p.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, nil
}
