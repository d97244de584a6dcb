package dashboard

import (
	"bytes"
	"cmp"
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/smart"
	"github.com/mdtwin/mdtwin/prediction"
	"github.com/mdtwin/mdtwin/report"
	"github.com/mdtwin/mdtwin/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure a Server. Store is required.
type Options struct {
	// Store is the patient store. Every read and write of a record goes
	// through it, so each is in its audit log under its actor.
	Store *store.Patients
	// StudiesDir is the folder where runs started from the dashboard write
	// their outputs, one folder per run.
	StudiesDir string
	// Token, when set, is a bearer token accepted on every request (an
	// Authorization: Bearer header or the cookie that opening any page with
	// ?token= sets), recorded in the audit log as TokenName ("--token" by
	// default). It must be at least MinTokenLen characters.
	Token     string
	TokenName string
	// StoreTokens accepts the store's named tokens (store.Patients.NewToken),
	// each recorded in the audit log under its name. With Token or
	// StoreTokens, every request needs a valid token; with neither, only
	// requests addressed to a loopback host are served.
	StoreTokens bool
	// MaxFailures is how many failed token attempts an address may make
	// within FailureWindow before its requests are refused (429) until
	// FailureWindow after its last failure (defaults 10 and 15 minutes).
	MaxFailures   int
	FailureWindow time.Duration
	// Workers is the number of in-process workers of a run (default 1).
	Workers int
	// Log receives one line per request and per run, with pseudonymous
	// patient ids only (no record content). Nil: discard.
	Log *slog.Logger
	// SMART, when set, makes the dashboard a SMART on FHIR app that EHRs
	// launch and embed (see SMART).
	SMART *SMART
	// ReferenceCohorts are the cohorts the similar-patients panel offers
	// (similar.go); nil: prediction.DefaultReferenceCohorts.
	ReferenceCohorts []ReferenceCohort
}

// Server is the dashboard: an http.Handler. Close stops its runs.
type Server struct {
	ps          *store.Patients
	studiesDir  string
	token       string
	tokenName   string
	storeTokens bool
	failures    *failures
	workers     int
	log         *slog.Logger
	mux         *http.ServeMux
	pages       map[string]*template.Template
	smart       *SMART
	smartState  *smartState
	cohorts     []ReferenceCohort

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	slot   chan struct{} // one run at a time
	mu     sync.Mutex
	seq    int
	jobs   map[string]*job
}

// Loopback reports whether addr (host:port) listens on a loopback
// address only: 127.0.0.0/8, ::1 or localhost. An empty host (every
// interface) or any other name is not loopback.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// MinTokenLen is the shortest token accepted with Options.Token: 22
// base64url characters carry 132 bits when random (mdtwin serve
// --new-token makes 43).
const MinTokenLen = 22

// CheckToken refuses a token shorter than MinTokenLen ("" is no token).
func CheckToken(token string) error {
	if token != "" && len(token) < MinTokenLen {
		return fmt.Errorf("the token is %d characters: at least %d are required (128 bits); 'mdtwin serve --new-token NAME' makes one",
			len(token), MinTokenLen)
	}
	return nil
}

// CheckAddr returns an error when addr is beyond loopback and there is no
// token, or no TLS: the dashboard refuses to serve records to the network
// unguarded or in clear text.
func CheckAddr(addr string, haveToken, tls bool) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("--addr %q: expected host:port, e.g. 127.0.0.1:8080", addr)
	}
	if Loopback(addr) {
		return nil
	}
	if !haveToken {
		return fmt.Errorf("--addr %s is beyond loopback: a bearer token is required ('mdtwin serve --new-token NAME', or --token or $MDTWIN_TOKEN)", addr)
	}
	if !tls {
		return fmt.Errorf("--addr %s is beyond loopback: TLS is required (--tls-cert and --tls-key, or --tls-self-signed for a pilot on a LAN)", addr)
	}
	return nil
}

// New returns the dashboard over opt.Store.
func New(opt Options) (*Server, error) {
	if opt.Store == nil {
		return nil, errors.New("dashboard: no patient store")
	}
	if err := CheckToken(opt.Token); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	if err := checkSMART(opt.SMART); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	s := &Server{ps: opt.Store, studiesDir: cmp.Or(opt.StudiesDir, "studies"), token: opt.Token,
		tokenName: cmp.Or(opt.TokenName, "--token"), storeTokens: opt.StoreTokens,
		failures: newFailures(cmp.Or(opt.MaxFailures, 10), cmp.Or(opt.FailureWindow, 15*time.Minute)),
		workers:  max(opt.Workers, 1), log: opt.Log, slot: make(chan struct{}, 1), jobs: map[string]*job{},
		pages: map[string]*template.Template{}, smart: opt.SMART, cohorts: opt.ReferenceCohorts,
		smartState: &smartState{pending: map[string]*smart.Pending{}, sessions: map[string]*smartSession{}}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	funcs := template.FuncMap{"day": day, "short": func(h string) string { return h[:min(len(h), 12)] },
		"add": func(a, b float64) float64 { return a + b }, "sub": func(a, b float64) float64 { return a - b }, "trunc": trunc, "plural": plural}
	for _, p := range []string{"patients.html", "patient.html", "job.html", "error.html"} {
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/similar.html", "templates/"+p)
		if err != nil {
			return nil, err
		}
		s.pages[p] = t
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	m := http.NewServeMux()
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /{$}", s.patientList)
	m.HandleFunc("GET /patients/{pid}", s.patientPage)
	m.HandleFunc("POST /patients/{pid}/runs", s.startRun)
	m.HandleFunc("GET /patients/{pid}/predictions/{id}/report", s.predictionReport)
	m.HandleFunc("GET /jobs/{id}", s.jobPage)
	m.HandleFunc("GET /api/jobs/{id}", s.jobJSON)
	s.viewerRoutes(m)
	if s.smart != nil {
		m.HandleFunc("GET /smart/launch", s.smartLaunch)
		m.HandleFunc("GET /smart/callback", s.smartCallback)
		m.HandleFunc("POST /smart/refresh", s.smartRefresh)
	}
	s.mux = m
	return s, nil
}

// Close cancels the runs in progress and waits for them to stop.
func (s *Server) Close() {
	s.cancel()
	s.wg.Wait()
}

// statusWriter records the status code for the request log.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// ServeHTTP authorises the request, serves it and logs it: method, path
// (which holds pseudonymous ids only; the query, which may hold a search
// term, is not logged), status and duration. The handlers read and write
// through a view of the store that records the client's address and the
// name of its token in the audit log.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	h := sw.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin") // not "no-referrer": that makes the Origin of a form POST "null"
	h.Set("Cache-Control", "no-store")
	// Embedding: only the configured EHR origins may frame the dashboard
	// (CSP frame-ancestors, which browsers that know it obey instead of
	// X-Frame-Options); browsers that know only X-Frame-Options refuse
	// every frame.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; form-action 'self'; frame-ancestors "+s.frameAncestors())
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if name, ok := s.authorize(sw, r); ok {
		view := s.ps.ForClient(r.RemoteAddr, name)
		s.mux.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), viewKey{}, view)))
	}
	s.log.Info("http", "method", r.Method, "path", r.URL.Path, "status", sw.code, "ms", time.Since(start).Milliseconds())
}

type viewKey struct{}

// store is the view of the store for request r (see ServeHTTP).
func (s *Server) store(r *http.Request) *store.Patients {
	if v, ok := r.Context().Value(viewKey{}).(*store.Patients); ok {
		return v
	}
	return s.ps
}

const tokenCookie = "mdtwin_token"

// authRequired reports whether requests need a token.
func (s *Server) authRequired() bool { return s.token != "" || s.storeTokens }

// authorize checks the token (when the server needs one) or, without one,
// that the request is addressed to a loopback host (no DNS rebinding); and
// that a POST comes from the dashboard's own pages (no cross-site form).
// It returns the name of the token presented. An address that failed too
// often recently is refused (429) before its token is looked at.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := ""
	sess := s.session(r)
	if sess != nil {
		name = "smart:" + sess.userName()
	}
	launchFlow := s.smart != nil && (r.URL.Path == "/smart/launch" || r.URL.Path == "/smart/callback")
	if !s.authRequired() {
		host := r.Host
		if h, _, err := net.SplitHostPort(r.Host); err == nil {
			host = h
		}
		if ip := net.ParseIP(strings.Trim(host, "[]")); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "forbidden: the dashboard answers to loopback host names only", http.StatusForbidden)
			return "", false
		}
	} else if launchFlow || (sess != nil && sessionAllows(sess, r) && r.Header.Get("Authorization") == "") {
		// The SMART launch itself needs no token; a launched session may see
		// its patient only.
	} else {
		client := clientIP(r)
		if wait := s.failures.blocked(client); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			http.Error(w, "too many failed attempts from this address: try again later", http.StatusTooManyRequests)
			return "", false
		}
		got, fromQuery := presented(r)
		var ok bool
		name, ok = s.validToken(r.Context(), got)
		if !ok {
			if got != "" {
				s.failures.fail(client)
				s.log.Warn("failed token", "client", client)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="mdtwin"`)
			http.Error(w, "unauthorized: send Authorization: Bearer <token>, or open /?token=<token> once", http.StatusUnauthorized)
			return "", false
		}
		s.failures.succeed(client)
		if fromQuery {
			http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: got, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
			u := *r.URL
			v := u.Query()
			v.Del("token")
			u.RawQuery = v.Encode()
			http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
			return "", false
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			http.Error(w, "forbidden: cross-site request", http.StatusForbidden)
			return "", false
		}
		if o := r.Header.Get("Origin"); o != "" {
			if u, err := url.Parse(o); err != nil || u.Host != r.Host {
				http.Error(w, "forbidden: cross-origin request", http.StatusForbidden)
				return "", false
			}
		}
	}
	return name, true
}

// presented returns the token of the request: its Authorization header,
// else its cookie, else its ?token= (fromQuery).
func presented(r *http.Request) (tok string, fromQuery bool) {
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		return strings.TrimPrefix(a, "Bearer "), false
	}
	if c, err := r.Cookie(tokenCookie); err == nil && c.Value != "" {
		return c.Value, false
	}
	if q := r.URL.Query().Get("token"); q != "" {
		return q, true
	}
	return "", false
}

// validToken returns the name of token got: Options.Token's, or a valid
// named token of the store's.
func (s *Server) validToken(ctx context.Context, got string) (string, bool) {
	if got == "" {
		return "", false
	}
	if s.token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) == 1 {
		return s.tokenName, true
	}
	if s.storeTokens {
		name, ok, err := s.ps.TokenName(ctx, got)
		if err != nil {
			s.log.Error("token lookup", "error_type", fmt.Sprintf("%T", err))
		}
		return name, ok && err == nil
	}
	return "", false
}

// clientIP is the address of the request's peer (no port; proxies'
// headers are not trusted).
func clientIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// render executes a page into a buffer first, so a template error gives a
// clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, code int, page string, data any) {
	var b bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&b, "layout", data); err != nil {
		s.log.Error("template", "page", page, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

func (s *Server) fail(w http.ResponseWriter, code int, msg string) {
	s.render(w, code, "error.html", map[string]any{"Title": http.StatusText(code), "Message": msg})
}

// internal reports a failure of the store or the file system; the detail
// goes to neither the log nor the page, as it may quote a record.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.Error(what, "path", r.URL.Path, "error_type", fmt.Sprintf("%T", err))
	s.fail(w, http.StatusInternalServerError, what+" failed")
}

// ---- pages ----

func (s *Server) patientList(w http.ResponseWriter, r *http.Request) {
	all, err := s.store(r).PatientList(r.Context())
	if err != nil {
		s.internal(w, r, "reading the patient list", err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	var shown []patient.Patient
	for _, p := range all {
		if q == "" || matches(p, q) {
			shown = append(shown, p)
		}
	}
	s.render(w, http.StatusOK, "patients.html", map[string]any{"Title": "Patients", "Query": q, "Patients": shown, "Total": len(all)})
}

// matches reports whether every word of q is in the patient's id, sex,
// birth date or date of death (case-insensitive).
func matches(p patient.Patient, q string) bool {
	hay := strings.ToLower(strings.Join([]string{p.ID, p.Sex, p.BirthDate, p.Deceased}, " "))
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// predictionRow is a prediction with its study, for the patient page.
type predictionRow struct {
	patient.Prediction
	Study   patient.Study
	Outputs []output
}

type output struct {
	Name  string
	Value string
}

// record reads patient pid's record, or answers 404 when the store has
// no such patient (500 for any other failure) and returns false.
func (s *Server) record(w http.ResponseWriter, r *http.Request, pid string) (*patient.Record, bool) {
	rec, err := s.store(r).Record(r.Context(), pid)
	if err == nil {
		return rec, true
	}
	if _, ok, perr := s.store(r).Patient(r.Context(), pid); perr == nil && !ok {
		s.fail(w, http.StatusNotFound, "no patient "+pid+" in the store")
		return nil, false
	}
	s.internal(w, r, "reading the record", err)
	return nil, false
}

func (s *Server) patientPage(w http.ResponseWriter, r *http.Request) {
	pid := r.PathValue("pid")
	rec, ok := s.record(w, r, pid)
	if !ok {
		return
	}
	studies := map[int64]patient.Study{}
	for _, st := range rec.Studies {
		studies[st.ID] = st
	}
	var preds []predictionRow
	for i := len(rec.Predictions) - 1; i >= 0; i-- { // newest first
		p := rec.Predictions[i]
		row := predictionRow{Prediction: p, Study: studies[p.StudyID]}
		for _, k := range slices.Sorted(maps.Keys(p.Outputs)) {
			row.Outputs = append(row.Outputs, output{k, fmtValue(p.Outputs[k])})
		}
		preds = append(preds, row)
	}
	var jobs []jobStatus
	s.mu.Lock()
	for _, j := range s.jobs {
		if j.PatientID == pid {
			jobs = append(jobs, j.status())
		}
	}
	s.mu.Unlock()
	slices.SortFunc(jobs, func(a, b jobStatus) int { n, _ := strconv.Atoi(a.ID); m, _ := strconv.Atoi(b.ID); return m - n })
	offered, absent := prediction.ExamplesFor(rec)
	s.render(w, http.StatusOK, "patient.html", map[string]any{
		"Title": "Patient " + pid, "Rec": rec, "TL": newTimeline(rec), "Predictions": preds,
		"Forecasts": forecasts(rec), "Pictures": studyPictures(rec), "Examples": offered, "Absent": absent, "Jobs": jobs, "SMART": s.sessionUser(r, pid), "Similar": s.similar(r, rec),
	})
}

func (s *Server) startRun(w http.ResponseWriter, r *http.Request) {
	pid := r.PathValue("pid")
	rec, ok := s.record(w, r, pid)
	if !ok {
		return
	}
	// Only a scenario the patient page offers this patient may start: a
	// handmade POST of one the page lists as not available gets its reason.
	name := r.FormValue("scenario")
	offered, absent := prediction.ExamplesFor(rec)
	if !slices.ContainsFunc(offered, func(e prediction.Example) bool { return e.File == name }) {
		why := "not a bundled scenario for a patient"
		if i := slices.IndexFunc(absent, func(e prediction.Example) bool { return e.File == name }); i >= 0 {
			why = absent[i].Why
		}
		s.fail(w, http.StatusBadRequest, name+" cannot run for patient "+pid+": "+why)
		return
	}
	n := 0
	if v := strings.TrimSpace(r.FormValue("n_patients")); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 1_000_000 {
			s.fail(w, http.StatusBadRequest, "simulated patients: expected a whole number from 1 to 1,000,000")
			return
		}
	}
	j := s.startJob(s.store(r), pid, name, n)
	http.Redirect(w, r, "/jobs/"+j.ID, http.StatusSeeOther)
}

func (s *Server) job(id string) *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[id]
}

func (s *Server) jobPage(w http.ResponseWriter, r *http.Request) {
	j := s.job(r.PathValue("id"))
	if j == nil {
		s.fail(w, http.StatusNotFound, "no such run")
		return
	}
	s.render(w, http.StatusOK, "job.html", map[string]any{"Title": "Run " + j.ID, "Job": j.status()})
}

func (s *Server) jobJSON(w http.ResponseWriter, r *http.Request) {
	j := s.job(r.PathValue("id"))
	if j == nil {
		http.Error(w, `{"error":"no such run"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(j.status())
}

// predictionReport serves the prediction's report: the HTML file recorded
// with the prediction when it exists, else the patient's prediction report
// generated from the study's output folder (package report).
func (s *Server) predictionReport(w http.ResponseWriter, r *http.Request) {
	rec, pr, j, ok := s.prediction(w, r)
	if !ok {
		return
	}
	// A report page is self-contained: inline styles and SVG, no scripts.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors "+s.frameAncestors())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if pr.Report != "" {
		if b, err := os.ReadFile(pr.Report); err == nil {
			w.Write(b)
			return
		}
	}
	if j < 0 {
		s.fail(w, http.StatusNotFound, "the prediction's study is not in the store")
		return
	}
	st, err := report.LoadStudy(rec.Studies[j].Output)
	if err != nil {
		s.fail(w, http.StatusNotFound, "the study's output folder cannot be read (moved or deleted?)")
		return
	}
	var b bytes.Buffer
	if err := report.Patient(&b, rec, st); err != nil {
		s.internal(w, r, "writing the report", err)
		return
	}
	w.Write(b.Bytes())
}

// prediction finds the request's patient {pid} and prediction {id} in the
// store, and the index of the prediction's study in the record (-1: not
// there); when either is missing it answers 404 and ok is false.
func (s *Server) prediction(w http.ResponseWriter, r *http.Request) (rec *patient.Record, pr patient.Prediction, study int, ok bool) {
	pid := r.PathValue("pid")
	rec, err := s.store(r).Record(r.Context(), pid)
	if err != nil {
		s.fail(w, http.StatusNotFound, "no patient "+pid+" in the store")
		return nil, pr, -1, false
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	i := slices.IndexFunc(rec.Predictions, func(p patient.Prediction) bool { return p.ID == id })
	if i < 0 {
		s.fail(w, http.StatusNotFound, "no such prediction for patient "+pid)
		return nil, pr, -1, false
	}
	pr = rec.Predictions[i]
	study = slices.IndexFunc(rec.Studies, func(st patient.Study) bool { return st.ID == pr.StudyID })
	return rec, pr, study, true
}

// trunc shortens s to at most n runes, ending with "…" when cut.
func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
