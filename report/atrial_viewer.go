package report

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mdtwin/mdtwin/mesh"
)

// atrialViewerSection is the 3-D view of an atrial study: the first run's
// lat.vtu (LAT, PS density, fibrosis, lesions) in the WebGL viewer, with
// three.js inline. Nil when no run wrote a triangle lat.vtu.
func atrialViewerSection(st *StudyOutputs) (*section, error) {
	path, run := AtrialViewerMesh(st)
	if path == "" {
		return nil, nil
	}
	m, err := mesh.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	what := "run " + run + " (lat.vtu)"
	if run == "plan" {
		what = "the ablation plan (plan.vtu)"
	}
	d, err := NewViewerData(atrialViewerTitle(st, run), m)
	if err != nil {
		return nil, nil // not a surface, or a mesh without the viewer's fields: no view
	}
	if err := attachVm(d, st, run, len(m.Points)); err != nil {
		return nil, err
	}
	h, err := viewerInline("atrial-viewer", d)
	if err != nil {
		return nil, err
	}
	return &section{ID: "atrial-3d", Title: "Atrium in 3-D",
		Notes:   []string{"The atrium of " + what + ", drawn with WebGL (three.js, inline: the page works offline). Drag to rotate, scroll to zoom, choose the field below the view: local activation time with isochrones, phase-singularity density, fibrosis, lesions. Grey: undefined (e.g. never activated)."},
		Figures: []figure{{ID: "atrial-viewer-figure", Caption: "The atrium of " + what + ".", SVG: h}}}, nil
}

// AtrialViewerMesh returns the mesh the 3-D view of an atrial study
// draws: the lat.vtu of its first run that wrote one (and the run's id),
// else, for a round of the OPTIMA loop, the loop's plan.vtu (run "plan");
// "" when there is neither.
func AtrialViewerMesh(st *StudyOutputs) (path, run string) {
	if idc := st.column("run_id"); idc >= 0 {
		for _, row := range st.Rows {
			p := filepath.Join(st.runDir(row[idc]), "lat.vtu")
			if fileExists(p) {
				return p, row[idc]
			}
		}
	}
	if p := filepath.Join(st.Dir, "..", "plan.vtu"); fileExists(p) {
		return p, "plan"
	}
	return "", ""
}

func atrialViewerTitle(st *StudyOutputs, run string) string {
	if run == "plan" {
		return st.Manifest.Study + ": ablation plan"
	}
	return st.Manifest.Study + ": run " + run
}

// AtrialViewerData returns the 3-D viewer's data of an atrial study (see
// AtrialViewerMesh), titled prefix and the study's name and run; an error
// when the study wrote no mesh to view.
func AtrialViewerData(st *StudyOutputs, prefix string) (*ViewerData, error) {
	path, run := AtrialViewerMesh(st)
	if path == "" {
		return nil, fmt.Errorf("the study wrote no atrial mesh to view (lat.vtu or plan.vtu)")
	}
	m, err := mesh.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	d, err := NewViewerData(prefix+atrialViewerTitle(st, run), m)
	if err != nil {
		return nil, err
	}
	return d, attachVm(d, st, run, len(m.Points))
}

// attachVm adds the animation of the run's Vm recording, when the run
// wrote one (a .igb file of one value per node of the viewed mesh).
func attachVm(d *ViewerData, st *StudyOutputs, run string, nodes int) error {
	if run == "plan" {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(st.runDir(run), "*.igb"))
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		h, data, err := mesh.ReadIGB(f, p)
		f.Close()
		if err != nil {
			return err
		}
		if h.Nodes == nodes {
			d.Frames = viewerFrames(h, data)
			return nil
		}
	}
	return nil
}
