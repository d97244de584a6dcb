package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mdtwin/mdtwin/dashboard"
	"github.com/mdtwin/mdtwin/optima"
	"github.com/mdtwin/mdtwin/store"
)

// TestDemoTwins runs the demo from the repository, with its sample data
// (the AF patient's atrium with its LGE field, the epilepsy patient's
// connectome and implantation), at one pacing site instead of
// demoAtrialSites — the first, where af-ablation.toml's full loop induced
// its round-1 driver on the same substrate — and checks the outputs of
// every step; then, when Debian's chromium is installed, it opens the
// dashboard on the demo's store and finds each twin's picture on its
// patient's page: the MS forecast, the atrial map, the seizure onsets.
// (TestDemo runs the whole demo outside the repository, where the atrial
// and brain steps are skipped with the reason.)
func TestDemoTwins(t *testing.T) {
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "demo")
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr}
	if err := a.demo(ctx, demoFlags{runFlags: runFlags{workers: 2, out: out}, data: repoRoot(t), atrialSites: 1}); err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	narrative := stdout.String()
	if stderr.Len() > 0 || strings.Count(narrative, "\n") > 20 {
		t.Errorf("demo: not a short narrative (stderr %q):\n%s", stderr.String(), narrative)
	}
	// The expected outcomes: the step's own counts (6 sample patients, 3 of
	// them with EDSS visits; see TestDemo); af-ablation.toml's comment for
	// the atrial step (round 1, on this substrate from this site: one
	// driver, ablated by 2 lesions, TestDemoLGEField and demoAtrialSeed);
	// vep-resection.toml's comment for the brain step (without resection
	// the EZ seizes and recruits the PZ; the mesial resection stops every
	// seizure).
	for _, want := range []string{"1. PK sweep: 200 virtual patients", "2. Patients: 6 ingested",
		"3. MS twin: ", "for 3 patients with EDSS visits; 3 others have none",
		"4. Atrial twin: the OPTIMA loop on patient ", "(fibrosis from its LGE field), burst pacing from 1 site per round: 1 re-entrant driver in 2 rounds, 2 ablation lesions proposed",
		"5. Brain twin: ", "mesial: 0 regions seize", "\n  mdtwin serve --store " + filepath.Join(out, "store.sqlite")} {
		if !strings.Contains(narrative, want) {
			t.Errorf("demo output lacks %q:\n%s", want, narrative)
		}
	}
	if strings.Contains(narrative, "not found") || strings.Contains(narrative, "none: 0 ") {
		t.Errorf("demo output:\n%s", narrative)
	}
	for pattern, n := range map[string]int{"pk-sweep/results.csv": 1, "pk-sweep/report.html": 1, "ms-forecast-p*/report.html": 3, "store.sqlite": 1,
		"atrial-p*/plan.json": 1, "atrial-p*/plan.vtu": 1, "atrial-p*/round-01/report.html": 1, "atrial-p*/round-02/results.csv": 1,
		"vep-p*/report.html": 1} {
		if matches, _ := filepath.Glob(filepath.Join(out, pattern)); len(matches) != n {
			t.Errorf("%s: %d files, want %d", pattern, len(matches), n)
		}
	}
	plans, _ := filepath.Glob(filepath.Join(out, "atrial-p*", "plan.json"))
	if len(plans) == 1 {
		var plan optima.Plan
		b, err := os.ReadFile(plans[0])
		if err == nil {
			err = json.Unmarshal(b, &plan)
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Rounds) != 2 || len(plan.Rounds[0].Drivers) != 1 || plan.Rounds[0].LesionsAdded != 2 || len(plan.Lesions) != 2 {
			t.Errorf("atrial plan: %+v", plan)
		}
	}

	// The dashboard on the demo's store: each twin's patient page draws its
	// prediction.
	ps, err := store.OpenPatients(filepath.Join(out, store.PatientStoreFile), "demo test")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	pages := []struct{ patient, marker, picture string }{
		{ps.Pseudonym("urn:example:ms-registry", "urn:example:ms-registry|MS-0001"), `<figure class="forecast"`, `figure.forecast svg polyline.mean`},
		{ps.Pseudonym(demoSource, demoSource+"|"+demoAFPatient), `data-model="atrial"`, `figure.picture[data-model="atrial"] svg`},
		{ps.Pseudonym(demoSource, demoSource+"|"+demoEPPatient), `data-model="brain"`, `figure.picture[data-model="brain"] svg`},
	}
	srv, err := dashboard.New(dashboard.Options{Store: ps, StudiesDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer func() { hs.Close(); srv.Close() }()
	for _, p := range pages { // without a browser: the page holds the picture
		resp, err := hs.Client().Get(hs.URL + "/patients/" + p.patient)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), p.marker) {
			t.Errorf("patient %s: %d, no %s", p.patient, resp.StatusCode, p.marker)
		}
	}
	bctx := demoBrowser(t)
	for _, p := range pages {
		tctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		err := chromedp.Do(tctx, chromedp.Navigate(hs.URL+"/patients/"+p.patient), chromedp.WaitVisible(chromedp.CSS(p.picture)))
		cancel()
		if err != nil {
			t.Errorf("patient %s: %s not shown: %v", p.patient, p.picture, err)
			continue
		}
		if n, err := chromedp.Run(bctx, chromedp.Evaluate[int]("document.querySelectorAll("+strconv.Quote(p.picture)+").length")); err != nil || n < 1 {
			t.Errorf("patient %s: %d × %s, %v", p.patient, n, p.picture, err)
		}
	}
}

// demoBrowser starts Debian's headless chromium for the test (skipping it
// when chromium is not installed) and returns its context.
func demoBrowser(t *testing.T) context.Context {
	t.Helper()
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s is not installed (Debian package chromium)", chromium)
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900))
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return bctx
}
