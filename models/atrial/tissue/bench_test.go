package tissue

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
	"github.com/mdtwin/mdtwin/models/atrial/ionic"
)

// BenchmarkMonodomainSheet100k: modified MS on a 50 × 50 mm sheet of
// 317² = 100,489 nodes (dx 0.158 mm), σ 0.3/0.06 mS/mm, a wave running
// from a corner; one op is one step; node-steps/s is the measure.
// cpu-ns/node-step is the process's CPU time (user + system, every thread)
// per node and step, which depends far less than wall time on the other
// load of a shared machine (2/cpu-ns/node-step is what two idle cores
// would reach with no waiting). B/node is the heap the solver holds per
// node (the issue asks ≤ 200 for two-variable models); mesh-B/node is the
// mesh's own (points, triangles, fibres), which the caller owns.
func BenchmarkMonodomainSheet100k(b *testing.B) {
	before := heapInUse()
	m := mesh.Sheet(50, 50, 316, 316)
	m.Fibres = mesh.ProjectedFibres(m, mgl64.Vec3{1, 0, 0})
	meshBytes := heapInUse() - before
	for _, c := range []struct {
		scheme  Scheme
		dt      float64
		workers int
	}{{Explicit, 0.01, 1}, {Explicit, 0.01, 2}, {CrankNicolson, 0.02, 1}, {BackwardEuler, 0.02, 1}} {
		b.Run(fmt.Sprintf("%v/dt=%g/workers=%d", c.scheme, c.dt, c.workers), func(b *testing.B) {
			before := heapInUse()
			md, err := NewMonodomain(Passive{Mesh: m, Sigma: mesh.Uniform(mesh.TransverselyIsotropic(0.3, 0.06))}, ionic.AtrialMMS(),
				Protocol{{Radius: 2, Duration: 2, Strength: 50}}, Options{Dt: c.dt, Scheme: c.scheme, Workers: c.workers})
			if err != nil {
				b.Fatal(err)
			}
			solverBytes := heapInUse() - before
			for range int(5 / c.dt) { // 5 ms: a wave is under way
				if err := md.Step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			c0 := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				if err := md.Step(); err != nil {
					b.Fatal(err)
				}
			}
			cpu := cpuTime() - c0
			b.ReportMetric(float64(len(m.Points))*float64(b.N)/b.Elapsed().Seconds(), "node-steps/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(len(m.Points)), "cpu-ns/node-step")
			b.ReportMetric(float64(md.Iters), "cg-iters")
			b.ReportMetric(float64(solverBytes)/float64(len(m.Points)), "B/node")
			b.ReportMetric(float64(meshBytes)/float64(len(m.Points)), "mesh-B/node")
			runtime.KeepAlive(md)
		})
	}
}

// BenchmarkCourtemancheSheet: Courtemanche–Ramirez–Nattel (control set)
// on the 100k-node sheet of BenchmarkMonodomainSheet100k, explicit, dt
// 0.01 ms, a wave running from a corner; the issue asks ≥ 10⁷
// node-steps/s on 2 cores.
func BenchmarkCourtemancheSheet(b *testing.B) {
	m := mesh.Sheet(50, 50, 316, 316)
	m.Fibres = mesh.ProjectedFibres(m, mgl64.Vec3{1, 0, 0})
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			md, err := NewMonodomain(Passive{Mesh: m, Sigma: mesh.Uniform(mesh.TransverselyIsotropic(0.3, 0.06))}, ionic.CRN98(),
				Protocol{{Radius: 2, Duration: 2, Strength: 50}}, Options{Dt: 0.01, Scheme: Explicit, Workers: workers})
			if err != nil {
				b.Fatal(err)
			}
			benchSteps(b, md, 300) // 3 ms: past the stimulus
		})
	}
}

// benchSteps takes warm steps of md untimed, then times one step per
// iteration and reports node-steps/s (and allocations).
func benchSteps(b *testing.B, md *Monodomain, warm int) {
	b.Helper()
	for range warm {
		if err := md.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := md.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(md.Mesh.Points))*float64(b.N)/b.Elapsed().Seconds(), "node-steps/s")
}

// heapInUse returns the live heap after a garbage collection, in bytes.
func heapInUse() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
