package report

import (
	"embed"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"strings"

	"github.com/mdtwin/mdtwin/mesh"
)

// The 3-D viewer: an atrial surface drawn in the browser with WebGL by
// three.js (npm package three 0.185.1, MIT licence; viewer/three.*.min.js
// and viewer/three.LICENSE are its build files as published, see
// viewer/README.md) and viewer/viewer.js (ours). A report inlines the
// library, so the page still opens offline and alone; the dashboard
// serves it as files (ViewerAssets).

//go:embed viewer/three.core.min.js viewer/three.module.min.js viewer/three.LICENSE viewer/viewer.js viewer/boot.js
var viewerFS embed.FS

// ViewerAssets returns the viewer's files for serving: three.core.min.js,
// three.module.min.js, three.LICENSE, viewer.js and boot.js (the module a
// page loads: it imports three.js and starts every viewer of the page).
func ViewerAssets() fs.FS {
	sub, err := fs.Sub(viewerFS, "viewer")
	if err != nil {
		panic("report: viewer assets: " + err.Error())
	}
	return sub
}

// ViewerField is one scalar field of the viewer.
type ViewerField struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Unit  string `json:"unit,omitempty"`
	// On is "point" (one value per node) or "cell" (one per triangle).
	On     string  `json:"on"`
	Values string  `json:"values"` // base64 little-endian float32; NaN where undefined
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// Kind is "continuous", "isochrones" (Lines dark lines across the
	// range) or "categorical" (integers Min … Max, named by Labels).
	Kind   string   `json:"kind"`
	Lines  int      `json:"lines,omitempty"`
	Labels []string `json:"labels,omitempty"`
}

// ViewerFrames are the frames of an animation (Vm at the nodes).
type ViewerFrames struct {
	Unit  string    `json:"unit"`
	Times []float64 `json:"times"` // ms
	// Values are base64 bytes, frame-major (node i of frame k at
	// k·nodes + i), each Min + q/254·(Max − Min), 255 undefined.
	Values string  `json:"values"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// ViewerData is what the viewer draws: a triangle surface (points in mm,
// base64 float32 x y z; cells base64 uint32 node triples), its fields and
// optional frames.
type ViewerData struct {
	Title  string        `json:"title"`
	Points string        `json:"points"`
	Cells  string        `json:"cells"`
	Fields []ViewerField `json:"fields"`
	Frames *ViewerFrames `json:"frames,omitempty"`
}

// The fields NewViewerData takes from an atrial output mesh (lat.vtu or
// plan.vtu), in the order of the viewer's menu.
var atrialViewerFields = []struct {
	name, label, unit, kind string
	labels                  []string
	binary                  bool // any value > 0 is 1
}{
	{"LAT", "Local activation time", "ms", "isochrones", nil, false},
	{"PSDensity", "Phase-singularity density", "fraction of frames", "continuous", nil, false},
	{"Fibrosis", "Fibrosis", "", "categorical", []string{"healthy", "fibrotic", "dense scar"}, false},
	{"Lesion", "Ablation lesions", "", "categorical", []string{"tissue", "lesion"}, true},
	{"LesionRound", "Ablation lesions (OPTIMA round)", "round", "continuous", nil, false},
	{"Baseline", "PVI lesions", "", "categorical", []string{"tissue", "lesion"}, true},
	{"NonConducting", "Non-conducting tissue", "", "categorical", []string{"conducting", "non-conducting"}, true},
	{"APD", "Action potential duration", "ms", "continuous", nil, false},
}

// IsochroneLines is the number of isochrones across the LAT range.
const IsochroneLines = 12

// NewViewerData returns the viewer's data for an atrial output mesh m (a
// triangle surface): its LAT (isochrones; negative or non-finite values —
// nodes never activated — undefined), PS density, fibrosis, lesions,
// non-conducting tissue and APD, those of them m has.
func NewViewerData(title string, m *mesh.Mesh) (*ViewerData, error) {
	if m.Kind != mesh.Triangle {
		return nil, fmt.Errorf("report: the 3-D viewer draws triangle surfaces, not a %v mesh", m.Kind)
	}
	pts := make([]float32, 0, 3*len(m.Points))
	for _, p := range m.Points {
		pts = append(pts, float32(p[0]), float32(p[1]), float32(p[2]))
	}
	cells := make([]byte, 4*len(m.Cells))
	for i, c := range m.Cells {
		binary.LittleEndian.PutUint32(cells[4*i:], uint32(c))
	}
	d := &ViewerData{Title: title, Points: f32(pts), Cells: base64.StdEncoding.EncodeToString(cells)}
	for _, af := range atrialViewerFields {
		on, f := "point", m.PointField(af.name)
		if f == nil {
			on, f = "cell", m.CellField(af.name)
		}
		if f == nil || f.Components != 1 {
			continue
		}
		v := make([]float32, len(f.Values))
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, x := range f.Values {
			if af.name == "LAT" && x < 0 {
				x = math.NaN()
			}
			if af.binary && x > 0 {
				x = 1
			}
			v[i] = float32(x)
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				lo, hi = min(lo, x), max(hi, x)
			}
		}
		if math.IsInf(lo, 1) {
			lo, hi = 0, 0
		}
		vf := ViewerField{Name: af.name, Label: af.label, Unit: af.unit, On: on, Values: f32(v), Min: lo, Max: hi, Kind: af.kind, Labels: af.labels}
		switch af.kind {
		case "isochrones":
			vf.Lines = IsochroneLines
		case "categorical":
			vf.Min, vf.Max = 0, float64(max(len(af.labels)-1, 0))
		}
		d.Fields = append(d.Fields, vf)
	}
	if len(d.Fields) == 0 {
		return nil, fmt.Errorf("report: the mesh has none of the fields the viewer draws (%s)", viewerFieldNames())
	}
	return d, nil
}

func viewerFieldNames() string {
	var s []string
	for _, f := range atrialViewerFields {
		s = append(s, f.name)
	}
	return strings.Join(s, ", ")
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func f32(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// viewerElement returns the viewer's element and its data: a div the
// viewer fills and a JSON script element (not executed).
func viewerElement(id string, d *ViewerData) (template.HTML, error) {
	b, err := json.Marshal(d) // escapes <, > and &: safe inside a script element
	if err != nil {
		return "", err
	}
	id = template.HTMLEscapeString(id)
	return template.HTML(`<div class="mdtwin-viewer" id="` + id + `" data-src="` + id + `-data">` +
		`<p class="note">The 3-D view needs JavaScript and WebGL: open this page as a file in a browser (a server that forbids scripts shows this line instead).</p></div>` +
		`<script type="application/json" id="` + id + `-data">` + string(b) + `</script>`), nil
}

// viewerInline returns the viewer's element, its data and the viewer with
// three.js inline (a report opens offline and alone): the library's text
// in non-executed script elements, loaded as modules from blob URLs by a
// module script.
func viewerInline(id string, d *ViewerData) (template.HTML, error) {
	el, err := viewerElement(id, d)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(string(el))
	for _, f := range []string{"three.core.min.js", "three.module.min.js", "viewer.js"} {
		src, err := viewerFS.ReadFile("viewer/" + f)
		if err != nil {
			return "", err
		}
		if strings.Contains(strings.ToLower(string(src)), "</script") {
			return "", fmt.Errorf("report: %s holds </script and cannot be inlined", f)
		}
		fmt.Fprintf(&b, "<script type=\"text/plain\" id=\"mdtwin-src-%s\">%s</script>\n", strings.TrimSuffix(f, ".js"), src)
	}
	b.WriteString(`<script type="module">
const text = id => document.getElementById(id).textContent;
const url = s => URL.createObjectURL(new Blob([s], {type: 'text/javascript'}));
const core = url(text('mdtwin-src-three.core.min'));
const THREE = await import(url(text('mdtwin-src-three.module.min').replaceAll('./three.core.min.js', core)));
const viewer = await import(url(text('mdtwin-src-viewer')));
viewer.startAll(THREE);
</script>
`)
	return template.HTML(b.String()), nil
}

// ViewerPage writes a page with the viewer of d that loads the viewer's
// files (ViewerAssets) from the URL path assets (ending in "/"), for a
// server whose content security policy allows scripts from itself only:
// the page has no inline script.
func ViewerPage(w io.Writer, d *ViewerData, assets string) error {
	el, err := viewerElement("viewer", d)
	if err != nil {
		return err
	}
	return viewerPageTemplate.Execute(w, map[string]any{"Title": d.Title, "Viewer": el, "Boot": assets + "boot.js"})
}

var viewerPageTemplate = template.Must(template.New("viewer").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 70em; padding: 0 1em; color: #222; }</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>Drag to rotate, scroll to zoom; choose the field below the view.</p>
{{.Viewer}}
<script type="module" src="{{.Boot}}"></script>
</body>
</html>
`))
