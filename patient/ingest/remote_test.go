package ingest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/patient/fhirtest"
	"github.com/mdtwin/mdtwin/patient/smart"
	"github.com/mdtwin/mdtwin/store"
)

const (
	syntheaFile = "../testdata/synthea_r4_Louis_Erdman_55bbe118.json"
	syntheaID   = "76bc2bcd-3074-46b9-bc18-18daf50825a2" // the Patient resource id
	syntheaMRN  = "http://hospital.smarthealthit.org|55bbe118-e08d-4408-86e5-6084457500d4"
)

// recordCounts are the counts of the record tables of a store.
func recordCounts(t *testing.T, ps *store.Patients) map[string]int {
	t.Helper()
	c, err := ps.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, k := range []string{"patients", "encounters", "observations", "conditions", "therapies", "procedures", "reports", "report_results", "assets"} {
		out[k] = c[k]
	}
	return out
}

func newStore(t *testing.T) *store.Patients {
	t.Helper()
	ps, err := store.OpenPatients(filepath.Join(t.TempDir(), "s.sqlite"), "ingest test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	return ps
}

// localCounts ingests the Synthea bundle from its file: what a pull of the
// same patient must store too.
func localCounts(t *testing.T) map[string]int {
	ps := newStore(t)
	if _, err := File(context.Background(), ps, syntheaFile); err != nil {
		t.Fatal(err)
	}
	return recordCounts(t, ps)
}

func startServer(t *testing.T, opt fhirtest.Options) *fhirtest.Server {
	t.Helper()
	b, err := os.ReadFile(syntheaFile)
	if err != nil {
		t.Fatal(err)
	}
	opt.Bundles = append(opt.Bundles, b)
	s, err := fhirtest.Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func sameCounts(t *testing.T, got, want map[string]int) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d rows, want %d (as ingesting the bundle file)", k, got[k], v)
		}
	}
}

// TestEverything pulls the Synthea patient page by page (7 resources per
// page) and stores what ingesting the bundle file stores, under the
// server's base URL as the source.
func TestEverything(t *testing.T) {
	want := localCounts(t)
	srv := startServer(t, fhirtest.Options{Open: true})
	ps := newStore(t)
	r := &Remote{Base: srv.Base, PageSize: 7}
	got, err := Options{}.Everything(context.Background(), ps, r, syntheaID)
	if err != nil {
		t.Fatal(err)
	}
	// The compartment (the Patient and every resource referring to it:
	// the bundle's 126 entries less its 3 Organizations and 3
	// Practitioners, 120) comes 7 per page: ceil(120/7) = 18 pages.
	if got.Entries != 120 || got.Pages != 18 || got.Failed != 0 {
		t.Errorf("%d pages for %d entries, %d failed: %v", got.Pages, got.Entries, got.Failed, got.Problems)
	}
	sameCounts(t, recordCounts(t, ps), want)
	if pid := ps.Pseudonym(srv.Base, syntheaMRN); got.PatientID != pid {
		t.Errorf("patient %q, want the pseudonym of the server's MRN %q", got.PatientID, pid)
	}
	// Pulling again adds nothing.
	again, err := Options{}.Everything(context.Background(), ps, r, syntheaID)
	if err != nil || again.Added != 0 || again.Unchanged == 0 {
		t.Errorf("second pull: %v, %v", again.Summary, err)
	}
}

func TestEverythingErrors(t *testing.T) {
	srv := startServer(t, fhirtest.Options{})
	ps := newStore(t)
	for _, c := range []struct {
		r    *Remote
		id   string
		want string
	}{
		{&Remote{Base: srv.Base}, syntheaID, "HTTP 401: login a valid bearer token is required"},
		{&Remote{Base: srv.Base, Token: Bearer("wrong")}, syntheaID, "HTTP 401"},
		{&Remote{Base: srv.Base}, "no such id!", "is not a FHIR id"},
	} {
		_, err := Options{}.Everything(context.Background(), ps, c.r, c.id)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", c.id, err, c.want)
		}
	}
}

// backend registers a Backend Services client with a key of each kind the
// Bulk Data Access IG names (RS384 and ES384).
func backend(t *testing.T, kind string) (fhirtest.Client, *smart.Backend) {
	t.Helper()
	var data []byte
	switch kind {
	case "RSA":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		j, _ := smart.PrivateJWK(k, "rsa-1")
		data = mustJSON(t, j)
	case "EC":
		k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		j, _ := smart.PrivateJWK(k, "ec-1")
		data = mustJSON(t, j)
	}
	key, alg, kid, err := smart.ParseKey(data)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := smart.PublicJWK(key, kid)
	id := "bulk-" + strings.ToLower(kind)
	return fhirtest.Client{ID: id, JWKS: smart.JWKS{Keys: []smart.JWK{pub}}},
		&smart.Backend{ClientID: id, Key: key, Alg: alg, KeyID: kid}
}

// TestBulkExport exports the group of every patient with Backend Services
// authentication; the first download breaks off half-way, and running the
// export again resumes it: no second kick-off, only the broken file
// downloaded again, and the store holds what the bundle file gives.
func TestBulkExport(t *testing.T) {
	want := localCounts(t)
	for _, kind := range []string{"RSA", "EC"} {
		t.Run(kind, func(t *testing.T) {
			client, b := backend(t, kind)
			srv := startServer(t, fhirtest.Options{Clients: []fhirtest.Client{client}, ExportPolls: 1, FailDownloads: 1,
				Groups: map[string][]string{"cohort": {syntheaID}}})
			ps := newStore(t)
			r := &Remote{Base: srv.Base, Token: BackendServices(srv.Base, b)}
			dir := t.TempDir()
			_, err := Options{}.BulkExport(context.Background(), ps, r, "cohort", dir)
			if err == nil || !strings.Contains(err.Error(), "run the same command again to resume") {
				t.Fatalf("first run: %v, want the broken download reported", err)
			}
			st := srv.Stats()
			ex, err := Options{}.BulkExport(context.Background(), ps, r, "cohort", dir)
			if err != nil {
				t.Fatal(err)
			}
			st2 := srv.Stats()
			if ex.Kickoff || st2.Kickoffs != 1 || st2.StatusPolls != st.StatusPolls {
				t.Errorf("resume: kick-off %v, %d kick-offs, polls %d → %d", ex.Kickoff, st2.Kickoffs, st.StatusPolls, st2.StatusPolls)
			}
			// Each file once, plus the broken one again.
			if st2.Downloads != len(ex.Files)+1 {
				t.Errorf("%d downloads for %d files", st2.Downloads, len(ex.Files))
			}
			if !strings.HasPrefix(filepath.Base(ex.Files[0]), "Patient.") {
				t.Errorf("ingest order %v: Patient first", ex.Files)
			}
			sameCounts(t, recordCounts(t, ps), want)
			if st2.ClientCredentials != 1 {
				t.Errorf("%d client_credentials grants, want 1 (the token is reused)", st2.ClientCredentials)
			}
		})
	}
}

func TestBulkExportRefused(t *testing.T) {
	client, b := backend(t, "EC")
	_, other := backend(t, "EC") // same client id, another key
	srv := startServer(t, fhirtest.Options{Clients: []fhirtest.Client{client}})
	ps := newStore(t)
	for _, c := range []struct {
		b     *smart.Backend
		group string
		want  string
	}{
		{other, "", "invalid_client JWT: the signature does not verify"},
		{b, "nogroup", "HTTP 404: not-found Group/nogroup is not known"},
	} {
		r := &Remote{Base: srv.Base, Token: BackendServices(srv.Base, c.b)}
		_, err := Options{}.BulkExport(context.Background(), ps, r, c.group, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v, want one line with %q", err, c.want)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
