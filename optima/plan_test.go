package optima

import (
	"math"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/substrate"
)

func TestPacingSitesSpread(t *testing.T) {
	m := mesh.Sheet(20, 20, 20, 20)
	s := PacingSites(m, nil, 4, 1)
	if len(s) != 4 {
		t.Fatalf("%d sites", len(s))
	}
	for i := range s {
		for j := range i {
			if d := s[i].Sub(s[j]).Len(); d < 10 {
				t.Errorf("sites %d and %d only %.2f mm apart: %v", i, j, d, s)
			}
		}
	}
	if again := PacingSites(m, nil, 4, 1); again[0] != s[0] || again[3] != s[3] {
		t.Error("not deterministic")
	}
}

// foldedStrip returns a 2 × 42 mm strip (0.5 mm grid) folded into a U: the
// strip's length coordinate u runs along the bottom arm (z = 0, x = u) for
// u ≤ 20, up a 2 mm wall at x = 20, and back along the top arm (z = 2,
// x = 42 − u) — the top arm lies 2 mm over the bottom one. The folds lie on
// grid lines, so no triangle is bent and every edge keeps its length: the
// mesh-edge distances are those of the flat strip.
func foldedStrip() (*mesh.Mesh, func(p mgl64.Vec3) float64) {
	m := mesh.Sheet(42, 2, 84, 4)
	for i, p := range m.Points {
		u := p[0]
		switch {
		case u <= 20:
			m.Points[i] = mgl64.Vec3{u, p[1], 0}
		case u <= 22:
			m.Points[i] = mgl64.Vec3{20, p[1], u - 20}
		default:
			m.Points[i] = mgl64.Vec3{42 - u, p[1], 2}
		}
	}
	unfold := func(p mgl64.Vec3) float64 {
		switch {
		case p[2] == 0:
			return p[0]
		case p[2] == 2:
			return 42 - p[0]
		}
		return 20 + p[2]
	}
	return m, unfold
}

// On the U-folded strip the site farthest from the first along the wall is
// the far end of the unfolded strip: from a first site at u0 < 21 the tip
// of the top arm (u = 42: x = 0, z = 2), from u0 > 21 the tip of the bottom
// arm (u = 0: x = 0, z = 0) — the strip is 2 mm wide, so the width changes
// an edge-path length by well under the 1 mm margin kept from u0 = 21. For
// a first site on the bottom arm with x < 10 that tip lies right above it,
// 2 mm to 10 mm away in a straight line, and straight-line sampling would
// pick the bend (x = 20) instead: √(x0² + 4) < 20 − x0 there. Each of
// several seeds draws a different first site; every one is checked.
func TestPacingSitesGeodesicOnAFold(t *testing.T) {
	m, unfold := foldedStrip()
	acrossFold := 0
	for seed := uint64(1); seed <= 12; seed++ {
		s := PacingSites(m, nil, 2, seed)
		if len(s) != 2 {
			t.Fatalf("seed %d: %d sites", seed, len(s))
		}
		u0 := unfold(s[0])
		if math.Abs(u0-21) < 1 {
			continue
		}
		wantZ := 2.0
		if u0 > 21 {
			wantZ = 0
		}
		if s[1][0] != 0 || s[1][2] != wantZ {
			t.Errorf("seed %d: first site %v (u = %g), second %v; want the tip x = 0, z = %g", seed, s[0], u0, s[1], wantZ)
		}
		if s[0][2] == 0 && s[0][0] < 10 {
			acrossFold++
			if d := s[1].Sub(s[0]).Len(); d > 10.3 {
				t.Errorf("seed %d: second site %.2f mm from the first in a straight line, want the tip above it", seed, d)
			}
		}
	}
	if acrossFold == 0 {
		t.Error("no seed drew a first site on the bottom arm's outer half: the fold case went untested")
	}
}

// Sites are drawn on conducting tissue only, and distances run through it:
// with the fold's wall non-conducting the two arms are separate pieces, and
// the second site goes to the piece the first did not reach.
func TestPacingSitesSkipNonConducting(t *testing.T) {
	m, unfold := foldedStrip()
	nc := make([]bool, m.NumCells())
	wall := 0
	for e := range nc {
		c := m.Centroid(e)
		if c[0] > 19.9 && c[2] > 0.1 && c[2] < 1.9 {
			nc[e], wall = true, wall+1
		}
	}
	if wall == 0 {
		t.Fatal("no wall elements")
	}
	for seed := uint64(1); seed <= 6; seed++ {
		s := PacingSites(m, nc, 3, seed)
		if len(s) != 3 {
			t.Fatalf("seed %d: %d sites", seed, len(s))
		}
		for _, p := range s {
			if p[2] != 0 && p[2] != 2 { // the wall's inner nodes touch no conducting element
				t.Errorf("seed %d: site %v inside the non-conducting wall", seed, p)
			}
		}
		if (unfold(s[0]) < 21) == (unfold(s[1]) < 21) {
			t.Errorf("seed %d: first two sites %v and %v on one arm", seed, s[0], s[1])
		}
	}
}

// A driver on a sheet without fibrosis gets a disc and a line to the
// nearest edge; together they leave no gap, and a second driver within the
// merge radius adds nothing.
func TestProposeLesionsJoinsTheEdge(t *testing.T) {
	m := mesh.Sheet(20, 20, 40, 40)
	a, err := substrate.NewAblation(m)
	if err != nil {
		t.Fatal(err)
	}
	o := Settings{}.WithDefaults(1)
	d := mgl64.Vec3{6, 10, 0}
	ls, err := ProposeLesions(a, make([]bool, m.NumCells()), []mgl64.Vec3{d, {7, 10, 0}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].Shape != "disc" || ls[1].Shape != "line" {
		t.Fatalf("lesions %+v", ls)
	}
	if b := ls[1].B; b[0] != 0 {
		t.Errorf("line ends at %v, want the edge x = 0", *b)
	}
	var built []substrate.Lesion
	for _, li := range ls {
		l, err := li.Build(a)
		if err != nil {
			t.Fatal(err)
		}
		built = append(built, l)
	}
	mask := a.Mask(nil, built...)
	if g := a.Gaps(built[1], mask); len(g) > 0 {
		t.Errorf("line has %d gaps", len(g))
	}
	f, area, err := LesionRounds(a, ls, []int{1, 1})
	if err != nil || area <= 0 || len(f) != m.NumCells() {
		t.Errorf("LesionRounds: area %g, err %v", area, err)
	}
}

// 40 sites (OPTIMA's count) on the 10 516-node atrium.
func BenchmarkPacingSitesAtrium(b *testing.B) {
	m, err := mesh.ReadFile("../../mesh/testdata/atrium.vtp")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if s := PacingSites(m, nil, 40, 1); len(s) != 40 {
			b.Fatalf("%d sites", len(s))
		}
	}
}
