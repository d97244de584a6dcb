package fhirtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/patient/smart"
)

func start(t *testing.T, opt Options) *Server {
	t.Helper()
	b, err := os.ReadFile("../testdata/synthea_r4_Louis_Erdman_55bbe118.json")
	if err != nil {
		t.Fatal(err)
	}
	opt.Bundles = [][]byte{b}
	s, err := Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestConfiguration: the server's smart-configuration holds what the App
// Launch IG 2.2.0 requires of one that supports the EHR launch
// (authorization and token endpoints, capabilities, S256) and what its
// Backend Services example exchange shows (private_key_jwt with RS384 and
// ES384, system/*.rs; see ../smart/testdata).
func TestConfiguration(t *testing.T) {
	s := start(t, Options{})
	resp, err := http.Get(s.Base + "/.well-known/smart-configuration")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c, err := smart.ParseConfiguration(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, cap := range []string{"launch-ehr", "launch-standalone", "client-public", "client-confidential-asymmetric",
		"context-ehr-patient", "sso-openid-connect", "permission-v2"} {
		if !c.Has(cap) {
			t.Errorf("capability %s missing", cap)
		}
	}
	if c.AuthorizationEndpoint == "" || strings.Join(c.CodeChallengeMethods, ",") != "S256" ||
		strings.Join(c.TokenEndpointAuthSigning, ",") != "RS384,ES384" || c.JWKSURI == "" {
		t.Errorf("%+v", c)
	}
}

// TestAuthorizationCode exercises the server's checks of the code flow:
// PKCE is required, the verifier must match, a code is single-use.
func TestAuthorizationCode(t *testing.T) {
	redirect := "http://127.0.0.1:1/cb"
	s := start(t, Options{Clients: []Client{{ID: "app", RedirectURIs: []string{redirect}}}})
	verifier := smart.Random()
	q := url.Values{"response_type": {"code"}, "client_id": {"app"}, "redirect_uri": {redirect}, "scope": {smart.StandaloneScope},
		"state": {"s1"}, "aud": {s.Base}, "code_challenge": {Challenge(verifier)}, "code_challenge_method": {"S256"}}
	authorize := func(q url.Values) url.Values {
		resp, err := noRedirect.Get(s.URL + "/auth/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusFound {
			t.Fatalf("authorize: %d %v", resp.StatusCode, err)
		}
		return loc.Query()
	}
	noPKCE := url.Values{}
	for k, v := range q {
		if k != "code_challenge" {
			noPKCE[k] = v
		}
	}
	if got := authorize(noPKCE); got.Get("error") != "invalid_request" || got.Get("state") != "s1" {
		t.Errorf("without PKCE: %v", got)
	}
	code := authorize(q).Get("code")
	token := func(verifier string) (int, string) {
		resp, err := http.PostForm(s.URL+"/auth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {redirect}, "client_id": {"app"}, "code_verifier": {verifier}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := token("wrong"); st != 400 || !strings.Contains(body, "invalid_grant") {
		t.Errorf("wrong verifier: %d %s", st, body)
	}
	st, body := token(verifier)
	if st != 200 {
		t.Fatalf("token: %d %s", st, body)
	}
	tok, err := smart.ParseToken([]byte(body))
	if err != nil || tok.Patient != "76bc2bcd-3074-46b9-bc18-18daf50825a2" || tok.IDToken == "" || tok.RefreshToken == "" {
		t.Errorf("%+v %v", tok, err)
	}
	if st, _ := token(verifier); st != 400 {
		t.Errorf("a code used twice: %d", st)
	}
	// The token reads the patient's compartment only.
	req, _ := http.NewRequest(http.MethodGet, s.Base+"/Patient/76bc2bcd-3074-46b9-bc18-18daf50825a2", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("read of the patient: %v %v", resp, err)
	}
	req, _ = http.NewRequest(http.MethodGet, s.Base+"/Organization/"+"x", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 404 {
		t.Errorf("unknown resource: %d", resp.StatusCode)
	}
}

// TestClientCredentials: a client assertion is accepted once (its jti),
// with the token endpoint as its audience.
func TestClientCredentials(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	pub, _ := smart.PublicJWK(key, "k")
	s := start(t, Options{Clients: []Client{{ID: "bulk", JWKS: smart.JWKS{Keys: []smart.JWK{pub}}}}})
	post := func(aud, jti string) (int, string) {
		a, _ := smart.Sign(key, "ES384", "k", map[string]any{"iss": "bulk", "sub": "bulk", "aud": aud, "jti": jti,
			"exp": time.Now().Add(4 * time.Minute).Unix()})
		resp, err := http.PostForm(s.URL+"/auth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"system/*.rs"},
			"client_assertion_type": {smart.AssertionType}, "client_assertion": {a}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := post(s.URL+"/auth/token", "j1"); st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	if st, body := post(s.URL+"/auth/token", "j1"); st != 400 || !strings.Contains(body, "jti") {
		t.Errorf("replayed jti: %d %s", st, body)
	}
	if st, body := post(s.Base, "j2"); st != 400 || !strings.Contains(body, "aud") {
		t.Errorf("wrong aud: %d %s", st, body)
	}
}

// TestExport: the kick-off needs Prefer: respond-async; the status answers
// 202 with Retry-After, then a manifest.
func TestExport(t *testing.T) {
	s := start(t, Options{Open: true, ExportPolls: 1, RetryAfter: 7})
	get := func(u string, h map[string]string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := get(s.Base+"/Patient/$export", nil); r.StatusCode != 400 {
		t.Errorf("without Prefer: %d", r.StatusCode)
	}
	r := get(s.Base+"/Patient/$export", map[string]string{"Prefer": "respond-async", "Accept": "application/fhir+json"})
	status := r.Header.Get("Content-Location")
	if r.StatusCode != 202 || status == "" {
		t.Fatalf("kick-off: %d %q", r.StatusCode, status)
	}
	if r := get(status, nil); r.StatusCode != 202 || r.Header.Get("Retry-After") != "7" || r.Header.Get("X-Progress") == "" {
		t.Errorf("first poll: %d %v", r.StatusCode, r.Header)
	}
	r = get(status, nil)
	var m struct {
		Output []struct{ Type, URL string }
	}
	json.NewDecoder(r.Body).Decode(&m)
	if r.StatusCode != 200 || len(m.Output) == 0 || m.Output[0].Type != "AllergyIntolerance" {
		t.Errorf("manifest: %d %+v", r.StatusCode, m)
	}
}
