package main

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/dashboard"
	"github.com/mdtwin/mdtwin/store"
)

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// syntheaVariants writes n copies of the Synthea sample with every UUID
// (resource ids, fullUrls, the patient's identifiers) replaced, so that
// each is another patient, and returns their paths.
func syntheaVariants(t *testing.T, dir string, n int) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "patient", "testdata", "synthea_r4_Louis_Erdman_55bbe118.json"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i := 0; i < n; i++ {
		v := uuidRE.ReplaceAllStringFunc(string(b), func(u string) string { return fmt.Sprintf("%08x", i) + u[8:] })
		p := filepath.Join(dir, fmt.Sprintf("bundle-%02d.json", i))
		write(t, p, v)
		paths = append(paths, p)
	}
	return paths
}

var pidRE = regexp.MustCompile(`/patients/(p[a-z2-7]{20})`)

// Defect 3 of issue 20: two ingests into one (new) store lost bundles to
// "database is locked" or crashed on "table meta already exists", and the
// dashboard answered 500 or 404 for existing patients meanwhile. Two
// ingest processes create the store at once while a dashboard (a third
// connection) reads every page it lists: no failure, every record present.
func TestConcurrentIngestsAndDashboard(t *testing.T) {
	dir := t.TempDir()
	const perProcess = 4
	paths := syntheaVariants(t, dir, 2*perProcess)
	st := filepath.Join(dir, "shared", "store.sqlite")
	var cmds []*execResult
	for i := 0; i < 2; i++ {
		args := append([]string{"ingest", "--store", st}, paths[i*perProcess:(i+1)*perProcess]...)
		cmds = append(cmds, start(t, dir, args...))
	}
	// The dashboard opens the store while the ingests create it.
	var ps *store.Patients
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, serr := os.Stat(st); serr == nil {
			if ps, err = store.OpenPatients(st, "mdtwin serve"); err == nil {
				break
			}
		}
	}
	if ps == nil {
		t.Fatalf("opening the store beside the ingests: %v", err)
	}
	defer ps.Close()
	dash, err := dashboard.New(dashboard.Options{Store: ps, StudiesDir: filepath.Join(dir, "studies")})
	if err != nil {
		t.Fatal(err)
	}
	defer dash.Close()
	hs := httptest.NewServer(dash)
	defer hs.Close()
	var bad []string
	pages := 0
	done := make(chan struct{})
	go func() {
		for _, c := range cmds {
			c.wait()
		}
		close(done)
	}()
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for running := true; running; {
		select {
		case <-done:
			running = false // one more pass over the final store
		default:
		}
		code, body := get(hs.URL + "/")
		pages++
		if code != 200 {
			bad = append(bad, fmt.Sprintf("GET / %d", code))
			continue
		}
		for _, m := range pidRE.FindAllStringSubmatch(body, -1) {
			if code, _ := get(hs.URL + "/patients/" + m[1]); code != 200 {
				bad = append(bad, fmt.Sprintf("GET /patients/%s %d", m[1], code))
			}
			pages++
		}
	}
	for i, c := range cmds {
		if c.err != nil || strings.Contains(c.stderr.String(), "mdtwin:") {
			t.Errorf("ingest %d: %v\n%s%s", i, c.err, c.stdout.String(), c.stderr.String())
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d of %d page views failed during the ingests: %v", len(bad), pages, bad[:min(len(bad), 5)])
	}
	n, err := ps.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Per bundle (TestIngest): 1 patient, 88 stored entries; 8 bundles.
	if n["patients"] != 2*perProcess || n["sources"] != 88*2*perProcess {
		t.Errorf("after the ingests: %d patients and %d source records, want %d and %d", n["patients"], n["sources"], 2*perProcess, 88*2*perProcess)
	}
	t.Logf("%d page views during the ingests", pages)
}

// execResult is a child process of the CLI.
type execResult struct {
	cmd            *exec.Cmd
	stdout, stderr strings.Builder
	err            error
	done           chan struct{}
}

func (r *execResult) wait() { <-r.done }

// kill stops the process (a server) and waits for it.
func (r *execResult) kill() {
	r.cmd.Process.Kill()
	<-r.done
}

func insecureTLS() *tls.Config {
	// The test checks the certificate's fingerprint itself, as a person
	// would against the one serve printed.
	return &tls.Config{InsecureSkipVerify: true}
}

var outMu sync.Mutex

type lockedWriter struct{ b *strings.Builder }

func (w lockedWriter) Write(p []byte) (int, error) {
	outMu.Lock()
	defer outMu.Unlock()
	return w.b.Write(p)
}

// start runs the CLI in a child process.
func start(t *testing.T, dir string, args ...string) *execResult {
	t.Helper()
	cmd := mdtwin(t, dir, args...)
	r := &execResult{cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = lockedWriter{&r.stdout}, lockedWriter{&r.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.err = cmd.Wait(); close(r.done) }()
	return r
}

// Defect 8: mdtwin run --patient wrote the patient's age, sex, EDSS, drugs
// and dates to stderr. At the default level the log names the pseudonym
// only; -v (debug) shows what the record gave.
func TestRunPatientKeepsPHIOutOfLogs(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store.sqlite")
	pid := ingestMSRegistry(t, dir, st, "MS-0001")
	sc := exampleCopy(t, dir, "ms-ofatumumab-first-vs-delayed.toml", "n_patients = 10000", "n_patients = 100",
		`output = "out/ms-ofatumumab-first-vs-delayed"`, `output = "out"`)
	code, stdout, stderr := cli(dir, "run", sc, "--patient", pid, "--store", st, "--workers", "2")
	if code != 0 {
		t.Fatalf("run --patient: exit %d\n%s%s", code, stdout, stderr)
	}
	// MS-0001 of patient/testdata: born 1985-03-14, female, EDSS 2.5 at her
	// latest visit (2018-07-03), on ocrelizumab since 2015-01-20 after
	// interferon beta-1a.
	phi := regexp.MustCompile(`(?i)\bage\b|female|\bedss\b|ocrelizumab|interferon|\b(19|20)\d\d-\d\d(-\d\d)?\b`)
	logTime := regexp.MustCompile(`(?m)^time=\S+ `) // the log's own timestamp is no patient's date
	if m := phi.FindString(logTime.ReplaceAllString(stderr, "")); m != "" {
		t.Errorf("stderr at the default level shows %q:\n%s", m, stderr)
	}
	if !strings.Contains(stderr, pid) {
		t.Errorf("stderr does not name the pseudonym:\n%s", stderr)
	}
	code, _, stderr = cli(dir, "run", sc, "--patient", pid, "--store", st, "--workers", "2", "--out", "out2", "-v")
	if code != 0 || !strings.Contains(stderr, "ocrelizumab") {
		t.Errorf("-v: exit %d, the embodiment notes are not shown:\n%s", code, stderr)
	}
}

// Sources on the command line: a file that names none needs --source (one
// line, exit 2, nothing stored); two hospitals' Patient/1 stay two
// patients until linked, explicitly and audited; the audit log verifies,
// names the first broken row after an edit, and exports as FHIR
// AuditEvent NDJSON.
func TestSourcesLinksAndAuditCLI(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "s.sqlite")
	write(t, filepath.Join(dir, "p.ndjson"), `{"resourceType": "Patient", "id": "1", "gender": "male"}`+"\n")
	code, _, stderr := cli(dir, "ingest", "p.ndjson", "--store", st)
	if code != 2 || !strings.Contains(stderr, "p.ndjson: the source of its records is unknown") || !strings.Contains(stderr, "--source NAME") {
		t.Errorf("no source: exit %d\n%s", code, stderr)
	}
	hospital := func(name, source, born string) string {
		p := filepath.Join(dir, name)
		write(t, p, `{"resourceType": "Bundle", "type": "transaction", "meta": {"source": "`+source+`"}, "entry": [
 {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "id": "1", "gender": "female", "birthDate": "`+born+`",
   "identifier": [{"system": "urn:mrn", "value": "1"}]}, "request": {"method": "POST", "url": "Patient"}}]}`)
		return p
	}
	for _, h := range []string{hospital("a.json", "http://a.example/fhir", "1970-01-01"), hospital("b.json", "http://b.example/fhir", "1980-01-01")} {
		if code, stdout, stderr := cli(dir, "ingest", h, "--store", st); code != 0 || !strings.Contains(stdout, "1 added") {
			t.Fatalf("ingest %s: exit %d\n%s%s", h, code, stdout, stderr)
		}
	}
	code, stdout, stderr := cli(dir, "patients", "list", "--store", st)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || len(lines) != 3 || !strings.Contains(stdout, "1970-01-01\thttp://a.example/fhir") || !strings.Contains(stdout, "1980-01-01\thttp://b.example/fhir") {
		t.Fatalf("patients list: exit %d\n%s%s", code, stdout, stderr)
	}
	a, b := strings.Fields(lines[1])[0], strings.Fields(lines[2])[0]
	if code, _, stderr := cli(dir, "patients", "link", a, b, "--store", st); code != 2 || !strings.Contains(stderr, "--reason is required") {
		t.Errorf("link without a reason: exit %d %s", code, stderr)
	}
	if code, stdout, stderr := cli(dir, "patients", "link", a, b, "--reason", "same person per registry clerk", "--store", st); code != 0 || !strings.Contains(stdout, "linked") {
		t.Fatalf("link: exit %d %s%s", code, stdout, stderr)
	}
	if _, stdout, _ := cli(dir, "patients", "list", "--store", st); !strings.Contains(stdout, "\t"+b+"\n") {
		t.Errorf("the list does not show the link:\n%s", stdout)
	}
	if code, stdout, _ := cli(dir, "audit", "verify", "--store", st); code != 0 || !strings.Contains(stdout, "audit log intact") {
		t.Errorf("verify: exit %d %s", code, stdout)
	}
	code, stdout, _ = cli(dir, "audit", "export", "--store", st)
	events := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || len(events) < 4 || !strings.Contains(events[0], `"resourceType":"AuditEvent"`) || !strings.Contains(stdout, "same person per registry clerk") {
		t.Errorf("export: exit %d\n%s", code, stdout)
	}
	// Someone with sqlite3 but without the key edits the log.
	ps, err := store.OpenPatients(st, "test")
	if err != nil {
		t.Fatal(err)
	}
	ps.Close()
	db, err := sql.Open("sqlite", st)
	if err == nil {
		_, err = db.Exec(`UPDATE audit SET actor = 'nobody' WHERE seq = 2`)
		db.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr = cli(dir, "audit", "verify", "--store", st)
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "audit log broken at row 2") {
		t.Errorf("verify after an edit: exit %d %q", code, stderr)
	}
	code, _, stderr = cli(dir, "serve", "--store", st, "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "broken at row 2") || !strings.Contains(stderr, "refusing to serve") {
		t.Errorf("serve with a broken audit log: exit %d %q", code, stderr)
	}
}

// Defect 6: short tokens are refused, tokens are made with --new-token,
// and a pilot on a LAN gets a self-signed certificate whose fingerprint
// serve prints and the browser sees.
func TestServeTokensAndTLS(t *testing.T) {
	t.Setenv("MDTWIN_TOKEN", "")
	dir := t.TempDir()
	st := filepath.Join(dir, "s.sqlite")
	if code, _, stderr := cli(dir, "serve", "--store", st, "--token", "s3cret"); code != 2 || !strings.Contains(stderr, "at least 22 are required") {
		t.Errorf("a 6-character token: exit %d %q", code, stderr)
	}
	if code, _, stderr := cli(dir, "serve", "--store", st, "--addr", "0.0.0.0:0", "--token", strings.Repeat("x", 30)); code != 2 || !strings.Contains(stderr, "TLS is required") {
		t.Errorf("beyond loopback without TLS: exit %d %q", code, stderr)
	}
	code, stdout, stderr := cli(dir, "serve", "--store", st, "--new-token", "dr-martin")
	tok := strings.TrimSpace(stdout)
	if code != 0 || len(tok) != 43 || !strings.Contains(stderr, "shown once") {
		t.Fatalf("--new-token: exit %d %q %q", code, stdout, stderr)
	}
	srv := start(t, dir, "serve", "--store", st, "--addr", "127.0.0.1:0", "--tls-self-signed")
	defer srv.kill()
	var url, fp string
	for deadline := time.Now().Add(20 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		outMu.Lock()
		out := srv.stdout.String()
		outMu.Unlock()
		if m := regexp.MustCompile(`SHA-256 fingerprint ([0-9A-F:]{95})`).FindStringSubmatch(out); m != nil {
			fp = m[1]
		}
		if m := regexp.MustCompile(`dashboard on (https://127\.0\.0\.1:\d+/)`).FindStringSubmatch(out); m != nil {
			url = m[1]
		}
	}
	if url == "" || fp == "" {
		t.Fatalf("serve --tls-self-signed printed no https address and fingerprint:\n%s%s", srv.stdout.String(), srv.stderr.String())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: insecureTLS()}, Timeout: 10 * time.Second}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || fingerprint(resp.TLS.PeerCertificates[0].Raw) != fp {
		t.Errorf("GET over TLS: %d, certificate %s, printed %s", resp.StatusCode, fingerprint(resp.TLS.PeerCertificates[0].Raw), fp)
	}
	for _, f := range []string{st + ".tls-key.pem"} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, fi, err)
		}
	}
}
