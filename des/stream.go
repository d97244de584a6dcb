package des

import "math/rand/v2"

// golden is SplitMix64's increment, the odd integer nearest 2⁶⁴/φ.
const golden = 0x9e3779b97f4a7c15

// mix is the SplitMix64 finaliser (as in Vigna's splitmix64.c).
func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// StreamSeed returns the two PCG seeds of the stream of one kind of event of
// one entity; see the package documentation for the derivation.
func StreamSeed(seed, entity, kind uint64) (s1, s2 uint64) {
	e := mix(seed + (entity+1)*golden)
	s1 = mix(e + (kind+1)*golden)
	return s1, mix(s1 ^ 0xd1b54a32d192ed03)
}

// Stream returns a new random stream for the events of kind kind of entity
// entity in a run with seed seed: the same three numbers always give the
// same draws. It allocates; Streams reuses its generators.
func Stream(seed, entity, kind uint64) *rand.Rand {
	return rand.New(rand.NewPCG(StreamSeed(seed, entity, kind)))
}

// Streams holds the streams of kinds 0..k−1 of one entity at a time and
// reseeds them in place for the next entity, without allocating:
//
//	st := des.NewStreams(seed, nKinds)
//	for patient := range n {
//		st.Reset(uint64(patient))
//		relapse := st.Rand(kindRelapse).ExpFloat64() / rate
//		…
//	}
//
// st.Rand(k) after st.Reset(i) gives the same draws as Stream(seed, i, k).
// A Streams is not safe for concurrent use.
type Streams struct {
	seed uint64
	pcg  []rand.PCG
	rng  []*rand.Rand
}

// NewStreams returns the streams of kinds 0..kinds−1 for seed, set to entity 0.
func NewStreams(seed uint64, kinds int) *Streams {
	if kinds < 1 {
		panic("des: NewStreams needs at least one kind")
	}
	s := &Streams{seed: seed, pcg: make([]rand.PCG, kinds), rng: make([]*rand.Rand, kinds)}
	for k := range s.pcg {
		s.rng[k] = rand.New(&s.pcg[k])
	}
	s.Reset(0)
	return s
}

// Reset reseeds every stream for entity.
func (s *Streams) Reset(entity uint64) {
	for k := range s.pcg {
		s.pcg[k].Seed(StreamSeed(s.seed, entity, uint64(k)))
	}
}

// Rand returns the stream of kind k of the current entity.
func (s *Streams) Rand(k int) *rand.Rand { return s.rng[k] }
