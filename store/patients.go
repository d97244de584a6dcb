package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// patientMigrations is the schema of the patient store. Patients are known
// only by a pseudonym (see Patients.Pseudonym); no name, address or source
// identifier is stored. Times are FHIR date/dateTime strings as received
// (possibly partial, with their original offset).
var patientMigrations = []string{`
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
`}

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
// recorded in the audit table under the store's actor (see As).
type Patients struct {
	db    *sql.DB
	key   []byte // pseudonymisation key, kept in table meta
	actor string
}

// OpenPatients opens (creating it and its folder if needed) the patient
// store at path. actor names who reads and writes through the returned
// value in the audit log, e.g. "mdtwin ingest".
func OpenPatients(path, actor string) (*Patients, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	db, err := Open(path, patientMigrations)
	if err != nil {
		return nil, err
	}
	p := &Patients{db: db, actor: actor}
	if p.key, err = pseudonymKey(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// pseudonymKey reads the store's secret key, creating it on first use.
func pseudonymKey(db *sql.DB) ([]byte, error) {
	var s string
	err := db.QueryRow(`SELECT value FROM meta WHERE key = 'pseudonym_key'`).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		k := make([]byte, 32)
		rand.Read(k)
		s = hex.EncodeToString(k)
		_, err = db.Exec(`INSERT INTO meta(key, value) VALUES ('pseudonym_key', ?)`, s)
	}
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(s)
}

// Close closes the store.
func (p *Patients) Close() error { return p.db.Close() }

// As returns a view of the store that records reads and writes under actor.
func (p *Patients) As(actor string) *Patients {
	q := *p
	q.actor = actor
	return &q
}

// Pseudonym returns the patient id for a source identifier (for FHIR,
// "<identifier system>|<value>"): "p" followed by 20 base32 characters of
// an HMAC-SHA256 of the identifier under the store's secret key. The same
// identifier gives the same pseudonym in the same store; the identifier
// cannot be read back from it, and another store gives another pseudonym.
// Whoever holds the store file holds the key: the store is pseudonymous,
// not anonymous.
func (p *Patients) Pseudonym(identifier string) string {
	return "p" + strings.ToLower(base32.StdEncoding.EncodeToString(p.mac("patient", identifier))[:20])
}

func (p *Patients) mac(domain, s string) []byte {
	h := hmac.New(sha256.New, p.key)
	h.Write([]byte(domain + "\x00" + s))
	return h.Sum(nil)
}

// sourceKey is the stored key of a source record ("<Type>/<id>").
func (p *Patients) sourceKey(src string) string { return hex.EncodeToString(p.mac("source", src)) }

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func (p *Patients) audit(ctx context.Context, db execer, action, kind, record, pid, detail string) error {
	_, err := db.ExecContext(ctx, `INSERT INTO audit(at, actor, action, kind, record, patient_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, now(), p.actor, action, kind, record, pid, detail)
	return err
}

// Code is one coding of a concept (e.g. LOINC 8302-2 "Body Height").
type Code struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// Coded is a concept with every coding kept; the first is the primary one,
// stored in the system/code/display columns.
type Coded []Code

// Primary returns the first coding, or a zero Code.
func (c Coded) Primary() Code {
	if len(c) == 0 {
		return Code{}
	}
	return c[0]
}

func (c Coded) columns() []any {
	b, _ := json.Marshal(c)
	if c == nil {
		b = []byte("[]")
	}
	pc := c.Primary()
	return []any{pc.System, pc.Code, pc.Display, string(b)}
}

func scanCoded(system, code, display, codings string) Coded {
	var c Coded
	if json.Unmarshal([]byte(codings), &c) != nil || len(c) == 0 {
		if system == "" && code == "" && display == "" {
			return nil
		}
		c = Coded{{system, code, display}}
	}
	return c
}

// Patient is a patient's demographic row.
type Patient struct {
	ID        string // pseudonym
	BirthDate string // FHIR date
	Sex       string // male, female, other, unknown
	Deceased  string // date of death, '' when alive or unknown
}

// Encounter is a contact with care (FHIR Encounter).
type Encounter struct {
	ID         int64
	PatientID  string
	Class      string // e.g. AMB, IMP, EMER
	Type       Coded
	Start, End string
	Status     string
}

// Observation is a measurement or finding (FHIR Observation); components
// (e.g. systolic and diastolic blood pressure) are observations of their own.
type Observation struct {
	ID          int64
	PatientID   string
	EncounterID int64 // 0: none
	ParentID    int64 // the observation this is a component of, 0: none
	Category    string
	Code        Coded
	Time        string
	Value       *float64 // numeric value, nil when not numeric
	ValueText   string   // string value, or the display of a coded one
	ValueCode   Code     // coded value
	Unit        string   // UCUM code where given, else the unit text
	Status      string
	Components  []Observation // written with the observation; read back as rows of their own
}

// Condition is a diagnosis, problem or event such as an MS relapse.
type Condition struct {
	ID                 int64
	PatientID          string
	EncounterID        int64
	Code               Coded
	Onset, Abatement   string
	Recorded           string
	ClinicalStatus     string
	VerificationStatus string
}

// Therapy is a medication (request, statement or registry therapy line)
// with its start and stop.
type Therapy struct {
	ID          int64
	PatientID   string
	EncounterID int64
	Drug        Coded
	Start, Stop string // Stop '' when open or unknown
	Status      string
	Origin      string // MedicationRequest, MedicationStatement, registry
}

// Procedure is a procedure performed on the patient.
type Procedure struct {
	ID          int64
	PatientID   string
	EncounterID int64
	Code        Coded
	Start, End  string
	Status      string
}

// Report is a diagnostic report and the observations it groups.
type Report struct {
	ID          int64
	PatientID   string
	EncounterID int64
	Code        Coded
	Time        string
	Status      string
	Conclusion  string
	Results     []int64 // observation ids
}

// Asset is an imaging study or a file derived for the patient (mesh,
// connectome, fibrosis field) with its checksum.
type Asset struct {
	ID          int64
	PatientID   string
	EncounterID int64
	Kind        string // imaging-study, mesh, connectome, field, ...
	Description string
	Time        string
	Modality    string
	BodySite    string
	UID         string // e.g. DICOM study instance UID
	URI         string // file location; '' for an imaging study
	SHA256      string // hex digest of the file; '' for an imaging study
	Bytes       int64
	DerivedFrom int64 // asset id, 0: none
}

// Study is a simulation study whose runs made predictions for patients.
type Study struct {
	ID             int64
	Name           string
	Model          string
	ModelVersion   string
	ScenarioSHA256 string
	Output         string
	CreatedAt      string
}

// Prediction is one run's outputs for a patient within a study.
type Prediction struct {
	ID        int64
	PatientID string
	StudyID   int64
	RunID     string
	Outputs   map[string]float64
	Report    string
	CreatedAt string
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

// Writer writes to the patient store in one transaction. Each ingest entry
// runs in Entry, under a savepoint: an entry that fails leaves nothing
// behind, the others stay.
type Writer struct {
	p  *Patients
	tx *sql.Tx
}

// Begin starts a write transaction; end it with Commit or Rollback.
func (p *Patients) Begin(ctx context.Context) (*Writer, error) {
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &Writer{p: p, tx: tx}, nil
}

// Commit commits the transaction.
func (w *Writer) Commit() error { return w.tx.Commit() }

// Rollback abandons the transaction (a no-op after Commit).
func (w *Writer) Rollback() error { return w.tx.Rollback() }

// Pseudonym is Patients.Pseudonym.
func (w *Writer) Pseudonym(identifier string) string { return w.p.Pseudonym(identifier) }

// Entry runs fn under a savepoint; if fn fails, its writes are undone and
// its error returned.
func (w *Writer) Entry(ctx context.Context, fn func() error) error {
	if _, err := w.tx.ExecContext(ctx, "SAVEPOINT entry"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rerr := w.tx.ExecContext(ctx, "ROLLBACK TO entry"); rerr != nil {
			return errors.Join(err, rerr)
		}
		w.tx.ExecContext(ctx, "RELEASE entry")
		return err
	}
	_, err := w.tx.ExecContext(ctx, "RELEASE entry")
	return err
}

// Source is what a source record ("<Type>/<id>", e.g. "Encounter/8169…")
// became in the store.
type Source struct {
	Kind      string // table
	RowID     int64
	PatientID string
}

// Lookup finds the record made from the source record src.
func (w *Writer) Lookup(ctx context.Context, src string) (Source, bool, error) {
	var s Source
	err := w.tx.QueryRowContext(ctx, `SELECT kind, row_id, patient_id FROM sources WHERE key = ?`,
		w.p.sourceKey(src)).Scan(&s.Kind, &s.RowID, &s.PatientID)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	return s, err == nil, err
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

// put writes the record made from source src into table: an insert the
// first time, an update when the values changed, nothing otherwise. extra
// is hashed with vals (children written by the caller on Added/Updated).
func (w *Writer) put(ctx context.Context, src, table, pid string, cols []string, vals []any, extra any) (int64, Change, error) {
	key := w.p.sourceKey(src)
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
		return id, Updated, w.p.audit(ctx, w.tx, "write", table, strconv.FormatInt(id, 10), pid, "updated")
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
	if _, err := w.tx.ExecContext(ctx, `INSERT INTO sources(key, kind, row_id, patient_id, digest, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, key, table, id, pid, dg, now()); err != nil {
		return 0, 0, err
	}
	return id, Added, w.p.audit(ctx, w.tx, "write", table, strconv.FormatInt(id, 10), pid, "added")
}

// PutPatient writes the patient made from source record src. A new source
// record gets the pseudonym of identifier (see Pseudonym); a known one keeps
// the pseudonym it was given. It returns the patient id.
func (w *Writer) PutPatient(ctx context.Context, src, identifier string, pt Patient) (string, Change, error) {
	key := w.p.sourceKey(src)
	dg := digest([]any{"patients", pt.BirthDate, pt.Sex, pt.Deceased})
	var pid, old string
	err := w.tx.QueryRowContext(ctx, `SELECT patient_id, digest FROM sources WHERE key = ?`, key).Scan(&pid, &old)
	switch {
	case err == nil && old == dg:
		return pid, Unchanged, nil
	case errors.Is(err, sql.ErrNoRows):
		pid = w.p.Pseudonym(identifier)
	case err != nil:
		return "", 0, err
	}
	t := now()
	res, err := w.tx.ExecContext(ctx, `INSERT INTO patients(id, birth_date, sex, deceased, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET birth_date = excluded.birth_date,
		sex = excluded.sex, deceased = excluded.deceased, updated_at = excluded.updated_at
		WHERE (birth_date, sex, deceased) IS NOT (excluded.birth_date, excluded.sex, excluded.deceased)`,
		pid, pt.BirthDate, pt.Sex, pt.Deceased, t, t)
	if err != nil {
		return "", 0, err
	}
	if _, err := w.tx.ExecContext(ctx, `INSERT INTO sources(key, kind, row_id, patient_id, digest, updated_at)
		VALUES (?, 'patients', 0, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET digest = excluded.digest,
		updated_at = excluded.updated_at`, key, pid, dg, t); err != nil {
		return "", 0, err
	}
	ch := Updated
	if old == "" {
		ch = Added
	}
	if n, _ := res.RowsAffected(); n > 0 || ch == Added {
		if err := w.p.audit(ctx, w.tx, "write", "patients", pid, pid, ch.String()); err != nil {
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

// PutEncounter writes the encounter made from source record src.
func (w *Writer) PutEncounter(ctx context.Context, src string, e Encounter) (int64, Change, error) {
	return w.put(ctx, src, "encounters", e.PatientID,
		[]string{"patient_id", "class", "system", "code", "display", "codings", "start_time", "end_time", "status"},
		append(append([]any{e.PatientID, e.Class}, e.Type.columns()...), e.Start, e.End, e.Status), nil)
}

var observationCols = []string{"patient_id", "encounter_id", "parent_id", "category", "system", "code", "display", "codings",
	"time", "value", "value_text", "value_system", "value_code", "unit", "status"}

func (o Observation) values(parent int64) []any {
	var v any
	if o.Value != nil {
		v = *o.Value
	}
	return append(append([]any{o.PatientID, nullID(o.EncounterID), nullID(parent), o.Category}, o.Code.columns()...),
		o.Time, v, o.ValueText, o.ValueCode.System, o.ValueCode.Code, o.Unit, o.Status)
}

// PutObservation writes the observation made from source record src, with
// its components.
func (w *Writer) PutObservation(ctx context.Context, src string, o Observation) (int64, Change, error) {
	var comps [][]any
	for _, c := range o.Components {
		c.PatientID, c.EncounterID, c.Time, c.Status = o.PatientID, o.EncounterID, o.Time, o.Status
		comps = append(comps, c.values(0))
	}
	id, ch, err := w.put(ctx, src, "observations", o.PatientID, observationCols, o.values(o.ParentID), comps)
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

// PutCondition writes the condition made from source record src.
func (w *Writer) PutCondition(ctx context.Context, src string, c Condition) (int64, Change, error) {
	return w.put(ctx, src, "conditions", c.PatientID,
		[]string{"patient_id", "encounter_id", "system", "code", "display", "codings", "onset", "abatement", "recorded",
			"clinical_status", "verification_status"},
		append(append([]any{c.PatientID, nullID(c.EncounterID)}, c.Code.columns()...),
			c.Onset, c.Abatement, c.Recorded, c.ClinicalStatus, c.VerificationStatus), nil)
}

// PutTherapy writes the therapy made from source record src.
func (w *Writer) PutTherapy(ctx context.Context, src string, t Therapy) (int64, Change, error) {
	return w.put(ctx, src, "therapies", t.PatientID,
		[]string{"patient_id", "encounter_id", "system", "code", "display", "codings", "start_time", "stop_time", "status", "origin"},
		append(append([]any{t.PatientID, nullID(t.EncounterID)}, t.Drug.columns()...), t.Start, t.Stop, t.Status, t.Origin), nil)
}

// PutProcedure writes the procedure made from source record src.
func (w *Writer) PutProcedure(ctx context.Context, src string, pr Procedure) (int64, Change, error) {
	return w.put(ctx, src, "procedures", pr.PatientID,
		[]string{"patient_id", "encounter_id", "system", "code", "display", "codings", "start_time", "end_time", "status"},
		append(append([]any{pr.PatientID, nullID(pr.EncounterID)}, pr.Code.columns()...), pr.Start, pr.End, pr.Status), nil)
}

// PutReport writes the diagnostic report made from source record src and
// links it to its result observations.
func (w *Writer) PutReport(ctx context.Context, src string, r Report) (int64, Change, error) {
	id, ch, err := w.put(ctx, src, "reports", r.PatientID,
		[]string{"patient_id", "encounter_id", "system", "code", "display", "codings", "time", "status", "conclusion"},
		append(append([]any{r.PatientID, nullID(r.EncounterID)}, r.Code.columns()...), r.Time, r.Status, r.Conclusion), r.Results)
	if err != nil || ch == Unchanged {
		return id, ch, err
	}
	if _, err := w.tx.ExecContext(ctx, `DELETE FROM report_results WHERE report_id = ?`, id); err != nil {
		return 0, 0, err
	}
	for _, o := range r.Results {
		if _, err := w.tx.ExecContext(ctx, `INSERT OR IGNORE INTO report_results(report_id, observation_id) VALUES (?, ?)`, id, o); err != nil {
			return 0, 0, err
		}
	}
	return id, ch, nil
}

// PutAsset writes the asset made from source record src. Assets other than
// imaging studies must carry their file's SHA-256.
func (w *Writer) PutAsset(ctx context.Context, src string, a Asset) (int64, Change, error) {
	if a.Kind != "imaging-study" && len(a.SHA256) != 64 {
		return 0, 0, fmt.Errorf("asset %q (%s) has no SHA-256 checksum", a.Description, a.Kind)
	}
	return w.put(ctx, src, "assets", a.PatientID,
		[]string{"patient_id", "encounter_id", "kind", "description", "time", "modality", "body_site", "uid", "uri", "sha256", "bytes", "derived_from"},
		[]any{a.PatientID, nullID(a.EncounterID), a.Kind, a.Description, a.Time, a.Modality, a.BodySite, a.UID, a.URI,
			a.SHA256, a.Bytes, nullID(a.DerivedFrom)}, nil)
}

// AddStudy records a study and returns its id.
func (w *Writer) AddStudy(ctx context.Context, s Study) (int64, error) {
	res, err := w.tx.ExecContext(ctx, `INSERT INTO studies(name, model, model_version, scenario_sha256, output, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, s.Name, s.Model, s.ModelVersion, s.ScenarioSHA256, s.Output, now())
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, w.p.audit(ctx, w.tx, "write", "studies", strconv.FormatInt(id, 10), "", "added")
}

// AddPrediction records a prediction made for a patient in a study.
func (w *Writer) AddPrediction(ctx context.Context, pr Prediction) (int64, error) {
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
	return id, w.p.audit(ctx, w.tx, "write", "predictions", strconv.FormatInt(id, 10), pr.PatientID, "added")
}

// Reads. Each read is recorded in the audit log: one row per table and
// patient read.

func readRows[T any](ctx context.Context, p *Patients, kind, pid, q string, scan func(*sql.Rows) (T, error), args ...any) ([]T, error) {
	if err := p.audit(ctx, p.db, "read", kind, pid, pid, ""); err != nil {
		return nil, err
	}
	rows, err := p.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
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

func scanPatient(r *sql.Rows) (Patient, error) {
	var p Patient
	return p, r.Scan(&p.ID, &p.BirthDate, &p.Sex, &p.Deceased)
}

// PatientList returns every patient, ordered by id.
func (p *Patients) PatientList(ctx context.Context) ([]Patient, error) {
	return readRows(ctx, p, "patients", "*",
		`SELECT id, birth_date, sex, deceased FROM patients ORDER BY id`, scanPatient)
}

// Patient returns one patient; ok is false if there is none with that id.
func (p *Patients) Patient(ctx context.Context, pid string) (pt Patient, ok bool, err error) {
	ps, err := readRows(ctx, p, "patients", pid,
		`SELECT id, birth_date, sex, deceased FROM patients WHERE id = ?`, scanPatient, pid)
	if err != nil || len(ps) == 0 {
		return Patient{}, false, err
	}
	return ps[0], true, nil
}

type codeCols struct{ system, code, display, codings string }

func (c *codeCols) ptrs() []any  { return []any{&c.system, &c.code, &c.display, &c.codings} }
func (c *codeCols) coded() Coded { return scanCoded(c.system, c.code, c.display, c.codings) }

func int64Or0(n sql.NullInt64) int64 { return n.Int64 }

// Encounters returns the patient's encounters by start time.
func (p *Patients) Encounters(ctx context.Context, pid string) ([]Encounter, error) {
	return readRows(ctx, p, "encounters", pid, `SELECT id, patient_id, class, system, code, display, codings, start_time,
		end_time, status FROM encounters WHERE patient_id = ? ORDER BY start_time, id`, func(r *sql.Rows) (Encounter, error) {
		var e Encounter
		var c codeCols
		err := r.Scan(append(append([]any{&e.ID, &e.PatientID, &e.Class}, c.ptrs()...), &e.Start, &e.End, &e.Status)...)
		e.Type = c.coded()
		return e, err
	}, pid)
}

// Observations returns the patient's observations (components included,
// each with its ParentID) by time.
func (p *Patients) Observations(ctx context.Context, pid string) ([]Observation, error) {
	return readRows(ctx, p, "observations", pid, `SELECT id, patient_id, encounter_id, parent_id, category, system, code,
		display, codings, time, value, value_text, value_system, value_code, unit, status
		FROM observations WHERE patient_id = ? ORDER BY time, id`, func(r *sql.Rows) (Observation, error) {
		var o Observation
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
	}, pid)
}

// Conditions returns the patient's conditions by onset.
func (p *Patients) Conditions(ctx context.Context, pid string) ([]Condition, error) {
	return readRows(ctx, p, "conditions", pid, `SELECT id, patient_id, encounter_id, system, code, display, codings, onset,
		abatement, recorded, clinical_status, verification_status FROM conditions WHERE patient_id = ? ORDER BY onset, id`,
		func(r *sql.Rows) (Condition, error) {
			var x Condition
			var c codeCols
			var enc sql.NullInt64
			err := r.Scan(append(append([]any{&x.ID, &x.PatientID, &enc}, c.ptrs()...),
				&x.Onset, &x.Abatement, &x.Recorded, &x.ClinicalStatus, &x.VerificationStatus)...)
			x.Code, x.EncounterID = c.coded(), int64Or0(enc)
			return x, err
		}, pid)
}

// Therapies returns the patient's therapies by start.
func (p *Patients) Therapies(ctx context.Context, pid string) ([]Therapy, error) {
	return readRows(ctx, p, "therapies", pid, `SELECT id, patient_id, encounter_id, system, code, display, codings,
		start_time, stop_time, status, origin FROM therapies WHERE patient_id = ? ORDER BY start_time, id`,
		func(r *sql.Rows) (Therapy, error) {
			var x Therapy
			var c codeCols
			var enc sql.NullInt64
			err := r.Scan(append(append([]any{&x.ID, &x.PatientID, &enc}, c.ptrs()...), &x.Start, &x.Stop, &x.Status, &x.Origin)...)
			x.Drug, x.EncounterID = c.coded(), int64Or0(enc)
			return x, err
		}, pid)
}

// Procedures returns the patient's procedures by start.
func (p *Patients) Procedures(ctx context.Context, pid string) ([]Procedure, error) {
	return readRows(ctx, p, "procedures", pid, `SELECT id, patient_id, encounter_id, system, code, display, codings,
		start_time, end_time, status FROM procedures WHERE patient_id = ? ORDER BY start_time, id`,
		func(r *sql.Rows) (Procedure, error) {
			var x Procedure
			var c codeCols
			var enc sql.NullInt64
			err := r.Scan(append(append([]any{&x.ID, &x.PatientID, &enc}, c.ptrs()...), &x.Start, &x.End, &x.Status)...)
			x.Code, x.EncounterID = c.coded(), int64Or0(enc)
			return x, err
		}, pid)
}

// Reports returns the patient's diagnostic reports by time, with their
// result observation ids.
func (p *Patients) Reports(ctx context.Context, pid string) ([]Report, error) {
	return readRows(ctx, p, "reports", pid, `SELECT id, patient_id, encounter_id, system, code, display, codings, time,
		status, conclusion, (SELECT COALESCE(json_group_array(observation_id), '[]') FROM
		(SELECT observation_id FROM report_results WHERE report_id = reports.id ORDER BY observation_id))
		FROM reports WHERE patient_id = ? ORDER BY time, id`,
		func(r *sql.Rows) (Report, error) {
			var x Report
			var c codeCols
			var enc sql.NullInt64
			var res string
			err := r.Scan(append(append([]any{&x.ID, &x.PatientID, &enc}, c.ptrs()...), &x.Time, &x.Status, &x.Conclusion, &res)...)
			x.Code, x.EncounterID = c.coded(), int64Or0(enc)
			if err == nil {
				err = json.Unmarshal([]byte(res), &x.Results)
			}
			return x, err
		}, pid)
}

// Assets returns the patient's imaging studies and derived assets by time.
func (p *Patients) Assets(ctx context.Context, pid string) ([]Asset, error) {
	return readRows(ctx, p, "assets", pid, `SELECT id, patient_id, encounter_id, kind, description, time, modality,
		body_site, uid, uri, sha256, bytes, derived_from FROM assets WHERE patient_id = ? ORDER BY time, id`,
		func(r *sql.Rows) (Asset, error) {
			var a Asset
			var enc, from sql.NullInt64
			err := r.Scan(&a.ID, &a.PatientID, &enc, &a.Kind, &a.Description, &a.Time, &a.Modality, &a.BodySite,
				&a.UID, &a.URI, &a.SHA256, &a.Bytes, &from)
			a.EncounterID, a.DerivedFrom = int64Or0(enc), int64Or0(from)
			return a, err
		}, pid)
}

// Predictions returns the predictions made for the patient, oldest first.
func (p *Patients) Predictions(ctx context.Context, pid string) ([]Prediction, error) {
	return readRows(ctx, p, "predictions", pid, `SELECT id, patient_id, study_id, run_id, outputs, report, created_at
		FROM predictions WHERE patient_id = ? ORDER BY id`, func(r *sql.Rows) (Prediction, error) {
		var x Prediction
		var out string
		err := r.Scan(&x.ID, &x.PatientID, &x.StudyID, &x.RunID, &out, &x.Report, &x.CreatedAt)
		if err == nil {
			x.Outputs, err = unmarshalOutputs(out)
		}
		return x, err
	}, pid)
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
func (p *Patients) Studies(ctx context.Context, ids ...int64) ([]Study, error) {
	q := `SELECT id, name, model, model_version, scenario_sha256, output, created_at FROM studies`
	args := make([]any, len(ids))
	if len(ids) > 0 {
		q += " WHERE id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
		for i, id := range ids {
			args[i] = id
		}
	}
	return readRows(ctx, p, "studies", "*", q+" ORDER BY id", func(r *sql.Rows) (Study, error) {
		var s Study
		return s, r.Scan(&s.ID, &s.Name, &s.Model, &s.ModelVersion, &s.ScenarioSHA256, &s.Output, &s.CreatedAt)
	}, args...)
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	Seq       int64
	At        string
	Actor     string
	Action    string // read, write
	Kind      string // table
	Record    string
	PatientID string
	Detail    string
}

// Audit returns the audit log of one patient (all entries when pid is ""),
// oldest first. Reading the log is not itself logged.
func (p *Patients) Audit(ctx context.Context, pid string) ([]AuditEntry, error) {
	q := `SELECT seq, at, actor, action, kind, record, patient_id, detail FROM audit`
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
		var a AuditEntry
		if err := rows.Scan(&a.Seq, &a.At, &a.Actor, &a.Action, &a.Kind, &a.Record, &a.PatientID, &a.Detail); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Counts returns the number of rows in each record table (for summaries
// and tests; not audited: it reads no record).
func (p *Patients) Counts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, t := range []string{"patients", "encounters", "observations", "conditions", "therapies", "procedures",
		"reports", "report_results", "assets", "studies", "predictions", "sources", "audit"} {
		var n int
		if err := p.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, nil
}
