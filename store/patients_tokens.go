package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
)

// TokenBytes is the number of random bytes of a dashboard token (256
// bits; base64url-encoded, 43 characters).
const TokenBytes = 32

// Token is a named bearer token of the dashboard. Only the SHA-256 of the
// token is stored.
type Token struct {
	Name      string
	CreatedAt string
	RevokedAt string // '' while valid
}

var tokenName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// NewToken creates a token named name (a person or a workstation, e.g.
// "dr-martin"; letters, digits, ".", "_", "@", "-"), stores its hash and
// returns the token, which is shown once and cannot be read back. The
// audit log names the token on every request that presents it.
func (p *Patients) NewToken(ctx context.Context, name string) (string, error) {
	if !tokenName.MatchString(name) {
		return "", fmt.Errorf("token name %q: expected 1 to 64 letters, digits, '.', '_', '@' or '-'", name)
	}
	b := make([]byte, TokenBytes)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	w, err := p.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer w.Rollback()
	var n int
	if err := w.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tokens WHERE name = ?`, name).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		return "", fmt.Errorf("a token named %q exists already (revoke it first, or choose another name)", name)
	}
	if _, err := w.tx.ExecContext(ctx, `INSERT INTO tokens(name, sha256, created_at) VALUES (?, ?, ?)`,
		name, tokenHash(tok), now()); err != nil {
		return "", err
	}
	if err := w.audit(ctx, "write", "tokens", name, "", "added"); err != nil {
		return "", err
	}
	return tok, w.Commit()
}

func tokenHash(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

// RevokeToken revokes the token named name.
func (p *Patients) RevokeToken(ctx context.Context, name string) error {
	w, err := p.Begin(ctx)
	if err != nil {
		return err
	}
	defer w.Rollback()
	res, err := w.tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at = ''`, now(), name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("no valid token named %q", name)
	}
	if err := w.audit(ctx, "write", "tokens", name, "", "revoked"); err != nil {
		return err
	}
	return w.Commit()
}

// TokenName returns the name of the valid token tok; ok is false when tok
// is no valid token.
func (p *Patients) TokenName(ctx context.Context, tok string) (name string, ok bool, err error) {
	if tok == "" {
		return "", false, nil
	}
	err = p.db.QueryRowContext(ctx, `SELECT name FROM tokens WHERE sha256 = ? AND revoked_at = ''`, tokenHash(tok)).Scan(&name)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", false, nil
		}
		return "", false, err
	}
	return name, true, nil
}

// Tokens lists the tokens, revoked ones included.
func (p *Patients) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT name, created_at, revoked_at FROM tokens ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.Name, &t.CreatedAt, &t.RevokedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
