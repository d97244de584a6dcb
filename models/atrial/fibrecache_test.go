package atrial

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models"
)

// countingCache returns an ldrbCache of limit entries whose computations
// are RuleBasedFibres, counted in n.
func countingCache(limit int, n *atomic.Int64) *ldrbCache {
	return &ldrbCache{limit: limit, compute: func(m *mesh.Mesh, lm LandmarksInput) (*LDRB, error) {
		n.Add(1)
		return RuleBasedFibres(m, lm)
	}}
}

// TestRuleBasedFibresCachedRuns: two runs of the model on atrium.vtp with
// the same rule-based fibre inputs compute the fibres once and give the
// same scalars and the same lat.vtu bytes (fibres, potentials, LAT); a
// run with an appendage landmark added computes them again.
func TestRuleBasedFibresCachedRuns(t *testing.T) {
	var n atomic.Int64
	saved := ruleBasedCache
	ruleBasedCache = countingCache(4, &n)
	t.Cleanup(func() { ruleBasedCache = saved })
	p, err := Model{}.Describe().Resolve(map[string]any{"mesh": "file", "ionic": "aliev_panfilov", "dt_ms": 0.05,
		"duration_ms": 5.0, "n_beats": 1, "stim_x_mm": 203.0, "stim_y_mm": 186.3, "stim_z_mm": 113.7, "stim_radius_mm": 3.0,
		"lat_threshold_mv": -60.0, "save_lat": true})
	if err != nil {
		t.Fatal(err)
	}
	run := func(inputs string) (map[string]float64, []byte) {
		dir := t.TempDir()
		res, err := Model{}.Run(context.Background(), models.RunSpec{Model: Name, Params: p, Inputs: json.RawMessage(inputs), Dir: dir}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "lat.vtu"))
		if err != nil {
			t.Fatal(err)
		}
		return res.Scalars, b
	}
	in := `{"mesh": "` + atriumVTP + `", "fibres": "rule-based"}`
	s1, b1 := run(in)
	s2, b2 := run(in)
	if got := n.Load(); got != 1 {
		t.Errorf("two runs with the same inputs computed the fibres %d times, want 1", got)
	}
	sameBits := maps.EqualFunc(s1, s2, func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) // NaN: not computed
	if !sameBits || !bytes.Equal(b1, b2) {
		t.Errorf("the cached run differs: scalars %v and %v, lat.vtu equal: %v", s1, s2, bytes.Equal(b1, b2))
	}
	// The appendage point of TestRuleBasedFibresLAA.
	_, b3 := run(`{"mesh": "` + atriumVTP + `", "fibres": "rule-based", "landmarks": {"laa": [203.0, 186.3, 113.7]}}`)
	if got := n.Load(); got != 2 {
		t.Errorf("after a run with a changed landmark the fibres were computed %d times, want 2", got)
	}
	if bytes.Equal(b1, b3) {
		t.Error("the run with an appendage landmark has the lat.vtu of the run without")
	}
}

// TestLDRBCache: runs asking at once for one key share one computation,
// whose value each gets as its own copy equal to a fresh
// RuleBasedFibres's; a cache of two entries computes a third key and
// drops the least recently used.
func TestLDRBCache(t *testing.T) {
	m, err := mesh.ReadFile(atriumVTP)
	if err != nil {
		t.Fatal(err)
	}
	want, err := RuleBasedFibres(m, LandmarksInput{})
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	c := countingCache(2, &n)
	got := make([]*LDRB, 3)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			f, err := c.get(m, LandmarksInput{})
			if err != nil {
				t.Error(err)
			}
			got[i] = f
		})
	}
	wg.Wait()
	if n.Load() != 1 {
		t.Fatalf("3 concurrent gets computed %d times, want 1", n.Load())
	}
	for i, f := range got {
		if !reflect.DeepEqual(f, want) {
			t.Fatalf("get %d differs from RuleBasedFibres", i)
		}
		if i > 0 && (&f.Fibres[0] == &got[0].Fibres[0] || &f.AB[0] == &got[0].AB[0] || &f.V[0] == &got[0].V[0] ||
			&f.R[0] == &got[0].R[0] || &f.Region[0] == &got[0].Region[0]) {
			t.Fatalf("gets 0 and %d share slices", i)
		}
	}
	// Two more keys (the appendage point of TestRuleBasedFibresLAA; the
	// mitral point of TestRuleBasedFibresMitral that picks the automatic
	// loop: other landmarks, so another key, though the same fibres).
	laa, mitral := [3]float64{203.0, 186.3, 113.7}, [3]float64{216.0, 192.0, 70.8}
	for i, c2 := range []struct {
		lm    LandmarksInput
		count int64
	}{
		{LandmarksInput{LAA: &laa}, 2},
		{LandmarksInput{Mitral: &mitral}, 3}, // drops the first key
		{LandmarksInput{LAA: &laa}, 3},       // kept
		{LandmarksInput{}, 4},                // dropped, computed again
	} {
		if _, err := c.get(m, c2.lm); err != nil {
			t.Fatal(err)
		}
		if n.Load() != c2.count {
			t.Errorf("get %d: %d computations, want %d", i, n.Load(), c2.count)
		}
	}
}

// stubLDRB is what the stub computations of TestLDRBCacheError and
// TestLDRBCachePanic return once they succeed: a value of one element and
// one node (the cache neither reads nor checks it).
var stubLDRB = LDRB{Fibres: []mgl64.Vec3{{1, 0, 0}}, AB: []float64{0.25}, V: []float64{0.5}, R: []float64{0.75},
	Region: []int{FibreBody}, TauLPV: 0.1, TauRPV: 0.9}

// stubCache returns an ldrbCache whose first computation waits for
// release and then calls first (which fails or panics), and whose later
// ones return a copy of stubLDRB; n counts the computations.
func stubCache(n *atomic.Int64, release <-chan struct{}, first func() error) *ldrbCache {
	return &ldrbCache{limit: 4, compute: func(*mesh.Mesh, LandmarksInput) (*LDRB, error) {
		if n.Add(1) == 1 {
			<-release
			return nil, first()
		}
		return stubLDRB.clone(), nil
	}}
}

// waitOnFirst starts get(m, lm) in two goroutines of the synctest bubble,
// the second once the first is inside the computation (blocked on
// release) and waiting for it, then closes release and returns what each
// got and, for the first, what it panicked with (the second never
// computes, so it cannot panic).
func waitOnFirst(c *ldrbCache, release chan<- struct{}, m *mesh.Mesh) (errs [2]error, panicked any) {
	var wg sync.WaitGroup
	wg.Go(func() {
		defer func() { panicked = recover() }()
		_, errs[0] = c.get(m, LandmarksInput{})
	})
	synctest.Wait() // the first get is computing, blocked on release
	wg.Go(func() { _, errs[1] = c.get(m, LandmarksInput{}) })
	synctest.Wait() // the second get waits for the first's entry
	close(release)
	wg.Wait()
	return errs, panicked
}

// checkRecomputes checks that c keeps no entry, that the next get of
// (m, no landmarks) computes again (the n-th computation, n = 2) and
// gives stubLDRB, and that the get after it is served from the cache.
func checkRecomputes(t *testing.T, c *ldrbCache, n *atomic.Int64, m *mesh.Mesh) {
	t.Helper()
	c.mu.Lock()
	kept := len(c.entries)
	c.mu.Unlock()
	if kept != 0 {
		t.Errorf("%d entries kept after the failed computation, want 0", kept)
	}
	for i := range 2 {
		f, err := c.get(m, LandmarksInput{})
		if err != nil || !reflect.DeepEqual(*f, stubLDRB) {
			t.Errorf("get %d after the failure: %+v, %v; want the stub's value", i, f, err)
		}
	}
	if got := n.Load(); got != 2 {
		t.Errorf("%d computations, want 2 (the failed one, then one kept)", got)
	}
}

// TestLDRBCacheError: a computation's error goes to the run that computed
// and to the run waiting on the same key, and is not kept: the next get
// computes again, and its success is kept.
func TestLDRBCacheError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int64
		release := make(chan struct{})
		fail := errors.New("stub: the mesh has no mitral valve")
		c := stubCache(&n, release, func() error { return fail })
		m := &mesh.Mesh{Kind: mesh.Triangle}
		errs, panicked := waitOnFirst(c, release, m)
		if panicked != nil {
			t.Fatalf("get panicked: %v", panicked)
		}
		for i, err := range errs {
			if err != fail {
				t.Errorf("get %d: error %v, want the computation's %q", i, err, fail)
			}
		}
		if got := n.Load(); got != 1 {
			t.Errorf("the two gets computed %d times, want 1", got)
		}
		checkRecomputes(t, c, &n, m)
	})
}

// TestLDRBCachePanic: a computation that panics panics in the run that
// computed it (the cache does not swallow it), while the run waiting on
// the same key gets the cache's "panicked" error instead of waiting for
// ever; the entry is removed, so the next get computes again.
func TestLDRBCachePanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int64
		release := make(chan struct{})
		const boom = "stub: index out of range"
		c := stubCache(&n, release, func() error { panic(boom) })
		m := &mesh.Mesh{Kind: mesh.Triangle}
		errs, panicked := waitOnFirst(c, release, m)
		if panicked != boom {
			t.Errorf("the computing get panicked with %v, want %q", panicked, boom)
		}
		if errs[1] == nil || !strings.Contains(errs[1].Error(), "the computation panicked") {
			t.Errorf("the waiting get: error %v, want the cache's \"the computation panicked\"", errs[1])
		}
		checkRecomputes(t, c, &n, m)
	})
}

// TestLDRBKey: the key depends on the mesh's points and cells and on
// each landmark, not on the mesh's fibres.
func TestLDRBKey(t *testing.T) {
	m, err := mesh.ReadFile(atriumVTP)
	if err != nil {
		t.Fatal(err)
	}
	base := ldrbKey(m, LandmarksInput{})
	origin := [3]float64{}
	v1, v2 := [3]float64{1, 2, 3}, [3]float64{4, 5, 6}
	for name, c := range map[string]struct {
		edit func(m *mesh.Mesh) LandmarksInput
		same bool
	}{
		"fibres": {func(m *mesh.Mesh) LandmarksInput { m.Fibres = nil; return LandmarksInput{} }, true},
		"point":  {func(m *mesh.Mesh) LandmarksInput { m.Points[7][2] += 1e-9; return LandmarksInput{} }, false},
		"cells": {func(m *mesh.Mesh) LandmarksInput {
			m.Cells[0], m.Cells[1] = m.Cells[1], m.Cells[0]
			return LandmarksInput{}
		}, false},
		"laa":    {func(*mesh.Mesh) LandmarksInput { return LandmarksInput{LAA: &origin} }, false},
		"mitral": {func(*mesh.Mesh) LandmarksInput { return LandmarksInput{Mitral: &origin} }, false},
		"veins":  {func(*mesh.Mesh) LandmarksInput { return LandmarksInput{Veins: [][3]float64{v1, v2}} }, false},
	} {
		m, err := mesh.ReadFile(atriumVTP)
		if err != nil {
			t.Fatal(err)
		}
		if k := ldrbKey(m, c.edit(m)); (k == base) != c.same {
			t.Errorf("%s: same key %v, want %v", name, k == base, c.same)
		}
	}
	if ldrbKey(m, LandmarksInput{Veins: [][3]float64{v1, v2}}) == ldrbKey(m, LandmarksInput{Veins: [][3]float64{v2, v1}}) {
		t.Error("the veins' order does not change the key")
	}
}

// BenchmarkRuleBasedFibresCacheHit measures what a run with cached
// rule-based fibres on atrium.vtp pays instead of BenchmarkRuleBasedFibres:
// the key (a SHA-256 of the mesh's points and cells) and the copy.
func BenchmarkRuleBasedFibresCacheHit(b *testing.B) {
	m, err := mesh.ReadFile(atriumVTP)
	if err != nil {
		b.Fatal(err)
	}
	c := &ldrbCache{limit: 1, compute: RuleBasedFibres}
	if _, err := c.get(m, LandmarksInput{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.get(m, LandmarksInput{}); err != nil {
			b.Fatal(err)
		}
	}
}
