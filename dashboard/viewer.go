package dashboard

import (
	"bytes"
	"net/http"

	"github.com/mdtwin/mdtwin/report"
)

// The 3-D viewer of an atrial prediction: the atrium of the prediction's
// study (its first run's lat.vtu, or the ablation plan) drawn with WebGL
// by report's viewer, whose files (three.js and the viewer) the dashboard
// serves under /viewer/ so that the page runs no inline script.

// viewerRoutes adds the viewer's routes to m.
func (s *Server) viewerRoutes(m *http.ServeMux) {
	m.Handle("GET /viewer/", http.StripPrefix("/viewer/", http.FileServerFS(report.ViewerAssets())))
	m.HandleFunc("GET /patients/{pid}/predictions/{id}/viewer", s.predictionViewer)
}

func (s *Server) predictionViewer(w http.ResponseWriter, r *http.Request) {
	rec, _, j, ok := s.prediction(w, r)
	if !ok {
		return
	}
	pid := r.PathValue("pid")
	if j < 0 {
		s.fail(w, http.StatusNotFound, "the prediction's study is not in the store")
		return
	}
	st, err := report.LoadStudy(rec.Studies[j].Output)
	if err != nil {
		s.fail(w, http.StatusNotFound, "the study's output folder cannot be read (moved or deleted?)")
		return
	}
	d, err := report.AtrialViewerData(st, "Patient "+pid+": ")
	if err != nil {
		s.fail(w, http.StatusNotFound, err.Error())
		return
	}
	var b bytes.Buffer
	if err := report.ViewerPage(&b, d, "/viewer/"); err != nil {
		s.internal(w, r, "writing the viewer", err)
		return
	}
	// Scripts from this server only (three.js and the viewer, as files);
	// the data is a JSON script element, which is not run.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; frame-ancestors "+s.frameAncestors())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}
