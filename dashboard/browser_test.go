package dashboard

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium is the browser of Debian's package chromium (it runs here with
// --no-sandbox, so chromium-sandbox is not needed).
const chromium = "/usr/bin/chromium"

// browser starts a headless chromium for the test and returns its
// context (with a deadline that bounds the whole test).
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s is not installed (Debian package chromium)", chromium)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	}
	opts = append(opts, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil { // start the browser
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return bctx
}

// TestBrowser loads the dashboard in chromium: the patient list and its
// search, the Synthea patient's timeline, and a scenario run for an MS
// patient up to its prediction and report.
func TestBrowser(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t, "")
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		// textContent, not innerText: SVG elements have no innerText.
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.querySelector("+strconv.Quote(sel)+").textContent.trim()"))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.querySelectorAll("+strconv.Quote(sel)+").length"))
		if err != nil {
			t.Fatalf("count of %s: %v", sel, err)
		}
		return n
	}

	// The patient list, then a search that keeps only the women.
	do("patient list", chromedp.Navigate(f.http.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#patients")))
	if list := text("#patients tbody"); !strings.Contains(list, f.synthea) || !strings.Contains(list, f.ms) {
		t.Fatalf("patient list:\n%s", list)
	}
	do("search", chromedp.SetValue(chromedp.CSS("form.filter input[name=q]"), "female"),
		chromedp.Submit(chromedp.CSS("form.filter input[name=q]")), chromedp.WaitVisible(chromedp.CSS(`#patients`)))
	if list := text("#patients tbody"); strings.Contains(list, f.synthea) || !strings.Contains(list, f.ms) {
		t.Errorf("search female:\n%s", list)
	}

	// The Synthea patient's timeline: observation series drawn as SVG,
	// therapy bars with their labels, conditions, the imaging study.
	do("open the sample patient",
		chromedp.Navigate(f.http.URL+"/"),
		chromedp.Click(chromedp.CSS(`a.patient[href="/patients/`+f.synthea+`"]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`svg#lanes`)))
	height, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`figure.series[data-code="http://loinc.org|8302-2"] polyline`), "points"))
	if err != nil {
		t.Fatal(err)
	}
	// The bundle has 4 Body Height (LOINC 8302-2) values, 4 medication
	// requests, 3 conditions, 1 imaging study and 20 numeric codes.
	if n := len(strings.Fields(height.Value)); n != 4 {
		t.Errorf("Body Height polyline has %d points: %q", n, height.Value)
	}
	if n := count("figure.series svg polyline"); n < 10 {
		t.Errorf("%d observation series, want one per numeric code", n)
	}
	if th, n := text("#therapies"), count("#therapies rect.bar.therapy"); !strings.Contains(th, "Astemizole 10 MG Oral Tablet") || n != 4 {
		t.Errorf("therapies lane (%d bars):\n%s", n, th)
	}
	if c, n := text("#conditions"), count("#imaging rect.mark"); !strings.Contains(c, "Fracture of rib") || n != 1 {
		t.Errorf("conditions %q, %d imaging marks", c, n)
	}

	// Run the MS scenario for MS-0001 and see the prediction appear: the
	// form leads to the run's page, which polls its progress and opens the
	// patient's predictions when the run is done.
	do("run a scenario",
		chromedp.Navigate(f.http.URL+"/patients/"+f.ms),
		chromedp.WaitVisible(chromedp.CSS(`#run-form`)),
		chromedp.SetValue(chromedp.CSS(`#scenario`), "ms-ofatumumab-first-vs-delayed.toml"),
		chromedp.SetValue(chromedp.CSS(`#n_patients`), "50"),
		chromedp.Click(chromedp.CSS(`#run-button`)))
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(`#predictions tr.prediction td.study`))); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body.innerHTML"))
		var jobs []jobStatus
		f.srv.mu.Lock()
		for _, j := range f.srv.jobs {
			jobs = append(jobs, j.status())
		}
		f.srv.mu.Unlock()
		t.Fatalf("no prediction after the run: %v; page %s, runs %+v\n%.2000s", err, loc, jobs, html)
	}
	if study := text("#predictions tr.prediction td.study"); study != "ms-ofatumumab-first-vs-delayed" {
		t.Errorf("prediction study %q", study)
	}
	do("run page", chromedp.Navigate(f.http.URL+"/jobs/1"), chromedp.WaitVisible(chromedp.CSS("#job-state")))
	if state := text("#job-state"); state != jobDone {
		t.Errorf("run state %q", state)
	}
	do("open the report",
		chromedp.Navigate(f.http.URL+"/patients/"+f.ms),
		chromedp.Click(chromedp.CSS(`#predictions a.report`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#edss-forecast`)))
	if title, err := chromedp.Run(ctx, chromedp.Title()); err != nil || !strings.Contains(title, f.ms) {
		t.Errorf("report title %q, %v", title, err)
	}
	// The dashboard's mscohort runs save trajectories: the report plots the
	// EDSS forecast per strategy.
	if n := count("#edss-forecast-plot svg"); n != 1 {
		t.Errorf("%d EDSS forecast plots in the report", n)
	}
}
