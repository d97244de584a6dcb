package dashboard

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/patient/fhirtest"
	"github.com/mdtwin/mdtwin/store"
)

// syntheaPatientID is the Patient resource id of the Synthea bundle, its
// id on the EHR's FHIR server.
const syntheaPatientID = "76bc2bcd-3074-46b9-bc18-18daf50825a2"

// smartFixture is an EHR (fhirtest: FHIR server, SMART authorization
// server, EHR page) holding the Synthea patient, and the dashboard
// registered with it as the SMART app "mdtwin".
type smartFixture struct {
	ehr  *fhirtest.Server
	dash *httptest.Server
	srv  *Server
	ps   *store.Patients
	pid  string // the launched patient's pseudonym
}

func newSMARTFixture(t *testing.T, opt Options, ehrOpt fhirtest.Options) *smartFixture {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dashURL := "http://" + ln.Addr().String()
	b, err := os.ReadFile(filepath.Join("..", "patient", "testdata", "synthea_r4_Louis_Erdman_55bbe118.json"))
	if err != nil {
		t.Fatal(err)
	}
	ehrOpt.Bundles = [][]byte{b}
	ehrOpt.Clients = append(ehrOpt.Clients, fhirtest.Client{ID: "mdtwin", RedirectURIs: []string{dashURL + "/smart/callback"}})
	ehr, err := fhirtest.Start(ehrOpt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ehr.Close)
	ps, err := store.OpenPatients(filepath.Join(t.TempDir(), "store.sqlite"), "dashboard test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	opt.Store, opt.StudiesDir = ps.As("mdtwin serve"), t.TempDir()
	opt.Log = slog.New(slog.DiscardHandler)
	opt.SMART = &SMART{ClientID: "mdtwin", RedirectURI: dashURL + "/smart/callback", Issuers: []string{ehr.Base},
		EHROrigins: []string{ehr.URL}}
	srv, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: srv}}
	hs.Start()
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &smartFixture{ehr: ehr, dash: hs, srv: srv, ps: ps,
		pid: ps.Pseudonym(ehr.Base, "http://hospital.smarthealthit.org|55bbe118-e08d-4408-86e5-6084457500d4")}
}

func browserClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

func getBody(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestSMARTEHRLaunch follows an EHR launch as a browser would (launch URL →
// authorize → callback → token → pull): the dashboard opens on the launched
// patient, whose record came from the EHR's server under its base URL.
func TestSMARTEHRLaunch(t *testing.T) {
	f := newSMARTFixture(t, Options{}, fhirtest.Options{})
	c := browserClient(t)
	resp, body := getBody(t, c, f.ehr.LaunchURL(f.dash.URL+"/smart/launch", syntheaPatientID))
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/patients/"+f.pid || !strings.Contains(body, `<span id="pid">`+f.pid+`</span>`) {
		t.Fatalf("after the launch: %s %d\n%.500s", resp.Request.URL, resp.StatusCode, body)
	}
	if !strings.Contains(body, "Launched from the EHR ("+f.ehr.Base+"/Practitioner/example)") {
		t.Errorf("the page does not name the launching user (fhirUser of the id_token)")
	}
	// Embedding: the EHR's origin only.
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors "+f.ehr.URL) {
		t.Errorf("CSP %q", csp)
	}
	pt, ok, err := f.ps.Patient(context.Background(), f.pid)
	if err != nil || !ok || pt.Source != f.ehr.Base {
		t.Fatalf("patient %+v %v %v: want the EHR's base as source", pt, ok, err)
	}
	st := f.ehr.Stats()
	if st.Authorizations != 1 || st.TokenGrants != 1 || st.Everything == 0 {
		t.Errorf("EHR stats %+v", st)
	}
	// Pull again: the token is still valid, nothing new.
	resp, err = c.PostForm(f.dash.URL+"/smart/refresh", nil)
	if err != nil || resp.StatusCode != 200 || resp.Request.URL.Path != "/patients/"+f.pid {
		t.Fatalf("refresh: %v %v", resp, err)
	}
	// A second launch reuses nothing: a code is single-use, a state too.
	resp, _ = getBody(t, c, f.dash.URL+"/smart/callback?code=x&state=y")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("callback with an unknown state: %d", resp.StatusCode)
	}
}

// TestSMARTRefresh: with access tokens that live 30 s, pulling the record
// again first refreshes the token (refresh_token grant).
func TestSMARTRefresh(t *testing.T) {
	f := newSMARTFixture(t, Options{}, fhirtest.Options{TokenLifetime: 30 * time.Second})
	c := browserClient(t)
	if resp, _ := getBody(t, c, f.ehr.LaunchURL(f.dash.URL+"/smart/launch", syntheaPatientID)); resp.StatusCode != 200 {
		t.Fatalf("launch: %d", resp.StatusCode)
	}
	resp, err := c.PostForm(f.dash.URL+"/smart/refresh", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("refresh: %v %v", resp, err)
	}
	// Two pulls of 2 pages each (120 resources, 100 per page).
	if st := f.ehr.Stats(); st.Refreshes != 1 || st.Everything != 4 {
		t.Errorf("EHR stats %+v: want one refresh_token grant and two pulls", st)
	}
}

// TestSMARTStandalone: a standalone launch (iss only) asks for
// launch/patient and opens on the patient the EHR picked.
func TestSMARTStandalone(t *testing.T) {
	f := newSMARTFixture(t, Options{}, fhirtest.Options{})
	c := browserClient(t)
	resp, body := getBody(t, c, f.dash.URL+"/smart/launch?iss="+f.ehr.Base)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/patients/"+f.pid {
		t.Fatalf("standalone: %s %d\n%.300s", resp.Request.URL, resp.StatusCode, body)
	}
}

// TestSMARTRefused: a launch from an unregistered iss, an unknown launch
// id, and, on a dashboard that requires tokens, a launched session sees its
// patient only.
func TestSMARTRefused(t *testing.T) {
	f := newSMARTFixture(t, Options{Token: strings.Repeat("t", 32)}, fhirtest.Options{})
	c := browserClient(t)
	if resp, _ := getBody(t, c, f.dash.URL+"/smart/launch?iss=https://evil.example/fhir&launch=x"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("foreign iss: %d", resp.StatusCode)
	}
	if resp, body := getBody(t, c, f.dash.URL+"/smart/launch?iss="+f.ehr.Base+"&launch=unknown"); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(body, "unknown launch") {
		t.Errorf("unknown launch: %d %.300s", resp.StatusCode, body)
	}
	resp, _ := getBody(t, c, f.ehr.LaunchURL(f.dash.URL+"/smart/launch", syntheaPatientID))
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/patients/"+f.pid {
		t.Fatalf("launch with tokens required: %s %d", resp.Request.URL, resp.StatusCode)
	}
	if resp, _ := getBody(t, c, f.dash.URL+"/"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the patient list to a SMART session: %d, want 401", resp.StatusCode)
	}
	if resp, _ := getBody(t, c, f.dash.URL+"/patients/pother"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("another patient to a SMART session: %d, want 401", resp.StatusCode)
	}
}

func TestSMARTOptions(t *testing.T) {
	ps, err := store.OpenPatients(filepath.Join(t.TempDir(), "s.sqlite"), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	for _, c := range []struct {
		smart SMART
		want  string
	}{
		{SMART{RedirectURI: "https://d.example/smart/callback", Issuers: []string{"https://ehr.example/fhir"}}, "a client id is required"},
		{SMART{ClientID: "x", RedirectURI: "https://d.example/cb", Issuers: []string{"https://ehr.example/fhir"}}, "must be this dashboard's /smart/callback"},
		{SMART{ClientID: "x", RedirectURI: "https://d.example/smart/callback"}, "at least one EHR FHIR base URL"},
		{SMART{ClientID: "x", RedirectURI: "https://d.example/smart/callback", Issuers: []string{"http://ehr.example/fhir"}}, "https is required"},
		{SMART{ClientID: "x", RedirectURI: "https://d.example/smart/callback", Issuers: []string{"https://ehr.example/fhir"},
			EHROrigins: []string{"https://ehr.example/app"}}, "expected scheme://host[:port]"},
		{SMART{ClientID: "x", RedirectURI: "https://d.example/smart/callback", Issuers: []string{"https://ehr.example/fhir"},
			EHROrigins: []string{"https://a.example 'unsafe-inline'"}}, "EHR origin"},
	} {
		_, err := New(Options{Store: ps, SMART: &c.smart})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.smart, err, c.want)
		}
	}
}
