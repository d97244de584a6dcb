package analysis

import (
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/go-gl/mathgl/mgl64"
)

// RotorTrack is one phase singularity followed in time: the positions at
// which it was seen, from its birth (first frame) to its death (last frame).
type RotorTrack struct {
	ID     int          // order of birth, from 0
	Charge int          // chirality, as PhaseSingularity.Charge
	Times  []float64    // ms, the frames it was seen in, increasing
	Points []mgl64.Vec3 // mm, its position in each of those frames
	// Turn is the phase integrated at the core, rad: the sum of the
	// wrapped changes of PhaseSingularity.Phase between the frames the
	// track was seen in. Its error is bounded (it does not grow with the
	// distance the core travels; TestTrackMovingSpiral) as long as the
	// phase at the core moves by less than π between sightings: frames
	// closer than half a rotation period.
	Turn float64

	lastPhase float64
}

// Lifespan returns the time from the track's first frame to its last, ms.
func (r *RotorTrack) Lifespan() float64 { return r.Times[len(r.Times)-1] - r.Times[0] }

// Rotations returns the number of turns of the phase at the core, |Turn|/2π.
func (r *RotorTrack) Rotations() float64 { return math.Abs(r.Turn) / (2 * math.Pi) }

// MeanPosition returns the mean of the track's positions, mm.
func (r *RotorTrack) MeanPosition() mgl64.Vec3 {
	var s mgl64.Vec3
	for _, p := range r.Points {
		s = s.Add(p)
	}
	return s.Mul(1 / float64(len(r.Points)))
}

// Radius returns the largest distance of the track's positions from their
// mean, mm: how far the core meanders.
func (r *RotorTrack) Radius() float64 {
	c, d := r.MeanPosition(), 0.0
	for _, p := range r.Points {
		d = max(d, p.Sub(c).Len())
	}
	return d
}

// Tracker links the phase singularities of successive frames into rotor
// tracks (reference §6.4). In each frame a singularity continues the open
// track of the same charge whose last position is nearest, within
// MaxDistance and last seen at most MaxGap before; pairs are taken in increasing
// distance, each track and singularity at most once (greedy matching). A
// singularity left over starts a new track (a birth); a track not
// continued for longer than MaxGap is closed (a death). The zero value is
// not useful: set both fields.
type Tracker struct {
	MaxDistance float64 // mm
	// MaxGap is the longest time between two successive sightings of a
	// track, ms: the frame interval to allow no missing frame, k+1 frame
	// intervals to bridge k missing frames.
	MaxGap float64

	tracks []*RotorTrack
	open   []int // indices of the open tracks
	t      float64
	pairs  []trackPair
	used   []bool
}

type trackPair struct {
	d2    float64
	track int // index into open
	ps    int
}

// Add takes the singularities ps found in the frame at time t (ms). Calls
// must come in increasing t. It allocates when tracks are born or grow.
func (tr *Tracker) Add(t float64, ps []PhaseSingularity) {
	if len(tr.tracks) > 0 && !(t > tr.t) {
		panic("atrial: Tracker.Add times must increase")
	}
	tr.t = t
	// Close the tracks not seen within MaxGap of t.
	open := tr.open[:0]
	for _, k := range tr.open {
		if r := tr.tracks[k]; t-r.Times[len(r.Times)-1] <= tr.MaxGap*(1+1e-12) {
			open = append(open, k)
		}
	}
	tr.open = open
	tr.pairs = tr.pairs[:0]
	d2max := tr.MaxDistance * tr.MaxDistance
	for i, k := range tr.open {
		r := tr.tracks[k]
		last := r.Points[len(r.Points)-1]
		for j := range ps {
			if ps[j].Charge != r.Charge {
				continue
			}
			if d := ps[j].Position.Sub(last); d.Dot(d) <= d2max {
				tr.pairs = append(tr.pairs, trackPair{d.Dot(d), i, j})
			}
		}
	}
	slices.SortStableFunc(tr.pairs, func(a, b trackPair) int {
		switch {
		case a.d2 < b.d2:
			return -1
		case a.d2 > b.d2:
			return 1
		}
		return 0
	})
	no := len(tr.open)
	tr.used = slices.Grow(tr.used[:0], no+len(ps))[:no+len(ps)]
	clear(tr.used)
	trackUsed, psUsed := tr.used[:no], tr.used[no:]
	for _, p := range tr.pairs {
		if trackUsed[p.track] || psUsed[p.ps] {
			continue
		}
		trackUsed[p.track], psUsed[p.ps] = true, true
		r := tr.tracks[tr.open[p.track]]
		s := &ps[p.ps]
		r.Times = append(r.Times, t)
		r.Points = append(r.Points, s.Position)
		r.Turn += wrap(s.Phase - r.lastPhase)
		r.lastPhase = s.Phase
	}
	for j := range ps {
		if psUsed[j] {
			continue
		}
		s := &ps[j]
		tr.open = append(tr.open, len(tr.tracks))
		tr.tracks = append(tr.tracks, &RotorTrack{ID: len(tr.tracks), Charge: s.Charge,
			Times: []float64{t}, Points: []mgl64.Vec3{s.Position}, lastPhase: s.Phase})
	}
}

// Tracks returns every track so far, open or closed, in order of birth.
// The tracks are shared with the Tracker, which may still extend the open
// ones.
func (tr *Tracker) Tracks() []*RotorTrack { return tr.tracks }

// DriverCriteria says which rotor tracks are re-entrant drivers (RDs); a
// zero field is no condition. The reference (§6.4) lists criteria in use:
// at least one or two rotations, more than 100 ms, staying within about
// 1 cm.
type DriverCriteria struct {
	MinLifespan  float64 // ms
	MinRotations float64 // turns of the phase at the core
	MaxRadius    float64 // mm, largest distance of the core from its mean position
}

// IsDriver reports whether track r meets every criterion.
func (c DriverCriteria) IsDriver(r *RotorTrack) bool {
	return r.Lifespan() >= c.MinLifespan && r.Rotations() >= c.MinRotations &&
		(c.MaxRadius <= 0 || r.Radius() <= c.MaxRadius)
}

// Drivers returns the tracks that meet the criteria, in their order.
func (c DriverCriteria) Drivers(tracks []*RotorTrack) []*RotorTrack {
	var d []*RotorTrack
	for _, r := range tracks {
		if c.IsDriver(r) {
			d = append(d, r)
		}
	}
	return d
}

// WriteTracksCSV writes the tracks as CSV, one row per track and frame:
// track, charge, time_ms, x_mm, y_mm, z_mm.
func WriteTracksCSV(w io.Writer, tracks []*RotorTrack) error {
	if _, err := fmt.Fprintln(w, "track,charge,time_ms,x_mm,y_mm,z_mm"); err != nil {
		return err
	}
	for _, r := range tracks {
		for i, t := range r.Times {
			p := r.Points[i]
			if _, err := fmt.Fprintf(w, "%d,%d,%g,%g,%g,%g\n", r.ID, r.Charge, t, p[0], p[1], p[2]); err != nil {
				return err
			}
		}
	}
	return nil
}
