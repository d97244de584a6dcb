package atrial

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/atrial/analysis"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// CheckpointFile is the checkpoint a run with checkpoint_ms writes into
// its folder; [inputs.initial] checkpoint = "path" starts a run from one.
const CheckpointFile = "checkpoint.bin"

// checkpointVersion is the format version written; a file of another
// version is refused.
const checkpointVersion = 1

// checkpointMagic opens every checkpoint file.
var checkpointMagic = [8]byte{'M', 'D', 'T', 'W', 'C', 'K', 'P', 'T'}

// checkpoint is the full state of a run between two steps: with it a run
// continues exactly as the one that wrote it would have (a run split at t
// and continued equals the unsplit run bit for bit). The file is, all
// numbers little-endian:
//
//	magic "MDTWCKPT", version u32 (1)
//	ionic model: name (u32 length, bytes), states per node u32
//	nodes u64, fingerprint u64 (FNV-1a of the mesh's kind, points, cells and the per-node ionic set index)
//	dt f64 (ms), steps u64 (the time is steps·dt)
//	V: nodes × f64 (mV); S: nodes·states × f64 (node-major)
//	schedule: sites u32, then per site centre 3×f64, radius, start, duration, strength, period f64, count i64,
//	          has-nodes u8, nodes u32 and that many u32 node indices
//	activations: threshold f64, level f64, last time f64, seen u8, last potential nodes × f32,
//	             peak nodes × f32, up nodes × u8, then per node its LATs and then per node its APDs
//	             (each: count u32, count × f64)
//	CRC-32C of everything before it, u32
//
// Phase-singularity frames, traces and electrogram samples taken before
// the checkpoint are not in it: a continued run records them from its
// start, so it matches the unsplit run in them when phase_start_ms is not
// before the checkpoint.
type checkpoint struct {
	model       string
	states      int
	nodes       int
	fingerprint uint64
	dt          float64
	steps       int
	v, s        []float64
	schedule    tissue.Protocol
	threshold   float64
	level       float64
	act         analysis.ActivationState
	times, apd  [][]float64
}

// Limits that keep a hostile file from asking for absurd allocations.
const (
	maxCheckpointNodes  = 5e6 // as build's mesh limit
	maxCheckpointStates = 64
	maxCheckpointSites  = 1 << 16
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// meshFingerprint hashes what a checkpoint's state is laid out on: m's
// kind, points and cells, and the per-node ionic set index (nil: none).
func meshFingerprint(m *mesh.Mesh, index []uint8) uint64 {
	h := fnv.New64a()
	var b [8]byte
	put := func(x uint64) {
		binary.LittleEndian.PutUint64(b[:], x)
		h.Write(b[:])
	}
	put(uint64(m.Kind))
	for _, p := range m.Points {
		for _, x := range p {
			put(math.Float64bits(x))
		}
	}
	for _, c := range m.Cells {
		put(uint64(c))
	}
	h.Write(index)
	return h.Sum64()
}

// encode returns the file's bytes.
func (c *checkpoint) encode() []byte {
	le := binary.LittleEndian
	b := append([]byte{}, checkpointMagic[:]...)
	b = le.AppendUint32(b, checkpointVersion)
	b = le.AppendUint32(b, uint32(len(c.model)))
	b = append(b, c.model...)
	b = le.AppendUint32(b, uint32(c.states))
	b = le.AppendUint64(b, uint64(c.nodes))
	b = le.AppendUint64(b, c.fingerprint)
	f64 := func(x float64) { b = le.AppendUint64(b, math.Float64bits(x)) }
	f64(c.dt)
	b = le.AppendUint64(b, uint64(c.steps))
	for _, x := range c.v {
		f64(x)
	}
	for _, x := range c.s {
		f64(x)
	}
	b = le.AppendUint32(b, uint32(len(c.schedule)))
	for _, s := range c.schedule {
		for _, x := range []float64{s.Center[0], s.Center[1], s.Center[2], s.Radius, s.Start, s.Duration, s.Strength, s.Period} {
			f64(x)
		}
		b = le.AppendUint64(b, uint64(int64(s.Count)))
		if s.Nodes == nil {
			b = append(b, 0)
		} else {
			b = append(b, 1)
			b = le.AppendUint32(b, uint32(len(s.Nodes)))
			for _, v := range s.Nodes {
				b = le.AppendUint32(b, uint32(v))
			}
		}
	}
	f64(c.threshold)
	f64(c.level)
	f64(c.act.T)
	b = append(b, boolByte(c.act.Seen))
	for _, x := range c.act.Prev {
		b = le.AppendUint32(b, math.Float32bits(x))
	}
	for _, x := range c.act.Peak {
		b = le.AppendUint32(b, math.Float32bits(x))
	}
	for _, u := range c.act.Up {
		b = append(b, boolByte(u))
	}
	for _, lists := range [][][]float64{c.times, c.apd} {
		for _, l := range lists {
			b = le.AppendUint32(b, uint32(len(l)))
			for _, x := range l {
				f64(x)
			}
		}
	}
	return le.AppendUint32(b, crc32.Checksum(b, crcTable))
}

func boolByte(x bool) byte {
	if x {
		return 1
	}
	return 0
}

// ckReader reads a checkpoint's fields, remembering the first error (a
// read past the end).
type ckReader struct {
	b   []byte
	off int
	err error
}

func (r *ckReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.err = fmt.Errorf("truncated at byte %d (%d more bytes expected)", r.off, n)
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *ckReader) u8() byte {
	if s := r.take(1); s != nil {
		return s[0]
	}
	return 0
}

func (r *ckReader) u32() uint32 {
	if s := r.take(4); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

func (r *ckReader) u64() uint64 {
	if s := r.take(8); s != nil {
		return binary.LittleEndian.Uint64(s)
	}
	return 0
}

func (r *ckReader) f64() float64 { return math.Float64frombits(r.u64()) }

// count reads a u32 count, each item at least size bytes: more than the
// rest of the file holds is an error.
func (r *ckReader) count(size int, what string) int {
	n := int(r.u32())
	if r.err == nil && n*size > len(r.b)-r.off {
		r.err = fmt.Errorf("%s count %d exceeds the file", what, n)
		return 0
	}
	return n
}

func (r *ckReader) f64s(n int) []float64 {
	s := r.take(8 * n)
	if s == nil {
		return nil
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(s[8*i:]))
	}
	return out
}

func (r *ckReader) f32s(n int) []float32 {
	s := r.take(4 * n)
	if s == nil {
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(s[4*i:]))
	}
	return out
}

// decodeCheckpoint parses a checkpoint file's bytes; errors say what is
// wrong in one line (without the file name).
func decodeCheckpoint(b []byte) (*checkpoint, error) {
	if len(b) < len(checkpointMagic)+8 || [8]byte(b[:8]) != checkpointMagic {
		return nil, errors.New("not an mdtwin checkpoint (expected the magic MDTWCKPT)")
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != checkpointVersion {
		return nil, fmt.Errorf("checkpoint format version %d, expected %d", v, checkpointVersion)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, crcTable) != sum {
		return nil, errors.New("corrupted (CRC-32C mismatch)")
	}
	r := &ckReader{b: body, off: 12}
	c := &checkpoint{}
	c.model = string(r.take(r.count(1, "model name")))
	c.states = int(r.u32())
	nodes := r.u64()
	c.fingerprint = r.u64()
	c.dt = r.f64()
	steps := r.u64()
	if r.err != nil {
		return nil, r.err
	}
	if nodes == 0 || nodes > maxCheckpointNodes || c.states < 1 || c.states > maxCheckpointStates || steps > 1<<40 ||
		!(c.dt > 0) || math.IsInf(c.dt, 0) {
		return nil, fmt.Errorf("implausible header (%d nodes, %d states, dt %g ms, %d steps)", nodes, c.states, c.dt, steps)
	}
	c.nodes, c.steps = int(nodes), int(steps)
	n := c.nodes
	if len(body)-r.off < 8*n*(1+c.states) {
		return nil, fmt.Errorf("truncated: %d nodes × %d states do not fit in the file", n, c.states)
	}
	c.v = r.f64s(n)
	c.s = r.f64s(n * c.states)
	ns := r.count(8*8+8+1, "site")
	if ns > maxCheckpointSites {
		return nil, fmt.Errorf("%d pacing sites; expected at most %d", ns, maxCheckpointSites)
	}
	for range ns {
		x := r.f64s(8)
		if x == nil {
			break
		}
		s := tissue.Site{Center: mgl64.Vec3{x[0], x[1], x[2]}, Radius: x[3], Start: x[4], Duration: x[5], Strength: x[6], Period: x[7],
			Count: int(int64(r.u64()))}
		if r.u8() != 0 {
			k := r.count(4, "site node")
			s.Nodes = make([]int, 0, k)
			for range k {
				v := int(r.u32())
				if v >= n {
					return nil, fmt.Errorf("pacing site node %d out of range [0, %d)", v, n)
				}
				s.Nodes = append(s.Nodes, v)
			}
		}
		c.schedule = append(c.schedule, s)
	}
	c.threshold, c.level = r.f64(), r.f64()
	c.act.T = r.f64()
	c.act.Seen = r.u8() != 0
	c.act.Prev = r.f32s(n)
	c.act.Peak = r.f32s(n)
	if up := r.take(n); up != nil {
		c.act.Up = make([]bool, n)
		for i, u := range up {
			c.act.Up[i] = u != 0
		}
	}
	for _, dst := range []*[][]float64{&c.times, &c.apd} {
		*dst = make([][]float64, n)
		for i := range n {
			k := r.count(8, "activation")
			if k > 0 {
				(*dst)[i] = r.f64s(k)
			}
			if r.err != nil {
				return nil, r.err
			}
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.off != len(body) {
		return nil, fmt.Errorf("%d bytes after the last field", len(body)-r.off)
	}
	return c, nil
}

// readCheckpoint reads the checkpoint file path; errors are one line
// naming it.
func readCheckpoint(path string) (*checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("atrial inputs: initial.checkpoint: %s does not exist", path)
		}
		return nil, fmt.Errorf("atrial inputs: initial.checkpoint: %v", err)
	}
	c, err := decodeCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("atrial inputs: initial.checkpoint: %s: %v", path, err)
	}
	return c, nil
}

// checkpointOf returns the state of sim after its solver's last step.
func (sim *simulation) checkpointOf() *checkpoint {
	md, a := sim.md, sim.act
	return &checkpoint{model: md.Ionic.Name(), states: md.Ionic.NumStates(), nodes: len(md.V),
		fingerprint: meshFingerprint(sim.s.m, sim.lay.index), dt: md.Dt(), steps: md.Steps(),
		v: md.V, s: md.S, schedule: sim.s.protocol, threshold: a.Threshold, level: a.Level,
		act: a.State(), times: a.Times, apd: a.APD}
}

// writeCheckpoint writes sim's state to CheckpointFile in dir, atomically.
func (sim *simulation) writeCheckpoint(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := createPending(filepath.Join(dir, CheckpointFile))
	if err != nil {
		return err
	}
	if _, err := f.Write(sim.checkpointOf().encode()); err != nil {
		f.discard()
		return err
	}
	return f.commit()
}

// pending returns the sites of c's schedule that still pace after its
// time and are not in prot (the run's own protocol): they continue.
func (c *checkpoint) pending(prot tissue.Protocol) tissue.Protocol {
	t0 := float64(c.steps) * c.dt
	var out tissue.Protocol
	for _, s := range c.schedule {
		if s.End() <= t0 || slices.ContainsFunc(prot, func(p tissue.Site) bool { return sameSite(p, s) }) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func sameSite(a, b tissue.Site) bool {
	return a.Center == b.Center && a.Radius == b.Radius && a.Start == b.Start && a.Duration == b.Duration &&
		a.Strength == b.Strength && a.Period == b.Period && max(a.Count, 1) == max(b.Count, 1) &&
		(a.Nodes == nil) == (b.Nodes == nil) && slices.Equal(a.Nodes, b.Nodes)
}

// restore sets sim's solver and activation recorder from c after checking
// that c was written for this run's mesh (its points, cells and ionic
// regions: the fingerprint does not cover fibres, conductivities, lesions
// or fibrosis, so a checkpoint of another substrate on the same mesh is
// not told apart), time step and activation settings, and before its end;
// path names the file in errors.
func (sim *simulation) restore(c *checkpoint, path string) error {
	md, a := sim.md, sim.act
	bad := func(format string, args ...any) error {
		return fmt.Errorf("atrial inputs: initial.checkpoint: %s: "+format, append([]any{path}, args...)...)
	}
	switch {
	case c.nodes != len(md.V):
		return bad("written for %d nodes, the run's mesh has %d", c.nodes, len(md.V))
	case c.model != md.Ionic.Name() || c.states != md.Ionic.NumStates():
		return bad("written for ionic model %s (%d states), the run uses %s (%d states)", c.model, c.states, md.Ionic.Name(), md.Ionic.NumStates())
	case c.fingerprint != meshFingerprint(sim.s.m, sim.lay.index):
		return bad("written for another mesh or ionic region layout (fingerprint %016x, the run's %016x)", c.fingerprint, meshFingerprint(sim.s.m, sim.lay.index))
	case c.dt != md.Dt():
		return bad("written with dt_ms = %g, the run has %g", c.dt, md.Dt())
	case c.threshold != a.Threshold || c.level != a.Level:
		return bad("written with lat_threshold_mv = %g and apd_level = %g, the run has %g and %g", c.threshold, c.level, a.Threshold, a.Level)
	case c.steps >= sim.steps:
		return bad("its time %g ms is not before duration_ms = %g", float64(c.steps)*c.dt, float64(sim.steps)*md.Dt())
	}
	copy(md.V, c.v)
	copy(md.S, c.s)
	if err := md.SetSteps(c.steps); err != nil {
		return err
	}
	if err := a.SetState(c.act); err != nil {
		return err
	}
	a.Times, a.APD = c.times, c.apd
	return nil
}

// checkpointSetup reads the [inputs.initial] checkpoint, if any, adding
// its pending pacing sites to the run's protocol (before the solver is
// built), and sets the step after which the run writes its own
// ([inputs] checkpoint_ms), checking that it falls on a step, not after the end, and
// that the run has a folder.
func (sim *simulation) checkpointSetup(spec models.RunSpec, in Inputs) (*checkpoint, error) {
	var ck *checkpoint
	if in.Initial != nil && in.Initial.Checkpoint != "" {
		var err error
		if ck, err = readCheckpoint(in.Initial.Checkpoint); err != nil {
			return nil, err
		}
		sim.s.protocol = append(sim.s.protocol, ck.pending(sim.s.protocol)...)
	}
	sim.igbMS = in.IGBMS
	c := in.CheckpointMS
	if c == 0 {
		return ck, nil
	}
	n, err := stepsPer("inputs: checkpoint_ms", c, sim.p.Float("dt_ms"))
	if err != nil {
		return nil, err
	}
	perr := func(msg string) error { // bad input: no retry mends it
		return &models.InputError{Model: Name, Msg: fmt.Sprintf("atrial inputs: checkpoint_ms = %g %s", c, msg)}
	}
	switch {
	case n > sim.steps:
		return nil, perr(fmt.Sprintf("must not be after duration_ms = %g", sim.p.Float("duration_ms")))
	case ck != nil && n <= ck.steps:
		return nil, perr(fmt.Sprintf("must be after the initial checkpoint's time %g ms", float64(ck.steps)*ck.dt))
	case spec.Dir == "":
		return nil, perr("needs a run folder to write checkpoint.bin into")
	}
	sim.ckptStep = n
	return ck, nil
}
