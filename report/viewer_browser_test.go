package report

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

var viewerShot = flag.String("viewer.screenshot", "", "TestViewerInChromium: also write a screenshot of the viewer to this PNG file")

// viewerMesh is atrium.vtp with the fields an atrial run writes: LAT (the
// straight-line distance from a point over 0.5 mm/ms, undefined beyond
// 60 mm), Fibrosis (three bands), Lesion and PSDensity.
func viewerMesh(t *testing.T) *mesh.Mesh {
	t.Helper()
	m, err := mesh.ReadFile("../mesh/testdata/atrium.vtp")
	if err != nil {
		t.Fatal(err)
	}
	lat := make([]float64, len(m.Points))
	src := m.Points[0]
	for i, p := range m.Points {
		d := p.Sub(src).Len()
		lat[i] = d / 0.5
		if d > 60 {
			lat[i] = -1
		}
	}
	fib, les, ps := make([]float64, m.NumCells()), make([]float64, m.NumCells()), make([]float64, m.NumCells())
	for e := range fib {
		c := m.Centroid(e)
		fib[e] = float64(int(c[2]/10) % 3)
		if c.Sub(mgl64.Vec3{220, 170, 100}).Len() < 8 {
			les[e] = 1
		}
		ps[e] = float64(e%97) / 97
	}
	m.PointData = append(m.PointData, mesh.Field{Name: "LAT", Components: 1, Values: lat})
	m.CellData = append(m.CellData, mesh.Field{Name: "Fibrosis", Components: 1, Values: fib},
		mesh.Field{Name: "Lesion", Components: 1, Values: les}, mesh.Field{Name: "PSDensity", Components: 1, Values: ps})
	return m
}

// TestViewerInChromium opens a report page with the viewer (three.js
// inline) from a file in headless chromium and checks that the WebGL
// canvas is drawn (pixels that are not background), that the legend shows
// the LAT scale, that another field redraws it and a drag rotates it (the
// pixels change), and that the console has no error.
func TestViewerInChromium(t *testing.T) {
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s is not installed (Debian package chromium)", chromium)
	}
	d, err := NewViewerData("Viewer test", viewerMesh(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Fields) != 4 {
		t.Fatalf("%d fields", len(d.Fields))
	}
	// A Vm recording: a front leaving node 0 at 1 mm/ms, 10 frames 8 ms
	// apart, depolarised (20 mV) behind it and at rest (−80 mV) ahead.
	m := viewerMesh(t)
	hd := mesh.IGBHeader{Nodes: len(m.Points), Frames: 10, Dt: 8, Units: "mV"}
	var data []float32
	for k := range hd.Frames {
		for _, p := range m.Points {
			v := float32(-80)
			if p.Sub(m.Points[0]).Len() < float64(8*k) {
				v = 20
			}
			data = append(data, v)
		}
	}
	d.Frames = viewerFrames(hd, data)
	h, err := viewerInline("atrial-viewer", d)
	if err != nil {
		t.Fatal(err)
	}
	p := &page{Title: "Viewer test", Sections: []section{{ID: "atrial-3d", Title: "Atrium in 3-D", Figures: []figure{{ID: "v", Caption: "test", SVG: h}}}}}
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.write(f); err != nil {
		t.Fatal(err)
	}
	f.Close()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("use-angle", "swiftshader"), chromedp.Flag("enable-unsafe-swiftshader", true), // WebGL without a GPU
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1000, 800),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer bcancel()
	var mu sync.Mutex
	var console []string
	if err := chromedp.Do(bctx); err != nil { // start the browser
		t.Fatalf("starting %s: %v", chromium, err)
	}
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				console = append(console, string(e.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			console = append(console, "exception: "+e.ExceptionDetails.Text+" "+exceptionText(e.ExceptionDetails))
		}
	}); err != nil {
		t.Fatal(err)
	}
	// drawn counts the canvas pixels that differ from the white
	// background, read back through a 2-D canvas.
	const drawn = `(() => { const c = document.querySelector('canvas.mdtwin-viewer-canvas'); const o = document.createElement('canvas');
		o.width = c.width; o.height = c.height; const g = o.getContext('2d'); g.drawImage(c, 0, 0);
		const d = g.getImageData(0, 0, o.width, o.height).data; let n = 0, h = 0;
		for (let i = 0; i < d.length; i += 4) { if (d[i] < 250 || d[i+1] < 250 || d[i+2] < 250) { n++; h = (h * 31 + d[i] + 7 * d[i+1] + 13 * d[i+2]) % 1000000007; } }
		return n + ':' + h; })()`
	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+file),
		chromedp.WaitVisible(chromedp.CSS(".mdtwin-viewer-ready canvas.mdtwin-viewer-canvas"))); err != nil {
		t.Fatalf("loading the page: %v (console: %v)", err, console)
	}
	first, err := chromedp.Run(bctx, chromedp.Evaluate[string](drawn))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var hash string
	if k := strings.IndexByte(first, ':'); k > 0 {
		n = atoiOr(first[:k])
		hash = first[k+1:]
	}
	// The atrium fills a good part of the 1000 × 420 px view.
	if n < 20000 {
		t.Errorf("%d drawn pixels, want the atrium (≥ 20,000)", n)
	}
	legend, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('.mdtwin-legend').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(legend, "Local activation time") || !strings.Contains(legend, "ms (isochrones every") {
		t.Errorf("legend %q", legend)
	}
	if err := chromedp.Do(bctx, chromedp.SetValue(chromedp.CSS("select.mdtwin-field"), "1"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select.mdtwin-field').dispatchEvent(new Event('change'))`)); err != nil {
		t.Fatal(err)
	}
	second, _ := chromedp.Run(bctx, chromedp.Evaluate[string](drawn))
	if second == first {
		t.Error("choosing PS density did not change the view")
	}
	if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`(() => { const c = document.querySelector('canvas.mdtwin-viewer-canvas');
		const ev = (type, x, y) => c.dispatchEvent(new PointerEvent(type, {clientX: x, clientY: y, pointerId: 1, bubbles: true}));
		ev('pointerdown', 300, 200); ev('pointermove', 400, 230); ev('pointerup', 400, 230); })()`)); err != nil {
		t.Fatal(err)
	}
	third, _ := chromedp.Run(bctx, chromedp.Evaluate[string](drawn))
	if third == second {
		t.Error("a drag did not rotate the view")
	}
	_ = hash
	// The animation: the Vm entry of the menu, then frame 6 on the slider.
	if err := chromedp.Do(bctx, chromedp.SetValue(chromedp.CSS("select.mdtwin-field"), "vm"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select.mdtwin-field').dispatchEvent(new Event('change'))`)); err != nil {
		t.Fatal(err)
	}
	vm0, _ := chromedp.Run(bctx, chromedp.Evaluate[string](drawn))
	if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('.mdtwin-legend input[type=range]');
		s.value = '6'; s.dispatchEvent(new Event('input')); })()`)); err != nil {
		t.Fatal(err)
	}
	vm6, _ := chromedp.Run(bctx, chromedp.Evaluate[string](drawn))
	clock, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('.mdtwin-legend').textContent`))
	if vm0 == third || vm6 == vm0 || !strings.Contains(clock, "t = 48.0 ms") || !strings.Contains(clock, "play") {
		t.Errorf("animation: frame 0 %s, frame 6 %s (rotated view %s); legend %q", vm0, vm6, third, clock)
	}
	if *viewerShot != "" {
		if err := chromedp.Do(bctx, chromedp.SetValue(chromedp.CSS("select.mdtwin-field"), "0"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('select.mdtwin-field').dispatchEvent(new Event('change'))`)); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*viewerShot, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(console) > 0 {
		t.Errorf("console: %v", console)
	}
}

func atoiOr(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = 10*n + int(c-'0')
	}
	return n
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}
