package mesh

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

func TestIGBRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	h := IGBHeader{Nodes: 3, Frames: 2, T0: 5, Dt: 0.5, Units: "mV"}
	if err := WriteIGBHeader(&buf, h); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != IGBHeaderSize {
		t.Fatalf("header of %d bytes", buf.Len())
	}
	vals := []float32{-80, -79.5, 20.25, -81, 0, 1e-3}
	for _, v := range vals {
		binary.Write(&buf, binary.LittleEndian, v)
	}
	got, data, err := ReadIGB(&buf, "vm.igb")
	if err != nil {
		t.Fatal(err)
	}
	if got != h {
		t.Fatalf("header %+v, want %+v", got, h)
	}
	for i := range vals {
		if data[i] != vals[i] {
			t.Fatalf("value %d: %g, want %g", i, data[i], vals[i])
		}
	}
}

// TestIGBOpenCARPStyle reads a header laid out as openCARP's tools write
// it (keys on several lines, a comment, big-endian doubles, dim_t without
// inc_t).
func TestIGBOpenCARPStyle(t *testing.T) {
	head := "# written by a test\r\nx:2 y:1 z:1 t:3 type:double systeme:big_endian\r\norg_t:0 dim_t:10 unites_t:ms unites:mV\r\n"
	b := []byte(head + strings.Repeat(" ", IGBHeaderSize-len(head)-1) + "\f")
	for k := range 6 {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(float64(k)-0.5))
	}
	h, data, err := ReadIGB(bytes.NewReader(b), "x.igb")
	if err != nil {
		t.Fatal(err)
	}
	if h.Nodes != 2 || h.Frames != 3 || h.Dt != 5 || data[5] != 4.5 {
		t.Fatalf("header %+v data %v", h, data)
	}
	if _, _, err := ReadIGB(bytes.NewReader(b[:len(b)-8]), "x.igb"); err == nil || !strings.Contains(err.Error(), "x.igb: igb data holds") {
		t.Fatalf("short data: %v", err)
	}
}

// FuzzReadIGB: any input gives a header and nodes·frames values, or an
// error naming the file; never a panic.
func FuzzReadIGB(f *testing.F) {
	var buf bytes.Buffer
	WriteIGBHeader(&buf, IGBHeader{Nodes: 2, Frames: 1, Dt: 1})
	buf.Write(make([]byte, 8))
	f.Add(buf.Bytes())
	f.Add([]byte("x:1 t:1 type:double\n"))
	f.Add(bytes.Repeat([]byte{' '}, 1024))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, data, err := ReadIGB(bytes.NewReader(b), "f.igb")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.igb: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(data) != h.Nodes*h.Frames {
			t.Fatalf("%d values for %d × %d", len(data), h.Nodes, h.Frames)
		}
	})
}
