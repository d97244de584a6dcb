package brain

import (
	"fmt"
	"math"
)

// PulseTrain is a stimulus: rectangular pulses of Amplitude and Width (ms)
// every Period ms from Onset for Duration ms, reaching region i with weight
// Weights[i] — TVB's PulseTrain temporal equation (onset, T, tau, amp)
// times a spatial pattern (StimuliRegion; reference brain.md §5: tutorial
// 3 stimulates the PZ with onset 2000, tau 20, T 4000 ms, amplitude 10).
// At time t it adds
//
//	s_i(t) = Amplitude·Weights[i]   if Onset ≤ t < Onset + Duration and (t − Onset) mod Period < Width
//	       = 0                      otherwise
//
// to the right-hand side of the mass's stimulated variable (x1 for the
// Epileptors, where Iext enters; V for the oscillator), in both stages of
// Heun's scheme and held through the step, so X' = X + dt·(f + s) for a
// constant s as in TVB's integrators (X̃ = X + dt(m + s)).
type PulseTrain struct {
	Onset, Period, Width, Duration, Amplitude float64
	Weights                                   []float64
}

// At returns the train's amplitude at time t (ms), before the weights.
func (p PulseTrain) At(t float64) float64 {
	if t < p.Onset || t >= p.Onset+p.Duration {
		return 0
	}
	if math.Mod(t-p.Onset, p.Period) < p.Width {
		return p.Amplitude
	}
	return 0
}

// stimulate adds the stimuli at time t to the drift f of the stimulated
// variable.
func (net *Network) stimulate(f []float64, t float64) {
	n := net.N
	fv := f[net.stimVar*n : (net.stimVar+1)*n]
	for _, p := range net.stimuli {
		a := p.At(t)
		if a == 0 {
			continue
		}
		for i, w := range p.Weights[:len(fv)] {
			fv[i] += a * w
		}
	}
}

// StimulusThreshold2D returns the smallest constant current I added to x1'
// that kicks an isolated Epileptor resting at excitability x0 (below the
// threshold x0*, see Threshold2D) out of its resting branch, in the limit of
// a slow permittivity (r → 0) and a pulse much longer than the fast time
// scale (≈ 1 ms) but much shorter than 1/r. With k = c + Iext (4.1), the
// rest is x1r with x1r³ + 2x1r² + 4x1r = k + 4x0 and z = 4(x1r − x0); at
// fixed z the fast equation x1' = k + I − z − (x1³ + 2x1²) has a stable
// left branch only while k + I − z ≤ max_{x1<0}(x1³ + 2x1²) = 32/27 (at
// x1 = −4/3). Beyond
//
//	I* = z − k + 32/27 = 4(x1r − x0) − k + 32/27
//
// the left branch is gone: x1 jumps to the right branch, a seizure, and
// stays there after the pulse (the fast subsystem is bistable at that z).
// The 6-D Epileptor has the same left branch once y1 = c − d·x1² settles
// (1 ms).
func StimulusThreshold2D(k, x0 float64) float64 {
	x1 := restX1(k, x0)
	return 4*(x1-x0) - k + 32.0/27
}

// StimulusVar is the variable the stimuli drive: x1.
func (*Epileptor) StimulusVar() int { return 0 }

// StimulusVar is the variable the stimuli drive: x1.
func (*Epileptor2D) StimulusVar() int { return 0 }

// StimulusInput is one [[inputs.stimuli]] table: a pulse train on regions
// (weight 1 each) or on SEEG contacts (each contact reaching every region
// with the inverse-square law of the SEEG gain, 1/|s − r_i|², normalised
// to 1 at the nearest region centre; several contacts add up).
//
//	[[inputs.stimuli]]
//	name = "tb1"          # names it for the parameter `stimulus`
//	contacts = ["TB'1"]   # or regions = ["rTCI", "rTCV"]
//	onset = 1000.0        # ms
//	frequency = 50.0      # Hz: a pulse every 1000/frequency ms
//	width = 1.0           # ms
//	amplitude = 2.0       # added to x1' (scaled by the parameter stim_scale)
//	duration = 2000.0     # ms of the train
type StimulusInput struct {
	Name      string   `json:"name"`
	Regions   []string `json:"regions,omitempty"`
	Contacts  []string `json:"contacts,omitempty"`
	Onset     float64  `json:"onset"`
	Frequency float64  `json:"frequency"`
	Width     float64  `json:"width"`
	Amplitude float64  `json:"amplitude"`
	Duration  float64  `json:"duration"`
}

// AllStimuli is the choice of the parameter `stimulus` that applies every
// stimulus.
const AllStimuli = "all"

// checkStimuli validates the stimuli and returns their pulse trains
// (amplitude as given, weights over the regions).
func (s *setup) checkStimuli() ([]PulseTrain, error) {
	var out []PulseTrain
	seen := map[string]bool{}
	for k, st := range s.in.Stimuli {
		where := fmt.Sprintf("stimuli[%d]", k)
		if err := checkName("stimuli", st.Name); err != nil || st.Name == AllStimuli {
			return nil, fmt.Errorf("%s.name: %q, expected a name of letters, digits, '_' or '-' other than %q", where, st.Name, AllStimuli)
		}
		if seen[st.Name] {
			return nil, fmt.Errorf("%s.name: %q used twice", where, st.Name)
		}
		seen[st.Name] = true
		where = "stimuli." + st.Name
		bad := func(field string, v float64, want string) error {
			return fmt.Errorf("%s.%s: %v, expected %s", where, field, v, want)
		}
		switch {
		case !(st.Onset >= 0) || math.IsInf(st.Onset, 0):
			return nil, bad("onset", st.Onset, "a time ≥ 0 ms")
		case !(st.Frequency > 0) || st.Frequency > 1e6:
			return nil, bad("frequency", st.Frequency, "a frequency > 0 Hz")
		case !(st.Width > 0) || st.Width > 1000/st.Frequency:
			return nil, bad("width", st.Width, fmt.Sprintf("a pulse width > 0 ms and at most the period %g ms", 1000/st.Frequency))
		case !(st.Duration > 0) || math.IsInf(st.Duration, 0):
			return nil, bad("duration", st.Duration, "a duration > 0 ms")
		case math.IsNaN(st.Amplitude) || math.IsInf(st.Amplitude, 0):
			return nil, bad("amplitude", st.Amplitude, "a finite number")
		}
		n := s.conn.N()
		w := make([]float64, n)
		switch {
		case len(st.Regions) > 0 && len(st.Contacts) > 0, len(st.Regions) == 0 && len(st.Contacts) == 0:
			return nil, fmt.Errorf("%s: give regions or contacts (one of the two)", where)
		case len(st.Regions) > 0:
			for _, l := range st.Regions {
				i, err := regionIndex(l, s.conn)
				if err != nil {
					return nil, fmt.Errorf("%s.regions: %v", where, err)
				}
				w[i] = 1
			}
		default:
			if s.contacts == nil {
				return nil, fmt.Errorf("%s.contacts: no contact positions; set seeg = \"contacts.txt\" in [inputs]", where)
			}
			for _, c := range st.Contacts {
				k := -1
				for j, l := range s.contactL {
					if l == c {
						k = j
						break
					}
				}
				if k < 0 {
					return nil, fmt.Errorf("%s.contacts: no contact %q in %s (labels are like %q)", where, c, s.in.SEEG, s.contactL[0])
				}
				g, err := SEEGGain(GainInverseSquare, s.contacts[k:k+1], s.conn.Centres, nil)
				if err != nil {
					return nil, fmt.Errorf("%s.contacts: %v", where, err)
				}
				for i, v := range g {
					w[i] += v
				}
			}
		}
		out = append(out, PulseTrain{Onset: st.Onset, Period: 1000 / st.Frequency, Width: st.Width, Duration: st.Duration, Amplitude: st.Amplitude, Weights: w})
	}
	return out, nil
}
