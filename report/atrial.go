package report

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/go-gl/mathgl/mgl64"
	"gonum.org/v1/gonum/mat"

	"github.com/mdtwin/mdtwin/mesh"
)

// Size of one view of the atrial map, in pixels.
const (
	atrialViewW = 420
	atrialViewH = 380
)

// atrialDriver is a re-entrant driver of a run (runs/<id>/drivers.csv).
type atrialDriver struct {
	Run       string
	Pos       mgl64.Vec3
	Rotations float64
}

// atrialSections is the map of an atrial study: the mesh — the OPTIMA
// loop's plan.vtu (cell fields LesionRound and NonConducting) when the
// study is a round of the loop (its folder's parent holds plan.vtu), else
// the first run's lat.vtu (NonConducting, Lesion) — with the re-entrant
// drivers of every run. No section when the study wrote neither mesh.
func atrialSections(st *StudyOutputs) ([]section, error) {
	var m *mesh.Mesh
	var lesionField, source string
	idc := st.column("run_id")
	if plan := filepath.Join(st.Dir, "..", "plan.vtu"); fileExists(plan) {
		m, lesionField, source = nil, "LesionRound", "the ablation plan (plan.vtu)"
		var err error
		if m, err = mesh.ReadFile(plan); err != nil {
			return nil, fmt.Errorf("%s: %v", plan, err)
		}
	} else if idc >= 0 {
		for _, row := range st.Rows {
			path := filepath.Join(st.runDir(row[idc]), "lat.vtu")
			if !fileExists(path) {
				continue
			}
			var err error
			if m, err = mesh.ReadFile(path); err != nil {
				return nil, fmt.Errorf("%s: %v", path, err)
			}
			lesionField, source = "Lesion", "run "+row[idc]+" (lat.vtu)"
			break
		}
	}
	if m == nil || m.Kind != mesh.Triangle {
		return nil, nil
	}
	var drivers []atrialDriver
	if idc >= 0 {
		for _, row := range st.Rows {
			rows, err := readCSV(filepath.Join(st.runDir(row[idc]), "drivers.csv"))
			if errors.Is(err, os.ErrNotExist) {
				continue
			} else if err != nil {
				return nil, err
			}
			for _, d := range rows {
				x, e1 := strconv.ParseFloat(d["x_mm"], 64)
				y, e2 := strconv.ParseFloat(d["y_mm"], 64)
				z, e3 := strconv.ParseFloat(d["z_mm"], 64)
				r, _ := strconv.ParseFloat(d["rotations"], 64)
				if errors.Join(e1, e2, e3) == nil {
					drivers = append(drivers, atrialDriver{Run: row[idc], Pos: mgl64.Vec3{x, y, z}, Rotations: r})
				}
			}
		}
	}
	svg, err := atrialMap(m, m.CellField("NonConducting"), m.CellField(lesionField), drivers)
	if err != nil {
		return nil, err
	}
	s := section{ID: "atrial-map", Title: "Atrial map",
		Notes: []string{fmt.Sprintf("The atrium from %s, %d nodes and %d triangles, seen from two opposite sides along its thinnest axis (orthographic, lit from the viewer). %s over the study's runs.",
			source, len(m.Points), m.NumCells(), plural(len(drivers), "re-entrant driver", "re-entrant drivers"))},
		Figures: []figure{{ID: "atrial-map-plot", SVG: svg,
			Caption: "Tissue (beige), non-conducting fibrotic tissue (grey), ablation lesions (red) and the drivers' phase-singularity positions (blue rings, dashed when behind the wall; hover for run and rotations)."}}}
	return []section{s}, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// atrialMap draws triangle mesh m from two opposite sides along its axis
// of least spread (principal component analysis of the nodes): each view a
// z-buffered raster with Lambert shading, as a PNG inside an SVG that
// marks the visible drivers. blocked and lesion are cell fields (either
// may be nil): a cell with blocked > 0.5 is grey, with lesion > 0 red.
func atrialMap(m *mesh.Mesh, blocked, lesion *mesh.Field, drivers []atrialDriver) (template.HTML, error) {
	centre, axes := principalAxes(m.Points)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="atrial map">`,
		2*atrialViewW, atrialViewH+18, 2*atrialViewW, atrialViewH+18)
	// Both views share one scale: the larger extent of the nodes on the
	// image axes fills the view, with a margin.
	ext := 0.0
	for _, p := range m.Points {
		d := p.Sub(centre)
		ext = max(ext, math.Abs(d.Dot(axes[0]))*2/float64(atrialViewW-20), math.Abs(d.Dot(axes[1]))*2/float64(atrialViewH-20))
	}
	if ext == 0 {
		ext = 1
	}
	for v, side := range []float64{1, -1} {
		// View v looks along -side·axes[2]; the image's right is
		// side·axes[0], so the back view is the front one mirrored.
		right, up, toward := axes[0].Mul(side), axes[1], axes[2].Mul(side)
		proj := func(p mgl64.Vec3) (x, y, depth float64) {
			d := p.Sub(centre)
			return float64(atrialViewW)/2 + d.Dot(right)/ext, float64(atrialViewH)/2 - d.Dot(up)/ext, d.Dot(toward)
		}
		img, zbuf := rasterise(m, proj, toward, blocked, lesion)
		var pngb bytes.Buffer
		if err := png.Encode(&pngb, img); err != nil {
			return "", err
		}
		x0 := v * atrialViewW
		fmt.Fprintf(&b, `<image x="%d" y="0" width="%d" height="%d" href="data:image/png;base64,%s"/>`,
			x0, atrialViewW, atrialViewH, base64.StdEncoding.EncodeToString(pngb.Bytes()))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="middle" fill="#555">%s</text>`,
			x0+atrialViewW/2, atrialViewH+14, [...]string{"side A", "side B (the opposite side)"}[v])
		for _, d := range drivers {
			x, y, depth := proj(d.Pos)
			ix, iy := int(x), int(y)
			if ix < 0 || iy < 0 || ix >= atrialViewW || iy >= atrialViewH {
				continue
			}
			// Visible when no surface is more than 2 mm in front of it;
			// a hidden driver is drawn dashed, seen through the wall.
			style, where := `stroke-width="2.5"`, ""
			if depth < zbuf[iy*atrialViewW+ix]-2 {
				style, where = `stroke-width="1.5" stroke-dasharray="3 2" stroke-opacity="0.8"`, ", behind the wall in this view"
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="6" fill="none" stroke="#0050b4" %s><title>driver of run %s, %.2g rotations%s</title></circle>`,
				float64(x0)+x, y, style, template.HTMLEscapeString(d.Run), d.Rotations, where)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()), nil
}

// principalAxes returns the centroid of pts and the eigenvectors of their
// covariance, largest spread first, each with its largest component
// positive (so the views do not depend on the eigensolver's signs).
func principalAxes(pts []mgl64.Vec3) (mgl64.Vec3, [3]mgl64.Vec3) {
	var c mgl64.Vec3
	for _, p := range pts {
		c = c.Add(p)
	}
	c = c.Mul(1 / float64(max(len(pts), 1)))
	cov := mat.NewSymDense(3, nil)
	for _, p := range pts {
		d := p.Sub(c)
		for i := 0; i < 3; i++ {
			for j := i; j < 3; j++ {
				cov.SetSym(i, j, cov.At(i, j)+d[i]*d[j])
			}
		}
	}
	var eig mat.EigenSym
	axes := [3]mgl64.Vec3{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	if !eig.Factorize(cov, true) {
		return c, axes
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	for k := 0; k < 3; k++ { // eigenvalues ascending: column 2 is the largest
		col := 2 - k
		v := mgl64.Vec3{vecs.At(0, col), vecs.At(1, col), vecs.At(2, col)}
		big := 0
		for i := 1; i < 3; i++ {
			if math.Abs(v[i]) > math.Abs(v[big]) {
				big = i
			}
		}
		if v[big] < 0 {
			v = v.Mul(-1)
		}
		axes[k] = v
	}
	return c, axes
}

// rasterise draws every triangle of m with a depth buffer (larger depth is
// nearer the viewer) and returns the image and the buffer.
func rasterise(m *mesh.Mesh, proj func(mgl64.Vec3) (float64, float64, float64), toward mgl64.Vec3, blocked, lesion *mesh.Field) (*image.NRGBA, []float64) {
	img := image.NewNRGBA(image.Rect(0, 0, atrialViewW, atrialViewH))
	zbuf := make([]float64, atrialViewW*atrialViewH)
	for i := range zbuf {
		zbuf[i] = math.Inf(-1)
	}
	for e := 0; e < m.NumCells(); e++ {
		c := m.Cell(e)
		a, b, d := m.Points[c[0]], m.Points[c[1]], m.Points[c[2]]
		n := b.Sub(a).Cross(d.Sub(a))
		if l := n.Len(); l > 0 {
			n = n.Mul(1 / l)
		}
		shade := 0.35 + 0.65*math.Abs(n.Dot(toward))
		base := [3]float64{236, 206, 170}
		switch {
		case lesion != nil && lesion.Values[e] > 0:
			base = [3]float64{205, 35, 45}
		case blocked != nil && blocked.Values[e] > 0.5:
			base = [3]float64{105, 105, 110}
		}
		col := color.NRGBA{uint8(base[0] * shade), uint8(base[1] * shade), uint8(base[2] * shade), 255}
		x0, y0, z0 := proj(a)
		x1, y1, z1 := proj(b)
		x2, y2, z2 := proj(d)
		area := (x1-x0)*(y2-y0) - (x2-x0)*(y1-y0)
		if area == 0 {
			continue
		}
		minX, maxX := max(int(math.Floor(min(x0, x1, x2))), 0), min(int(math.Ceil(max(x0, x1, x2))), atrialViewW-1)
		minY, maxY := max(int(math.Floor(min(y0, y1, y2))), 0), min(int(math.Ceil(max(y0, y1, y2))), atrialViewH-1)
		for py := minY; py <= maxY; py++ {
			for px := minX; px <= maxX; px++ {
				fx, fy := float64(px)+0.5, float64(py)+0.5
				w0 := ((x1-fx)*(y2-fy) - (x2-fx)*(y1-fy)) / area
				w1 := ((x2-fx)*(y0-fy) - (x0-fx)*(y2-fy)) / area
				w2 := 1 - w0 - w1
				if w0 < 0 || w1 < 0 || w2 < 0 {
					continue
				}
				z := w0*z0 + w1*z1 + w2*z2
				if k := py*atrialViewW + px; z > zbuf[k] {
					zbuf[k] = z
					img.SetNRGBA(px, py, col)
				}
			}
		}
	}
	return img, zbuf
}

// plural writes n with the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
