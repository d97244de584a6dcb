package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/patient/fhirtest"
	"github.com/mdtwin/mdtwin/patient/smart"
)

// syntheaPatientID is the Patient resource id of the shipped Synthea bundle.
const syntheaPatientID = "76bc2bcd-3074-46b9-bc18-18daf50825a2"

func fhirServer(t *testing.T, opt fhirtest.Options) *fhirtest.Server {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "patient", "testdata", "synthea_r4_Louis_Erdman_55bbe118.json"))
	if err != nil {
		t.Fatal(err)
	}
	opt.Bundles = [][]byte{b}
	s, err := fhirtest.Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestIngestFHIRPatient pulls one patient with $everything, then the
// whole server with a bulk export authenticated by SMART Backend Services
// (an ES384 key in a JWK file): the same records, so nothing is added.
func TestIngestFHIRPatient(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := smart.PrivateJWK(key, "k1")
	pub, _ := smart.PublicJWK(key, "k1")
	b, _ := json.Marshal(priv)
	write(t, filepath.Join(dir, "key.jwk"), string(b))
	srv := fhirServer(t, fhirtest.Options{Open: false, ExportPolls: 1,
		Clients: []fhirtest.Client{{ID: "mdtwin-bulk", JWKS: smart.JWKS{Keys: []smart.JWK{pub}}}}})

	// Without a token the server refuses: one line, exit 2.
	code, _, stderr := cli(dir, "ingest", "--fhir", srv.Base, "--patient", syntheaPatientID, "--store", "s.sqlite")
	if code != 2 || !strings.Contains(stderr, "HTTP 401") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("no token: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := cli(dir, "ingest", "--fhir", srv.Base, "--all", "--client-id", "mdtwin-bulk", "--key", "key.jwk", "--store", "s.sqlite")
	if code != 0 || !strings.Contains(stdout, "Patient.") || !strings.Contains(stdout, "1 added") {
		t.Fatalf("bulk: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "s.sqlite.export", "all-patients", "export.json")); err != nil {
		t.Errorf("export state: %v", err)
	}
	// The same export again: resumed from its folder (no new kick-off), nothing added.
	code, stdout, _ = cli(dir, "ingest", "--fhir", srv.Base, "--all", "--client-id", "mdtwin-bulk", "--key", "key.jwk", "--store", "s.sqlite")
	if code != 0 || strings.Contains(stdout, " 1 added") || srv.Stats().Kickoffs != 1 {
		t.Errorf("again: exit %d, %d kick-offs\n%s", code, srv.Stats().Kickoffs, stdout)
	}
}

func TestIngestFHIROpen(t *testing.T) {
	dir := t.TempDir()
	srv := fhirServer(t, fhirtest.Options{Open: true})
	code, stdout, stderr := cli(dir, "ingest", "--fhir", srv.Base, "--patient", syntheaPatientID, "--store", "s.sqlite")
	if code != 0 || !strings.Contains(stdout, "$everything: 120 entries: 88 added") || !strings.Contains(stdout, "patient p") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestIngestFHIRBadFlags(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "bad.pem"), "not a key")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--fhir", "https://ehr.example/fhir"}, "--fhir needs one of --patient ID, --group ID or --all"},
		{[]string{"--fhir", "http://ehr.example/fhir", "--all"}, "https is required"},
		{[]string{"--fhir", "https://ehr.example/fhir", "--all", "--client-id", "x"}, "--client-id and --key go together"},
		{[]string{"--fhir", "https://ehr.example/fhir", "--all", "--client-id", "x", "--key", "bad.pem", "--store", "s.sqlite"}, "bad.pem: key file: neither PEM nor a JSON Web Key"},
		{[]string{"--fhir", "https://ehr.example/fhir", "x.json", "--all"}, "--fhir takes no FILE"},
	} {
		code, _, stderr := cli(dir, append([]string{"ingest"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d %q, want %q", c.args, code, stderr, c.want)
		}
	}
}

// TestIngestStdin reads an NDJSON stream from standard input.
func TestIngestStdin(t *testing.T) {
	dir := t.TempDir()
	stdinReader = strings.NewReader(`{"resourceType":"Patient","id":"a","gender":"female"}` + "\n")
	defer func() { stdinReader = os.Stdin }()
	code, stdout, stderr := cli(dir, "ingest", "-", "--source", "urn:device", "--store", "s.sqlite")
	if code != 0 || !strings.Contains(stdout, "stdin (lines 1–1): 1 entries: 1 added") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestServeSMARTFlags(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := cli(dir, "serve", "--store", "s.sqlite", "--smart-client-id", "mdtwin", "--smart-redirect", "https://d.example/cb",
		"--smart-iss", "https://ehr.example/fhir")
	if code != 2 || !strings.Contains(stderr, "must be this dashboard's /smart/callback") {
		t.Errorf("exit %d %s", code, stderr)
	}
}
