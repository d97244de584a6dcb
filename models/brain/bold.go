package brain

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// BOLDInput is the optional [inputs.bold] table: a BOLD monitor (TVB's Bold
// monitor, period 2000 ms by default; reference brain.md §2) that drives a
// Balloon–Windkessel model per region with the signal (for
// montbrio_pazo_roxin, the firing rate r) at the monitor period, samples
// the BOLD signal every Period ms into bold.npy, and, after Transient ms,
// computes the functional connectivity (Pearson correlation of the regions'
// BOLD series: fc.csv) and its correlation with the structural weights over
// the region pairs (output fc_sc_corr).
//
//	[inputs.bold]
//	period = 2000.0      # ms (the TR)
//	transient = 10000.0  # ms of BOLD left out of the FC (the haemodynamics settle)
type BOLDInput struct {
	Period    float64 `json:"period"`
	Transient float64 `json:"transient"`
}

// boldMonitor feeds the balloon and keeps the BOLD samples (a few hundred
// per run: one per TR).
type boldMonitor struct {
	b        *Balloon
	h        float64 // s per input sample
	every, k int
	t0       float64
	times    []float64
	samples  [][]float64
	row      []float64
}

func newBOLDMonitor(in *BOLDInput, n int, monitorPeriod float64) (*boldMonitor, error) {
	if !(in.Period >= monitorPeriod) || math.IsInf(in.Period, 0) || !(in.Transient >= 0) || math.IsInf(in.Transient, 0) {
		return nil, fmt.Errorf("bold: period %v ms must be at least the monitor period (%v ms), transient %v ms ≥ 0", in.Period, monitorPeriod, in.Transient)
	}
	return &boldMonitor{b: NewBalloon(n), h: monitorPeriod / 1000, every: max(1, int(math.Round(in.Period/monitorPeriod))), t0: in.Transient, row: make([]float64, n)}, nil
}

func (m *boldMonitor) add(t float64, x []float64) {
	m.b.Step(x, m.h)
	m.k++
	if m.k == m.every {
		m.k = 0
		m.b.BOLD(m.row)
		m.times = append(m.times, t)
		m.samples = append(m.samples, append([]float64(nil), m.row...))
	}
}

// FC returns the Pearson correlation matrix (n×n) of the BOLD samples after
// the transient, and how many samples it used.
func (m *boldMonitor) FC() ([]float64, int) {
	var use [][]float64
	for k, t := range m.times {
		if t >= m.t0 {
			use = append(use, m.samples[k])
		}
	}
	n := len(m.row)
	fc := make([]float64, n*n)
	if len(use) < 3 {
		for k := range fc {
			fc[k] = math.NaN()
		}
		return fc, len(use)
	}
	mean, sd := make([]float64, n), make([]float64, n)
	for _, s := range use {
		for i, v := range s {
			mean[i] += v
		}
	}
	for i := range mean {
		mean[i] /= float64(len(use))
	}
	for _, s := range use {
		for i, v := range s {
			sd[i] += (v - mean[i]) * (v - mean[i])
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var c float64
			for _, s := range use {
				c += (s[i] - mean[i]) * (s[j] - mean[j])
			}
			fc[i*n+j] = c / math.Sqrt(sd[i]*sd[j])
		}
	}
	return fc, len(use)
}

// pearson is the correlation of a and b.
func pearson(a, b []float64) float64 {
	var ma, mb float64
	for k := range a {
		ma += a[k]
		mb += b[k]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var c, va, vb float64
	for k := range a {
		c += (a[k] - ma) * (b[k] - mb)
		va += (a[k] - ma) * (a[k] - ma)
		vb += (b[k] - mb) * (b[k] - mb)
	}
	return c / math.Sqrt(va*vb)
}

// fcSC returns the correlation between the FC and the structural weights
// (symmetrised, (w_ij + w_ji)/2) over the pairs i < j.
func fcSC(fc, w []float64, n int) float64 {
	var a, b []float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			a = append(a, fc[i*n+j])
			b = append(b, (w[i*n+j]+w[j*n+i])/2)
		}
	}
	return pearson(a, b)
}

// writeBOLD writes bold.npy (samples × regions) and fc.csv.
func (m *boldMonitor) write(dir string, labels []string, fc []float64) error {
	n := len(labels)
	flat := make([]float64, 0, len(m.samples)*n)
	for _, s := range m.samples {
		flat = append(flat, s...)
	}
	if len(m.samples) > 0 {
		if err := WriteNPY(filepath.Join(dir, "bold.npy"), flat, len(m.samples), n); err != nil {
			return err
		}
	}
	var sb strings.Builder
	sb.WriteString("region," + strings.Join(labels, ",") + "\n")
	for i, l := range labels {
		sb.WriteString(l)
		for j := 0; j < n; j++ {
			sb.WriteString("," + strconv.FormatFloat(fc[i*n+j], 'g', 6, 64))
		}
		sb.WriteByte('\n')
	}
	return os.WriteFile(filepath.Join(dir, "fc.csv"), []byte(sb.String()), 0o644)
}
