package atrial

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// IGBFile is the run's membrane potential time series in openCARP's .igb
// format (mesh.WriteIGBHeader documents it), with [inputs] igb_ms > 0: every node's
// V (mV, float32) every igb_ms from the run's start to its end.
const IGBFile = "vm.igb"

// igbRecorder streams V frames to IGBFile.tmp, renamed when complete.
type igbRecorder struct {
	every, n0 int
	f         *pendingFile
	w         *bufio.Writer
	buf       []byte
	err       error
}

// newIGB opens the .igb stream of a run with igb_ms > 0 (nil otherwise)
// whose solver md is at its start and ends after steps steps, into dir.
func newIGB(c float64, md *tissue.Monodomain, steps int, dir string) (*igbRecorder, error) {
	if c == 0 {
		return nil, nil
	}
	dt := md.Dt()
	every, err := stepsPer("inputs: igb_ms", c, dt)
	if err != nil {
		return nil, err
	}
	perr := func(msg string) error { // bad input: no retry mends it
		return &models.InputError{Model: Name, Msg: fmt.Sprintf("atrial inputs: igb_ms = %g %s", c, msg)}
	}
	if dir == "" {
		return nil, perr("needs a run folder to write " + IGBFile + " into")
	}
	n0 := md.Steps()
	frames := (steps-n0)/every + 1
	if int64(frames)*int64(len(md.V)) > 1<<31 {
		return nil, perr(fmt.Sprintf("gives %d frames of %d nodes, more than 2³¹ values", frames, len(md.V)))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := createPending(filepath.Join(dir, IGBFile))
	if err != nil {
		return nil, err
	}
	g := &igbRecorder{every: every, n0: n0, f: f, w: bufio.NewWriterSize(f, 1<<20), buf: make([]byte, 4*len(md.V))}
	if err := mesh.WriteIGBHeader(g.w, mesh.IGBHeader{Nodes: len(md.V), Frames: frames, T0: md.Time(), Dt: float64(every) * dt, Units: "mV"}); err != nil {
		g.abort()
		return nil, err
	}
	g.frame(md, n0)
	return g, nil
}

// frame writes md's V when step n is a frame step. It does not allocate.
func (g *igbRecorder) frame(md *tissue.Monodomain, n int) {
	if g == nil || g.err != nil || (n-g.n0)%g.every != 0 {
		return
	}
	for i, v := range md.V {
		binary.LittleEndian.PutUint32(g.buf[4*i:], math.Float32bits(float32(v)))
	}
	_, g.err = g.w.Write(g.buf)
}

// close completes the file (renaming it into place) and returns the
// first write error.
func (g *igbRecorder) close() error {
	if g == nil {
		return nil
	}
	err := g.err
	if err == nil {
		err = g.w.Flush()
	}
	if err != nil {
		g.f.discard()
		return err
	}
	return g.f.commit()
}

// abort removes the unfinished file.
func (g *igbRecorder) abort() {
	if g != nil {
		g.f.discard()
	}
}
