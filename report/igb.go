package report

import (
	"math"

	"github.com/mdtwin/mdtwin/mesh"
)

// viewerFramesMax is the most frames a viewer animates; longer series are
// thinned evenly.
const viewerFramesMax = 120

// viewerFrames returns the viewer's animation of an .igb series (header
// h, values data frame-major, as mesh.ReadIGB gives them): at most
// viewerFramesMax frames, each value quantised to a byte over the series'
// range (255: undefined), so that 10^4 nodes × 120 frames stay near 1 MB.
func viewerFrames(h mesh.IGBHeader, data []float32) *ViewerFrames {
	step := max(1, (h.Frames+viewerFramesMax-1)/viewerFramesMax)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range data {
		if x := float64(v); !math.IsNaN(x) && !math.IsInf(x, 0) {
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 0
	}
	f := &ViewerFrames{Unit: h.Units, Min: lo, Max: hi}
	var q []byte
	for k := 0; k < h.Frames; k += step {
		f.Times = append(f.Times, h.T0+float64(k)*h.Dt)
		for _, v := range data[k*h.Nodes : (k+1)*h.Nodes] {
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
