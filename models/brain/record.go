package brain

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mdtwin/mdtwin/models"
)

// Record is the optional [inputs.record] table: a recorder of state
// variables every Every steps, streamed to record.npy as the run goes
// (float32, shape samples × variables × regions; sample k is the state after
// step k·Every, at time k·Every·dt). Every = 1 is TVB's Raw monitor.
//
//	[inputs.record]
//	variables = ["x1", "z", "signal"]   # state variables by name, or "signal" (the mass's LFP proxy)
//	every = 1                           # steps between samples
type Record struct {
	Variables []string `json:"variables"`
	Every     int      `json:"every"`
}

// check validates the record table against a mass's variables.
func (r *Record) check(names []string) ([]int, error) {
	if r.Every < 1 {
		return nil, fmt.Errorf("record.every: %d, expected a number of steps ≥ 1", r.Every)
	}
	if len(r.Variables) == 0 {
		return nil, fmt.Errorf("record.variables: empty, expected state variable names (%s) or \"signal\"", strings.Join(names, ", "))
	}
	var idx []int
	for _, v := range r.Variables {
		k := -1
		if v == "signal" {
			k = len(names)
		}
		for j, nm := range names {
			if nm == v {
				k = j
			}
		}
		if k < 0 {
			return nil, fmt.Errorf("record.variables: no variable %q, expected one of %s or \"signal\"", v, strings.Join(names, ", "))
		}
		idx = append(idx, k)
	}
	return idx, nil
}

// sampler is the Monitor behind [inputs.record]: every `every` steps it
// writes the chosen variables (index nv: the signal) as one row.
type sampler struct {
	every, count int
	vars         []int
	signal       Observable
	row          []float64
	out          *NPYWriter
}

func (s *sampler) Record(net *Network) {
	s.count++
	if s.count < s.every {
		return
	}
	s.count = 0
	n := net.N
	for k, v := range s.vars {
		dst := s.row[k*n : (k+1)*n]
		if v == net.nv {
			s.signal(dst, net.x, n)
		} else {
			copy(dst, net.x[v*n:(v+1)*n])
		}
	}
	s.out.Write(s.row)
}

// preview collects at most maxPreview evenly spaced samples of a stream as
// CSV text (every stride-th sample, stride = ⌈samples/maxPreview⌉).
type preview struct {
	sb     strings.Builder
	stride int
	k      int
}

const maxPreview = 1000

func newPreview(samples int, labels []string) *preview {
	p := &preview{stride: max(1, (samples+maxPreview-1)/maxPreview)}
	// Room for the rows at about 10 bytes a value (a "%.6g" number and
	// its comma), so that the builder is not copied as it grows.
	p.sb.Grow(min(samples, maxPreview) * (len(labels) + 1) * 10)
	p.sb.WriteString("t_ms")
	for _, l := range labels {
		p.sb.WriteString("," + l)
	}
	p.sb.WriteByte('\n')
	return p
}

func (p *preview) add(t float64, values []float64) {
	if p.k%p.stride == 0 {
		p.sb.WriteString(models.FormatFloat(t))
		for _, v := range values {
			p.sb.WriteByte(',')
			p.sb.WriteString(strconv.FormatFloat(v, 'g', 6, 64))
		}
		p.sb.WriteByte('\n')
	}
	p.k++
}

// streams are the files a run writes while it simulates: the signal at the
// monitor period (timeseries.npy and its preview), its SEEG projection
// (seeg.npy and its preview) and the [inputs.record] samples (record.npy).
// Each .npy goes to a .part file renamed into place at the end; memory does
// not depend on the simulated time.
type streams struct {
	dir               string
	sig, seeg, rec    *NPYWriter
	sigPrev, seegPrev *preview
	gain              []float64
	nk                int
	seegRow           []float64
	sensors           []*sensorStream
	bold              *boldMonitor
	artifacts         []string
}

// sink takes one sample of the signal.
func (st *streams) sink(t float64, x []float64) {
	if st.bold != nil {
		st.bold.add(t, x)
	}
	for _, ss := range st.sensors {
		ss.add(t, x)
	}
	if st.sig == nil {
		return
	}
	st.sig.Write(x)
	st.sigPrev.add(t, x)
	if st.seeg != nil {
		ni := len(x)
		for k := 0; k < st.nk; k++ {
			gk := st.gain[k*ni : (k+1)*ni]
			var v float64
			for i, gi := range gk {
				v += gi * x[i]
			}
			st.seegRow[k] = v
		}
		st.seeg.Write(st.seegRow)
		st.seegPrev.add(t, st.seegRow)
	}
}

// abort removes the unfinished files.
func (st *streams) abort() {
	for _, w := range []*NPYWriter{st.sig, st.seeg, st.rec} {
		if w != nil {
			w.Abort()
		}
	}
	for _, ss := range st.sensors {
		if ss.out != nil {
			ss.out.Abort()
		}
	}
}

// finish closes the files and writes the previews, listing the artifacts.
func (st *streams) finish() error {
	if st.sig != nil {
		if err := st.sig.Close(); err != nil {
			return err
		}
		if err := writeString(filepath.Join(st.dir, "timeseries_preview.csv"), st.sigPrev.sb.String()); err != nil {
			return err
		}
		st.artifacts = append(st.artifacts, "timeseries.npy", "timeseries_preview.csv")
	}
	if st.seeg != nil {
		if err := st.seeg.Close(); err != nil {
			return err
		}
		if err := writeString(filepath.Join(st.dir, "seeg_preview.csv"), st.seegPrev.sb.String()); err != nil {
			return err
		}
		st.artifacts = append(st.artifacts, "seeg.npy", "seeg_preview.csv")
	}
	if st.rec != nil {
		if err := st.rec.Close(); err != nil {
			return err
		}
		st.artifacts = append(st.artifacts, "record.npy")
	}
	for _, ss := range st.sensors {
		if ss.out == nil {
			continue
		}
		if err := ss.out.Close(); err != nil {
			return err
		}
		if err := ss.writeOnsets(st.dir); err != nil {
			return err
		}
		st.artifacts = append(st.artifacts, ss.s.in.Name+".npy", ss.s.in.Name+"_onsets.csv")
	}
	return nil
}

// writeString writes s to the file name (created or truncated, mode 0644)
// without copying it into a byte slice first, as os.WriteFile would need.
func writeString(name, s string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	if err1 := f.Close(); err == nil {
		err = err1
	}
	return err
}
