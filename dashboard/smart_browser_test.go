package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/mdtwin/mdtwin/patient/fhirtest"
)

// childFrameURL returns the URL of the page's first child frame (” when
// it has none).
func childFrameURL(ctx context.Context) (string, error) {
	return chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) (string, error) {
		tree, err := cdp.Call(ctx, t, page.GetFrameTree, cdp.Empty{})
		if err != nil || tree.FrameTree == nil || len(tree.FrameTree.ChildFrames) == 0 {
			return "", err
		}
		f := tree.FrameTree.ChildFrames[0].Frame
		return f.URL + f.URLFragment, nil
	})
}

// waitFrame polls the child frame's URL until ok accepts it (at most 30 s,
// the browser's own deadline bounding it too).
func waitFrame(t *testing.T, ctx context.Context, ok func(string) bool) string {
	t.Helper()
	var last string
	for i := 0; i < 300; i++ {
		u, err := childFrameURL(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if last = u; ok(u) {
			return u
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("child frame stayed at %q", last)
	return ""
}

// TestBrowserSMARTLaunch performs an EHR launch end to end in chromium: the
// EHR's page opens the dashboard's launch URL in an iframe (iss, launch),
// the dashboard sends the frame to the EHR's authorization endpoint, which
// sends it back with a code; the dashboard trades it for a token, pulls the
// patient and shows the launched patient inside the EHR's frame. Then a
// page of another origin embeds the dashboard and the browser refuses to
// show it (CSP frame-ancestors names the EHR's origin only).
func TestBrowserSMARTLaunch(t *testing.T) {
	// One process for every site, so that the frame tree of the page holds
	// its iframes of other sites too (a refused frame shows Chrome's error
	// page there).
	ctx := browser(t, chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "IsolateOrigins,site-per-process"))
	f := newSMARTFixture(t, Options{}, fhirtest.Options{})
	ehrPage := f.ehr.URL + "/ehr?" + url.Values{"patient": {syntheaPatientID}, "app": {f.dash.URL + "/smart/launch"}}.Encode()
	if err := chromedp.Do(ctx, chromedp.Navigate(ehrPage), chromedp.WaitVisible(chromedp.CSS("iframe#app"))); err != nil {
		t.Fatal(err)
	}
	want := f.dash.URL + "/patients/" + f.pid
	waitFrame(t, ctx, func(u string) bool { return u == want })
	// The patient's page inside the EHR's frame: the iframe is of the same
	// site (127.0.0.1), so its document is reachable from the page's.
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe#app"), chromedp.Populate(-1, true)))
	if err != nil || len(nodes) != 1 {
		t.Fatalf("iframe: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	pid, err := chromedp.Run(tctx, chromedp.TextContent(chromedp.CSS("#pid"), chromedp.FromNode(nodes[0])))
	if err != nil || strings.TrimSpace(pid) != f.pid {
		t.Fatalf("the launched dashboard shows patient %q (%v), want %q", pid, err, f.pid)
	}
	series, err := chromedp.Run(tctx, chromedp.Nodes(chromedp.CSS(`figure.series[data-code="http://loinc.org|8302-2"]`), chromedp.FromNode(nodes[0])))
	if err != nil || len(series) != 1 {
		t.Errorf("body height series in the launched dashboard: %d (%v)", len(series), err)
	}

	// A foreign origin: localhost is another origin (and site) than the
	// EHR's 127.0.0.1. Its frame of the dashboard must not load.
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>foreign</title><iframe id="app" src="%s"></iframe>`, want)
	}))
	defer foreign.Close()
	foreignURL := strings.Replace(foreign.URL, "127.0.0.1", "localhost", 1)
	if err := chromedp.Do(ctx, chromedp.Navigate(foreignURL), chromedp.WaitReady(chromedp.CSS("iframe#app"))); err != nil {
		t.Fatal(err)
	}
	got := waitFrame(t, ctx, func(u string) bool { return u != "" && u != "about:blank" })
	if strings.HasPrefix(got, f.dash.URL) {
		t.Errorf("a page of %s framed the dashboard: frame at %s", foreignURL, got)
	}
	if !strings.HasPrefix(got, "chrome-error:") {
		t.Errorf("the refused frame is at %q, want Chrome's error page", got)
	}
}
