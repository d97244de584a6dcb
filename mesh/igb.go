package mesh

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// IGBHeaderSize is the size of an openCARP .igb header in bytes.
const IGBHeaderSize = 1024

// IGBHeader describes an openCARP .igb time series of one value per node:
// Frames frames of Nodes float32 values, frame k at time T0 + k·Dt.
//
// The file (carp.medunigraz.at/file_formats.html; openCARP's igbhead and
// the Python readers of the format) is a 1024-byte ASCII header of
// whitespace-separated key:value pairs — here
//
//	x:<nodes> y:1 z:1 t:<frames> type:float systeme:little_endian
//	org_t:<T0> dim_t:<(frames−1)·Dt> inc_t:<Dt> unites_t:ms unites:mV
//
// on lines ended by CR LF, padded with spaces and closed by a form feed —
// followed by the frames, frame-major, as little-endian IEEE float32.
// Comment lines start with '#'. type may also be double; systeme
// big_endian is read as well.
type IGBHeader struct {
	Nodes, Frames int
	T0, Dt        float64 // ms
	Units         string  // of the values, e.g. "mV"
}

// WriteIGBHeader writes the 1024-byte header h (Units empty: "mV").
func WriteIGBHeader(w io.Writer, h IGBHeader) error {
	units := h.Units
	if units == "" {
		units = "mV"
	}
	if h.Nodes < 1 || h.Frames < 0 || strings.ContainsAny(units, " \t\r\n:") {
		return fmt.Errorf("mesh: igb header with %d nodes, %d frames, units %q", h.Nodes, h.Frames, units)
	}
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	s := "x:" + strconv.Itoa(h.Nodes) + " y:1 z:1 t:" + strconv.Itoa(h.Frames) + " type:float systeme:little_endian\r\n" +
		"org_t:" + g(h.T0) + " dim_t:" + g(float64(max(h.Frames-1, 0))*h.Dt) + " inc_t:" + g(h.Dt) + " unites_t:ms unites:" + units + "\r\n"
	if len(s) > IGBHeaderSize-3 {
		return fmt.Errorf("mesh: igb header too long")
	}
	b := make([]byte, IGBHeaderSize)
	copy(b, s)
	for i := len(s); i < IGBHeaderSize-3; i++ {
		b[i] = ' '
	}
	copy(b[IGBHeaderSize-3:], "\r\n\f")
	_, err := w.Write(b)
	return err
}

// ReadIGB reads an .igb file of one value per node (y = z = 1) as written
// by WriteIGBHeader and the frames after it, or by openCARP: float or
// double, either byte order. name is used in errors. The header's
// counts are checked against limits (Nodes·Frames ≤ 2³¹) and the data's
// length before anything large is allocated; a file with fewer frames than
// its header declares is an error.
func ReadIGB(r io.Reader, name string) (IGBHeader, []float32, error) {
	var h IGBHeader
	head := make([]byte, IGBHeaderSize)
	if _, err := io.ReadFull(r, head); err != nil {
		return h, nil, fmt.Errorf("%s: igb header shorter than %d bytes", name, IGBHeaderSize)
	}
	kv := map[string]string{}
	for _, line := range strings.Split(string(head), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, f := range strings.Fields(line) {
			k, v, ok := strings.Cut(f, ":")
			if !ok {
				if strings.Trim(f, "\x00\f") == "" {
					continue
				}
				return h, nil, fmt.Errorf("%s: igb header item %q is not key:value", name, f)
			}
			kv[k] = v
		}
	}
	atoi := func(k string, def int) (int, error) {
		v, ok := kv[k]
		if !ok {
			if def >= 0 {
				return def, nil
			}
			return 0, fmt.Errorf("%s: igb header lacks %s", name, k)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%s: igb header %s:%s, expected a count ≥ 0", name, k, v)
		}
		return n, nil
	}
	var err error
	var y, z int
	if h.Nodes, err = atoi("x", -1); err != nil {
		return h, nil, err
	}
	if y, err = atoi("y", 1); err != nil {
		return h, nil, err
	}
	if z, err = atoi("z", 1); err != nil {
		return h, nil, err
	}
	if h.Frames, err = atoi("t", -1); err != nil {
		return h, nil, err
	}
	if y != 1 || z != 1 || h.Nodes < 1 {
		return h, nil, fmt.Errorf("%s: igb header x:%d y:%d z:%d, expected node data (x ≥ 1, y = z = 1)", name, h.Nodes, y, z)
	}
	if int64(h.Nodes)*int64(h.Frames) > 1<<31 {
		return h, nil, fmt.Errorf("%s: igb header declares %d × %d values, more than 2³¹", name, h.Nodes, h.Frames)
	}
	size := 4
	switch kv["type"] {
	case "float":
	case "double":
		size = 8
	default:
		return h, nil, fmt.Errorf("%s: igb type %q, expected float or double", name, kv["type"])
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch kv["systeme"] {
	case "little_endian", "":
	case "big_endian":
		order = binary.BigEndian
	default:
		return h, nil, fmt.Errorf("%s: igb systeme %q, expected little_endian or big_endian", name, kv["systeme"])
	}
	fl := func(k string) (float64, error) {
		v, ok := kv[k]
		if !ok {
			return 0, nil
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%s: igb header %s:%s, expected a finite number", name, k, v)
		}
		return x, nil
	}
	if h.T0, err = fl("org_t"); err != nil {
		return h, nil, err
	}
	if h.Dt, err = fl("inc_t"); err != nil {
		return h, nil, err
	}
	if _, ok := kv["inc_t"]; !ok && h.Frames > 1 {
		dim, err := fl("dim_t")
		if err != nil {
			return h, nil, err
		}
		h.Dt = dim / float64(h.Frames-1)
	}
	h.Units = kv["unites"]
	n := h.Nodes * h.Frames
	// Read in chunks so a header that lies about its size costs no more
	// memory than the data really there.
	var data bytes.Buffer
	if _, err := io.Copy(&data, io.LimitReader(r, int64(n*size))); err != nil {
		return h, nil, fmt.Errorf("%s: %v", name, err)
	}
	if data.Len() != n*size {
		return h, nil, fmt.Errorf("%s: igb data holds %d bytes, the header declares %d frames × %d nodes × %d bytes", name, data.Len(), h.Frames, h.Nodes, size)
	}
	b := data.Bytes()
	out := make([]float32, n)
	for i := range out {
		if size == 4 {
			out[i] = math.Float32frombits(order.Uint32(b[4*i:]))
		} else {
			out[i] = float32(math.Float64frombits(order.Uint64(b[8*i:])))
		}
	}
	return h, out, nil
}
