package atrial

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/go-gl/mathgl/mgl64"
	"github.com/parquet-go/parquet-go"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial/analysis"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// EGMFile is the run's electrograms (with [inputs.electrodes]): one row per
// signal and sample (EGMRow), signals in electrode order, unipolar first,
// then the bipoles, then the pseudo-ECG leads.
const EGMFile = "egm.parquet"

// EGMRow is one sample of one signal of EGMFile.
type EGMRow struct {
	Signal string  `parquet:"signal"` // electrode name, "A1-A2" for a bipole, "X", "Y", "Z" for the ECG leads
	Kind   string  `parquet:"kind"`   // "unipolar", "bipolar" or "ecg"
	TimeMS float64 `parquet:"t_ms"`
	MV     float64 `parquet:"phi_mv"`
}

// The thresholds of the EGM-derived LAT (analysis.EGMActivations): a
// deflection at least half as steep as the record's steepest, none within
// 20 ms of a steeper one (below the shortest cycle lengths simulated,
// ≈ 28 ms burst pacing).
const (
	egmSlopeFrac = 0.5
	egmBlankMS   = 20
)

// egmRecorder samples the unipolar potentials of the electrodes and the
// pseudo-ECG points every `every` steps, on the solver's goroutines
// (each electrode's sum wholly by one, so the result does not depend on
// their number).
type egmRecorder struct {
	every int
	rec   []electrode
	ecg   []analysis.Electrode
	bip   [][2]int // bipoles: indices into rec
	lf    *analysis.LeadField
	t     []float64
	phi   []float64 // sample-major: len(t)·(len(rec)+len(ecg))
	cur   []float64 // the sample being taken
	v     []float64 // the potentials being sampled
	fn    func(lo, hi int)
}

// newEGM sets up the recorder of [inputs.electrodes] (nil without them)
// on mesh m with the run's conductivity sigma (mS/mm), for a run of dt ms
// steps.
func newEGM(in *ElectrodesInput, m *mesh.Mesh, sigma func(e int) mesh.Conductivity, dt float64, steps int) (*egmRecorder, error) {
	if in == nil {
		return nil, nil
	}
	rec, ecg, err := in.electrodes(m)
	if err != nil {
		return nil, err
	}
	sample := in.SampleMS
	if sample == 0 {
		sample = 1
	}
	every, err := stepsPer("inputs: electrodes: sample_ms", sample, dt)
	if err != nil {
		return nil, err
	}
	all := make([]analysis.Electrode, 0, len(rec)+len(ecg))
	for _, e := range rec {
		all = append(all, e.Electrode)
	}
	all = append(all, ecg...)
	if len(all) == 0 {
		return nil, fmt.Errorf("atrial inputs: electrodes: no electrode")
	}
	lf, err := analysis.NewLeadField(m, sigma, all, analysis.EGMOptions{BathSigma: in.BathSigma, WallMM: in.WallMM})
	if err != nil {
		return nil, fmt.Errorf("atrial inputs: electrodes: %v", err)
	}
	g := &egmRecorder{every: every, rec: rec, ecg: ecg, lf: lf, cur: make([]float64, len(all))}
	for i := 1; i < len(rec); i++ {
		if rec[i].group != "" && rec[i].group == rec[i-1].group {
			g.bip = append(g.bip, [2]int{i - 1, i})
		}
	}
	n := steps/every + 1
	g.t = make([]float64, 0, n)
	g.phi = make([]float64, 0, n*len(all))
	g.fn = g.rangeOf
	return g, nil
}

// rangeOf computes the electrodes [lo·K/N, hi·K/N) of the K for the node
// range [lo, hi) of N: the solver's node ranges partition the electrodes.
func (g *egmRecorder) rangeOf(lo, hi int) {
	k, n := len(g.cur), g.lf.NumNodes()
	g.lf.PotentialsRange(g.cur, g.v, lo*k/n, hi*k/n)
}

// record takes a sample of md's potentials at its current time. It
// allocates only when the preallocated record is full.
func (g *egmRecorder) record(md *tissue.Monodomain) {
	g.v = md.V
	md.ForRanges(g.fn)
	g.v = nil
	g.t = append(g.t, md.Time())
	g.phi = append(g.phi, g.cur...)
}

// series returns signal j's samples (j indexes the lead field's electrodes).
func (g *egmRecorder) series(j int) []float64 {
	k := len(g.cur)
	out := make([]float64, len(g.t))
	for s := range g.t {
		out[s] = g.phi[s*k+j]
	}
	return out
}

// table returns table "electrodes": per recording electrode its index,
// position (mm), the first EGM-derived activation time (steepest negative
// slope of the unipolar signal; NaN if none), the model's first LAT at the
// nearest node and the number of EGM activations.
func (g *egmRecorder) table(m *mesh.Mesh, lat []float64) models.Table {
	tb := models.Table{Name: "electrodes", Columns: []string{"electrode", "x_mm", "y_mm", "z_mm", "lat_egm_ms", "lat_model_ms", "egm_activations"}}
	for i, e := range g.rec {
		acts := analysis.EGMActivations(g.t, g.series(i), egmSlopeFrac, egmBlankMS)
		first := math.NaN()
		if len(acts) > 0 {
			first = acts[0]
		}
		p := e.Position
		tb.Rows = append(tb.Rows, []float64{float64(i), p[0], p[1], p[2], first, lat[nearest(m, mgl64.Vec3(p))], float64(len(acts))})
	}
	return tb
}

// rows returns the rows of EGMFile.
func (g *egmRecorder) rows() []EGMRow {
	var out []EGMRow
	add := func(name, kind string, x []float64) {
		for s, t := range g.t {
			out = append(out, EGMRow{Signal: name, Kind: kind, TimeMS: t, MV: x[s]})
		}
	}
	for i, e := range g.rec {
		add(e.Name, "unipolar", g.series(i))
	}
	for _, b := range g.bip {
		a, c := g.series(b[0]), g.series(b[1])
		for s := range a {
			a[s] -= c[s]
		}
		add(g.rec[b[0]].Name+"-"+g.rec[b[1]].Name, "bipolar", a)
	}
	for k := 0; k+1 < len(g.ecg); k += 2 {
		p, q := g.series(len(g.rec)+k), g.series(len(g.rec)+k+1)
		for s := range p {
			p[s] -= q[s]
		}
		add(g.ecg[k].Name[1:], "ecg", p)
	}
	return out
}

// write writes EGMFile into dir with the run's identity in the file's
// key-value metadata, and adds it to res's artifacts.
func (g *egmRecorder) write(dir string, spec models.RunSpec, res *models.Result) error {
	if g == nil || dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := createPending(filepath.Join(dir, EGMFile))
	if err != nil {
		return err
	}
	pw := parquet.NewGenericWriter[EGMRow](f,
		parquet.KeyValueMetadata("model", Name), parquet.KeyValueMetadata("run_id", spec.RunID),
		parquet.KeyValueMetadata("seed", strconv.FormatUint(spec.Seed, 10)),
		parquet.KeyValueMetadata("units", "t_ms: ms; phi_mv: mV (Gima–Rudy integral, unbounded bath)"))
	_, err = pw.Write(g.rows())
	if err == nil {
		err = pw.Close()
	}
	if err != nil {
		f.discard()
		return err
	}
	if err := f.commit(); err != nil {
		return err
	}
	res.Artifacts = append(res.Artifacts, EGMFile)
	return nil
}
