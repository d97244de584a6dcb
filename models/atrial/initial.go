package atrial

import (
	"fmt"
	"math"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// InitialInput prescribes the tissue's initial state ([inputs.initial]):
// a phase map or an activation-time map turned into states by sampling one
// steady paced cycle of each node's cell model (see ionic.PacedCycle,
// tissue.SetPhase, tissue.SetLAT). Exactly one of:
//
//	[inputs.initial]
//	spiral = { center = [x, y, z], chirality = 1, radius_mm = 0 }  # a rotor (tissue.SpiralPhase); radius 0: the whole mesh
//	phase_field = "phase"            # a point field of the mesh file, radians
//	lat_field = "LAT"                # a point field of the mesh file, ms …
//	time_ms = 40                     # … and the time of the map the run starts at
//
//	checkpoint = "out/run/checkpoint.bin"  # the full state a run with checkpoint_ms wrote
//
// with optionally cycle_ms (the paced cycle length sampled; 0 or absent:
// the shortest of 1.2, 1.5, 2 and 3 × the cell's APD90 after one stimulus
// from rest, rounded up to 1 ms, that the cell follows 1:1)
// and beats (the stimuli before the sampled one; default 4). Without
// [inputs] sites the run has no pacing (the S1/S2 parameters are ignored),
// except from a checkpoint: the run starts at the checkpoint's time, the
// checkpoint's pacing pulses still to come continue, and the run paces as
// it would from rest (S1/S2 parameters with their first pulse at
// pacing_start_ms, or [inputs] sites, at absolute times), so that a run split at a checkpoint and continued
// with the same parameters equals the unsplit run bit for bit.
// duration_ms stays the end time.
type InitialInput struct {
	Spiral     *SpiralInput `json:"spiral,omitempty"`
	PhaseField string       `json:"phase_field,omitempty"`
	LATField   string       `json:"lat_field,omitempty"`
	Checkpoint string       `json:"checkpoint,omitempty"`
	// PacingStartMS, with a checkpoint, is the time of the first S1 pulse
	// of the parameters' train (default 0), e.g. the checkpoint's time.
	PacingStartMS float64 `json:"pacing_start_ms,omitempty"`
	TimeMS        float64 `json:"time_ms"`
	CycleMS       float64 `json:"cycle_ms"`
	Beats         int     `json:"beats"`
}

// SpiralInput is a rotor's phase map (tissue.SpiralPhase).
type SpiralInput struct {
	Center    *[3]float64 `json:"center"`
	Chirality int         `json:"chirality"`
	RadiusMM  float64     `json:"radius_mm"`
}

func (in *InitialInput) check() error {
	if in == nil {
		return nil
	}
	n := 0
	for _, set := range []bool{in.Spiral != nil, in.PhaseField != "", in.LATField != "", in.Checkpoint != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("atrial inputs: initial: give exactly one of spiral, phase_field, lat_field and checkpoint (got %d)", n)
	}
	if s := in.Spiral; s != nil {
		if s.Center == nil {
			return fmt.Errorf("atrial inputs: initial.spiral: needs center = [x, y, z]")
		}
		if s.Chirality != 1 && s.Chirality != -1 {
			return fmt.Errorf("atrial inputs: initial.spiral: chirality %d, expected 1 or -1", s.Chirality)
		}
		if !(s.RadiusMM >= 0) {
			return fmt.Errorf("atrial inputs: initial.spiral: radius_mm %g, expected ≥ 0", s.RadiusMM)
		}
	}
	if in.Checkpoint == "" && in.PacingStartMS != 0 || !(in.PacingStartMS >= 0) || math.IsInf(in.PacingStartMS, 0) {
		return fmt.Errorf("atrial inputs: initial: pacing_start_ms = %g goes with checkpoint and must be a finite time ≥ 0", in.PacingStartMS)
	}
	if in.LATField == "" && in.TimeMS != 0 {
		return fmt.Errorf("atrial inputs: initial: time_ms goes with lat_field")
	}
	if !(in.CycleMS >= 0) || math.IsInf(in.CycleMS, 0) || in.Beats < 0 || in.Beats > 1000 {
		return fmt.Errorf("atrial inputs: initial: cycle_ms must be ≥ 0 and beats in 0…1000")
	}
	return nil
}

// pointField returns the one-component point field name of m, or an error
// naming it.
func pointField(m *mesh.Mesh, name, what string) ([]float64, error) {
	f := m.PointField(name)
	if f == nil || f.Components != 1 {
		return nil, fmt.Errorf("atrial inputs: initial.%s %q: the mesh has no one-component point field of that name", what, name)
	}
	return f.Values, nil
}

// apply sets md's initial state. sets and index are the run's ionic sets
// (index nil: one set); rate (mV/ms) and duration (ms) are the sampled
// cell's stimulus. It returns a reference point of the map (the spiral's
// centre, the earliest node of a LAT map, the node of least phase).
func (in *InitialInput) apply(md *tissue.Monodomain, m *mesh.Mesh, sets []ionic.Model, index []uint8, dt, rate, duration float64) (mgl64.Vec3, error) {
	beats := in.Beats
	if beats == 0 {
		beats = 4
	}
	cycles := make([]*ionic.Cycle, len(sets))
	for k, ion := range sets {
		var c *ionic.Cycle
		var err error
		if in.CycleMS > 0 {
			c, err = ionic.PacedCycle(ion, in.CycleMS, dt, rate, duration, beats)
		} else {
			// the shortest of 1.2, 1.5, 2, 3 × APD90 the cell follows (the
			// MS models recover their gate well after repolarising)
			apd, aerr := apd90(ion, dt, rate, duration)
			if aerr != nil {
				return mgl64.Vec3{}, aerr
			}
			for _, f := range []float64{1.2, 1.5, 2, 3} {
				if c, err = ionic.PacedCycle(ion, math.Ceil(f*apd), dt, rate, duration, beats); err == nil {
					break
				}
			}
		}
		if err != nil {
			return mgl64.Vec3{}, fmt.Errorf("atrial inputs: initial: %v", err)
		}
		cycles[k] = c
	}
	cycle := func(i int) *ionic.Cycle {
		if index == nil {
			return cycles[0]
		}
		return cycles[index[i]]
	}
	switch {
	case in.Spiral != nil:
		c := vec(in.Spiral.Center)
		phase, err := tissue.SpiralPhase(m, c, in.Spiral.Chirality, in.Spiral.RadiusMM)
		if err != nil {
			return c, err
		}
		tissue.SetPhase(md, phase, cycle)
		return m.Points[nearest(m, c)], nil
	case in.PhaseField != "":
		phase, err := pointField(m, in.PhaseField, "phase_field")
		if err != nil {
			return mgl64.Vec3{}, err
		}
		tissue.SetPhase(md, phase, cycle)
		best, bv := 0, math.Inf(1)
		for i, th := range phase {
			if a := math.Abs(math.Remainder(th, 2*math.Pi)); a < bv {
				best, bv = i, a
			}
		}
		return m.Points[best], nil
	default:
		lat, err := pointField(m, in.LATField, "lat_field")
		if err != nil {
			return mgl64.Vec3{}, err
		}
		tissue.SetLAT(md, lat, in.TimeMS, cycle)
		best, bv := 0, math.Inf(1)
		for i, l := range lat {
			if l < bv {
				best, bv = i, l
			}
		}
		return m.Points[best], nil
	}
}

// apd90 is the APD90 (ms) of one action potential of ion from rest after a
// stimulus of rate mV/ms for duration ms: from the stimulus onset to the
// last fall through rest + 10 % of the amplitude.
func apd90(ion ionic.Model, dt, rate, duration float64) (float64, error) {
	s := make([]float64, ion.NumStates())
	rest := ion.Rest(s)
	v, peak := rest, rest
	nStim := max(1, int(math.Round(duration/dt)))
	var trace []float64
	for k := 0; k < int(math.Round(5000/dt)); k++ {
		trace = append(trace, v)
		v = ion.Step(s, v, dt)
		if k < nStim {
			v += dt * rate
		}
		peak = max(peak, v)
		if k > nStim && v < rest+0.1*(peak-rest) {
			break
		}
	}
	if !(peak-rest > 10) {
		return 0, fmt.Errorf("atrial inputs: initial: the %s cell does not fire after the stimulus (%g mV/ms for %g ms): set cycle_ms", ion.Name(), rate, duration)
	}
	return float64(len(trace)) * dt, nil
}
