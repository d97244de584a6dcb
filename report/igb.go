package report

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// IGB is a time series of one value per node in openCARP's .igb format
// (reference: a 1024-byte ASCII header of key:value words — x, y, z the
// grid, t the frames, type, systeme the byte order, org_t and inc_t the
// first time and the interval in ms, unites the unit — then the frames,
// each x·y·z values). Only float data in little-endian order is read.
type IGB struct {
	Nodes, Frames int
	Org, Inc      float64 // ms; Inc 0 when the header gives none
	Unit          string
	Data          []float32 // frame-major: Data[k·Nodes + i]
}

// igbMaxValues bounds what ReadIGB reads (2^28 values, 1 GiB), so that a
// header cannot make it allocate without end.
const igbMaxValues = 1 << 28

// ReadIGB reads an .igb file. Errors name the header key or the size that
// was wrong.
func ReadIGB(r io.Reader) (*IGB, error) {
	br := bufio.NewReader(r)
	head := make([]byte, 1024)
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, fmt.Errorf("igb: header: %v (expected 1024 bytes)", err)
	}
	g := &IGB{}
	y, z := 1, 1
	typ, order := "", "little_endian"
	for _, w := range strings.Fields(strings.TrimRight(string(head), "\x00")) {
		k, v, ok := strings.Cut(w, ":")
		if !ok {
			continue
		}
		var err error
		switch k {
		case "x":
			g.Nodes, err = strconv.Atoi(v)
		case "y":
			y, err = strconv.Atoi(v)
		case "z":
			z, err = strconv.Atoi(v)
		case "t":
			g.Frames, err = strconv.Atoi(v)
		case "type":
			typ = v
		case "systeme":
			order = v
		case "org_t":
			g.Org, err = strconv.ParseFloat(v, 64)
		case "inc_t":
			g.Inc, err = strconv.ParseFloat(v, 64)
		case "unites":
			g.Unit = v
		}
		if err != nil {
			return nil, fmt.Errorf("igb: header %s:%s is not a number", k, v)
		}
	}
	if typ != "float" || !strings.EqualFold(order, "little_endian") {
		return nil, fmt.Errorf("igb: type %q in %q order, expected float in little_endian", typ, order)
	}
	if g.Nodes < 1 || y < 1 || z < 1 || g.Frames < 1 || math.IsNaN(g.Org+g.Inc) || math.IsInf(g.Org+g.Inc, 0) {
		return nil, fmt.Errorf("igb: header x:%d y:%d z:%d t:%d org_t:%g inc_t:%g, expected positive sizes and finite times", g.Nodes, y, z, g.Frames, g.Org, g.Inc)
	}
	if g.Nodes > igbMaxValues/y/z || g.Nodes*y*z > igbMaxValues/g.Frames {
		return nil, fmt.Errorf("igb: %d × %d × %d values per frame × %d frames is more than %d", g.Nodes, y, z, g.Frames, igbMaxValues)
	}
	g.Nodes *= y * z
	n := g.Nodes * g.Frames
	g.Data = make([]float32, 0, min(n, 1<<20))
	var b [4]byte
	for range n {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, fmt.Errorf("igb: %d of %d values: %v (the header promises %d frames of %d)", len(g.Data), n, err, g.Frames, g.Nodes)
		}
		g.Data = append(g.Data, math.Float32frombits(binary.LittleEndian.Uint32(b[:])))
	}
	return g, nil
}

// viewerFramesMax is the most frames a viewer animates; longer series are
// thinned evenly.
const viewerFramesMax = 120

// viewerFrames returns the viewer's animation of g: at most
// viewerFramesMax frames, each value quantised to a byte over the series'
// range (255: undefined), so that 10^4 nodes × 120 frames stay near 1 MB.
func viewerFrames(g *IGB) *ViewerFrames {
	step := max(1, (g.Frames+viewerFramesMax-1)/viewerFramesMax)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range g.Data {
		if x := float64(v); !math.IsNaN(x) && !math.IsInf(x, 0) {
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 0
	}
	f := &ViewerFrames{Unit: g.Unit, Min: lo, Max: hi}
	var q []byte
	for k := 0; k < g.Frames; k += step {
		f.Times = append(f.Times, g.Org+float64(k)*g.Inc)
		for _, v := range g.Data[k*g.Nodes : (k+1)*g.Nodes] {
			x := float64(v)
			switch {
			case math.IsNaN(x) || math.IsInf(x, 0):
				q = append(q, 255)
			case hi > lo:
				q = append(q, byte(math.Round((x-lo)/(hi-lo)*254)))
			default:
				q = append(q, 0)
			}
		}
	}
	f.Values = base64Std(q)
	return f
}
