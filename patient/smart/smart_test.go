package smart

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"time"
)

// TestSpecificationConfiguration reads the smart-configuration of the
// App Launch IG's Backend Services example exchange.
func TestSpecificationConfiguration(t *testing.T) {
	b, err := os.ReadFile("testdata/smart-configuration-backend-services.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfiguration(b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(c.TokenEndpoint, "/auth/token") || !c.Has("client-confidential-asymmetric") ||
		strings.Join(c.TokenEndpointAuthSigning, ",") != "RS384,ES384" {
		t.Errorf("%+v", c)
	}
}

func TestParseConfigurationRefuses(t *testing.T) {
	for in, want := range map[string]string{
		`{"token_endpoint": "http://ehr.example/token"}`:                                          "https is required",
		`{"token_endpoint": "https://ehr.example/token", "authorization_endpoint": "/authorize"}`: "is not an absolute URL",
		`{"token_endpoint": 3}`: "invalid JSON",
		`{}`:                    "token_endpoint \"\" is not an absolute URL",
		`{"token_endpoint": "https://ehr.example/token", "jwks_uri": "ftp://x/y"}`: "https is required",
	} {
		_, err := ParseConfiguration([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

func TestParseToken(t *testing.T) {
	tok, err := ParseToken([]byte(`{"access_token": "abc", "token_type": "bearer", "expires_in": 3600, "scope": "launch patient/*.rs",
		"patient": "123", "encounter": "456", "refresh_token": "r"}`))
	if err != nil || tok.Patient != "123" || tok.Expiry.IsZero() {
		t.Fatalf("%+v %v", tok, err)
	}
	for in, want := range map[string]string{
		`{"token_type": "Bearer"}`:                                         "no access_token",
		`{"access_token": "a", "token_type": "mac"}`:                       "expected Bearer",
		`{"access_token": "a", "token_type": "Bearer", "patient": "../x"}`: "is not a FHIR id",
		`{"access_token": "a", "token_type": "Bearer", "expires_in": -1}`:  "out of range",
	} {
		if _, err := ParseToken([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

// TestSignVerify signs with each algorithm the Backend Services profile
// names (RS384, ES384) and verifies against the public JWKS; a changed
// payload, another key, alg none and an expired token are refused.
func TestSignVerify(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	now := time.Now()
	for name, signer := range map[string]any{"RS384": rk, "ES384": ek} {
		var alg string
		var pub JWK
		switch k := signer.(type) {
		case *rsa.PrivateKey:
			alg, _ = algFor(k)
			pub, _ = PublicJWK(k, "k")
			tok, err := Sign(k, alg, "k", map[string]any{"iss": "c", "exp": now.Add(time.Minute).Unix()})
			check(t, name, tok, err, pub)
		case *ecdsa.PrivateKey:
			alg, _ = algFor(k)
			pub, _ = PublicJWK(k, "k")
			tok, err := Sign(k, alg, "k", map[string]any{"iss": "c", "exp": now.Add(time.Minute).Unix()})
			check(t, name, tok, err, pub)
		}
		if alg != name {
			t.Errorf("%s key signs %s", name, alg)
		}
	}
	op, _ := PublicJWK(other, "k")
	tok, _ := Sign(ek, "ES384", "k", map[string]any{"exp": now.Add(time.Minute).Unix()})
	if _, err := Verify(tok, JWKS{Keys: []JWK{op}}, now); err == nil {
		t.Error("verified with another key")
	}
	parts := strings.Split(tok, ".")
	none := b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + "."
	ep, _ := PublicJWK(ek, "k")
	if _, err := Verify(none, JWKS{Keys: []JWK{ep}}, now); err == nil {
		t.Error("alg none accepted")
	}
	forged := parts[0] + "." + b64.EncodeToString([]byte(`{"exp": 9999999999, "iss": "evil"}`)) + "." + parts[2]
	if _, err := Verify(forged, JWKS{Keys: []JWK{ep}}, now); err == nil {
		t.Error("a changed payload verified")
	}
	old, _ := Sign(ek, "ES384", "k", map[string]any{"exp": now.Add(-time.Hour).Unix()})
	if _, err := Verify(old, JWKS{Keys: []JWK{ep}}, now); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired: %v", err)
	}
}

func check(t *testing.T, name, tok string, err error, pub JWK) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c, err := Verify(tok, JWKS{Keys: []JWK{pub}}, time.Now())
	if err != nil || c.Iss != "c" {
		t.Errorf("%s: %+v %v", name, c, err)
	}
}

// TestParseKey reads PEM (PKCS#8, SEC 1) and JWK private keys.
func TestParseKey(t *testing.T) {
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(ek)
	pkcs8 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	sec1der, _ := x509.MarshalECPrivateKey(ek)
	sec1 := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1der})
	j, _ := PrivateJWK(ek, "my-key")
	jwk, _ := json.Marshal(j)
	set, _ := json.Marshal(JWKS{Keys: []JWK{j}})
	for name, data := range map[string][]byte{"pkcs8": pkcs8, "sec1": sec1, "jwk": jwk, "jwks": set} {
		k, alg, kid, err := ParseKey(data)
		if err != nil || alg != "ES384" || k == nil || kid == "" {
			t.Errorf("%s: %v %s %q", name, err, alg, kid)
		}
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	der, _ = x509.MarshalPKCS8PrivateKey(small)
	for name, data := range map[string][]byte{
		"rsa-1024":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		"public":    []byte(`{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}`),
		"garbage":   []byte("hello"),
		"certblock": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}),
	} {
		if _, _, _, err := ParseKey(data); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want a one-line error", name, err)
		}
	}
}

// The fuzz targets of what is read from servers and key files: never a
// panic, an answer of one line.

func oneLineErr(t *testing.T, err error) {
	if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
		t.Fatalf("multi-line error %q", err)
	}
}

func FuzzParseConfiguration(f *testing.F) {
	b, _ := os.ReadFile("testdata/smart-configuration-backend-services.json")
	f.Add(b)
	f.Add([]byte(`{"token_endpoint":"http://127.0.0.1:1/t","authorization_endpoint":"http://localhost/a","capabilities":["launch-ehr"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseConfiguration(data)
		oneLineErr(t, err)
	})
}

func FuzzParseToken(f *testing.F) {
	f.Add([]byte(`{"access_token":"a","token_type":"Bearer","patient":"123","expires_in":3600}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseToken(data)
		oneLineErr(t, err)
	})
}

func FuzzParseJWKS(f *testing.F) {
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	j, _ := PublicJWK(ek, "k")
	b, _ := json.Marshal(JWKS{Keys: []JWK{j}})
	f.Add(b)
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseJWKS(data)
		oneLineErr(t, err)
	})
}

func FuzzParseKey(f *testing.F) {
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	j, _ := PrivateJWK(ek, "k")
	b, _ := json.Marshal(j)
	f.Add(b)
	der, _ := x509.MarshalPKCS8PrivateKey(ek)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _, err := ParseKey(data)
		oneLineErr(t, err)
	})
}

func FuzzVerify(f *testing.F) {
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	pub, _ := PublicJWK(ek, "k")
	tok, _ := Sign(ek, "ES384", "k", map[string]any{"exp": time.Now().Add(time.Hour).Unix()})
	f.Add(tok)
	f.Add("a.b.c")
	keys := JWKS{Keys: []JWK{pub}}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := Verify(s, keys, time.Now())
		oneLineErr(t, err)
	})
}
