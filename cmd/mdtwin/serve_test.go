package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesNetworkWithoutToken: bound beyond loopback, serve needs a
// bearer token and says so on one line, exit 2, before opening the store.
func TestServeRefusesNetworkWithoutToken(t *testing.T) {
	t.Setenv("MDTWIN_TOKEN", "")
	dir := t.TempDir()
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		code, _, stderr := cli(dir, "serve", "--addr", addr, "--store", filepath.Join(dir, "store.sqlite"))
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "a bearer token is required") {
			t.Errorf("serve --addr %s without a token: exit %d, %q", addr, code, stderr)
		}
	}
	if code, _, stderr := cli(dir, "serve", "--addr", "8080"); code != 2 || !strings.Contains(stderr, "expected host:port") {
		t.Errorf("serve --addr 8080: exit %d, %q", code, stderr)
	}
}
