package brain

import (
	"context"
	"fmt"
	"math"
)

// Monitor records something of a network after each step.
type Monitor interface {
	Record(net *Network)
}

// Observable writes one value per region from the state (NeuralMass.Signal,
// NeuralMass.Ictal, or any func of that shape).
type Observable func(dst, x []float64, n int)

// Raw records an observable after every step (TVB's Raw monitor). Times are
// step·dt in ms; Values are sample-major (Values[s*N+i]).
type Raw struct {
	Observe Observable
	Times   []float64
	Values  []float64
	buf     []float64
}

// Record implements Monitor.
func (r *Raw) Record(net *Network) {
	if r.buf == nil {
		r.buf = make([]float64, net.N)
	}
	r.Observe(r.buf, net.x, net.N)
	r.Times = append(r.Times, float64(net.step)*net.Dt)
	r.Values = append(r.Values, r.buf...)
}

// TemporalAverage records the mean of an observable over each period of
// Period steps (TVB's TemporalAverage monitor), timestamped at the middle
// of its window, (step − Period/2)·dt. Values are sample-major.
//
// With Sink set, each sample goes to Sink (values valid during the call
// only) instead of Times and Values, so memory does not grow with the
// simulated time.
type TemporalAverage struct {
	Observe Observable
	Period  int // steps per sample, ≥ 1
	Times   []float64
	Values  []float64
	Sink    func(t float64, values []float64)
	sum     []float64
	out     []float64
	buf     []float64
	count   int
}

// Record implements Monitor.
func (m *TemporalAverage) Record(net *Network) {
	n := net.N
	if m.sum == nil {
		if m.Period < 1 {
			panic("brain: TemporalAverage.Period must be ≥ 1")
		}
		m.sum = make([]float64, n)
		m.buf = make([]float64, n)
	}
	m.Observe(m.buf, net.x, n)
	axpy(m.sum, 1, m.buf) // sum += buf: 1·v is v exactly, so the sums are those of a plain add
	m.count++
	if m.count == m.Period {
		inv := 1 / float64(m.Period)
		t := (float64(net.step) - float64(m.Period)/2) * net.Dt
		if m.Sink != nil {
			if m.out == nil {
				m.out = make([]float64, n)
			}
			for i := range m.sum {
				m.out[i] = m.sum[i] * inv
				m.sum[i] = 0
			}
			m.Sink(t, m.out)
		} else {
			for i := range m.sum {
				m.Values = append(m.Values, m.sum[i]*inv)
				m.sum[i] = 0
			}
			m.Times = append(m.Times, t)
		}
		m.count = 0
	}
}

// Reserve preallocates room for n samples of N regions, so that recording
// does not allocate.
func (m *TemporalAverage) Reserve(samples, regions int) {
	m.Times = make([]float64, 0, samples)
	m.Values = make([]float64, 0, samples*regions)
}

// Simulate takes steps steps of net, calling every monitor after each one.
// It checks ctx and the state for divergence every 4096 steps and at the
// end; labels name regions in the divergence error.
func Simulate(ctx context.Context, net *Network, steps int, labels []string, monitors ...Monitor) error {
	for s := 1; s <= steps; s++ {
		net.Step()
		for _, m := range monitors {
			m.Record(net)
		}
		if s%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := net.Diverged(labels); err != nil {
				return err
			}
		}
	}
	return net.Diverged(labels)
}

// Gain forms of the SEEG forward model.
const (
	GainInverseSquare = "inverse_square"
	GainDipole        = "dipole"
)

// SEEGGain returns the contacts × regions gain matrix (row-major) from
// contact positions s_k and region centres r_i (mm):
//
//	inverse_square (tvb-epilepsy compute_gain_matrix): G[k,i] = 1/|s_k − r_i|², then G /= max G
//	dipole (TVB's iEEG projection, σ = 1):            G[k,i] = Q_i·(s_k − r_i) / (4π·|s_k − r_i|³)
//
// The dipole form needs the region orientations Q_i. A contact that sits on a
// centre is an error (the gain would be infinite).
func SEEGGain(form string, contacts, centres, orientations [][3]float64) ([]float64, error) {
	nk, ni := len(contacts), len(centres)
	g := make([]float64, nk*ni)
	if form == GainDipole && len(orientations) != ni {
		return nil, fmt.Errorf("the dipole gain needs one orientation per region (average_orientations.txt); have %d for %d regions", len(orientations), ni)
	}
	var gmax float64
	for k, s := range contacts {
		for i, r := range centres {
			d := [3]float64{s[0] - r[0], s[1] - r[1], s[2] - r[2]}
			d2 := d[0]*d[0] + d[1]*d[1] + d[2]*d[2]
			if d2 == 0 {
				return nil, fmt.Errorf("contact %d sits on the centre of region %d: infinite gain", k+1, i+1)
			}
			switch form {
			case GainInverseSquare:
				g[k*ni+i] = 1 / d2
				gmax = math.Max(gmax, g[k*ni+i])
			case GainDipole:
				q := orientations[i]
				g[k*ni+i] = (q[0]*d[0] + q[1]*d[1] + q[2]*d[2]) / (4 * math.Pi * d2 * math.Sqrt(d2))
			default:
				return nil, fmt.Errorf("unknown gain form %q, expected %s or %s", form, GainInverseSquare, GainDipole)
			}
		}
	}
	if form == GainInverseSquare && gmax > 0 {
		for k := range g {
			g[k] /= gmax
		}
	}
	return g, nil
}

// Project applies a contacts × regions gain to sample-major region signals:
// out[s*nk+k] = Σ_i G[k,i]·x[s*ni+i].
func Project(gain []float64, nk int, x []float64, ni int) []float64 {
	ns := len(x) / ni
	out := make([]float64, ns*nk)
	for s := 0; s < ns; s++ {
		xs := x[s*ni : (s+1)*ni]
		for k := 0; k < nk; k++ {
			gk := gain[k*ni : (k+1)*ni]
			var v float64
			for i, gi := range gk {
				v += gi * xs[i]
			}
			out[s*nk+k] = v
		}
	}
	return out
}
