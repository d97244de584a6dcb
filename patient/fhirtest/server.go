package fhirtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mdtwin/mdtwin/patient/smart"
)

// Client is a client registered with the authorization server.
type Client struct {
	ID           string
	RedirectURIs []string   // for the authorization code flow (public apps)
	JWKS         smart.JWKS // for Backend Services (client_credentials)
}

// Options configure a Server. The zero value serves nothing.
type Options struct {
	// Bundles are FHIR bundles (transaction, batch or collection, JSON)
	// whose resources the server holds; urn:uuid references between them
	// become relative references (Type/id).
	Bundles [][]byte
	// Resources are more resources (JSON), with relative references.
	Resources [][]byte
	// Groups maps a Group id to its patients' ids; a group "all" of every
	// patient exists too.
	Groups map[string][]string
	// PageSize is the page size of $everything when the request gives no
	// _count (default 20).
	PageSize int
	// ExportPolls is how many status requests of a bulk export are
	// answered 202 (in progress) before the manifest (default 2);
	// RetryAfter the seconds each asks to wait (default 1).
	ExportPolls int
	RetryAfter  int
	// FailDownloads is how many NDJSON downloads break off half-way (a
	// network failure), counting from the first.
	FailDownloads int
	// Clients are the registered clients; User the fhirUser of the person
	// every authorization is for (default Practitioner/example);
	// StandalonePatient the patient a standalone launch picks (default the
	// first). Open serves FHIR requests without a token.
	Clients           []Client
	User              string
	StandalonePatient string
	Open              bool
	// TokenLifetime is the access tokens' lifetime (default 1 hour).
	TokenLifetime time.Duration
}

// Stats counts what the server was asked.
type Stats struct {
	Kickoffs, StatusPolls, Downloads, Authorizations, TokenGrants, Refreshes, ClientCredentials, Everything int
}

// Server is a running FHIR and SMART authorization server.
type Server struct {
	// URL is the server's root; Base the FHIR base (URL + "/fhir"), the iss
	// of launches and the aud of authorizations.
	URL, Base string

	opt   Options
	hs    *httptest.Server
	key   *rsa.PrivateKey // signs id_tokens
	kid   string
	mu    sync.Mutex
	res   map[string]json.RawMessage // "Type/id" → resource
	order []string                   // "Type/id" in load order
	refs  map[string][]string        // "Type/id" → references it makes ("Type/id")

	launches map[string]string // launch id → patient id
	codes    map[string]*grant
	tokens   map[string]*grant
	refresh  map[string]*grant
	jtis     map[string]bool
	jobs     map[string]*job
	stats    Stats
	fails    int
	seq      int
}

type grant struct {
	client, redirect, challenge, scope, patient string
	system                                      bool
	expiry                                      time.Time
	used                                        bool
}

type job struct {
	patients []string
	types    []string
	polls    int
	at       string
	request  string
	deleted  bool
}

// Start starts a server on 127.0.0.1 with a random port.
func Start(opt Options) (*Server, error) {
	if opt.PageSize <= 0 {
		opt.PageSize = 20
	}
	if opt.ExportPolls == 0 {
		opt.ExportPolls = 2
	}
	if opt.RetryAfter <= 0 {
		opt.RetryAfter = 1
	}
	if opt.User == "" {
		opt.User = "Practitioner/example"
	}
	if opt.TokenLifetime == 0 {
		opt.TokenLifetime = time.Hour
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	s := &Server{opt: opt, key: key, kid: "fhirtest", res: map[string]json.RawMessage{}, refs: map[string][]string{},
		launches: map[string]string{}, codes: map[string]*grant{}, tokens: map[string]*grant{}, refresh: map[string]*grant{},
		jtis: map[string]bool{}, jobs: map[string]*job{}}
	for i, b := range opt.Bundles {
		if err := s.loadBundle(b); err != nil {
			return nil, fmt.Errorf("fhirtest: bundle %d: %w", i, err)
		}
	}
	for i, r := range opt.Resources {
		if err := s.add(r, nil, ""); err != nil {
			return nil, fmt.Errorf("fhirtest: resource %d: %w", i, err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /fhir/.well-known/smart-configuration", s.configuration)
	mux.HandleFunc("GET /fhir/metadata", s.metadata)
	mux.HandleFunc("GET /fhir/Patient/{id}/{op}", s.everything)
	mux.HandleFunc("GET /fhir/Group/{id}/{op}", s.kickoff)
	mux.HandleFunc("GET /fhir/{type}/{id}", s.read)
	mux.HandleFunc("GET /fhir/{op}", s.kickoff)
	mux.HandleFunc("GET /jobs/{id}", s.status)
	mux.HandleFunc("DELETE /jobs/{id}", s.deleteJob)
	mux.HandleFunc("GET /jobs/{id}/{file}", s.download)
	mux.HandleFunc("GET /auth/authorize", s.authorize)
	mux.HandleFunc("POST /auth/token", s.token)
	mux.HandleFunc("GET /auth/jwks", s.jwks)
	mux.HandleFunc("GET /ehr", s.ehr)
	s.hs = httptest.NewServer(mux)
	s.URL = s.hs.URL
	s.Base = s.URL + "/fhir"
	return s, nil
}

// Close shuts the server down.
func (s *Server) Close() { s.hs.Close() }

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ---- data ----

func (s *Server) loadBundle(data []byte) error {
	var b struct {
		Entry []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return err
	}
	urls := map[string]string{}
	for _, e := range b.Entry {
		var h struct{ ResourceType, ID string }
		if err := json.Unmarshal(e.Resource, &h); err != nil {
			return err
		}
		if h.ID == "" {
			h.ID = strings.TrimPrefix(e.FullURL, "urn:uuid:")
		}
		urls[e.FullURL] = h.ResourceType + "/" + h.ID
	}
	for _, e := range b.Entry {
		if err := s.add(e.Resource, urls, strings.TrimPrefix(urls[e.FullURL], "/")); err != nil {
			return err
		}
	}
	return nil
}

// add stores a resource, rewriting references through urls.
func (s *Server) add(raw json.RawMessage, urls map[string]string, key string) error {
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	t, _ := v["resourceType"].(string)
	id, _ := v["id"].(string)
	if _, kid, ok := strings.Cut(key, "/"); ok && id == "" {
		id = kid
		v["id"] = id
	}
	if t == "" {
		return errors.New("no resourceType")
	}
	if id == "" {
		id = strconv.Itoa(len(s.order) + 1)
		v["id"] = id
	}
	key = t + "/" + id
	var refs []string
	var walk func(x any)
	walk = func(x any) {
		switch y := x.(type) {
		case map[string]any:
			if r, ok := y["reference"].(string); ok {
				if n, ok := urls[r]; ok {
					y["reference"], r = n, n
				}
				refs = append(refs, r)
			}
			for k, z := range y {
				if k != "contained" {
					walk(z)
				}
			}
		case []any:
			for _, z := range y {
				walk(z)
			}
		}
	}
	walk(v)
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, ok := s.res[key]; !ok {
		s.order = append(s.order, key)
	}
	s.res[key] = b
	s.refs[key] = refs
	return nil
}

// patients lists the patient ids.
func (s *Server) patients() []string {
	var out []string
	for _, k := range s.order {
		if id, ok := strings.CutPrefix(k, "Patient/"); ok {
			out = append(out, id)
		}
	}
	return out
}

// compartment lists the resources of a patient: the Patient and every
// resource that refers to it, in load order.
func (s *Server) compartment(pid string) []string {
	if _, ok := s.res["Patient/"+pid]; !ok {
		return nil
	}
	var out []string
	for _, k := range s.order {
		if k == "Patient/"+pid || slices.Contains(s.refs[k], "Patient/"+pid) {
			out = append(out, k)
		}
	}
	return out
}

// ---- helpers ----

func writeJSON(w http.ResponseWriter, code int, ctype string, v any) {
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// outcome answers with an OperationOutcome.
func outcome(w http.ResponseWriter, code int, issue, msg string) {
	writeJSON(w, code, "application/fhir+json", map[string]any{"resourceType": "OperationOutcome",
		"issue": []map[string]any{{"severity": "error", "code": issue, "diagnostics": msg}}})
}

// access returns the grant of the request's bearer token, answering 401
// when there is none (unless the server is open).
func (s *Server) access(w http.ResponseWriter, r *http.Request) (*grant, bool) {
	if s.opt.Open {
		return &grant{system: true}, true
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	g := s.tokens[tok]
	s.mu.Unlock()
	if !ok || g == nil || time.Now().After(g.expiry) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="fhirtest"`)
		outcome(w, http.StatusUnauthorized, "login", "a valid bearer token is required")
		return nil, false
	}
	return g, true
}

// mayRead reports whether grant g may read resource key.
func (s *Server) mayRead(g *grant, key string) bool {
	if g.system {
		return true
	}
	return g.patient != "" && slices.Contains(s.compartment(g.patient), key)
}

// ---- FHIR REST ----

func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "application/fhir+json", map[string]any{"resourceType": "CapabilityStatement",
		"status": "active", "kind": "instance", "fhirVersion": "4.0.1", "format": []string{"json"},
		"rest": []map[string]any{{"mode": "server"}}})
}

func (s *Server) read(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") == "$export" { // Patient/$export
		s.kickoff(w, r)
		return
	}
	g, ok := s.access(w, r)
	if !ok {
		return
	}
	key := r.PathValue("type") + "/" + r.PathValue("id")
	s.mu.Lock()
	raw, found := s.res[key]
	allowed := found && s.mayRead(g, key)
	s.mu.Unlock()
	switch {
	case !found:
		outcome(w, http.StatusNotFound, "not-found", key+" is not known")
	case !allowed:
		outcome(w, http.StatusForbidden, "forbidden", "the token's scopes do not cover "+key)
	default:
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Write(raw)
	}
}

// everything answers Patient/[id]/$everything as a searchset bundle in
// pages of _count entries (the next page's link carries _page).
func (s *Server) everything(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("op") != "$everything" {
		if r.PathValue("op") == "$export" {
			outcome(w, http.StatusBadRequest, "not-supported", "Patient/[id]/$export is not an operation; use Patient/$export or Group/[id]/$export")
			return
		}
		outcome(w, http.StatusNotFound, "not-found", "unknown operation")
		return
	}
	g, ok := s.access(w, r)
	if !ok {
		return
	}
	pid := r.PathValue("id")
	q := r.URL.Query()
	count, err := strconv.Atoi(q.Get("_count"))
	if q.Get("_count") == "" {
		count, err = s.opt.PageSize, nil
	}
	if err != nil || count < 1 || count > 1000 {
		outcome(w, http.StatusBadRequest, "invalid", "_count must be 1 to 1000")
		return
	}
	page, err := strconv.Atoi(q.Get("_page"))
	if q.Get("_page") == "" {
		page, err = 1, nil
	}
	if err != nil || page < 1 {
		outcome(w, http.StatusBadRequest, "invalid", "_page must be a positive integer")
		return
	}
	s.mu.Lock()
	s.stats.Everything++
	keys := s.compartment(pid)
	allowed := len(keys) > 0 && (g.system || g.patient == pid)
	var entries []map[string]any
	from, to := min((page-1)*count, len(keys)), min(page*count, len(keys))
	for _, k := range keys[from:to] {
		entries = append(entries, map[string]any{"fullUrl": s.Base + "/" + k, "resource": s.res[k],
			"search": map[string]string{"mode": "match"}})
	}
	s.mu.Unlock()
	switch {
	case len(keys) == 0:
		outcome(w, http.StatusNotFound, "not-found", "Patient/"+pid+" is not known")
		return
	case !allowed:
		outcome(w, http.StatusForbidden, "forbidden", "the token's scopes do not cover Patient/"+pid)
		return
	}
	self := fmt.Sprintf("%s/Patient/%s/$everything?_count=%d&_page=%d", s.Base, pid, count, page)
	links := []map[string]string{{"relation": "self", "url": self}}
	if to < len(keys) {
		links = append(links, map[string]string{"relation": "next",
			"url": fmt.Sprintf("%s/Patient/%s/$everything?_count=%d&_page=%d", s.Base, pid, count, page+1)})
	}
	writeJSON(w, http.StatusOK, "application/fhir+json", map[string]any{"resourceType": "Bundle", "type": "searchset",
		"total": len(keys), "link": links, "entry": entries})
}

// ---- Bulk Data ----

// kickoff starts a bulk export: [base]/$export, Patient/$export or
// Group/[id]/$export, asynchronous only (Prefer: respond-async).
func (s *Server) kickoff(w http.ResponseWriter, r *http.Request) {
	op := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if op != "$export" {
		outcome(w, http.StatusNotFound, "not-found", "unknown operation "+op)
		return
	}
	g, ok := s.access(w, r)
	if !ok {
		return
	}
	if !g.system {
		outcome(w, http.StatusForbidden, "forbidden", "a bulk export needs system scopes (SMART Backend Services)")
		return
	}
	if r.Header.Get("Prefer") != "respond-async" {
		outcome(w, http.StatusBadRequest, "invalid", "Prefer: respond-async is required")
		return
	}
	q := r.URL.Query()
	if f := q.Get("_outputFormat"); f != "" && f != "application/fhir+ndjson" && f != "application/ndjson" && f != "ndjson" {
		outcome(w, http.StatusBadRequest, "not-supported", "_outputFormat "+f+" is not supported")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var patients []string
	gid := ""
	if strings.HasPrefix(r.URL.Path, "/fhir/Group/") {
		gid = r.PathValue("id")
	}
	switch {
	case gid == "" || gid == "all": // [base]/$export, Patient/$export, Group/all/$export
		patients = s.patients()
	default:
		ids, ok := s.opt.Groups[gid]
		if !ok {
			outcome(w, http.StatusNotFound, "not-found", "Group/"+gid+" is not known")
			return
		}
		patients = ids
	}
	var types []string
	if t := q.Get("_type"); t != "" {
		types = strings.Split(t, ",")
	}
	s.seq++
	id := strconv.Itoa(s.seq)
	s.jobs[id] = &job{patients: patients, types: types, at: time.Now().UTC().Format(time.RFC3339), request: s.URL + r.URL.RequestURI()}
	s.stats.Kickoffs++
	w.Header().Set("Content-Location", s.URL+"/jobs/"+id)
	w.WriteHeader(http.StatusAccepted)
}

// files returns the export's NDJSON contents by resource type.
func (s *Server) files(j *job) (map[string][]byte, []string) {
	seen := map[string]bool{}
	out := map[string][]byte{}
	for _, pid := range j.patients {
		for _, k := range s.compartment(pid) {
			if seen[k] {
				continue
			}
			seen[k] = true
			t, _, _ := strings.Cut(k, "/")
			if len(j.types) > 0 && !slices.Contains(j.types, t) {
				continue
			}
			out[t] = append(append(out[t], s.res[k]...), '\n')
		}
	}
	var types []string
	for t := range out {
		types = append(types, t)
	}
	sort.Strings(types)
	return out, types
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.access(w, r); !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[r.PathValue("id")]
	if j == nil || j.deleted {
		outcome(w, http.StatusNotFound, "not-found", "no such export")
		return
	}
	s.stats.StatusPolls++
	if j.polls < s.opt.ExportPolls {
		j.polls++
		w.Header().Set("Retry-After", strconv.Itoa(s.opt.RetryAfter))
		w.Header().Set("X-Progress", fmt.Sprintf("in progress (%d of %d)", j.polls, s.opt.ExportPolls+1))
		w.WriteHeader(http.StatusAccepted)
		return
	}
	files, types := s.files(j)
	output := []map[string]any{}
	for _, t := range types {
		output = append(output, map[string]any{"type": t, "url": s.URL + "/jobs/" + r.PathValue("id") + "/" + t + ".ndjson",
			"count": strings.Count(string(files[t]), "\n")})
	}
	w.Header().Set("Expires", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"transactionTime": j.at, "request": j.request,
		"requiresAccessToken": !s.opt.Open, "output": output, "error": []any{}})
}

func (s *Server) deleteJob(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.access(w, r); !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[r.PathValue("id")]
	if j == nil || j.deleted {
		outcome(w, http.StatusNotFound, "not-found", "no such export")
		return
	}
	j.deleted = true
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.access(w, r); !ok {
		return
	}
	s.mu.Lock()
	j := s.jobs[r.PathValue("id")]
	var data []byte
	if j != nil && !j.deleted {
		files, _ := s.files(j)
		data = files[strings.TrimSuffix(r.PathValue("file"), ".ndjson")]
	}
	s.stats.Downloads++
	fail := s.fails < s.opt.FailDownloads
	if fail {
		s.fails++
	}
	s.mu.Unlock()
	if data == nil {
		outcome(w, http.StatusNotFound, "not-found", "no such file")
		return
	}
	w.Header().Set("Content-Type", "application/fhir+ndjson")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if fail {
		w.Write(data[:len(data)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler) // the connection breaks off half-way
	}
	w.Write(data)
}

// ---- SMART ----

func (s *Server) configuration(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", smart.Configuration{
		Issuer: s.URL, JWKSURI: s.URL + "/auth/jwks",
		AuthorizationEndpoint: s.URL + "/auth/authorize", TokenEndpoint: s.URL + "/auth/token",
		GrantTypesSupported:      []string{"authorization_code", "client_credentials", "refresh_token"},
		TokenEndpointAuthMethods: []string{"private_key_jwt"}, TokenEndpointAuthSigning: []string{"RS384", "ES384"},
		ScopesSupported: []string{"openid", "fhirUser", "launch", "launch/patient", "patient/*.rs", "system/*.rs",
			"offline_access", "online_access"},
		ResponseTypesSupported: []string{"code"},
		Capabilities: []string{"launch-ehr", "launch-standalone", "client-public", "client-confidential-asymmetric",
			"context-ehr-patient", "context-standalone-patient", "sso-openid-connect", "permission-patient",
			"permission-v2", "permission-offline"},
		CodeChallengeMethods: []string{"S256"},
	})
}

func (s *Server) client(id string) *Client {
	for i := range s.opt.Clients {
		if s.opt.Clients[i].ID == id {
			return &s.opt.Clients[i]
		}
	}
	return nil
}

// authorize approves a valid authorization request at once and sends the
// browser back to the app with a code (RFC 6749 §4.1, PKCE RFC 7636,
// SMART App Launch 2.2.0 §2.0.6–2.0.7).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c := s.client(q.Get("client_id"))
	if c == nil {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(c.RedirectURIs, redirect) {
		http.Error(w, "redirect_uri is not registered for this client", http.StatusBadRequest)
		return
	}
	back := func(v url.Values) {
		v.Set("state", q.Get("state"))
		http.Redirect(w, r, redirect+"?"+v.Encode(), http.StatusFound)
	}
	scope := strings.Fields(q.Get("scope"))
	s.mu.Lock()
	defer s.mu.Unlock()
	var pid string
	switch {
	case q.Get("response_type") != "code":
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	case q.Get("aud") != s.Base:
		back(url.Values{"error": {"invalid_request"}, "error_description": {"aud must be the FHIR base URL " + s.Base}})
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		back(url.Values{"error": {"invalid_request"}, "error_description": {"PKCE with S256 is required"}})
		return
	case q.Get("state") == "":
		back(url.Values{"error": {"invalid_request"}, "error_description": {"state is required"}})
		return
	case slices.Contains(scope, "launch"):
		p, ok := s.launches[q.Get("launch")]
		if !ok {
			back(url.Values{"error": {"invalid_request"}, "error_description": {"unknown launch"}})
			return
		}
		pid = p
	case slices.Contains(scope, "launch/patient"):
		pid = s.opt.StandalonePatient
		if pid == "" && len(s.patients()) > 0 {
			pid = s.patients()[0]
		}
	}
	code := smart.Random()
	s.codes[code] = &grant{client: c.ID, redirect: redirect, challenge: q.Get("code_challenge"),
		scope: strings.Join(scope, " "), patient: pid, expiry: time.Now().Add(time.Minute)}
	s.stats.Authorizations++
	back(url.Values{"code": {code}})
}

func tokenError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": code, "error_description": desc})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", "form: "+err.Error())
		return
	}
	f := r.PostForm
	s.mu.Lock()
	defer s.mu.Unlock()
	var g *grant
	switch f.Get("grant_type") {
	case "authorization_code":
		c := s.codes[f.Get("code")]
		switch {
		case c == nil || c.used || time.Now().After(c.expiry):
			tokenError(w, "invalid_grant", "unknown, used or expired code")
			return
		case c.client != f.Get("client_id") || c.redirect != f.Get("redirect_uri"):
			tokenError(w, "invalid_grant", "client_id or redirect_uri differ from the authorization request")
			return
		case smart.Challenge(f.Get("code_verifier")) != c.challenge:
			tokenError(w, "invalid_grant", "code_verifier does not match the code_challenge")
			return
		}
		c.used = true
		g = &grant{client: c.client, scope: c.scope, patient: c.patient}
		s.stats.TokenGrants++
	case "refresh_token":
		old := s.refresh[f.Get("refresh_token")]
		if old == nil || old.client != f.Get("client_id") {
			tokenError(w, "invalid_grant", "unknown refresh token")
			return
		}
		g = &grant{client: old.client, scope: old.scope, patient: old.patient}
		s.stats.Refreshes++
	case "client_credentials":
		client, err := s.assertion(f)
		if err != nil {
			tokenError(w, "invalid_client", err.Error())
			return
		}
		g = &grant{client: client, scope: f.Get("scope"), system: true}
		s.stats.ClientCredentials++
	default:
		tokenError(w, "unsupported_grant_type", f.Get("grant_type"))
		return
	}
	g.expiry = time.Now().Add(s.opt.TokenLifetime)
	access := smart.Random()
	s.tokens[access] = g
	resp := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": int(s.opt.TokenLifetime.Seconds()),
		"scope": g.scope}
	if !g.system {
		ref := smart.Random()
		s.refresh[ref] = g
		resp["refresh_token"] = ref
		if g.patient != "" {
			resp["patient"] = g.patient
		}
		if slices.Contains(strings.Fields(g.scope), "openid") {
			now := time.Now()
			id, err := smart.Sign(s.key, "RS256", s.kid, map[string]any{"iss": s.URL, "sub": s.opt.User, "aud": g.client,
				"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "fhirUser": s.Base + "/" + s.opt.User})
			if err != nil {
				tokenError(w, "server_error", err.Error())
				return
			}
			resp["id_token"] = id
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, "application/json", resp)
}

// assertion checks a Backend Services client assertion (SMART Backend
// Services: the JWT's iss and sub are the client id, aud the token
// endpoint, exp at most 5 minutes ahead, jti not seen before, signed by a
// key of the client's JWKS) and returns the client id.
func (s *Server) assertion(f url.Values) (string, error) {
	if f.Get("client_assertion_type") != smart.AssertionType {
		return "", errors.New("client_assertion_type must be " + smart.AssertionType)
	}
	tok := f.Get("client_assertion")
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", errors.New("client_assertion is not a JWT")
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	var unverified smart.Claims
	if err != nil || json.Unmarshal(body, &unverified) != nil {
		return "", errors.New("client_assertion claims are not base64url JSON")
	}
	c := s.client(unverified.Iss)
	if c == nil {
		return "", errors.New("unknown client " + unverified.Iss)
	}
	claims, err := smart.Verify(tok, c.JWKS, time.Now())
	switch {
	case err != nil:
		return "", err
	case claims.Sub != c.ID:
		return "", errors.New("sub must be the client id")
	case !claims.HasAudience(s.URL + "/auth/token"):
		return "", errors.New("aud must be the token endpoint")
	case time.Until(time.Unix(claims.Exp, 0)) > 5*time.Minute+time.Minute:
		return "", errors.New("exp is more than 5 minutes ahead")
	case claims.Jti == "" || s.jtis[claims.Jti]:
		return "", errors.New("jti is missing or was used before")
	}
	s.jtis[claims.Jti] = true
	return c.ID, nil
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	k, _ := smart.PublicJWK(s.key, s.kid)
	k.Alg = "RS256"
	writeJSON(w, http.StatusOK, "application/json", smart.JWKS{Keys: []smart.JWK{k}})
}

var ehrPage = template.Must(template.New("ehr").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>fhirtest EHR</title></head>
<body><h1>EHR: patient {{.Patient}}</h1>
<iframe id="app" src="{{.Src}}" width="1100" height="800"></iframe></body></html>`))

// Launch registers an EHR launch of patient pid and returns the launch id.
func (s *Server) Launch(pid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := smart.Random()
	s.launches[id] = pid
	return id
}

// LaunchURL returns the URL an EHR opens to launch app for patient pid:
// app?iss=<base>&launch=<id>.
func (s *Server) LaunchURL(app, pid string) string {
	return app + "?" + url.Values{"iss": {s.Base}, "launch": {s.Launch(pid)}}.Encode()
}

// ehr serves the EHR's page of a patient with the app launched in an
// iframe: /ehr?patient=ID&app=URL (the app's launch URL).
func (s *Server) ehr(w http.ResponseWriter, r *http.Request) {
	pid, app := r.URL.Query().Get("patient"), r.URL.Query().Get("app")
	s.mu.Lock()
	_, ok := s.res["Patient/"+pid]
	s.mu.Unlock()
	if !ok || smart.CheckEndpoint("app", app) != nil {
		http.Error(w, "unknown patient or app", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	ehrPage.Execute(w, map[string]any{"Patient": pid, "Src": template.URL(s.LaunchURL(app, pid))})
}

// Challenge is smart.Challenge, for tests that build requests by hand.
func Challenge(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}
