package atrial

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/go-gl/mathgl/mgl64"

	"github.com/mdtwin/mdtwin/models/atrial/analysis"
	"github.com/mdtwin/mdtwin/models/atrial/tissue"
)

// FuzzCheckpoint feeds arbitrary bytes to the checkpoint decoder, as they
// are and with a valid CRC appended (so the parser past the checksum is
// reached): it returns a checkpoint whose arrays match its header, or one
// error line, and never panics or allocates beyond the file's size.
func FuzzCheckpoint(f *testing.F) {
	c := &checkpoint{model: "mms", states: 1, nodes: 2, fingerprint: 7, dt: 0.02, steps: 3,
		v: []float64{-80, 10}, s: []float64{1, 0.5},
		schedule:  tissue.Protocol{{Center: mgl64.Vec3{1, 2, 3}, Radius: 1, Duration: 2, Strength: 50, Period: 300, Count: 2}, {Nodes: []int{0, 1}, Duration: 1}},
		threshold: -10, level: 0.9,
		act:   analysis.ActivationState{T: 0.06, Seen: true, Prev: []float32{-80, 10}, Peak: []float32{-80, 12}, Up: []bool{false, true}},
		times: [][]float64{nil, {0.05}}, apd: [][]float64{nil, nil}}
	good := c.encode()
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("MDTWCKPT\x02\x00\x00\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		withCRC := binary.LittleEndian.AppendUint32(append([]byte{}, b...), crc32.Checksum(b, crcTable))
		for _, in := range [][]byte{b, withCRC} {
			ck, err := decodeCheckpoint(in)
			if err != nil {
				if ck != nil || strings.Contains(err.Error(), "\n") {
					t.Fatalf("checkpoint %v with error %q", ck, err)
				}
				continue
			}
			n := ck.nodes
			if len(ck.v) != n || len(ck.s) != n*ck.states || len(ck.act.Prev) != n || len(ck.act.Peak) != n ||
				len(ck.act.Up) != n || len(ck.times) != n || len(ck.apd) != n {
				t.Fatalf("arrays do not match %d nodes", n)
			}
			for _, s := range ck.schedule {
				for _, v := range s.Nodes {
					if v < 0 || v >= n {
						t.Fatalf("site node %d out of range", v)
					}
				}
			}
		}
	})
}

// TestCheckpointRoundTrip decodes what encode wrote.
func TestCheckpointRoundTrip(t *testing.T) {
	c := &checkpoint{model: "mms", states: 2, nodes: 1, fingerprint: 9, dt: 0.025, steps: 40, v: []float64{-79.5}, s: []float64{0.9, 0.1},
		schedule:  tissue.Protocol{{Center: mgl64.Vec3{0, 1, 0}, Radius: 2, Start: 5, Duration: 2, Strength: 50, Period: 28, Count: 6}},
		threshold: -60, level: 0.9, act: analysis.ActivationState{T: 1, Seen: true, Prev: []float32{-79.5}, Peak: []float32{20}, Up: []bool{true}},
		times: [][]float64{{0.4, 0.9}}, apd: [][]float64{{0.3}}}
	d, err := decodeCheckpoint(c.encode())
	if err != nil {
		t.Fatal(err)
	}
	if string(d.encode()) != string(c.encode()) || d.model != "mms" || d.steps != 40 || d.schedule[0].Count != 6 || d.times[0][1] != 0.9 {
		t.Fatalf("round trip changed the checkpoint: %+v", d)
	}
}
