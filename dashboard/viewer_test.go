package dashboard

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/patient"
)

// atrialStudy writes a minimal atrial study folder: manifest, summary,
// results.csv with one run, and the run's lat.vtu (atrium.vtp with a LAT
// field: distance from node 0 at 0.5 mm/ms).
func atrialStudy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	m, err := mesh.ReadFile(filepath.Join("..", "mesh", "testdata", "atrium.vtp"))
	if err != nil {
		t.Fatal(err)
	}
	lat := make([]float64, len(m.Points))
	for i, p := range m.Points {
		lat[i] = p.Sub(m.Points[0]).Len() / 0.5
	}
	m.PointData = append(m.PointData, mesh.Field{Name: "LAT", Components: 1, Values: lat})
	if err := os.MkdirAll(filepath.Join(dir, "runs", "r000000"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := mesh.WriteFile(filepath.Join(dir, "runs", "r000000", "lat.vtu"), m, mesh.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for f, s := range map[string]string{
		"manifest.json": `{"study": "af", "model": "atrial", "model_version": "1", "runs": 1, "done": 1, "status": "done"}`,
		"summary.json":  `{"outputs": {}}`,
		"results.csv":   "run_id,status\nr000000,done\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestPredictionViewer: an atrial prediction links to its 3-D view; the
// page loads three.js and the viewer as files under /viewer/ (no inline
// script, a policy that allows scripts from the server only), and in
// chromium the view is drawn with its legend and no console error.
func TestPredictionViewer(t *testing.T) {
	f := newFixture(t, "")
	ctx := context.Background()
	w, err := f.ps.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := w.AddStudy(ctx, patient.Study{Name: "af", Model: "atrial", ModelVersion: "1", Output: atrialStudy(t)})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := w.AddPrediction(ctx, patient.Prediction{PatientID: f.ms, StudyID: sid, RunID: "r000000", Outputs: map[string]float64{"x": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("/patients/%s/predictions/%d/viewer", f.ms, pr)
	if _, page := get(t, f.http.URL+"/patients/"+f.ms); !strings.Contains(page, `href="`+url+`">3-D</a>`) {
		t.Errorf("the patient page does not link %s", url)
	}
	resp, err := http.Get(f.http.URL + url)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if csp := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != 200 || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("%s, policy %q", resp.Status, csp)
	}
	if !strings.Contains(page, `<script type="module" src="/viewer/boot.js">`) || strings.Contains(page, "<script>") {
		t.Errorf("viewer page:\n%.600s", page)
	}
	for _, a := range []string{"boot.js", "viewer.js", "three.module.min.js", "three.core.min.js", "three.LICENSE"} {
		if code, _ := get(t, f.http.URL+"/viewer/"+a); code != 200 {
			t.Errorf("/viewer/%s: %d", a, code)
		}
	}
	if code, _ := get(t, fmt.Sprintf("%s/patients/%s/predictions/%d/viewer", f.http.URL, f.ms, pr+100)); code != 404 {
		t.Errorf("an unknown prediction: %d", code)
	}

	bctx := browser(t, chromedp.Flag("use-angle", "swiftshader"), chromedp.Flag("enable-unsafe-swiftshader", true))
	var mu sync.Mutex
	var errs []string
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				errs = append(errs, "console error")
			}
		case *runtime.EventExceptionThrown:
			errs = append(errs, "exception: "+e.ExceptionDetails.Text)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(f.http.URL+url), chromedp.WaitVisible(chromedp.CSS(".mdtwin-viewer-ready canvas"))); err != nil {
		t.Fatalf("viewer: %v (console %v)", err, errs)
	}
	legend, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('.mdtwin-legend').textContent + '|' + document.querySelector('.mdtwin-viewer').dataset.drawn`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(legend, "Local activation time") || strings.HasSuffix(legend, "|") || strings.HasSuffix(legend, "|0") {
		t.Errorf("legend and draw count %q", legend)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Errorf("console: %v", errs)
	}
}
