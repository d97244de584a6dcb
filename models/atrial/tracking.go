package atrial

import (
	"fmt"
	"math"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial/analysis"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// phaseTracking follows the phase singularities of one engine run: every
// frame it finds them (analysis.FindSingularities) in the state-space phase (during
// the run) or the LAT phase (after it), links them with a Tracker, and
// counts the sightings per element for the PS density. A nil
// *phaseTracking (phase = none) does nothing.
type phaseTracking struct {
	kind         string
	m            *mesh.Mesh
	sp           ionic.StatePhase
	ns           int
	every        int     // steps per frame
	frame, start float64 // ms
	tr           analysis.Tracker
	crit         analysis.DriverCriteria
	ph           []float64
	ps           []analysis.PhaseSingularity
	hits         []float64 // sightings per element
	frames       int
}

func newPhaseTracking(p models.Params, m *mesh.Mesh, ion ionic.Model) (*phaseTracking, error) {
	kind := p.String("phase")
	if kind == PhaseNone {
		return nil, nil
	}
	perr := func(msg string) error {
		return &models.ParamError{Model: Name, Param: "phase", Value: kind, Msg: msg}
	}
	if m.Kind != mesh.Triangle {
		return nil, perr(fmt.Sprintf("phase singularities need a triangle mesh, not a %v mesh", m.Kind))
	}
	dt := p.Float("dt_ms")
	every, ok := wholeSteps(p.Float("frame_ms"), dt)
	if !ok {
		return nil, &models.ParamError{Model: Name, Param: "frame_ms", Value: p.Float("frame_ms"), Msg: fmt.Sprintf("not a positive multiple of dt_ms = %g", dt)}
	}
	t := &phaseTracking{kind: kind, m: m, ns: ion.NumStates(), every: every, frame: float64(every) * dt,
		start: p.Float("phase_start_ms"), ph: make([]float64, len(m.Points)), hits: make([]float64, m.NumCells()),
		crit: analysis.DriverCriteria{MinLifespan: p.Float("driver_min_lifespan_ms"), MinRotations: p.Float("driver_min_rotations"),
			MaxRadius: p.Float("driver_max_radius_mm")}}
	t.tr = analysis.Tracker{MaxDistance: p.Float("track_distance_mm"), MaxGap: p.Float("track_gap_ms")}
	if t.tr.MaxGap == 0 {
		t.tr.MaxGap = t.frame
	}
	if kind == PhaseState {
		sp, ok := ionic.StatePhaseFor(ion)
		if !ok {
			return nil, perr(fmt.Sprintf("no state-space phase for ionic model %q; use \"lat\"", ion.Name()))
		}
		t.sp = sp
	}
	return t, nil
}

func (t *phaseTracking) add(time float64) {
	t.ps = analysis.FindSingularities(t.ps[:0], t.m, t.ph)
	for _, s := range t.ps {
		t.hits[s.Cell]++
	}
	t.frames++
	t.tr.Add(time, t.ps)
}

// step takes the state after step n of the run (state-space phase).
func (t *phaseTracking) step(n int, md *tissue.Monodomain) {
	if t == nil || t.kind != PhaseState || n%t.every != 0 || md.Time() < t.start-1e-9 {
		return
	}
	t.sp.Phase(t.ph, md.V, md.S, t.ns)
	t.add(md.Time())
}

// finish runs the LAT-phase frames, from every activation of the run that
// ended at tEnd.
func (t *phaseTracking) finish(act *analysis.Activations, tEnd float64) {
	if t == nil || t.kind != PhaseLAT {
		return
	}
	for k := 1; float64(k)*t.frame <= tEnd+1e-9; k++ {
		tm := float64(k) * t.frame
		if tm < t.start-1e-9 {
			continue
		}
		analysis.LATPhase(t.ph, act.Times, tm)
		t.add(tm)
	}
}

func (t *phaseTracking) scalars(out map[string]float64, act *analysis.Activations, prot tissue.Protocol) {
	nan := math.NaN()
	for _, k := range []string{"ps_count", "rd_count", "inducible", "max_rotations", "longest_track_ms"} {
		out[k] = nan
	}
	// Cycle length after the pacing, near the drivers or everywhere.
	end := 0.0
	for i := range prot {
		end = max(end, prot[i].End())
	}
	var near func(i int) bool
	if t != nil {
		tracks := t.tr.Tracks()
		drivers := t.crit.Drivers(tracks)
		rot, life := 0.0, 0.0
		for _, r := range tracks {
			rot, life = max(rot, r.Rotations()), max(life, r.Lifespan())
		}
		out["ps_count"], out["rd_count"] = float64(len(tracks)), float64(len(drivers))
		out["max_rotations"], out["longest_track_ms"] = rot, life
		out["inducible"] = 0
		if len(drivers) > 0 {
			out["inducible"] = 1
			near = func(i int) bool {
				for _, r := range drivers {
					if t.m.Points[i].Sub(r.MeanPosition()).Len() <= 5 {
						return true
					}
				}
				return false
			}
		}
	}
	sum, n := 0.0, 0
	for i, ts := range act.Times {
		if near != nil && !near(i) {
			continue
		}
		var first, last float64
		k := 0
		for _, x := range ts {
			if x <= end {
				continue
			}
			if k == 0 {
				first = x
			}
			last = x
			k++
		}
		if k >= 2 {
			sum += (last - first) / float64(k-1)
			n++
		}
	}
	out["mean_cycle_length_ms"] = nan
	if n > 0 {
		out["mean_cycle_length_ms"] = sum / float64(n)
	}
}

// tables returns the rotor tracks as table "rotor_tracks" (the engine writes
// rotor_tracks.csv): one row per track and frame, with the track's
// rotations, lifespan and driver flag repeated on each row; and the
// re-entrant drivers as table "drivers" (drivers.csv): one row per driver
// with its mean position — the RD sites the OPTIMA loop ablates.
func (t *phaseTracking) tables() []models.Table {
	if t == nil {
		return nil
	}
	drv := models.Table{Name: "drivers",
		Columns: []string{"track", "charge", "x_mm", "y_mm", "z_mm", "rotations", "lifespan_ms"}}
	for _, r := range t.crit.Drivers(t.tr.Tracks()) {
		c := r.MeanPosition()
		drv.Rows = append(drv.Rows, []float64{float64(r.ID), float64(r.Charge), c[0], c[1], c[2], r.Rotations(), r.Lifespan()})
	}
	return []models.Table{*t.trackTable(), drv}
}

func (t *phaseTracking) trackTable() *models.Table {
	tb := &models.Table{Name: "rotor_tracks",
		Columns: []string{"track", "charge", "time_ms", "x_mm", "y_mm", "z_mm", "rotations", "lifespan_ms", "driver"}}
	for _, r := range t.tr.Tracks() {
		d := 0.0
		if t.crit.IsDriver(r) {
			d = 1
		}
		for i, tm := range r.Times {
			p := r.Points[i]
			tb.Rows = append(tb.Rows, []float64{float64(r.ID), float64(r.Charge), tm, p[0], p[1], p[2], r.Rotations(), r.Lifespan(), d})
		}
	}
	return tb
}

// fields returns the cell field PSDensity: the fraction of the phase
// frames in which the element held a singularity.
func (t *phaseTracking) fields() []mesh.Field {
	if t == nil {
		return nil
	}
	v := make([]float64, len(t.hits))
	if t.frames > 0 {
		for e, h := range t.hits {
			v[e] = h / float64(t.frames)
		}
	}
	return []mesh.Field{{Name: "PSDensity", Components: 1, Values: v}}
}
