package smart

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Configuration is a server's SMART configuration
// ([base]/.well-known/smart-configuration, App Launch 2.2.0 §2.0.9).
type Configuration struct {
	Issuer                     string   `json:"issuer,omitempty"`
	JWKSURI                    string   `json:"jwks_uri,omitempty"`
	AuthorizationEndpoint      string   `json:"authorization_endpoint"`
	TokenEndpoint              string   `json:"token_endpoint"`
	GrantTypesSupported        []string `json:"grant_types_supported"`
	TokenEndpointAuthMethods   []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	TokenEndpointAuthSigning   []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	ScopesSupported            []string `json:"scopes_supported,omitempty"`
	ResponseTypesSupported     []string `json:"response_types_supported,omitempty"`
	Capabilities               []string `json:"capabilities"`
	CodeChallengeMethods       []string `json:"code_challenge_methods_supported"`
	RevocationEndpoint         string   `json:"revocation_endpoint,omitempty"`
	ManagementEndpoint         string   `json:"management_endpoint,omitempty"`
	IntrospectionEndpoint      string   `json:"introspection_endpoint,omitempty"`
	RegistrationEndpoint       string   `json:"registration_endpoint,omitempty"`
	UserAccessBrandsBundle     string   `json:"user_access_brand_bundle,omitempty"`
	AssociatedEndpoints        any      `json:"associated_endpoints,omitempty"`
	UserAccessBrandIdentifiers any      `json:"user_access_brand_identifier,omitempty"`
}

// Has reports whether the configuration lists capability c.
func (c *Configuration) Has(capability string) bool {
	return slices.Contains(c.Capabilities, capability)
}

// CheckEndpoint refuses an endpoint URL that is not absolute https, or
// http on a loopback host (tests and a local sandbox).
func CheckEndpoint(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s %q is not an absolute URL", what, raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("%s %q: https is required (http only on loopback)", what, raw)
}

// ParseConfiguration reads and checks a SMART configuration: its
// authorization and token endpoints are absolute https URLs (http on
// loopback); PKCE S256 is supported when authorization codes are.
func ParseConfiguration(data []byte) (*Configuration, error) {
	if len(data) > MaxResponseBytes {
		return nil, fmt.Errorf("smart-configuration: %d bytes, more than the cap of %d", len(data), MaxResponseBytes)
	}
	var c Configuration
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("smart-configuration: invalid JSON: %v", oneLine(err.Error()))
	}
	if err := CheckEndpoint("token_endpoint", c.TokenEndpoint); err != nil {
		return nil, fmt.Errorf("smart-configuration: %v", err)
	}
	if c.AuthorizationEndpoint != "" {
		if err := CheckEndpoint("authorization_endpoint", c.AuthorizationEndpoint); err != nil {
			return nil, fmt.Errorf("smart-configuration: %v", err)
		}
	}
	if c.JWKSURI != "" {
		if err := CheckEndpoint("jwks_uri", c.JWKSURI); err != nil {
			return nil, fmt.Errorf("smart-configuration: %v", err)
		}
	}
	return &c, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// get reads a bounded JSON response body.
func get(ctx context.Context, hc *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", u, err)
	}
	if len(body) > MaxResponseBytes {
		return nil, fmt.Errorf("GET %s: the response is more than %d bytes", u, MaxResponseBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	return body, nil
}

// Discover reads the SMART configuration of the FHIR server at base.
func Discover(ctx context.Context, hc *http.Client, base string) (*Configuration, error) {
	if err := CheckEndpoint("FHIR base", base); err != nil {
		return nil, err
	}
	body, err := get(ctx, client(hc), strings.TrimSuffix(base, "/")+"/.well-known/smart-configuration")
	if err != nil {
		return nil, fmt.Errorf("SMART discovery: %v", err)
	}
	return ParseConfiguration(body)
}

func client(hc *http.Client) *http.Client {
	if hc == nil {
		return &http.Client{Timeout: 60 * time.Second}
	}
	return hc
}

// Token is a token response (App Launch 2.2.0 §2.0.10; RFC 6749 §5.1) with
// the launch context SMART adds.
type Token struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in,omitempty"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Patient      string `json:"patient,omitempty"`
	Encounter    string `json:"encounter,omitempty"`
	NeedBanner   bool   `json:"need_patient_banner,omitempty"`
	SmartStyle   string `json:"smart_style_url,omitempty"`
	// Expiry is when the access token expires (from ExpiresIn at receipt).
	Expiry time.Time `json:"-"`
	// FHIRUser is the fhirUser claim of the verified id_token, if any.
	FHIRUser string `json:"-"`
}

// ParseToken reads a token response: a bearer access token is required;
// the launch context's patient id must be a FHIR id.
func ParseToken(data []byte) (*Token, error) {
	if len(data) > MaxResponseBytes {
		return nil, fmt.Errorf("token response: %d bytes, more than the cap of %d", len(data), MaxResponseBytes)
	}
	var t Token
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("token response: invalid JSON: %v", oneLine(err.Error()))
	}
	if t.AccessToken == "" || len(t.AccessToken) > 8192 {
		return nil, errors.New("token response: no access_token (or one over 8 KiB)")
	}
	if !strings.EqualFold(t.TokenType, "bearer") {
		return nil, fmt.Errorf("token response: token_type %q, expected Bearer", t.TokenType)
	}
	if t.Patient != "" && !fhirID(t.Patient) {
		return nil, fmt.Errorf("token response: patient %q is not a FHIR id", trunc(t.Patient))
	}
	if t.Encounter != "" && !fhirID(t.Encounter) {
		return nil, fmt.Errorf("token response: encounter %q is not a FHIR id", trunc(t.Encounter))
	}
	if t.ExpiresIn < 0 || t.ExpiresIn > 366*24*3600 {
		return nil, fmt.Errorf("token response: expires_in %d out of range", t.ExpiresIn)
	}
	if t.ExpiresIn > 0 {
		t.Expiry = time.Now().Add(time.Duration(t.ExpiresIn) * time.Second)
	}
	return &t, nil
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// fhirID reports whether s is a FHIR R4 id: [A-Za-z0-9\-\.]{1,64}.
func fhirID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// post sends a token request and reads its response.
func post(ctx context.Context, hc *http.Client, endpoint string, form url.Values) (*Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := client(hc).Do(req)
	if err != nil {
		return nil, fmt.Errorf("token request: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("token request: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		json.Unmarshal(body, &e)
		msg := oneLine(e.Error + " " + e.Description)
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return nil, fmt.Errorf("token request: HTTP %d %s", resp.StatusCode, msg)
	}
	return ParseToken(body)
}

// App is a SMART app registered with an EHR's authorization server: a
// public client (no secret) that proves its requests with PKCE.
type App struct {
	ClientID    string
	RedirectURI string
	// Scope requested; DefaultScope when empty.
	Scope string
	HTTP  *http.Client
}

// DefaultScope is what mdtwin asks for: the EHR launch context, read and
// search of every resource type of the patient (SMART v2 scopes), and the
// user's identity (OpenID Connect with the fhirUser claim).
const DefaultScope = "launch patient/*.rs openid fhirUser"

// StandaloneScope is the scope of a standalone launch: the patient is
// chosen at the authorization server (launch/patient) instead of arriving
// with the launch.
const StandaloneScope = "launch/patient patient/*.rs openid fhirUser"

// Pending is a launch between its authorization request and the code's
// exchange; the app keeps it (server-side) under State.
type Pending struct {
	State    string
	Verifier string // PKCE code verifier (RFC 7636), 256 random bits
	Issuer   string // the FHIR base (iss)
	Launch   string // '' for a standalone launch
	Config   *Configuration
	Created  time.Time
}

// Challenge is the PKCE S256 code challenge of a verifier:
// BASE64URL(SHA256(verifier)) (RFC 7636 §4.2).
func Challenge(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return b64.EncodeToString(h[:])
}

// Authorize discovers iss's endpoints and returns the URL to send the
// browser to, with the launch to keep. launch is the EHR's launch value
// (” for a standalone launch, which asks for launch/patient instead).
func (a *App) Authorize(ctx context.Context, iss, launch string) (string, *Pending, error) {
	cfg, err := Discover(ctx, a.HTTP, iss)
	if err != nil {
		return "", nil, err
	}
	if cfg.AuthorizationEndpoint == "" {
		return "", nil, errors.New("smart-configuration: no authorization_endpoint")
	}
	if len(cfg.CodeChallengeMethods) > 0 && !slices.Contains(cfg.CodeChallengeMethods, "S256") {
		return "", nil, errors.New("smart-configuration: the server does not support PKCE S256")
	}
	p := &Pending{State: Random(), Verifier: Random(), Issuer: iss, Launch: launch, Config: cfg, Created: time.Now()}
	scope := a.Scope
	if scope == "" {
		scope = DefaultScope
		if launch == "" {
			scope = StandaloneScope
		}
	}
	q := url.Values{"response_type": {"code"}, "client_id": {a.ClientID}, "redirect_uri": {a.RedirectURI},
		"scope": {scope}, "state": {p.State}, "aud": {iss}, "code_challenge": {Challenge(p.Verifier)},
		"code_challenge_method": {"S256"}}
	if launch != "" {
		q.Set("launch", launch)
	}
	u, err := url.Parse(cfg.AuthorizationEndpoint)
	if err != nil {
		return "", nil, err
	}
	u.RawQuery = q.Encode()
	return u.String(), p, nil
}

// Exchange trades an authorization code for a token (with the PKCE
// verifier), and verifies the id_token when one comes (with the server's
// JWKS) to read its fhirUser claim.
func (a *App) Exchange(ctx context.Context, p *Pending, code string) (*Token, error) {
	if code == "" || len(code) > 4096 {
		return nil, errors.New("authorization response: no code")
	}
	t, err := post(ctx, a.HTTP, p.Config.TokenEndpoint, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {a.RedirectURI}, "client_id": {a.ClientID}, "code_verifier": {p.Verifier}})
	if err != nil {
		return nil, err
	}
	if t.IDToken != "" && p.Config.JWKSURI != "" {
		body, err := get(ctx, client(a.HTTP), p.Config.JWKSURI)
		if err != nil {
			return nil, fmt.Errorf("id_token: %v", err)
		}
		keys, err := ParseJWKS(body)
		if err != nil {
			return nil, err
		}
		c, err := Verify(t.IDToken, keys, time.Now())
		if err != nil {
			return nil, fmt.Errorf("id_token: %v", err)
		}
		if !c.HasAudience(a.ClientID) {
			return nil, errors.New("id_token: not issued to this client (aud)")
		}
		if p.Config.Issuer != "" && c.Iss != p.Config.Issuer {
			return nil, fmt.Errorf("id_token: issued by %q, not by the configuration's issuer %q", c.Iss, p.Config.Issuer)
		}
		t.FHIRUser = c.FHIRUser
	}
	return t, nil
}

// Refresh trades a refresh token for a new access token.
func (a *App) Refresh(ctx context.Context, cfg *Configuration, t *Token) (*Token, error) {
	if t.RefreshToken == "" {
		return nil, errors.New("no refresh token: launch again")
	}
	n, err := post(ctx, a.HTTP, cfg.TokenEndpoint, url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {t.RefreshToken}, "client_id": {a.ClientID}})
	if err != nil {
		return nil, err
	}
	if n.Patient == "" {
		n.Patient = t.Patient
	}
	if n.RefreshToken == "" {
		n.RefreshToken = t.RefreshToken
	}
	n.FHIRUser = t.FHIRUser
	return n, nil
}

// Backend is a SMART Backend Services client: it authenticates with a JWT
// signed by its private key (private_key_jwt) and receives system scopes.
type Backend struct {
	ClientID string
	Key      crypto.Signer
	Alg      string // RS384 or ES384 (from ParseKey)
	KeyID    string
	Scope    string // default "system/*.rs"
	HTTP     *http.Client
}

// AssertionType is the client_assertion_type of a JWT client assertion
// (RFC 7523).
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Token asks tokenURL for an access token with the client_credentials
// grant and a signed client assertion (iss = sub = client id, aud = the
// token URL, exp in 5 minutes, a random jti).
func (b *Backend) Token(ctx context.Context, tokenURL string) (*Token, error) {
	now := time.Now()
	assertion, err := Sign(b.Key, b.Alg, b.KeyID, map[string]any{"iss": b.ClientID, "sub": b.ClientID, "aud": tokenURL,
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "jti": Random()})
	if err != nil {
		return nil, err
	}
	scope := b.Scope
	if scope == "" {
		scope = "system/*.rs"
	}
	return post(ctx, b.HTTP, tokenURL, url.Values{"grant_type": {"client_credentials"}, "scope": {scope},
		"client_assertion_type": {AssertionType}, "client_assertion": {assertion}})
}
