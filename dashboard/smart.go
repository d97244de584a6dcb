package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mdtwin/mdtwin/patient/ingest"
	"github.com/mdtwin/mdtwin/patient/smart"
	"github.com/mdtwin/mdtwin/store"
)

// SMART configures the dashboard as a SMART on FHIR app (App Launch 2.2.0)
// registered with one or more EHRs: a public client that an EHR launches
// (GET /smart/launch?iss=…&launch=…, the app's launch URL) or that a user
// starts on its own (GET /smart/launch?iss=…, a standalone launch). After
// authorization (code with PKCE S256, scopes smart.DefaultScope), the
// launched patient's record is pulled from the EHR's FHIR server
// (Patient/[id]/$everything) into the store, with the server as its
// source, and the dashboard opens on that patient.
type SMART struct {
	// ClientID is the id the EHR registered the app under.
	ClientID string
	// RedirectURI is the app's registered redirect URI: this dashboard's
	// /smart/callback as the browser reaches it (e.g.
	// https://mdtwin.hospital.example/smart/callback).
	RedirectURI string
	// Issuers are the FHIR base URLs (iss) the app accepts launches from;
	// any other is refused, so that no one can make the dashboard pull
	// records from a server of their choosing.
	Issuers []string
	// EHROrigins are the origins (scheme://host[:port]) allowed to embed the
	// dashboard in a frame (Content-Security-Policy frame-ancestors); the
	// dashboard refuses to be framed by any other.
	EHROrigins []string
	// HTTP is the client for the EHR's servers (default: 60 s timeout).
	HTTP *http.Client
}

// smartSession is a browser's SMART launch: the patient it was launched
// for and the tokens to reach the EHR's server.
type smartSession struct {
	pid      string // pseudonym in the store
	fhirPID  string // the patient's id on the EHR's server
	iss      string
	user     string // fhirUser
	token    *smart.Token
	config   *smart.Configuration
	expiry   time.Time
	pullTime time.Time
}

// smartState holds the launches in progress and the sessions.
type smartState struct {
	mu       sync.Mutex
	pending  map[string]*smart.Pending
	sessions map[string]*smartSession
}

const (
	smartCookie      = "mdtwin_smart"
	smartStateCookie = "mdtwin_smart_state"
	maxPending       = 1000
	maxSessions      = 10000 // beyond, sessions are dropped (their browsers launch again)
	pendingLifetime  = 10 * time.Minute
	sessionLifetime  = 8 * time.Hour
)

// checkSMART validates the SMART options.
func checkSMART(c *SMART) error {
	if c == nil {
		return nil
	}
	if c.ClientID == "" {
		return errors.New("SMART: a client id is required")
	}
	if u, err := url.Parse(c.RedirectURI); err != nil || !strings.HasSuffix(u.Path, "/smart/callback") {
		return fmt.Errorf("SMART: redirect URI %q must be this dashboard's /smart/callback", c.RedirectURI)
	}
	if err := smart.CheckEndpoint("SMART redirect URI", c.RedirectURI); err != nil {
		return err
	}
	if len(c.Issuers) == 0 {
		return errors.New("SMART: at least one EHR FHIR base URL (issuer) is required")
	}
	for _, iss := range c.Issuers {
		if err := smart.CheckEndpoint("SMART issuer", iss); err != nil {
			return err
		}
	}
	for _, o := range c.EHROrigins {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || (u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("SMART: EHR origin %q: expected scheme://host[:port]", o)
		}
		if strings.ContainsAny(o, " ;,'\"") {
			return fmt.Errorf("SMART: EHR origin %q has a character an origin cannot have", o)
		}
	}
	return nil
}

// frameAncestors is the CSP frame-ancestors source list.
func (s *Server) frameAncestors() string {
	if s.smart == nil || len(s.smart.EHROrigins) == 0 {
		return "'none'"
	}
	var out []string
	for _, o := range s.smart.EHROrigins {
		out = append(out, strings.TrimSuffix(o, "/"))
	}
	return strings.Join(out, " ")
}

// setCookie sets a cookie of the SMART flow: inside an EHR's frame on
// another site it must be SameSite=None (with Secure and Partitioned, so
// browsers keep it per embedding site); otherwise Lax.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		MaxAge: int(maxAge.Seconds()), Secure: r.TLS != nil}
	if r.TLS != nil && len(s.smart.EHROrigins) > 0 {
		c.SameSite, c.Partitioned = http.SameSiteNoneMode, true
	}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

func (s *Server) app() *smart.App {
	return &smart.App{ClientID: s.smart.ClientID, RedirectURI: s.smart.RedirectURI, HTTP: s.smart.HTTP}
}

// smartLaunch starts an EHR launch (iss and launch) or a standalone launch
// (iss only): it sends the browser to the EHR's authorization endpoint.
func (s *Server) smartLaunch(w http.ResponseWriter, r *http.Request) {
	iss := strings.TrimSuffix(r.URL.Query().Get("iss"), "/")
	launch := r.URL.Query().Get("launch")
	if !slices.Contains(s.issuers(), iss) {
		s.fail(w, http.StatusBadRequest, "this dashboard is not registered with the EHR at the given iss")
		return
	}
	if len(launch) > 1024 {
		s.fail(w, http.StatusBadRequest, "launch is too long")
		return
	}
	u, p, err := s.app().Authorize(r.Context(), iss, launch)
	if err != nil {
		s.log.Warn("SMART launch", "iss", iss, "error", oneLineErr(err))
		s.fail(w, http.StatusBadGateway, "the EHR's SMART configuration could not be used: "+oneLineErr(err))
		return
	}
	st := s.smartState
	st.mu.Lock()
	for k, v := range st.pending {
		if time.Since(v.Created) > pendingLifetime || len(st.pending) >= maxPending {
			delete(st.pending, k)
		}
	}
	st.pending[p.State] = p
	st.mu.Unlock()
	s.setCookie(w, r, smartStateCookie, p.State, pendingLifetime)
	http.Redirect(w, r, u, http.StatusFound)
}

func (s *Server) issuers() []string {
	var out []string
	for _, i := range s.smart.Issuers {
		out = append(out, strings.TrimSuffix(i, "/"))
	}
	return out
}

func oneLineErr(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// smartCallback completes a launch: it checks the state against the
// browser's cookie, trades the code for a token, pulls the patient's
// record and opens the dashboard on the patient.
func (s *Server) smartCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	c, err := r.Cookie(smartStateCookie)
	st := s.smartState
	st.mu.Lock()
	p := st.pending[state]
	delete(st.pending, state)
	st.mu.Unlock()
	s.setCookie(w, r, smartStateCookie, "", -1)
	switch {
	case q.Get("error") != "":
		s.fail(w, http.StatusForbidden, "the EHR did not authorize the launch: "+trunc(q.Get("error")+" "+q.Get("error_description"), 200))
		return
	case p == nil || err != nil || c.Value != state || time.Since(p.Created) > pendingLifetime:
		s.fail(w, http.StatusBadRequest, "unknown or expired launch: launch the app again from the EHR")
		return
	}
	tok, err := s.app().Exchange(r.Context(), p, q.Get("code"))
	if err != nil {
		s.log.Warn("SMART token", "iss", p.Issuer, "error", oneLineErr(err))
		s.fail(w, http.StatusBadGateway, "the EHR refused the authorization code: "+oneLineErr(err))
		return
	}
	if tok.Patient == "" {
		s.fail(w, http.StatusBadRequest, "the EHR gave no patient in the launch context")
		return
	}
	sess := &smartSession{fhirPID: tok.Patient, iss: p.Issuer, user: tok.FHIRUser, token: tok, config: p.Config,
		expiry: time.Now().Add(sessionLifetime)}
	view := s.store(r).ForClient(r.RemoteAddr, "smart:"+sess.userName())
	if err := s.pull(r.Context(), view, sess, true); err != nil {
		s.log.Warn("SMART pull", "iss", p.Issuer, "error", oneLineErr(err))
		s.fail(w, http.StatusBadGateway, "the patient's record could not be pulled from the EHR: "+oneLineErr(err))
		return
	}
	id := smart.Random()
	st.mu.Lock()
	for k, v := range st.sessions {
		if time.Now().After(v.expiry) || len(st.sessions) >= maxSessions {
			delete(st.sessions, k)
		}
	}
	st.sessions[id] = sess
	st.mu.Unlock()
	s.setCookie(w, r, smartCookie, id, sessionLifetime)
	s.log.Info("SMART launch", "patient", sess.pid, "iss", p.Issuer)
	http.Redirect(w, r, "/patients/"+sess.pid, http.StatusSeeOther)
}

func (sess *smartSession) userName() string { return cmpOr(sess.user, "unknown user") }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// pull stores the session patient's record from the EHR's server; unless
// the token is fresh (just received), it is refreshed first when it
// expires within a minute.
func (s *Server) pull(ctx context.Context, ps *store.Patients, sess *smartSession, fresh bool) error {
	if !fresh && !sess.token.Expiry.IsZero() && time.Until(sess.token.Expiry) < time.Minute {
		t, err := s.app().Refresh(ctx, sess.config, sess.token)
		if err != nil {
			return err
		}
		sess.token = t
	}
	r := &ingest.Remote{Base: sess.iss, Token: ingest.Bearer(sess.token.AccessToken), HTTP: s.smart.HTTP}
	got, err := ingest.Options{Source: sess.iss}.Everything(ctx, ps, r, sess.fhirPID)
	if err != nil {
		return err
	}
	if got.PatientID == "" {
		return errors.New("the Patient resource could not be stored")
	}
	sess.pid, sess.pullTime = got.PatientID, time.Now()
	return nil
}

// session returns the request's SMART session, if any.
func (s *Server) session(r *http.Request) *smartSession {
	if s.smart == nil {
		return nil
	}
	c, err := r.Cookie(smartCookie)
	if err != nil {
		return nil
	}
	s.smartState.mu.Lock()
	defer s.smartState.mu.Unlock()
	sess := s.smartState.sessions[c.Value]
	if sess == nil || time.Now().After(sess.expiry) {
		return nil
	}
	return sess
}

// smartRefresh pulls the session patient's record again (POST), with a
// refreshed token when the old one has expired.
func (s *Server) smartRefresh(w http.ResponseWriter, r *http.Request) {
	sess := s.session(r)
	if sess == nil {
		s.fail(w, http.StatusForbidden, "no SMART launch: launch the app from the EHR")
		return
	}
	if err := s.pull(r.Context(), s.store(r), sess, false); err != nil {
		s.fail(w, http.StatusBadGateway, "the record could not be pulled again: "+oneLineErr(err))
		return
	}
	http.Redirect(w, r, "/patients/"+sess.pid, http.StatusSeeOther)
}

// sessionAllows reports whether a SMART session (and nothing else) may
// make request r: its patient's pages, the static files, the launch flow.
func sessionAllows(sess *smartSession, r *http.Request) bool {
	p := r.URL.Path
	return p == "/patients/"+sess.pid || strings.HasPrefix(p, "/patients/"+sess.pid+"/") ||
		strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/smart/") || strings.HasPrefix(p, "/jobs/") ||
		strings.HasPrefix(p, "/api/jobs/")
}

// sessionUser names the user of the request's SMART session when it was
// launched for patient pid (” otherwise).
func (s *Server) sessionUser(r *http.Request, pid string) string {
	if sess := s.session(r); sess != nil && sess.pid == pid {
		return sess.userName()
	}
	return ""
}
