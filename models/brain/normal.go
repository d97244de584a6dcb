package brain

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"sync"
)

// Standard normal deviates for the noise of the stochastic integrators, by
// the ziggurat method (Marsaglia & Tsang 2000, J. Stat. Softw. 5(8)) over
// a xoshiro256++ uniform stream seeded from math/rand/v2's PCG.
//
// The density f(x) = exp(−x²/2) on x ≥ 0 is covered by zigLayers layers of
// equal area v: layer 0 is the rectangle [0, r] × [0, f(r)] plus the tail
// beyond r, seen as a rectangle of width x₀ = v/f(r); layer i ≥ 1 is the
// rectangle [0, xᵢ] × [f(xᵢ), f(xᵢ₊₁)], with x₁ = r > x₂ > … > x₂₅₆ = 0.
// One 64-bit uniform gives the layer (its low 8 bits) and a signed point
// x = u·xᵢ with u uniform on (−1, 1) (its high 53 bits). If |x| < xᵢ₊₁ the
// point lies under the density whatever its height, and x is returned — the
// case of about 99 % of the draws. Otherwise, in layer 0, x is drawn from the
// tail beyond r (Marsaglia 1964); in a layer i ≥ 1 a height y uniform on
// [f(xᵢ), f(xᵢ₊₁)] is drawn and x kept if y < f(x), else the draw restarts.
// Every accepted x is exact: the method only rejects, it does not
// approximate. r is found at first use so that the top layer closes
// (f(x₂₅₅) + v/x₂₅₅ = 1): r ≈ 3.6541528853610088.
//
// The deviates are a deterministic function of the two seeds. They are not
// those of rand.Rand.NormFloat64 on the same seed (another ziggurat with
// 128 layers and other bit use).

const zigLayers = 256

// zigTables are the layer edges x[0..256] (x[0] = v/f(r), x[1] = r, x[256]
// = 0), the densities f[i] = exp(−x[i]²/2) and the scales w[i] = x[i]/2⁵²
// that turn a signed 53-bit integer + ½ into a point of layer i.
type zigTables struct {
	x, f [zigLayers + 1]float64
	w    [zigLayers]float64
	r    float64
}

var zig = sync.OnceValue(newZigTables)

// zigStack builds the layers above the base for a base edge r: it returns
// the tail-and-base area v, the edges, and the amount by which the top
// layer overshoots f = 1 (negative: r too large; +Inf: the stack reached
// f = 1 before the last layer, r too small).
func zigStack(r float64, x *[zigLayers + 1]float64) (v, over float64) {
	fr := math.Exp(-r * r / 2)
	v = r*fr + math.Sqrt(math.Pi/2)*math.Erfc(r/math.Sqrt2)
	x[0], x[1] = v/fr, r
	for i := 1; i < zigLayers-1; i++ {
		y := math.Exp(-x[i]*x[i]/2) + v/x[i]
		if y >= 1 {
			return v, math.Inf(1)
		}
		x[i+1] = math.Sqrt(-2 * math.Log(y))
	}
	top := x[zigLayers-1]
	return v, math.Exp(-top*top/2) + v/top - 1
}

func newZigTables() *zigTables {
	t := new(zigTables)
	lo, hi := 3.0, 4.0 // zigStack(3) overshoots, zigStack(4) falls short
	for hi-lo > 0x1p-50 {
		mid := (lo + hi) / 2
		if _, over := zigStack(mid, &t.x); over > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	zigStack(hi, &t.x)
	t.r = hi
	t.x[zigLayers] = 0
	for i := range t.f {
		t.f[i] = math.Exp(-t.x[i] * t.x[i] / 2)
	}
	for i := range t.w {
		t.w[i] = t.x[i] * 0x1p-52
	}
	return t
}

// normalSource draws standard normal deviates from a xoshiro256++
// uniform stream (Blackman & Vigna 2021, ACM TOMS 47(4)): 256 bits of
// state, period 2²⁵⁶ − 1, seeded from math/rand/v2's PCG on the two seeds.
type normalSource struct {
	s [4]uint64
	t *zigTables
}

func newNormalSource(seed1, seed2 uint64) *normalSource {
	pcg := rand.NewPCG(seed1, seed2)
	src := &normalSource{t: zig()}
	for k := range src.s {
		src.s[k] = pcg.Uint64()
	}
	if src.s == [4]uint64{} {
		src.s[0] = 1 // the one state xoshiro cannot leave
	}
	return src
}

// xoshiro returns the next 64 uniform bits and advances the state.
func xoshiro(s0, s1, s2, s3 uint64) (u, t0, t1, t2, t3 uint64) {
	u = bits.RotateLeft64(s0+s3, 23) + s0
	t := s1 << 17
	s2 ^= s0
	s3 ^= s1
	s1 ^= s2
	s0 ^= s3
	s2 ^= t
	s3 = bits.RotateLeft64(s3, 45)
	return u, s0, s1, s2, s3
}

// uint64 returns 64 uniform bits.
func (s *normalSource) uint64() uint64 {
	u, s0, s1, s2, s3 := xoshiro(s.s[0], s.s[1], s.s[2], s.s[3])
	s.s = [4]uint64{s0, s1, s2, s3}
	return u
}

// unit returns a uniform deviate on (0, 1).
func (s *normalSource) unit() float64 {
	return (float64(s.uint64()>>11) + 0.5) * 0x1p-53
}

// Normal returns a standard normal deviate.
func (s *normalSource) Normal() float64 {
	for {
		u := s.uint64()
		i := u & (zigLayers - 1)
		x := (float64(int64(u)>>11) + 0.5) * s.t.w[i]
		if math.Abs(x) < s.t.x[i+1] {
			return x
		}
		if z, ok := s.slow(x, i); ok {
			return z
		}
	}
}

// Fill sets dst[k] = sd·N(0, 1), drawing in order: the deviates are those
// of len(dst) calls of Normal. The state stays in registers on the fast
// path.
func (s *normalSource) Fill(dst []float64, sd float64) {
	t := s.t
	s0, s1, s2, s3 := s.s[0], s.s[1], s.s[2], s.s[3]
	for k := range dst {
		var u uint64
		u, s0, s1, s2, s3 = xoshiro(s0, s1, s2, s3)
		i := u & (zigLayers - 1)
		x := (float64(int64(u)>>11) + 0.5) * t.w[i]
		if math.Abs(x) >= t.x[i+1] {
			s.s = [4]uint64{s0, s1, s2, s3}
			x = s.retry(x, i)
			s0, s1, s2, s3 = s.s[0], s.s[1], s.s[2], s.s[3]
		}
		dst[k] = sd * x
	}
	s.s = [4]uint64{s0, s1, s2, s3}
}

// retry finishes a draw whose first point fell outside the fast region.
func (s *normalSource) retry(x float64, i uint64) float64 {
	for {
		if z, ok := s.slow(x, i); ok {
			return z
		}
		u := s.uint64()
		i = u & (zigLayers - 1)
		x = (float64(int64(u)>>11) + 0.5) * s.t.w[i]
		if math.Abs(x) < s.t.x[i+1] {
			return x
		}
	}
}

// slow handles a point x of layer i outside the layer's fast region: the
// tail for layer 0, the wedge test otherwise. ok is false on rejection.
func (s *normalSource) slow(x float64, i uint64) (float64, bool) {
	t := s.t
	if i == 0 {
		// Tail beyond r: a = −ln(U₁)/r, b = −ln(U₂), accept r + a when 2b > a².
		for {
			a := -math.Log(s.unit()) / t.r
			b := -math.Log(s.unit())
			if b+b > a*a {
				return math.Copysign(t.r+a, x), true
			}
		}
	}
	y := t.f[i] + s.unit()*(t.f[i+1]-t.f[i])
	return x, y < math.Exp(-x*x/2)
}
