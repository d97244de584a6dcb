package smart

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Size caps of what is read from servers and key files.
const (
	MaxResponseBytes = 1 << 20 // a configuration, token or JWKS response
	MaxKeyBytes      = 64 << 10
	MaxJWTBytes      = 16 << 10
)

var b64 = base64.RawURLEncoding

// JWK is a JSON Web Key (RFC 7517) of type RSA or EC (P-256, P-384),
// public or private.
type JWK struct {
	Kty string   `json:"kty"`
	Kid string   `json:"kid,omitempty"`
	Alg string   `json:"alg,omitempty"`
	Use string   `json:"use,omitempty"`
	Ops []string `json:"key_ops,omitempty"`
	N   string   `json:"n,omitempty"`
	E   string   `json:"e,omitempty"`
	Crv string   `json:"crv,omitempty"`
	X   string   `json:"x,omitempty"`
	Y   string   `json:"y,omitempty"`
	D   string   `json:"d,omitempty"`
	P   string   `json:"p,omitempty"`
	Q   string   `json:"q,omitempty"`
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// ParseJWKS reads a key set (public keys are kept; a private member is
// dropped). At most 100 keys.
func ParseJWKS(data []byte) (JWKS, error) {
	var s JWKS
	if len(data) > MaxResponseBytes {
		return s, fmt.Errorf("JWKS: %d bytes, more than the cap of %d", len(data), MaxResponseBytes)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("JWKS: invalid JSON: %v", err)
	}
	if len(s.Keys) > 100 {
		return s, fmt.Errorf("JWKS: %d keys, more than 100", len(s.Keys))
	}
	for i := range s.Keys {
		k := &s.Keys[i]
		k.D, k.P, k.Q = "", "", ""
		if _, err := k.Public(); err != nil {
			return s, fmt.Errorf("JWKS: keys[%d]: %v", i, err)
		}
	}
	return s, nil
}

func bigInt(s, what string) (*big.Int, error) {
	b, err := b64.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > 1024 {
		return nil, fmt.Errorf("%s is not a base64url integer", what)
	}
	return new(big.Int).SetBytes(b), nil
}

func curve(crv string) (elliptic.Curve, error) {
	switch crv {
	case "P-256":
		return elliptic.P256(), nil
	case "P-384":
		return elliptic.P384(), nil
	}
	return nil, fmt.Errorf("curve %q, expected P-256 or P-384", crv)
}

// Public returns the key's public key (*rsa.PublicKey or *ecdsa.PublicKey).
func (k JWK) Public() (crypto.PublicKey, error) {
	switch k.Kty {
	case "RSA":
		n, err := bigInt(k.N, "n")
		if err != nil {
			return nil, err
		}
		e, err := bigInt(k.E, "e")
		if err != nil || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31 {
			return nil, errors.New("e is not a valid RSA exponent")
		}
		if n.BitLen() < 2048 {
			return nil, fmt.Errorf("RSA key of %d bits, at least 2048 required", n.BitLen())
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		c, err := curve(k.Crv)
		if err != nil {
			return nil, err
		}
		x, err := bigInt(k.X, "x")
		if err != nil {
			return nil, err
		}
		y, err := bigInt(k.Y, "y")
		if err != nil {
			return nil, err
		}
		pub := &ecdsa.PublicKey{Curve: c, X: x, Y: y}
		if !c.IsOnCurve(x, y) {
			return nil, errors.New("the EC point is not on the curve")
		}
		return pub, nil
	}
	return nil, fmt.Errorf("kty %q, expected RSA or EC", k.Kty)
}

// PublicJWK returns the public JWK of a signer (an RSA or ECDSA private
// key) under kid.
func PublicJWK(key crypto.Signer, kid string) (JWK, error) {
	switch p := key.Public().(type) {
	case *rsa.PublicKey:
		return JWK{Kty: "RSA", Kid: kid, Alg: "RS384", N: b64.EncodeToString(p.N.Bytes()),
			E: b64.EncodeToString(big.NewInt(int64(p.E)).Bytes())}, nil
	case *ecdsa.PublicKey:
		size := (p.Curve.Params().BitSize + 7) / 8
		alg := "ES384"
		if p.Curve == elliptic.P256() {
			alg = "ES256"
		}
		return JWK{Kty: "EC", Kid: kid, Alg: alg, Crv: p.Curve.Params().Name, X: b64.EncodeToString(p.X.FillBytes(make([]byte, size))),
			Y: b64.EncodeToString(p.Y.FillBytes(make([]byte, size)))}, nil
	}
	return JWK{}, fmt.Errorf("key of type %T, expected RSA or ECDSA", key)
}

// ParseKey reads a private key for signing client assertions: PEM (PKCS#8,
// PKCS#1 RSA or SEC 1 EC) or a private JWK (JSON, or a JWKS whose first key
// is private). It returns the key, the algorithm to sign with (RS384 for
// RSA, ES384 for P-384; ES256 for P-256 keys) and the key id (the JWK's
// kid, else the SHA-256 thumbprint of the public key, RFC 7638).
func ParseKey(data []byte) (crypto.Signer, string, string, error) {
	if len(data) > MaxKeyBytes {
		return nil, "", "", fmt.Errorf("key file: %d bytes, more than the cap of %d", len(data), MaxKeyBytes)
	}
	var key crypto.Signer
	kid := ""
	if t := strings.TrimSpace(string(data)); strings.HasPrefix(t, "{") {
		var one JWK
		var set JWKS
		if err := json.Unmarshal(data, &set); err == nil && len(set.Keys) > 0 {
			one = set.Keys[0]
		} else if err := json.Unmarshal(data, &one); err != nil {
			return nil, "", "", fmt.Errorf("key file: invalid JSON: %v", err)
		}
		k, err := one.private()
		if err != nil {
			return nil, "", "", fmt.Errorf("key file: %v", err)
		}
		key, kid = k, one.Kid
	} else {
		block, _ := pem.Decode(data)
		if block == nil {
			return nil, "", "", errors.New("key file: neither PEM nor a JSON Web Key")
		}
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			var k any
			if k, err = x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
				s, ok := k.(crypto.Signer)
				if !ok {
					return nil, "", "", fmt.Errorf("key file: a %T key, expected RSA or ECDSA", k)
				}
				key = s
			}
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		default:
			return nil, "", "", fmt.Errorf("key file: PEM block %q, expected a private key", block.Type)
		}
		if err != nil {
			return nil, "", "", fmt.Errorf("key file: %v", err)
		}
	}
	alg, err := algFor(key)
	if err != nil {
		return nil, "", "", fmt.Errorf("key file: %v", err)
	}
	if kid == "" {
		pub, _ := PublicJWK(key, "")
		kid = Thumbprint(pub)
	}
	return key, alg, kid, nil
}

func algFor(key crypto.Signer) (string, error) {
	switch p := key.Public().(type) {
	case *rsa.PublicKey:
		if p.N.BitLen() < 2048 {
			return "", fmt.Errorf("RSA key of %d bits, at least 2048 required", p.N.BitLen())
		}
		return "RS384", nil
	case *ecdsa.PublicKey:
		switch p.Curve {
		case elliptic.P384():
			return "ES384", nil
		case elliptic.P256():
			return "ES256", nil
		}
		return "", fmt.Errorf("EC curve %s, expected P-384 (ES384)", p.Curve.Params().Name)
	}
	return "", fmt.Errorf("a %T key, expected RSA or ECDSA", key)
}

func (k JWK) private() (crypto.Signer, error) {
	if k.D == "" {
		return nil, errors.New("the JWK has no private part (d)")
	}
	pub, err := k.Public()
	if err != nil {
		return nil, err
	}
	d, err := bigInt(k.D, "d")
	if err != nil {
		return nil, err
	}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		pr, err1 := bigInt(k.P, "p")
		q, err2 := bigInt(k.Q, "q")
		if err1 != nil || err2 != nil {
			return nil, errors.New("an RSA JWK needs p and q")
		}
		key := &rsa.PrivateKey{PublicKey: *p, D: d, Primes: []*big.Int{pr, q}}
		if err := key.Validate(); err != nil {
			return nil, err
		}
		key.Precompute()
		return key, nil
	case *ecdsa.PublicKey:
		return &ecdsa.PrivateKey{PublicKey: *p, D: d}, nil
	}
	return nil, errors.New("unsupported key")
}

// PrivateJWK returns the private JWK of key (for writing a key file).
func PrivateJWK(key crypto.Signer, kid string) (JWK, error) {
	j, err := PublicJWK(key, kid)
	if err != nil {
		return j, err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		j.D, j.P, j.Q = b64.EncodeToString(k.D.Bytes()), b64.EncodeToString(k.Primes[0].Bytes()), b64.EncodeToString(k.Primes[1].Bytes())
	case *ecdsa.PrivateKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		j.D = b64.EncodeToString(k.D.FillBytes(make([]byte, size)))
	}
	return j, nil
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of a public JWK.
func Thumbprint(k JWK) string {
	var s string
	if k.Kty == "RSA" {
		s = fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, k.E, k.N)
	} else {
		s = fmt.Sprintf(`{"crv":%q,"kty":"EC","x":%q,"y":%q}`, k.Crv, k.X, k.Y)
	}
	h := sha256.Sum256([]byte(s))
	return b64.EncodeToString(h[:])
}

func hashFor(alg string) (crypto.Hash, []byte, error) {
	switch alg {
	case "RS256", "ES256":
		return crypto.SHA256, nil, nil
	case "RS384", "ES384":
		return crypto.SHA384, nil, nil
	}
	return 0, nil, fmt.Errorf("alg %q, expected RS384 or ES384 (or RS256, ES256)", alg)
}

func digest(h crypto.Hash, data string) []byte {
	if h == crypto.SHA256 {
		d := sha256.Sum256([]byte(data))
		return d[:]
	}
	d := sha512.Sum384([]byte(data))
	return d[:]
}

// Sign makes a compact JWS of claims with key under alg and kid.
func Sign(key crypto.Signer, alg, kid string, claims any) (string, error) {
	h, _, err := hashFor(alg)
	if err != nil {
		return "", err
	}
	head, _ := json.Marshal(map[string]string{"alg": alg, "kid": kid, "typ": "JWT"})
	body, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	in := b64.EncodeToString(head) + "." + b64.EncodeToString(body)
	d := digest(h, in)
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k, h, d); err != nil {
			return "", err
		}
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, d)
		if err != nil {
			return "", err
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		sig = append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
	default:
		return "", fmt.Errorf("a %T key, expected RSA or ECDSA", key)
	}
	return in + "." + b64.EncodeToString(sig), nil
}

// Claims are the registered claims of a JWT mdtwin reads, with the rest
// kept raw.
type Claims struct {
	Iss      string          `json:"iss"`
	Sub      string          `json:"sub"`
	Aud      json.RawMessage `json:"aud"`
	Exp      int64           `json:"exp"`
	Iat      int64           `json:"iat,omitempty"`
	Jti      string          `json:"jti,omitempty"`
	FHIRUser string          `json:"fhirUser,omitempty"`
	Nonce    string          `json:"nonce,omitempty"`
}

// HasAudience reports whether aud (a string or an array) contains want.
func (c Claims) HasAudience(want string) bool {
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(c.Aud, &many) == nil {
		for _, a := range many {
			if a == want {
				return true
			}
		}
	}
	return false
}

// Verify checks a compact JWS against keys (the one of its kid, else each
// that fits its alg) and its expiry at now (60 s of clock skew allowed),
// and returns its claims. Only RS256/384 and ES256/384 are accepted ("none"
// and HMAC never).
func Verify(token string, keys JWKS, now time.Time) (Claims, error) {
	var c Claims
	if len(token) > MaxJWTBytes {
		return c, fmt.Errorf("JWT: %d bytes, more than the cap of %d", len(token), MaxJWTBytes)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errors.New("JWT: not three dot-separated parts")
	}
	var head struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &head) != nil {
		return c, errors.New("JWT: the header is not base64url JSON")
	}
	h, _, err := hashFor(head.Alg)
	if err != nil {
		return c, fmt.Errorf("JWT: %v", err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return c, errors.New("JWT: the signature is not base64url")
	}
	d := digest(h, parts[0]+"."+parts[1])
	ok := false
	for _, k := range keys.Keys {
		if head.Kid != "" && k.Kid != "" && k.Kid != head.Kid {
			continue
		}
		pub, err := k.Public()
		if err != nil {
			continue
		}
		switch p := pub.(type) {
		case *rsa.PublicKey:
			ok = strings.HasPrefix(head.Alg, "RS") && rsa.VerifyPKCS1v15(p, h, d, sig) == nil
		case *ecdsa.PublicKey:
			size := (p.Curve.Params().BitSize + 7) / 8
			want := map[string]int{"ES256": 32, "ES384": 48}[head.Alg]
			if size == want && len(sig) == 2*size {
				r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
				ok = ecdsa.Verify(p, d, r, s)
			}
		}
		if ok {
			break
		}
	}
	if !ok {
		return c, errors.New("JWT: the signature does not verify with any key of the set")
	}
	body, err := b64.DecodeString(parts[1])
	if err != nil || json.Unmarshal(body, &c) != nil {
		return c, errors.New("JWT: the claims are not base64url JSON")
	}
	if c.Exp == 0 || now.After(time.Unix(c.Exp, 0).Add(time.Minute)) {
		return c, errors.New("JWT: expired or without exp")
	}
	return c, nil
}

// randomString returns n random bytes, base64url.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("smart: " + err.Error())
	}
	return b64.EncodeToString(b)
}

// Random returns a random base64url string of 256 bits (states, codes,
// token values).
func Random() string { return randomString(32) }
