package atrial

import (
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
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

// A driver on a sheet without fibrosis gets a disc and a line to the
// nearest edge; together they leave no gap, and a second driver within the
// merge radius adds nothing.
func TestProposeLesionsJoinsTheEdge(t *testing.T) {
	m := mesh.Sheet(20, 20, 40, 40)
	a, err := NewAblation(m)
	if err != nil {
		t.Fatal(err)
	}
	o := (*OptimaInput)(nil).WithDefaults(1)
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
	var built []Lesion
	for _, li := range ls {
		l, err := a.FromInput(li)
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
