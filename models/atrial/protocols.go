package atrial

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// DecrementalInput ([inputs] decremental) replaces the parameters' S1
// train (n_beats, bcl_ms; and the S2) by a decremental burst from the same
// site: cycle lengths start_cl_ms, start_cl_ms − step_ms, … down to
// floor_cl_ms, beats_per_cl pulses each (tissue.Decremental):
//
//	decremental = { start_cl_ms = 250, floor_cl_ms = 150, step_ms = 10, beats_per_cl = 2 }
type DecrementalInput struct {
	StartCLMS  float64 `json:"start_cl_ms"`
	FloorCLMS  float64 `json:"floor_cl_ms"`
	StepMS     float64 `json:"step_ms"`
	BeatsPerCL int     `json:"beats_per_cl"`
}

// RestitutionInput ([inputs] restitution) replaces the parameters' S1
// train by an S1–S2 restitution protocol from the same site: for each
// coupling interval, s1_beats S1 pulses every bcl_ms and one S2 that
// interval after the last S1, the next block recovery_ms (default bcl_ms)
// after the S2 (tissue.Restitution). The coupling intervals are
// coupling_ms, or ci_start_ms down to ci_floor_ms in steps of ci_step_ms:
//
//	restitution = { s1_beats = 4, bcl_ms = 500, ci_start_ms = 450, ci_floor_ms = 250, ci_step_ms = 25 }
//
// The run then returns table "restitution" (per S2: coupling interval, and
// the S2 beat's diastolic interval, APD and CV) and, with a folder, the
// plots restitution_apd.svg and restitution_cv.svg; duration_ms must
// reach the last S2 plus recovery_ms.
type RestitutionInput struct {
	S1Beats    int       `json:"s1_beats"`
	BCLMS      float64   `json:"bcl_ms"`
	CouplingMS []float64 `json:"coupling_ms,omitempty"`
	CIStartMS  float64   `json:"ci_start_ms"`
	CIFloorMS  float64   `json:"ci_floor_ms"`
	CIStepMS   float64   `json:"ci_step_ms"`
	RecoveryMS float64   `json:"recovery_ms"`
}

// intervals returns the coupling intervals (ms), longest first as given.
func (r *RestitutionInput) intervals() ([]float64, error) {
	if len(r.CouplingMS) > 0 {
		if r.CIStartMS != 0 || r.CIFloorMS != 0 || r.CIStepMS != 0 {
			return nil, fmt.Errorf("atrial inputs: restitution: give coupling_ms or ci_start_ms/ci_floor_ms/ci_step_ms, not both")
		}
		return r.CouplingMS, nil
	}
	if !(r.CIStartMS > 0) || !(r.CIFloorMS > 0) || r.CIFloorMS > r.CIStartMS || !(r.CIStepMS > 0) || (r.CIStartMS-r.CIFloorMS)/r.CIStepMS > 999 {
		return nil, fmt.Errorf("atrial inputs: restitution: ci_start_ms = %g, ci_floor_ms = %g, ci_step_ms = %g; need 0 < floor ≤ start, step > 0, at most 1000 intervals",
			r.CIStartMS, r.CIFloorMS, r.CIStepMS)
	}
	var out []float64
	for k := 0; ; k++ {
		ci := max(r.CIFloorMS, r.CIStartMS-float64(k)*r.CIStepMS)
		out = append(out, ci)
		if ci == r.CIFloorMS {
			return out, nil
		}
	}
}

func checkPacingInputs(in Inputs) error {
	if in.Decremental == nil && in.Restitution == nil {
		return nil
	}
	if in.Decremental != nil && in.Restitution != nil {
		return fmt.Errorf("atrial inputs: give decremental or restitution, not both")
	}
	if len(in.Sites) > 0 || (in.Initial != nil && in.Initial.Checkpoint == "") {
		return fmt.Errorf("atrial inputs: decremental and restitution pace from the S1 site of the parameters; remove sites and initial (but a checkpoint)")
	}
	if r := in.Restitution; r != nil {
		if _, err := r.intervals(); err != nil {
			return err
		}
		if r.S1Beats < 1 || r.S1Beats > 1000 || !(r.BCLMS > 0) || !(r.RecoveryMS >= 0) || math.IsInf(r.BCLMS+r.RecoveryMS, 0) {
			return fmt.Errorf("atrial inputs: restitution: s1_beats = %d, bcl_ms = %g, recovery_ms = %g; need 1 to 1000 beats, bcl_ms > 0, recovery_ms ≥ 0",
				r.S1Beats, r.BCLMS, r.RecoveryMS)
		}
	}
	return nil
}

// pacing returns the protocol of [inputs] decremental or restitution from
// the S1 site s1 (nil protocol when neither is given) and the S2 times of
// a restitution protocol.
func pacing(in Inputs, s1 tissue.Site) (tissue.Protocol, []float64, error) {
	s1.Period, s1.Count = 0, 1
	if d := in.Decremental; d != nil {
		p, err := tissue.Decremental(s1, d.StartCLMS, d.FloorCLMS, d.StepMS, d.BeatsPerCL)
		if err != nil {
			return nil, nil, fmt.Errorf("atrial inputs: decremental: %v", err)
		}
		return p, nil, nil
	}
	if r := in.Restitution; r != nil {
		cis, err := r.intervals()
		if err != nil {
			return nil, nil, err
		}
		rec := r.RecoveryMS
		if rec == 0 {
			rec = r.BCLMS
		}
		p, s2, err := tissue.Restitution(s1, r.S1Beats, r.BCLMS, cis, rec)
		if err != nil {
			return nil, nil, fmt.Errorf("atrial inputs: restitution: %v", err)
		}
		return p, s2, nil
	}
	return nil, nil, nil
}

// checkRestitutionDuration refuses a restitution run too short for its
// protocol (the last S2 plus the recovery).
func (sim *simulation) checkRestitutionDuration(in Inputs) error {
	if in.Restitution == nil {
		return nil
	}
	last := sim.s.s2[len(sim.s.s2)-1]
	rec := in.Restitution.RecoveryMS
	if rec == 0 {
		rec = in.Restitution.BCLMS
	}
	if d := sim.p.Float("duration_ms"); d < last+rec {
		return &models.ParamError{Model: Name, Param: "duration_ms", Value: d,
			Msg: fmt.Sprintf("is shorter than the restitution protocol: the last S2 at %g ms plus recovery_ms = %g; expected ≥ %g", last, rec, last+rec)}
	}
	return nil
}

// restitution returns table "restitution": per S2 of the protocol its
// coupling interval and, over the nodes the S2 beat activated, the
// median diastolic interval DI = LAT_S2 − (LAT_prev + APD_prev) and APD
// of the S2 beat (the recorder's apd_level; nodes whose beats did not
// all repolarise are left out), the CV of the S2 wave along the fibre
// from the site (as cv_fibre_mm_per_ms, on the S2 beat's LATs) and the
// fraction of nodes it activated.
func (sim *simulation) restitution() models.Table {
	tb := models.Table{Name: "restitution", Columns: []string{"coupling_ms", "di_ms", "apd_ms", "cv_mm_per_ms", "captured_fraction"}}
	m, act, s2 := sim.s.m, sim.act, sim.s.s2
	lo, hi := m.Bounds()
	tol := 0.5*sim.s.h + 1e-9
	lat := make([]float64, len(m.Points))
	for k, ts := range s2 {
		end := math.Inf(1)
		if k+1 < len(s2) {
			end = sim.s.s2Block[k+1]
		}
		var dis, apds []float64
		captured := 0
		for i, times := range act.Times {
			lat[i] = math.NaN()
			j := 0
			for j < len(times) && times[j] < ts {
				j++
			}
			if j == len(times) || times[j] >= end {
				continue
			}
			lat[i] = times[j]
			captured++
			if a := act.APD[i]; len(a) == len(times) && j > 0 {
				dis = append(dis, times[j]-(times[j-1]+a[j-1]))
				apds = append(apds, a[j])
			}
		}
		ci := ts - sim.s.s2Prev[k]
		cv := cvFromSite(m, lat, sim.first, sim.s.fibre, sim.radius, lo, hi, tol)
		tb.Rows = append(tb.Rows, []float64{ci, median(dis), median(apds), cv, float64(captured) / float64(len(m.Points))})
	}
	return tb
}

// writeRestitution plots table tb (APD and CV against DI) into dir and
// adds the files to res's artifacts.
func writeRestitution(dir string, tb models.Table, res *models.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, pl := range []struct {
		file, y, label string
		col            int
	}{
		{"restitution_apd.svg", "APD (ms)", "APD restitution", 2},
		{"restitution_cv.svg", "CV (mm/ms)", "CV restitution", 3},
	} {
		var xy plotter.XYs
		for _, r := range tb.Rows {
			if !math.IsNaN(r[1]) && !math.IsNaN(r[pl.col]) && !math.IsInf(r[pl.col], 0) {
				xy = append(xy, plotter.XY{X: r[1], Y: r[pl.col]})
			}
		}
		p := plot.New()
		p.Title.Text = pl.label + " (S1–S2)"
		p.X.Label.Text = "diastolic interval (ms)"
		p.Y.Label.Text = pl.y
		if len(xy) > 0 {
			l, s, err := plotter.NewLinePoints(xy)
			if err != nil {
				return err
			}
			p.Add(l, s)
		}
		if err := p.Save(12*vg.Centimeter, 9*vg.Centimeter, filepath.Join(dir, pl.file)); err != nil {
			return err
		}
		res.Artifacts = append(res.Artifacts, pl.file)
	}
	return nil
}

// blockStarts returns, for a restitution protocol p (S1 train, S2, …),
// the start of each block and the last S1 before each S2.
func blockStarts(p tissue.Protocol) (start, prev []float64) {
	for k := 0; k+1 < len(p); k += 2 {
		start = append(start, p[k].Start)
		prev = append(prev, p[k].Start+float64(max(p[k].Count, 1)-1)*p[k].Period)
	}
	return start, prev
}
