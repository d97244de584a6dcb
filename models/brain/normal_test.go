package brain

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestZigguratTables: the layers close at the top and have equal areas;
// r is Marsaglia and Tsang's for 256 layers.
func TestZigguratTables(t *testing.T) {
	z := zig()
	if math.Abs(z.r-3.6541528853610088) > 1e-12 {
		t.Errorf("r = %.17g, want 3.6541528853610088", z.r)
	}
	v := z.x[0] * z.f[1] // base strip and tail
	for i := 1; i < zigLayers; i++ {
		if a := z.x[i] * (z.f[i+1] - z.f[i]); math.Abs(a-v) > 1e-12*v {
			t.Errorf("layer %d: area %.17g, want %.17g", i, a, v)
		}
	}
	for i := 0; i < zigLayers; i++ {
		if !(z.x[i] > z.x[i+1]) {
			t.Fatalf("edges not decreasing at %d: %v, %v", i, z.x[i], z.x[i+1])
		}
	}
}

// TestNormalMoments: mean 0, variance 1, skewness 0 and kurtosis 3 within
// 5 standard errors over 4·10⁶ draws, and the histogram follows Φ
// (χ² over 60 bins, fast region, wedges and tail alike).
func TestNormalMoments(t *testing.T) {
	const n = 4_000_000
	s := newNormalSource(1, 2)
	buf := make([]float64, 1000)
	edges := []float64{}
	for x := -6.0; x <= 6.0001; x += 0.2 {
		edges = append(edges, x)
	}
	counts := make([]float64, len(edges)+1)
	var m1, m2, m3, m4 float64
	for k := 0; k < n; k += len(buf) {
		s.Fill(buf, 1)
		for _, x := range buf {
			x2 := x * x
			m1 += x
			m2 += x2
			m3 += x2 * x
			m4 += x2 * x2
			b := int(math.Floor((x+6)/0.2)) + 1
			counts[min(max(b, 0), len(counts)-1)]++
		}
	}
	m1, m2, m3, m4 = m1/n, m2/n, m3/n, m4/n
	check := func(name string, got, want, se float64) {
		if math.Abs(got-want) > 5*se {
			t.Errorf("%s = %.5f, want %.5f ± %.5f (5 s.e.)", name, got, want, 5*se)
		}
	}
	check("mean", m1, 0, 1/math.Sqrt(n))
	check("E[x²]", m2, 1, math.Sqrt(2.0/n))
	check("E[x³]", m3, 0, math.Sqrt(15.0/n))
	check("E[x⁴]", m4, 3, math.Sqrt(96.0/n))
	cdf := func(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }
	var chi2 float64
	bins := 0
	for b := range counts {
		lo, hi := math.Inf(-1), math.Inf(1)
		if b > 0 {
			lo = edges[b-1]
		}
		if b < len(edges) {
			hi = edges[b]
		}
		e := n * (cdf(hi) - cdf(lo))
		if e < 20 {
			continue
		}
		chi2 += (counts[b] - e) * (counts[b] - e) / e
		bins++
	}
	// χ² with ~60 degrees of freedom: mean 60, sd 11; 120 is far out.
	if chi2 > 2*float64(bins) {
		t.Errorf("χ² = %.1f over %d bins", chi2, bins)
	}
}

// TestNormalTail: the tail beyond r (drawn by Marsaglia's method) and
// beyond 2 and 4 has the normal's mass, and the mean beyond r is
// φ(r)/Q(r).
func TestNormalTail(t *testing.T) {
	const n = 20_000_000
	s := newNormalSource(3, 4)
	r := zig().r
	var over2, over4, overR, sumR, neg float64
	buf := make([]float64, 1000)
	for k := 0; k < n; k += len(buf) {
		s.Fill(buf, 1)
		for _, x := range buf {
			a := math.Abs(x)
			if a > 2 {
				over2++
			}
			if a > 4 {
				over4++
			}
			if a > r {
				overR++
				sumR += a
				if x < 0 {
					neg++
				}
			}
		}
	}
	for _, c := range []struct {
		name   string
		got, x float64
	}{{"|x| > 2", over2, 2}, {"|x| > 4", over4, 4}, {"|x| > r", overR, r}} {
		p := math.Erfc(c.x / math.Sqrt2)
		want, se := n*p, math.Sqrt(n*p*(1-p))
		if math.Abs(c.got-want) > 5*se {
			t.Errorf("%s: %v draws, want %.0f ± %.0f", c.name, c.got, want, 5*se)
		}
	}
	q := 0.5 * math.Erfc(r/math.Sqrt2)
	phi := math.Exp(-r*r/2) / math.Sqrt(2*math.Pi)
	mean := phi / q
	// The tail's sd beyond r is about 1/r·(shrunk); 0.26 bounds it.
	if got := sumR / overR; math.Abs(got-mean) > 5*0.26/math.Sqrt(overR) {
		t.Errorf("mean beyond r = %.4f, want %.4f", got, mean)
	}
	if math.Abs(neg-overR/2) > 5*math.Sqrt(overR)/2 {
		t.Errorf("%v of %v tail draws negative", neg, overR)
	}
}

// TestNormalReproducible: the stream is a function of the seed; Fill and
// Normal draw the same deviates; the first deviates of seed (1, 2) are
// pinned so that a change of the stream is seen.
func TestNormalReproducible(t *testing.T) {
	a, b, c := newNormalSource(1, 2), newNormalSource(1, 2), newNormalSource(1, 3)
	buf := make([]float64, 10_000)
	a.Fill(buf, 0.5)
	same := true
	for k, x := range buf {
		if y := b.Normal(); math.Float64bits(x) != math.Float64bits(0.5*y) {
			t.Fatalf("draw %d: Fill %v, Normal %v", k, x, 0.5*y)
		}
		same = same && x == 0.5*c.Normal()
	}
	if same {
		t.Error("seeds (1, 2) and (1, 3) give the same deviates")
	}
	d := newNormalSource(1, 2)
	for k, w := range pinnedNormals {
		if got := d.Normal(); got != w {
			t.Errorf("deviate %d of seed (1, 2): %.17g, want %.17g", k, got, w)
		}
	}
}

// pinnedNormals are the first deviates of newNormalSource(1, 2).
var pinnedNormals = []float64{-0.079801418371195393, 1.1775427124729991, 0.58521606067700993,
	-1.7193237394629139, -1.7519855131828592, -0.90827914847008662}

// BenchmarkNormal: the ziggurat against math/rand/v2's NormFloat64.
func BenchmarkNormal(b *testing.B) {
	buf := make([]float64, 152)
	b.Run("ziggurat-fill", func(b *testing.B) {
		s := newNormalSource(1, 2)
		for b.Loop() {
			s.Fill(buf, 1)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(buf)), "ns/draw")
	})
	b.Run("rand-v2", func(b *testing.B) {
		r := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			for k := range buf {
				buf[k] = r.NormFloat64()
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(buf)), "ns/draw")
	})
}
