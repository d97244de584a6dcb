package tissue

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
)

// TestMonodomainIonicSets: per-node sets run each node exactly once per
// step with its own set. Three copies of one set on a random index give
// the bits of the homogeneous problem (explicit fused pass with 1, 2 and 3
// workers — 4221 nodes, above the parallel threshold — and CN, BE); three
// different sets give the same bits for 1, 2 and 3 workers; each node
// starts at its own set's rest; mixing models is an error naming both.
func TestMonodomainIonicSets(t *testing.T) {
	m := mesh.Sheet(40, 4, 200, 20)
	rng := rand.New(rand.NewPCG(1, 2))
	index := make([]uint8, len(m.Points))
	for i := range index {
		if rng.IntN(10) == 0 { // runs of every length, most short
			index[i] = uint8(rng.IntN(3))
		} else if i > 0 {
			index[i] = index[i-1]
		}
	}
	tissue := Passive{Mesh: m, Sigma: mesh.Uniform(mesh.Isotropic(0.3))}
	stim := Protocol{{Radius: 1.5, Duration: 2, Strength: 50}}
	simulate := func(sets []ionic.Model, sch Scheme, dt float64, workers int) *Monodomain {
		opt := Options{Dt: dt, Scheme: sch, Workers: workers}
		ion := ionic.AtrialMMS()
		if sets != nil {
			opt.IonicSets, opt.IonicIndex = sets, index
		}
		md, err := NewMonodomain(tissue, ion, stim, opt)
		if err != nil {
			t.Fatal(err)
		}
		for range int(math.Round(5 / dt)) {
			if err := md.Step(); err != nil {
				t.Fatal(err)
			}
		}
		return md
	}
	same := func(a, b *Monodomain) bool {
		for i := range a.V {
			if math.Float64bits(a.V[i]) != math.Float64bits(b.V[i]) || math.Float64bits(a.S[i]) != math.Float64bits(b.S[i]) {
				return false
			}
		}
		return true
	}
	copies := []ionic.Model{ionic.AtrialMMS(), ionic.AtrialMMS(), ionic.AtrialMMS()}
	slow := ionic.AtrialMMS()
	slow.TauIn *= 2
	varied := []ionic.Model{ionic.AtrialMMS(), slow, ionic.TorchCorMMS()}
	for _, c := range []struct {
		sch Scheme
		dt  float64
	}{{Explicit, 0.005}, {CrankNicolson, 0.02}, {BackwardEuler, 0.02}} {
		ref := simulate(nil, c.sch, c.dt, 1)
		if up := upNodes(ref.V, -40); up < 100 {
			t.Fatalf("%v: %d nodes above −40 mV after 5 ms, want a wave under way", c.sch, up)
		}
		var first *Monodomain
		for _, w := range []int{1, 2, 3} {
			if md := simulate(copies, c.sch, c.dt, w); !same(md, ref) {
				t.Errorf("%v, %d workers: three copies of one set differ from the homogeneous run", c.sch, w)
			}
			md := simulate(varied, c.sch, c.dt, w)
			if first == nil {
				first = md
				if same(md, ref) {
					t.Errorf("%v: different sets give the homogeneous result", c.sch)
				}
			} else if !same(md, first) {
				t.Errorf("%v: %d workers differ from 1 with three sets", c.sch, w)
			}
		}
	}

	low := ionic.StandardMS()
	low.VMin = -90
	for i := range index {
		index[i] %= 2
	}
	md, err := NewMonodomain(tissue, nil, stim, Options{Dt: 0.02, Scheme: CrankNicolson, IonicSets: []ionic.Model{ionic.StandardMS(), low}, IonicIndex: index})
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range index {
		if want := []float64{ionic.StandardMS().VMin, -90}[k]; md.V[i] != want {
			t.Fatalf("node %d (set %d) starts at %g mV, want %g", i, k, md.V[i], want)
		}
	}
	_, err = NewMonodomain(tissue, nil, stim, Options{Dt: 0.02, Scheme: CrankNicolson, IonicSets: []ionic.Model{ionic.CRN98(), ionic.AtrialMMS()}, IonicIndex: index})
	if err == nil || !strings.Contains(err.Error(), "set 1 is mms") || !strings.Contains(err.Error(), "set 0 is courtemanche") {
		t.Errorf("mixed models: %v, want an error naming both", err)
	}
}

// TestSetsKernelOwnTables: the per-set ionic loop steps each node with its
// own set's parameters and lookup table — for the ten Tusscher cell types
// (epicardial and endocardial s gates: different tables) bit for bit
// Step of the node's own set, and for Courtemanche sets sharing one table
// bit for bit each set's own kernel — through a stimulated upstroke and
// 300 ms of the action potential (no diffusion).
func TestSetsKernelOwnTables(t *testing.T) {
	const dt, steps = 0.05, 6000
	index := []uint8{0, 0, 1, 0, 1, 1, 2}
	for _, sets := range [][]ionic.Model{{ionic.TP06Epi(), ionic.TP06Endo(), ionic.TP06M()}, {ionic.CRN98(), ionic.CourtemancheFibrotic(), ionic.CourtemancheCAF()}} {
		ns := sets[0].NumStates()
		n := len(index)
		v, s := make([]float64, n), make([]float64, n*ns)
		rv, rs := make([]float64, n), make([]float64, n*ns)
		own := make([]ionic.Kernel, len(sets))
		for k, ion := range sets {
			own[k] = ionic.KernelOf(ion, dt)
		}
		for i, k := range index {
			v[i] = sets[k].Rest(s[i*ns : (i+1)*ns])
		}
		copy(rv, v)
		copy(rs, s)
		kern := setsKernel(sets, index, dt)
		for step := range steps {
			kern(v, s, 0, 3)
			kern(v, s, 3, n)
			for i, k := range index {
				if _, tp := sets[k].(ionic.TenTusscher); tp {
					rv[i] = sets[k].Step(rs[i*ns:(i+1)*ns], rv[i], dt)
				} else {
					own[k](rv, rs, i, i+1)
				}
			}
			if float64(step)*dt < 2 {
				for i := range v {
					v[i] += dt * 20
					rv[i] += dt * 20
				}
			}
		}
		for i := range v {
			if math.Float64bits(v[i]) != math.Float64bits(rv[i]) {
				t.Errorf("%s node %d (set %d): V %v, own set %v", sets[0].Name(), i, index[i], v[i], rv[i])
			}
		}
		if v[0] == v[2] {
			t.Errorf("%s: sets 0 and 1 at the same potential %v after 300 ms", sets[0].Name(), v[0])
		}
	}
}
