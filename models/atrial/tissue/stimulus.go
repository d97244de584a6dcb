package tissue

import (
	"fmt"
	"math"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/mesh"
)

// Site is one pacing site: a set of nodes that receive a volumetric current
// in pulses of Duration every Period, Count times from Start.
//
// The nodes are those within Radius (mm) of Center, or Nodes when it is not
// nil. Strength is a current per tissue volume in µA/mm³ (reference §2); the
// monodomain divides it by χ·Cm (µF/mm³) to get mV/ms.
type Site struct {
	Center   mgl64.Vec3 // mm
	Radius   float64    // mm
	Nodes    []int      // explicit node set; overrides Center and Radius
	Start    float64    // ms, first pulse
	Duration float64    // ms, per pulse
	Strength float64    // µA/mm³
	Period   float64    // ms, between pulse starts (used when Count > 1)
	Count    int        // number of pulses; 0 means 1
}

// Protocol is a list of pacing sites, all applied; multi-site pacing is a
// Protocol with several sites, S1–S2 one built by S1S2.
type Protocol []Site

// S1S2 returns the protocol of n1 S1 pulses at s1 every bcl (ms) from
// s1.Start, then one S2 pulse at s2 coupling ms after the last S1. s1's
// Period and Count and s2's Start, Period and Count are set here.
func S1S2(s1, s2 Site, n1 int, bcl, coupling float64) Protocol {
	s1.Period, s1.Count = bcl, n1
	s2.Start = s1.Start + float64(n1-1)*bcl + coupling
	s2.Period, s2.Count = 0, 1
	return Protocol{s1, s2}
}

// Active reports whether the site delivers current at time t (ms).
func (s *Site) Active(t float64) bool {
	k := 0
	if n := max(s.Count, 1); n > 1 && s.Period > 0 {
		k = int(math.Floor((t - s.Start) / s.Period))
		k = min(max(k, 0), n-1)
	}
	t0 := s.Start + float64(k)*s.Period
	return t >= t0 && t < t0+s.Duration
}

// End returns the time (ms) at which the site's last pulse ends.
func (s *Site) End() float64 {
	return s.Start + float64(max(s.Count, 1)-1)*s.Period + s.Duration
}

// SiteNodes returns the nodes of m the site stimulates, in increasing order,
// or an error naming the site when the set is empty or out of range.
func (s *Site) SiteNodes(m *mesh.Mesh) ([]int, error) {
	if s.Nodes != nil {
		for _, v := range s.Nodes {
			if v < 0 || v >= len(m.Points) {
				return nil, fmt.Errorf("node %d out of range [0, %d)", v, len(m.Points))
			}
		}
		if len(s.Nodes) == 0 {
			return nil, fmt.Errorf("empty node set")
		}
		return s.Nodes, nil
	}
	var nodes []int
	r2 := s.Radius * s.Radius
	for i, p := range m.Points {
		if d := p.Sub(s.Center); d.Dot(d) <= r2 {
			nodes = append(nodes, i)
		}
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("no node within %g mm of (%g, %g, %g) mm", s.Radius, s.Center[0], s.Center[1], s.Center[2])
	}
	return nodes, nil
}
