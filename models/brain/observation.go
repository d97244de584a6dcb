package brain

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Observation models: [[inputs.sensors]] projects the regions' signal (the
// monitor's x2 − x1 at its period) onto sensors with a gain matrix and adds
// observation noise, streamed to <name>.npy, and finds each sensor's seizure
// onset from its envelope (<name>_onsets.csv).
//
//	[[inputs.sensors]]
//	name = "eeg"                                # files eeg.npy, eeg_onsets.csv
//	gain = "projection_eeg_65.npy"              # sensors × regions (TVB's projection .npy, '<f4'/'<f8'), or a text matrix
//	region_mapping = "region_mapping_16k.txt"   # optional: the gain is sensors × vertices; columns are summed per region (as TVB does)
//	labels = "eeg_65.txt"                       # optional: sensor labels, first field of each line (TVB sensors files)
//	noise = 0.05                                # sd of additive white observation noise, signal units
//	noise_seed = 7                              # optional: its own seed (default: derived from the run's seed)
//	onset_k = 5.0                               # envelope threshold: baseline mean + k·sd (default 5)
//	baseline = 200.0                            # ms of baseline at the start (default 200)
//
//	[[inputs.sensors]]
//	name = "ieeg"
//	contacts = "seeg_588.txt"                   # or contact positions "label x y z" (mm) in the connectome's space
//	law = "dipole"                              # inverse_square (default) or dipole (needs the region orientations)
//
// Noise sd σ is added as σ·N(0,1) to every sample of every sensor (TVB's
// observation noise is additive too; its iEEG monitor's default is
// √dt·N(0,1), reference brain.md §2 — here σ is explicit and 0 by default).
type SensorsInput struct {
	Name          string  `json:"name"`
	Gain          string  `json:"gain,omitempty"`
	RegionMapping string  `json:"region_mapping,omitempty"`
	Contacts      string  `json:"contacts,omitempty"`
	Law           string  `json:"law,omitempty"`
	Labels        string  `json:"labels,omitempty"`
	Noise         float64 `json:"noise,omitempty"`
	NoiseSeed     *uint64 `json:"noise_seed,omitempty"`
	OnsetK        float64 `json:"onset_k,omitempty"`
	Baseline      float64 `json:"baseline,omitempty"`
}

// sensors is a checked SensorsInput.
type sensors struct {
	in     SensorsInput
	gain   []float64 // sensors × regions
	labels []string
}

// checkSensors reads the gain files and contact positions of every sensor
// set.
func (s *setup) checkSensors() ([]*sensors, error) {
	var out []*sensors
	seen := map[string]bool{}
	n := s.conn.N()
	for k, in := range s.in.Sensors {
		where := fmt.Sprintf("sensors[%d]", k)
		if err := checkName("sensors", in.Name); err != nil {
			return nil, fmt.Errorf("%s.name: %q, expected letters, digits, '_' or '-'", where, in.Name)
		}
		switch in.Name {
		case "timeseries", "seeg", "record", "onsets", "final_state":
			return nil, fmt.Errorf("%s.name: %q is the name of another output file", where, in.Name)
		}
		if seen[in.Name] {
			return nil, fmt.Errorf("%s.name: %q used twice", where, in.Name)
		}
		seen[in.Name] = true
		where = "sensors." + in.Name
		if !(in.Noise >= 0) || math.IsInf(in.Noise, 0) {
			return nil, fmt.Errorf("%s.noise: %v, expected a standard deviation ≥ 0", where, in.Noise)
		}
		if !(in.OnsetK >= 0) || math.IsInf(in.OnsetK, 0) || !(in.Baseline >= 0) || math.IsInf(in.Baseline, 0) {
			return nil, fmt.Errorf("%s: onset_k and baseline must be finite numbers ≥ 0", where)
		}
		sn := &sensors{in: in}
		switch {
		case (in.Gain == "") == (in.Contacts == ""):
			return nil, fmt.Errorf("%s: give gain (a matrix file) or contacts (positions), one of the two", where)
		case in.Contacts != "":
			labels, pos, err := readContacts(in.Contacts)
			if err != nil {
				return nil, fmt.Errorf("%s.contacts: %w", where, err)
			}
			if s.conn.Centres == nil {
				return nil, fmt.Errorf("%s.contacts: %s has no region centres (centres.txt)", where, s.in.Connectivity)
			}
			law := in.Law
			if law == "" {
				law = GainInverseSquare
			}
			if sn.gain, err = SEEGGain(law, pos, s.conn.Centres, s.conn.Orientations); err != nil {
				return nil, fmt.Errorf("%s.law: %v", where, err)
			}
			sn.labels = labels
		default:
			g, rows, cols, err := readGain(in.Gain)
			if err != nil {
				return nil, fmt.Errorf("%s.gain: %w", where, err)
			}
			if in.RegionMapping != "" {
				m, err := readRegionMapping(in.RegionMapping, n)
				if err != nil {
					return nil, fmt.Errorf("%s.region_mapping: %w", where, err)
				}
				if len(m) != cols {
					return nil, fmt.Errorf("%s.region_mapping: %s maps %d vertices but %s has %d columns", where, in.RegionMapping, len(m), in.Gain, cols)
				}
				g, cols = reduceGain(g, rows, cols, m, n), n
			}
			if cols != n {
				return nil, fmt.Errorf("%s.gain: %s has %d columns, expected one per region (%d) or a region_mapping", where, in.Gain, cols, n)
			}
			sn.gain = g
			for r := 0; r < rows; r++ {
				sn.labels = append(sn.labels, in.Name+strconv.Itoa(r+1))
			}
		}
		if in.Labels != "" {
			labels, err := readLabels(in.Labels)
			if err != nil {
				return nil, fmt.Errorf("%s.labels: %w", where, err)
			}
			if len(labels) != len(sn.labels) {
				return nil, fmt.Errorf("%s.labels: %s has %d labels for %d sensors", where, in.Labels, len(labels), len(sn.labels))
			}
			sn.labels = labels
		}
		out = append(out, sn)
	}
	return out, nil
}

// readGain reads a sensors × columns gain: a .npy file, or a text matrix of
// one row per line.
func readGain(path string) ([]float64, int, int, error) {
	if strings.HasSuffix(strings.ToLower(path), ".npy") {
		return ReadNPY(path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, &FileError{File: path, Msg: errText(err)}
	}
	rows, err := parseRows(path, "", b, false)
	if err != nil {
		return nil, 0, 0, err
	}
	if len(rows) == 0 {
		return nil, 0, 0, &FileError{File: path, Msg: "no rows"}
	}
	cols := len(rows[0].nums)
	var g []float64
	for _, r := range rows {
		if len(r.nums) != cols {
			return nil, 0, 0, &FileError{File: path, Entry: fmt.Sprintf("line %d", r.line), Msg: fmt.Sprintf("%d columns, the first row has %d", len(r.nums), cols)}
		}
		for _, v := range r.nums {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, 0, &FileError{File: path, Entry: fmt.Sprintf("line %d", r.line), Msg: "value is not finite"}
			}
		}
		g = append(g, r.nums...)
	}
	return g, len(rows), cols, nil
}

// readRegionMapping reads one region index per vertex (TVB's
// region_mapping_*.txt: whitespace-separated integers).
func readRegionMapping(path string, n int) ([]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{File: path, Msg: errText(err)}
	}
	return parseRegionMapping(path, b, n)
}

func parseRegionMapping(path string, b []byte, n int) ([]int, error) {
	var m []int
	for k, f := range strings.Fields(string(b)) {
		i, err := strconv.Atoi(f)
		if err != nil || i < 0 || i >= n {
			return nil, &FileError{File: path, Entry: fmt.Sprintf("entry %d", k+1), Msg: fmt.Sprintf("%q is not a region index 0…%d", f, n-1)}
		}
		m = append(m, i)
	}
	if len(m) == 0 {
		return nil, &FileError{File: path, Msg: "no entries"}
	}
	return m, nil
}

// reduceGain sums the vertex columns of a sensors × vertices gain per region.
func reduceGain(g []float64, rows, cols int, m []int, n int) []float64 {
	out := make([]float64, rows*n)
	for r := 0; r < rows; r++ {
		for v, i := range m {
			out[r*n+i] += g[r*cols+v]
		}
	}
	return out
}

// readLabels reads the first field of each non-empty line.
func readLabels(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{File: path, Msg: errText(err)}
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			out = append(out, f[0])
		}
	}
	return out, nil
}

// sensorStream projects, adds noise, writes and watches one sensor set as
// the run goes.
type sensorStream struct {
	s      *sensors
	out    *NPYWriter
	row    []float64
	rng    *rand.Rand
	onsets *EnvelopeOnset
}

// sensorNoiseStream tags the observation-noise streams (ASCII "obsnoise").
const sensorNoiseStream = 0x6f62736e6f697365

func newSensorStream(s *sensors, k int, dir string, samples int, runSeed uint64, period, smoothing float64) (*sensorStream, error) {
	ss := &sensorStream{s: s, row: make([]float64, len(s.labels))}
	seed := runSeed
	if s.in.NoiseSeed != nil {
		seed = *s.in.NoiseSeed
	}
	ss.rng = rand.New(rand.NewPCG(seed, sensorNoiseStream+uint64(k)))
	kk := s.in.OnsetK
	if kk == 0 {
		kk = 5
	}
	base := s.in.Baseline
	if base == 0 {
		base = 200
	}
	ss.onsets = NewEnvelopeOnset(len(s.labels), kk, max(1, int(math.Round(base/period))), max(1, int(math.Round(smoothing/period))))
	if dir != "" {
		var err error
		if ss.out, err = CreateNPY(filepath.Join(dir, s.in.Name+".npy"), samples, len(s.labels)); err != nil {
			return nil, err
		}
	}
	return ss, nil
}

// add takes one sample x of the regions' signal at time t.
func (ss *sensorStream) add(t float64, x []float64) {
	ni := len(x)
	g := ss.s.gain
	for k := range ss.row {
		gk := g[k*ni : (k+1)*ni]
		var v float64
		for i, gi := range gk {
			v += gi * x[i]
		}
		if ss.s.in.Noise > 0 {
			v += ss.s.in.Noise * ss.rng.NormFloat64()
		}
		ss.row[k] = v
	}
	if ss.out != nil {
		ss.out.Write(ss.row)
	}
	ss.onsets.Add(t, ss.row)
}

// writeOnsets writes <name>_onsets.csv: each sensor's envelope onset (empty
// if none) and its baseline envelope mean and sd.
func (ss *sensorStream) writeOnsets(dir string) error {
	var sb strings.Builder
	sb.WriteString("sensor,label,onset_ms,baseline_mean,baseline_sd\n")
	f := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	for k, l := range ss.s.labels {
		m, sd := ss.onsets.BaselineStats(k)
		fmt.Fprintf(&sb, "%d,%s,%s,%s,%s\n", k, l, f(ss.onsets.Onset[k]), f(m), f(sd))
	}
	return os.WriteFile(filepath.Join(dir, ss.s.in.Name+"_onsets.csv"), []byte(sb.String()), 0o644)
}

// EnvelopeOnset finds seizure onsets on observed signals, sensor by sensor,
// as a simulation streams them (the feature VEP inversions fit: onset
// times per contact). Per sensor, the envelope is the moving average over
// Window samples of |y − μ|, μ the mean of the first Baseline samples; after
// the baseline, the onset is the first time the envelope exceeds m + K·s,
// m and s the envelope's mean and standard deviation over the baseline
// (from its Window-th sample on, when the average is full).
type EnvelopeOnset struct {
	K                float64
	Baseline, Window int
	Onset            []float64 // ms; NaN: none yet

	n        int
	ns       int
	mu       []float64 // baseline mean of y, then fixed
	keep     []float64 // the baseline samples (Baseline × n), to centre them once μ is known
	ring     []float64 // the last Window values of |y − μ|
	sum      []float64
	em, ess  []float64 // Welford mean and sum of squares of the envelope over the baseline
	cnt      int
	baseDone bool
}

// NewEnvelopeOnset returns a detector for n sensors.
func NewEnvelopeOnset(n int, k float64, baseline, window int) *EnvelopeOnset {
	o := &EnvelopeOnset{K: k, Baseline: baseline, Window: window, n: n, Onset: nanSlice(n),
		mu: make([]float64, n), keep: make([]float64, 0, baseline*n), ring: make([]float64, window*n),
		sum: make([]float64, n), em: make([]float64, n), ess: make([]float64, n)}
	return o
}

// Add takes the sample y of the n sensors at time t.
func (o *EnvelopeOnset) Add(t float64, y []float64) {
	n := o.n
	if o.ns < o.Baseline {
		o.keep = append(o.keep, y[:n]...)
		o.ns++
		if o.ns == o.Baseline {
			for s := 0; s < o.Baseline; s++ {
				for k := 0; k < n; k++ {
					o.mu[k] += o.keep[s*n+k]
				}
			}
			for k := range o.mu {
				o.mu[k] /= float64(o.Baseline)
			}
			for s := 0; s < o.Baseline; s++ {
				o.envelope(o.keep[s*n:(s+1)*n], math.NaN(), true)
			}
			o.keep = nil
		}
		return
	}
	o.envelope(y, t, false)
}

// envelope advances the moving average by one sample; in the baseline it
// accumulates the envelope's statistics, after it tests the threshold.
func (o *EnvelopeOnset) envelope(y []float64, t float64, baseline bool) {
	n, w := o.n, o.Window
	slot := o.ring[(o.cnt%w)*n : (o.cnt%w+1)*n]
	full := o.cnt+1 >= w
	if full && baseline {
		o.baseDone = true
	}
	for k := 0; k < n; k++ {
		a := math.Abs(y[k] - o.mu[k])
		if o.cnt >= w {
			o.sum[k] -= slot[k]
		}
		o.sum[k] += a
		slot[k] = a
		if !full {
			continue
		}
		e := o.sum[k] / float64(w)
		if baseline {
			c := float64(o.cnt - w + 2)
			d := e - o.em[k]
			o.em[k] += d / c
			o.ess[k] += d * (e - o.em[k])
		} else if math.IsNaN(o.Onset[k]) {
			m, sd := o.BaselineStats(k)
			if e > m+o.K*sd {
				o.Onset[k] = t
			}
		}
	}
	o.cnt++
}

// BaselineStats returns sensor k's baseline envelope mean and standard
// deviation (NaN until the baseline is complete, or if it was shorter than
// the window).
func (o *EnvelopeOnset) BaselineStats(k int) (mean, sd float64) {
	if o.ns < o.Baseline || !o.baseDone {
		return math.NaN(), math.NaN()
	}
	c := o.Baseline - o.Window + 1
	if c < 2 {
		return o.em[k], 0
	}
	return o.em[k], math.Sqrt(o.ess[k] / float64(c-1))
}
