package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mdtwin/mdtwin/patient/smart"
	"github.com/mdtwin/mdtwin/store"
)

// Size caps of what is read from a FHIR server.
const (
	MaxPageBytes     = 64 << 20 // one page of a search (a Bundle)
	MaxPages         = 10000    // pages of one $everything
	MaxManifestBytes = 16 << 20 // a bulk export's completion manifest
	MaxOutcomeBytes  = 64 << 10 // an error response (OperationOutcome) kept for the message
)

// Remote is a FHIR R4 server to pull records from.
type Remote struct {
	// Base is the server's FHIR base URL (https, or http on loopback); it
	// is the source of the records pulled from it.
	Base string
	// Token returns the bearer token of each request ('' for none): see
	// Bearer and BackendServices.
	Token func(ctx context.Context) (string, error)
	// HTTP is the client (default: one with a 5-minute timeout per request).
	HTTP *http.Client
	// PageSize is the _count of $everything (default 100).
	PageSize int
	// Log, when set, receives progress lines (no record content).
	Log func(format string, args ...any)
}

// Bearer returns a Token function giving a fixed bearer token.
func Bearer(token string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return token, nil }
}

// BackendServices returns a Token function that authenticates as a SMART
// Backend Services client (client_credentials with a signed JWT) at the
// token endpoint the server's smart-configuration names, and reuses the
// token until a minute before it expires.
func BackendServices(base string, b *smart.Backend) func(context.Context) (string, error) {
	var mu sync.Mutex
	var tok *smart.Token
	var endpoint string
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if tok != nil && (tok.Expiry.IsZero() || time.Until(tok.Expiry) > time.Minute) {
			return tok.AccessToken, nil
		}
		if endpoint == "" {
			cfg, err := smart.Discover(ctx, b.HTTP, base)
			if err != nil {
				return "", err
			}
			endpoint = cfg.TokenEndpoint
		}
		t, err := b.Token(ctx, endpoint)
		if err != nil {
			return "", err
		}
		tok = t
		return t.AccessToken, nil
	}
}

func (r *Remote) client() *http.Client {
	if r.HTTP != nil {
		return r.HTTP
	}
	return &http.Client{Timeout: 5 * time.Minute}
}

func (r *Remote) logf(format string, args ...any) {
	if r.Log != nil {
		r.Log(format, args...)
	}
}

// sameOrigin reports whether u is on the base's scheme and host: the
// token is sent nowhere else.
func (r *Remote) sameOrigin(u string) bool {
	a, err1 := url.Parse(r.Base)
	b, err2 := url.Parse(u)
	return err1 == nil && err2 == nil && a.Scheme == b.Scheme && a.Host == b.Host
}

// RemoteError is a failed request to a FHIR server: its status and the
// diagnostics of its OperationOutcome, if any.
type RemoteError struct {
	URL    string
	Status int
	Msg    string
}

func (e *RemoteError) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d", e.URL, e.Status)
	if e.Msg != "" {
		msg += ": " + e.Msg
	}
	return oneLine(msg)
}

// do sends a request (with the bearer token when the URL is the server's)
// and returns the response; the caller closes its body.
func (r *Remote) do(ctx context.Context, method, u, accept string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	for k, v := range header {
		req.Header[k] = v
	}
	if r.Token != nil && r.sameOrigin(u) {
		tok, err := r.Token(ctx)
		if err != nil {
			return nil, fmt.Errorf("authorization: %w", err)
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	return r.client().Do(req)
}

// failure reads an error response's OperationOutcome diagnostics.
func failure(u string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxOutcomeBytes))
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Code        string `json:"code"`
			Diagnostics string `json:"diagnostics"`
			Details     struct {
				Text string `json:"text"`
			} `json:"details"`
		} `json:"issue"`
	}
	msg := ""
	if json.Unmarshal(body, &oo) == nil && oo.ResourceType == "OperationOutcome" {
		var parts []string
		for _, is := range oo.Issue {
			parts = append(parts, strings.TrimSpace(is.Code+" "+cmpOr(is.Diagnostics, is.Details.Text)))
		}
		msg = strings.Join(parts, "; ")
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return &RemoteError{URL: u, Status: resp.StatusCode, Msg: msg}
}

// readBounded reads a body of at most max bytes.
func readBounded(u string, body io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: the response is more than the cap of %d bytes", u, max)
	}
	return b, nil
}

// searchPage is what a page of a search returns.
type searchPage struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Search   *struct {
			Mode string `json:"mode"`
		} `json:"search"`
	} `json:"entry"`
}

// ParsePage reads one page of a FHIR search (a searchset Bundle): its
// entries and the URL of the next page (” at the last).
func ParsePage(name string, data []byte) (fullURLs []string, resources []json.RawMessage, next string, err error) {
	if len(data) > MaxPageBytes {
		return nil, nil, "", &FileError{name, fmt.Errorf("the page is %d bytes, more than the cap of %d", len(data), MaxPageBytes)}
	}
	if err := checkUTF8(data); err != nil {
		return nil, nil, "", &FileError{name, err}
	}
	var p searchPage
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, nil, "", &FileError{name, jsonError(data, err)}
	}
	if p.ResourceType != "Bundle" || p.Type != "searchset" {
		return nil, nil, "", &FileError{name, fmt.Errorf("resourceType %q type %q, expected a searchset Bundle", p.ResourceType, p.Type)}
	}
	for _, l := range p.Link {
		if l.Relation == "next" {
			next = l.URL
		}
	}
	for _, e := range p.Entry {
		if e.Search != nil && e.Search.Mode == "outcome" {
			continue // an OperationOutcome about the search, not a record
		}
		fullURLs = append(fullURLs, e.FullURL)
		resources = append(resources, e.Resource)
	}
	return fullURLs, resources, next, nil
}

// Pulled is what pulling one patient did.
type Pulled struct {
	*Summary
	// PatientID is the patient's pseudonym in the store ('' when the
	// Patient resource could not be stored).
	PatientID string
	Pages     int
}

// Everything pulls one patient's record with Patient/[id]/$everything,
// following the search's next links (on the same server only), and stores
// it under the server as its source (Options.Source when set; a
// resource's meta.source takes precedence). Entries are stored as an
// NDJSON file's are: each on its own.
func (o Options) Everything(ctx context.Context, ps *store.Patients, r *Remote, patientID string) (*Pulled, error) {
	name := strings.TrimSuffix(r.Base, "/") + "/Patient/" + patientID + "/$everything"
	out := &Pulled{Summary: &Summary{File: name, Skipped: map[string]int{}}}
	if !fhirIDPattern(patientID) {
		return out, &FileError{name, fmt.Errorf("patient id %q is not a FHIR id", patientID)}
	}
	size := r.PageSize
	if size <= 0 {
		size = 100
	}
	u := fmt.Sprintf("%s?_count=%d", name, size)
	var entries []*entry
	total := 0
	for u != "" {
		if out.Pages >= MaxPages {
			return out, &FileError{name, fmt.Errorf("more than %d pages", MaxPages)}
		}
		if !r.sameOrigin(u) {
			return out, &FileError{name, fmt.Errorf("the next page %q is on another server: not followed", u)}
		}
		resp, err := r.do(ctx, http.MethodGet, u, "application/fhir+json", nil)
		if err != nil {
			return out, &FileError{name, err}
		}
		if resp.StatusCode != http.StatusOK {
			err := failure(u, resp)
			resp.Body.Close()
			return out, &FileError{name, err}
		}
		data, err := readBounded(u, resp.Body, MaxPageBytes)
		resp.Body.Close()
		if err != nil {
			return out, &FileError{name, err}
		}
		if total += len(data); total > MaxFileBytes {
			return out, &FileError{name, fmt.Errorf("more than %d bytes in all", MaxFileBytes)}
		}
		out.Pages++
		urls, raws, next, err := ParsePage(fmt.Sprintf("%s (page %d)", name, out.Pages), data)
		if err != nil {
			return out, err
		}
		for i, raw := range raws {
			e := &entry{index: len(entries), fullURL: urls[i], raw: raw}
			e.read()
			entries = append(entries, e)
		}
		u = next
	}
	r.logf("%s: %d resources in %d pages", name, len(entries), out.Pages)
	o.Source = cmpOr(o.Source, strings.TrimSuffix(r.Base, "/"))
	duplicates(entries)
	if err := o.assignSources(entries, "", ""); err != nil {
		return out, &FileError{name, err}
	}
	if err := run(ctx, ps, out.Summary, entries, false); err != nil {
		return out, err
	}
	pid, err := o.PatientID(ctx, ps, "Patient/"+patientID)
	out.PatientID = pid
	return out, err
}

// PatientID returns the pseudonym of the patient stored from source
// record id ("Patient/<id>") of Options.Source, or ”.
func (o Options) PatientID(ctx context.Context, ps *store.Patients, id string) (string, error) {
	w, err := ps.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer w.Rollback()
	s, ok, err := w.Lookup(ctx, store.Ref{Source: o.Source, ID: id})
	if err != nil || !ok || s.Kind != "patients" {
		return "", err
	}
	return s.PatientID, nil
}

// fhirIDPattern reports whether s is a FHIR id ([A-Za-z0-9\-.]{1,64}).
func fhirIDPattern(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// errNoManifest marks a status response that is not a manifest.
var errNoManifest = errors.New("not a bulk export manifest")

// Manifest is a bulk export's completion manifest (Bulk Data Access IG
// 2.0.0, "Response - Complete Status").
type Manifest struct {
	TransactionTime     string           `json:"transactionTime"`
	Request             string           `json:"request"`
	RequiresAccessToken bool             `json:"requiresAccessToken"`
	Output              []ManifestOutput `json:"output"`
	Error               []ManifestOutput `json:"error"`
}

// ManifestOutput is one file of a manifest.
type ManifestOutput struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Count int    `json:"count,omitempty"`
}

// ParseManifest reads and checks a completion manifest: at most 10,000
// files, each with an absolute http(s) URL and, when it names one, a FHIR
// R4 resource type (an error file, or an export organized by patient,
// need not name one).
func ParseManifest(name string, data []byte) (*Manifest, error) {
	if len(data) > MaxManifestBytes {
		return nil, &FileError{name, fmt.Errorf("the manifest is %d bytes, more than the cap of %d", len(data), MaxManifestBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, &FileError{name, fmt.Errorf("%w: %v", errNoManifest, jsonError(data, err))}
	}
	if m.TransactionTime == "" || m.Output == nil {
		return nil, &FileError{name, fmt.Errorf("%w: transactionTime and output are required", errNoManifest)}
	}
	if len(m.Output)+len(m.Error) > 10000 {
		return nil, &FileError{name, fmt.Errorf("%d files, more than 10000", len(m.Output)+len(m.Error))}
	}
	for i, f := range append(slicesClone(m.Output), m.Error...) {
		if f.Type != "" && !r4Types[f.Type] {
			return nil, &FileError{name, fmt.Errorf("output[%d]: type %q is not a FHIR R4 resource type", i, f.Type)}
		}
		if u, err := url.Parse(f.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, &FileError{name, fmt.Errorf("output[%d]: url %q is not an absolute http(s) URL", i, f.URL)}
		}
	}
	return &m, nil
}

func slicesClone[T any](s []T) []T { return append([]T(nil), s...) }
