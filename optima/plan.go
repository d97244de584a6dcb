package optima

import (
	"bytes"
	"cmp"
	"container/heap"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial"
	"github.com/mdtwin/mdtwin/models/atrial/substrate"
)

// The planning half of the loop: pacing sites spread over the mesh, and
// lesions proposed at re-entrant driver (RD) sites, each a disc over the
// driver's core joined by a line to the nearest barrier — the mesh's edge
// (on an atrium the valve and vein orifices) or non-conducting tissue
// connected to it — as PersonAL (Azzolin 2022) joins lesions to anatomical
// barriers.

// Settings is the atrial scenario's [inputs.optima], the settings of the
// loop; a single run of the model ignores it. Zero values take the
// defaults.
//
//	[inputs.optima]
//	sites = 8              # pacing sites per round (OPTIMA: 20–40)
//	rounds = 3             # most induction rounds
//	seed = 1               # seed of the site sampling; 0: the study seed
//	core_radius_mm = 2     # disc ablated over each driver's mean position
//	line_width_mm = 1      # width of the line from the disc to the nearest barrier
//	merge_radius_mm = 5    # drivers within this of one already ablated this round are the same driver
//	baseline = "pvi"       # lesions in place from round 1: "none" or "pvi" (wide-antral PVI, atrial LesionInput shape "pvi")
//	pvi_distance_mm = 5    # pvi (baseline or a trial's pvi arms): lesion distance beyond the vein ostia (0: 5 mm)
//	pvi_width_mm = 3       # pvi: lesion width (0: 3 mm)
type Settings struct {
	Sites         int     `json:"sites"`
	Rounds        int     `json:"rounds"`
	Seed          uint64  `json:"seed"`
	CoreRadiusMM  float64 `json:"core_radius_mm"`
	LineWidthMM   float64 `json:"line_width_mm"`
	MergeRadiusMM float64 `json:"merge_radius_mm"`
	// PrepaceBeats > 0 pre-paces each round once (PrepaceBeats beats every
	// PrepaceBCLMS ms from the round's first site) and branches every
	// site's run from that state (a checkpoint); 0: every run from rest.
	PrepaceBeats int     `json:"prepace_beats,omitempty"`
	PrepaceBCLMS float64 `json:"prepace_bcl_ms,omitempty"`
	// Baseline is the lesion set every round starts from (BaselineNone or
	// BaselinePVI); PVIDistanceMM and PVIWidthMM shape a PVI baseline.
	Baseline      string  `json:"baseline,omitempty"`
	PVIDistanceMM float64 `json:"pvi_distance_mm,omitempty"`
	PVIWidthMM    float64 `json:"pvi_width_mm,omitempty"`
}

// The choices of Settings.Baseline.
const (
	BaselineNone = "none"
	BaselinePVI  = "pvi"
)

// baseline returns the lesion inputs of the baseline lesion set (nil for
// none).
func (o Settings) baseline() []atrial.LesionInput {
	if o.Baseline != BaselinePVI {
		return nil
	}
	return []atrial.LesionInput{{Shape: "pvi", RadiusMM: o.PVIDistanceMM, WidthMM: o.PVIWidthMM}}
}

// The defaults and limits of Settings.
const (
	DefaultSites  = 8
	DefaultRounds = 3
	MaxSites      = 1000
)

// parseSettings decodes and checks [inputs.optima] (JSON; empty: all
// defaults). Errors name the key or the value and what was expected.
func parseSettings(raw json.RawMessage) (Settings, error) {
	var o Settings
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return o, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, fmt.Errorf("atrial inputs: optima: %v (expected keys sites, rounds, seed, core_radius_mm, line_width_mm, merge_radius_mm, prepace_beats, prepace_bcl_ms, baseline, pvi_distance_mm, pvi_width_mm)", err)
	}
	return o, o.check()
}

func (o Settings) check() error {
	if o.Sites < 0 || o.Sites > MaxSites || o.Rounds < 0 || o.Rounds > 100 {
		return fmt.Errorf("atrial inputs: optima: sites must be 0 to %d and rounds 0 to 100 (0: default), got %d and %d", MaxSites, o.Sites, o.Rounds)
	}
	for _, v := range []float64{o.CoreRadiusMM, o.LineWidthMM, o.MergeRadiusMM, o.PVIDistanceMM, o.PVIWidthMM} {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("atrial inputs: optima: core_radius_mm, line_width_mm, merge_radius_mm, pvi_distance_mm and pvi_width_mm must be finite and non-negative")
		}
	}
	if o.PrepaceBeats < 0 || o.PrepaceBeats > 1000 || (o.PrepaceBeats > 0) != (o.PrepaceBCLMS > 0) || !(o.PrepaceBCLMS >= 0) || math.IsInf(o.PrepaceBCLMS, 0) {
		return fmt.Errorf("atrial inputs: optima: prepace_beats = %d, prepace_bcl_ms = %g; give both (1 to 1000 beats, a cycle length > 0 ms) or neither", o.PrepaceBeats, o.PrepaceBCLMS)
	}
	switch o.Baseline {
	case "", BaselineNone, BaselinePVI:
	default:
		return fmt.Errorf("atrial inputs: optima: baseline %q, expected \"none\" or \"pvi\"", o.Baseline)
	}
	return nil
}

// WithDefaults returns o with its zero values replaced by the defaults; a
// zero Seed becomes studySeed.
func (o Settings) WithDefaults(studySeed uint64) Settings {
	r := o
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	if r.Sites == 0 {
		r.Sites = DefaultSites
	}
	if r.Rounds == 0 {
		r.Rounds = DefaultRounds
	}
	if r.Seed == 0 {
		r.Seed = studySeed
	}
	def(&r.CoreRadiusMM, 2)
	def(&r.LineWidthMM, 1)
	def(&r.MergeRadiusMM, 5)
	return r
}

// PacingSites returns n pacing sites spread over m by farthest-point
// sampling in the geodesic metric: distance along the mesh (shortest paths
// over the edges of conducting elements, weighted by edge length), so that
// on a folded atrium two sites facing each other across a fold count as
// far apart when the wall between them is long. The candidates are the
// nodes that touch a conducting element: the first is drawn with seed, each
// next one is the candidate farthest from those chosen (lowest index on
// ties; a candidate no chosen site reaches — another piece of conducting
// tissue — counts as farthest). Fewer are returned when there are fewer
// candidates.
//
// The distance to the chosen set is kept up to date by a Dijkstra search
// from each new site that stops where the old distance is already shorter,
// so n sites cost about one full search plus the regions each site takes
// over, not n full searches.
func PacingSites(m *mesh.Mesh, nonConducting []bool, n int, seed uint64) []mgl64.Vec3 {
	g := mesh.PointGraph(m)
	ok := make([]bool, len(m.Points))
	open := make([]bool, len(g.Adj)) // arc k lies on a conducting element
	for e := range m.NumCells() {
		if nonConducting != nil && nonConducting[e] {
			continue
		}
		c := m.Cell(e)
		for _, u := range c {
			ok[u] = true
			row := g.Adj[g.Start[u]:g.Start[u+1]]
			for _, v := range c {
				if k, found := slices.BinarySearch(row, int32(v)); found {
					open[g.Start[u]+k] = true
				}
			}
		}
	}
	var cand []int
	for v, k := range ok {
		if k {
			cand = append(cand, v)
		}
	}
	if len(cand) == 0 || n <= 0 {
		return nil
	}
	n = min(n, len(cand))
	rng := rand.New(rand.NewPCG(seed, 0x0971a))
	d := make([]float64, len(m.Points))
	for i := range d {
		d[i] = math.Inf(1)
	}
	next := cand[rng.IntN(len(cand))]
	sites := make([]mgl64.Vec3, 0, n)
	var q siteHeap
	for len(sites) < n {
		sites = append(sites, m.Points[next])
		// Lower d to the distance from next where that is shorter.
		d[next] = 0
		q = append(q[:0], siteItem{0, next})
		for len(q) > 0 {
			it := heap.Pop(&q).(siteItem)
			if it.d > d[it.v] {
				continue // stale: lowered since it was pushed
			}
			for k := g.Start[it.v]; k < g.Start[it.v+1]; k++ {
				if !open[k] {
					continue
				}
				if j, dj := int(g.Adj[k]), it.d+g.Weight[k]; dj < d[j] {
					d[j] = dj
					heap.Push(&q, siteItem{dj, j})
				}
			}
		}
		best, bd := -1, -1.0
		for _, v := range cand {
			if d[v] > bd {
				best, bd = v, d[v]
			}
		}
		next = best
	}
	return sites
}

// siteItem and siteHeap are PacingSites' priority queue (nearest first,
// lowest node index on ties).
type siteItem struct {
	d float64
	v int
}

type siteHeap []siteItem

func (h siteHeap) Len() int { return len(h) }
func (h siteHeap) Less(i, j int) bool {
	return h[i].d < h[j].d || (h[i].d == h[j].d && h[i].v < h[j].v)
}
func (h siteHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *siteHeap) Push(x any)   { *h = append(*h, x.(siteItem)) }
func (h *siteHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// ProposeLesions returns the lesions for drivers (RD mean positions, most
// important first) on a triangle surface with the non-conducting mask
// (fibrosis and earlier lesions): for each driver not within
// o.MergeRadiusMM of one already handled, a disc of o.CoreRadiusMM over it
// and, unless the disc already reaches it through non-conducting tissue, a
// line of width o.LineWidthMM from it to the nearest node (geodesic, along
// mesh edges) of the mesh's edge or of non-conducting tissue connected to
// the edge — so that no circuit around the core is left (an isolated
// fibrotic patch is what a rotor anchors to, not a barrier). Lesions
// proposed for one driver count as barriers for the next.
// Drivers already inside non-conducting tissue are skipped.
func ProposeLesions(a *substrate.Ablation, nonConducting []bool, drivers []mgl64.Vec3, o Settings) ([]atrial.LesionInput, error) {
	m := a.Mesh
	if m.Kind != mesh.Triangle {
		return nil, fmt.Errorf("atrial: lesion planning needs a triangle surface, not a %v mesh", m.Kind)
	}
	mask := make([]bool, m.NumCells())
	copy(mask, nonConducting)
	edge := boundaryNodes(m)
	var out []atrial.LesionInput
	var done []mgl64.Vec3
	for _, d := range drivers {
		if slices.ContainsFunc(done, func(q mgl64.Vec3) bool { return q.Sub(d).Len() <= o.MergeRadiusMM }) {
			continue
		}
		done = append(done, d)
		disc, err := a.Disc(d, o.CoreRadiusMM)
		if err != nil {
			return nil, err
		}
		for _, e := range disc.Elements {
			mask[e] = true
		}
		c := [3]float64(d)
		out = append(out, atrial.LesionInput{Shape: "disc", Center: &c, RadiusMM: o.CoreRadiusMM})

		// Barrier components: nodes joined by non-conducting elements
		// (now including the disc) and by edges of the mesh boundary.
		uf := newUnionFind(len(m.Points))
		barrier := slices.Clone(edge.on)
		for e := range m.NumCells() {
			if mask[e] {
				c := m.Cell(e)
				for _, v := range c {
					barrier[v] = true
					uf.union(c[0], v)
				}
			}
		}
		for _, ed := range edge.edges {
			uf.union(ed[0], ed[1])
		}
		core := uf.find(m.Cell(disc.Elements[0])[0])
		anchored := map[int]bool{} // components that reach the mesh's edge
		for v, on := range edge.on {
			if on {
				anchored[uf.find(v)] = true
			}
		}
		dist := a.Distances(d)
		best, bd := -1, math.Inf(1)
		for v, isB := range barrier {
			if isB && uf.find(v) != core && anchored[uf.find(v)] && dist[v] < bd {
				best, bd = v, dist[v]
			}
		}
		if best < 0 || math.IsInf(bd, 1) {
			continue
		}
		q := [3]float64(m.Points[best])
		line, err := a.Line(d, m.Points[best], o.LineWidthMM)
		if err != nil {
			return nil, err
		}
		for _, e := range line.Elements {
			mask[e] = true
		}
		out = append(out, atrial.LesionInput{Shape: "line", A: &c, B: &q, WidthMM: o.LineWidthMM})
	}
	return out, nil
}

type boundary struct {
	on    []bool   // node on the mesh's edge
	edges [][2]int // edges used by one triangle
}

func boundaryNodes(m *mesh.Mesh) boundary {
	count := map[[2]int]int{}
	for e := range m.NumCells() {
		c := m.Cell(e)
		for i := range c {
			u, v := c[i], c[(i+1)%len(c)]
			count[[2]int{min(u, v), max(u, v)}]++
		}
	}
	b := boundary{on: make([]bool, len(m.Points))}
	for ed, n := range count {
		if n == 1 {
			b.edges = append(b.edges, ed)
			b.on[ed[0]], b.on[ed[1]] = true, true
		}
	}
	slices.SortFunc(b.edges, func(x, y [2]int) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	return b
}

type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

func (u unionFind) union(i, j int) {
	if a, b := u.find(i), u.find(j); a != b {
		u[max(a, b)] = min(a, b)
	}
}

// LesionRounds returns the cell field of the ablation plan: for each
// element the round (1-based, from rounds, one per lesion) of the first
// lesion covering it, 0 for none; and the area of the union of the
// lesions (volume on tetrahedra), mm².
func LesionRounds(a *substrate.Ablation, lesions []atrial.LesionInput, rounds []int) ([]float64, float64, error) {
	if len(rounds) != len(lesions) {
		return nil, 0, fmt.Errorf("optima: LesionRounds needs one round per lesion")
	}
	f := make([]float64, a.Mesh.NumCells())
	area := 0.0
	for i, li := range lesions {
		ls, err := li.BuildAll(a)
		if err != nil {
			return nil, 0, fmt.Errorf("lesion %d: %v", i, err)
		}
		for _, l := range ls {
			for _, e := range l.Elements {
				if f[e] == 0 {
					f[e] = float64(rounds[i])
					area += math.Abs(a.Mesh.Measure(e))
				}
			}
		}
	}
	return f, area, nil
}
