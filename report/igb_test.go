package report

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// igbFile returns an .igb file: the header words padded to 1024 bytes,
// then the values little-endian.
func igbFile(header string, values []float32) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	b.Write(bytes.Repeat([]byte(" "), 1024-len(header)))
	for _, v := range values {
		binary.Write(&b, binary.LittleEndian, v)
	}
	return b.Bytes()
}

// TestReadIGB reads back a 3-node, 4-frame file written by igbFile and
// refuses bad headers and short data with the key or size named.
func TestReadIGB(t *testing.T) {
	vals := []float32{-80, -80, -80, 20, -80, -80, 10, 20, -80, -70, 10, 20}
	g, err := ReadIGB(bytes.NewReader(igbFile("x:3 y:1 z:1 t:4 type:float systeme:little_endian org_t:0 inc_t:2.5 unites:mV\n", vals)))
	if err != nil {
		t.Fatal(err)
	}
	if g.Nodes != 3 || g.Frames != 4 || g.Inc != 2.5 || g.Unit != "mV" || len(g.Data) != 12 || g.Data[7] != 20 {
		t.Errorf("%+v", g)
	}
	f := viewerFrames(g)
	if len(f.Times) != 4 || f.Times[3] != 7.5 || f.Min != -80 || f.Max != 20 {
		t.Errorf("frames %+v", f)
	}
	for _, c := range []struct{ head, want string }{
		{"x:3 t:4 type:short systeme:little_endian", "expected float"},
		{"x:3 t:4 type:float systeme:big_endian", "expected float"},
		{"x:0 t:4 type:float", "positive sizes"},
		{"x:three t:4 type:float", "x:three is not a number"},
		{"x:3 t:5 type:float", "12 of 15 values"},
		{fmt.Sprintf("x:%d y:%d t:%d type:float", 1<<20, 1<<10, 1<<10), "is more than"},
		{"x:3 t:4 type:float org_t:NaN", "finite times"},
	} {
		if _, err := ReadIGB(bytes.NewReader(igbFile(c.head, vals))); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.head, err, c.want)
		}
	}
	if _, err := ReadIGB(strings.NewReader("x:3")); err == nil || !strings.Contains(err.Error(), "1024 bytes") {
		t.Errorf("short header: %v", err)
	}
}

// FuzzReadIGB: any input is read or refused, never a panic or a huge
// allocation.
func FuzzReadIGB(f *testing.F) {
	f.Add(igbFile("x:3 y:1 z:1 t:4 type:float systeme:little_endian org_t:0 inc_t:2.5 unites:mV\n", make([]float32, 12)))
	f.Add(igbFile("x:2 t:1 type:float", []float32{1, 2}))
	f.Add([]byte("x:1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ReadIGB(bytes.NewReader(b))
		if err == nil && len(g.Data) != g.Nodes*g.Frames {
			t.Fatalf("%d values for %d × %d", len(g.Data), g.Nodes, g.Frames)
		}
	})
}
