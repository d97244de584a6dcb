package mesh

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ReadVTKXML reads a VTK XML UnstructuredGrid (.vtu) or PolyData (.vtp) file
// with one piece of triangles or tetrahedra. DataArrays may be ascii, binary
// (base64 inline) or appended (raw or base64), optionally compressed with
// vtkZLibDataCompressor, with header_type UInt32 or UInt64 and either byte
// order. Cell arrays named "Region", "Fibres", "Sheets" fill the special mesh
// fields as in ReadVTK. name is used in errors.
//
// Block headers are checked against the bytes present (and compressed
// blocks against what deflate can produce from them) before anything is
// allocated, so a hostile header cannot exhaust memory.
func ReadVTKXML(r io.Reader, name string) (*Mesh, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	x := &xmlReader{name: name, file: b}
	doc, err := x.readHeader()
	if err != nil {
		return nil, err
	}
	d, err := x.readArrays(doc)
	if err != nil {
		return nil, err
	}
	return x.mesh(doc, d)
}

type xmlArray struct {
	section string // Points, Cells, Polys, PointData, CellData, …
	attr    map[string]string
	text    []byte
	line    int
	offset  int64
}

type xmlReader struct {
	name       string
	file       []byte
	order      binary.ByteOrder
	headerSize int
	compressed bool
	appended   []byte // bytes after the '_' marker
	appBase64  bool
	appOffset  int64
}

// xmlDoc is the structure of a VTK XML file: its data set type, the counts
// of its one Piece and its DataArrays, not yet decoded.
type xmlDoc struct {
	dtype      string // UnstructuredGrid or PolyData
	npts, ncel int
	pieceLine  int
	arrays     []*xmlArray
}

// xmlData is the decoded arrays of a piece.
type xmlData struct {
	pts              []float64
	offs, conn, typs []int
	pd, cd           []Field
}

func (x *xmlReader) errAt(line int, off int64, format string, a ...any) error {
	return &FormatError{File: x.name, Line: line, Offset: off, Msg: fmt.Sprintf(format, a...)}
}

// readHeader reads the XML structure of the file: the VTKFile attributes,
// the Piece counts and the DataArray elements with their text; the
// AppendedData section is set aside for decode.
func (x *xmlReader) readHeader() (*xmlDoc, error) {
	docBytes, err := x.splitAppended()
	if err != nil {
		return nil, err
	}
	d := xml.NewDecoder(bytes.NewReader(docBytes))
	doc := &xmlDoc{npts: -1, ncel: -1}
	var (
		stack  []string
		cur    *xmlArray
		pieces int
	)
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF || x.appended != nil {
				break
			}
			line, _ := d.InputPos()
			return nil, x.errAt(line, 0, "malformed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := d.InputPos()
			attr := map[string]string{}
			for _, a := range t.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch t.Name.Local {
			case "VTKFile":
				if doc.dtype, err = x.fileAttrs(attr, line); err != nil {
					return nil, err
				}
			case "Piece":
				if pieces++; pieces > 1 {
					return nil, x.errAt(line, 0, "more than one Piece is not supported")
				}
				if err := x.pieceAttrs(doc, attr, line); err != nil {
					return nil, err
				}
			case "DataArray":
				sec := ""
				if len(stack) > 0 {
					sec = stack[len(stack)-1]
				}
				cur = &xmlArray{section: sec, attr: attr, line: line, offset: d.InputOffset()}
				doc.arrays = append(doc.arrays, cur)
			}
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			cur = nil
		case xml.CharData:
			if cur != nil {
				cur.text = append(cur.text, t...)
			}
		}
	}
	if doc.dtype == "" {
		return nil, x.errAt(0, int64(len(x.file)), "no VTKFile element, expected <VTKFile type=\"UnstructuredGrid\" …> or type=\"PolyData\"")
	}
	if doc.npts < 0 || doc.ncel < 0 {
		return nil, x.errAt(0, int64(len(x.file)), "no Piece element with point and cell counts")
	}
	return doc, nil
}

// splitAppended sets the AppendedData section aside and returns the XML
// before it.
func (x *xmlReader) splitAppended() ([]byte, error) {
	i := bytes.Index(x.file, []byte("<AppendedData"))
	if i < 0 {
		return x.file, nil
	}
	rest := x.file[i:]
	gt := bytes.IndexByte(rest, '>')
	us := bytes.IndexByte(rest, '_')
	if gt < 0 || us < 0 {
		return nil, x.errAt(0, int64(i), "AppendedData without the '_' marker")
	}
	x.appBase64 = bytes.Contains(rest[:gt], []byte(`encoding="base64"`))
	x.appended = rest[us+1:]
	x.appOffset = int64(i + us + 1)
	return x.file[:i], nil
}

// fileAttrs reads the attributes of the VTKFile element and returns the
// data set type.
func (x *xmlReader) fileAttrs(attr map[string]string, line int) (string, error) {
	dtype := attr["type"]
	if dtype != "UnstructuredGrid" && dtype != "PolyData" {
		return "", x.errAt(line, 0, "VTKFile type %q is not supported (UnstructuredGrid or PolyData)", dtype)
	}
	x.order = binary.LittleEndian
	if attr["byte_order"] == "BigEndian" {
		x.order = binary.BigEndian
	}
	x.headerSize = 4
	switch attr["header_type"] {
	case "", "UInt32":
	case "UInt64":
		x.headerSize = 8
	default:
		return "", x.errAt(line, 0, "unsupported header_type %q", attr["header_type"])
	}
	switch attr["compressor"] {
	case "":
	case "vtkZLibDataCompressor":
		x.compressed = true
	default:
		return "", x.errAt(line, 0, "unsupported compressor %q (only vtkZLibDataCompressor)", attr["compressor"])
	}
	return dtype, nil
}

// pieceAttrs reads the point and cell counts of the Piece element.
func (x *xmlReader) pieceAttrs(doc *xmlDoc, attr map[string]string, line int) error {
	if doc.dtype == "" {
		return x.errAt(line, 0, "Piece outside a VTKFile element")
	}
	var err error
	doc.pieceLine = line
	if doc.npts, err = x.atoi(attr, "NumberOfPoints", line); err != nil {
		return err
	}
	key := "NumberOfCells"
	if doc.dtype == "PolyData" {
		key = "NumberOfPolys"
		for _, k := range []string{"NumberOfVerts", "NumberOfLines", "NumberOfStrips"} {
			if v := attr[k]; v != "" && v != "0" {
				return x.errAt(line, 0, "%s=%s: only polygons (triangles) are supported", k, v)
			}
		}
	}
	doc.ncel, err = x.atoi(attr, key, line)
	return err
}

// readArrays decodes the DataArrays of the piece: points, cells, point and
// cell data; others (Verts, Lines, Strips, FieldData) are skipped.
func (x *xmlReader) readArrays(doc *xmlDoc) (*xmlData, error) {
	d := &xmlData{}
	for _, a := range doc.arrays {
		nc := 1
		if s := a.attr["NumberOfComponents"]; s != "" {
			var err error
			if nc, err = strconv.Atoi(s); err != nil || nc < 1 {
				return nil, x.errAt(a.line, 0, "bad NumberOfComponents %q", s)
			}
		}
		var items int
		switch a.section {
		case "Points":
			if nc != 3 {
				return nil, x.errAt(a.line, 0, "Points array has %d components, expected 3", nc)
			}
			items = doc.npts
		case "PointData":
			items = doc.npts
		case "CellData":
			items = doc.ncel
		case "Cells", "Polys":
			items, nc = -1, 1
		default:
			continue // Verts/Lines/Strips (empty), FieldData
		}
		want := -1
		if items >= 0 {
			var ok bool
			if want, ok = mulCount(items, nc); !ok {
				return nil, x.errAt(a.line, 0, "DataArray %q: %d tuples of %d components is too many", a.attr["Name"], items, nc)
			}
		}
		v, err := x.decode(a, want)
		if err != nil {
			return nil, err
		}
		name := a.attr["Name"]
		switch a.section {
		case "Points":
			d.pts = v
		case "PointData":
			d.pd = append(d.pd, Field{name, nc, v})
		case "CellData":
			d.cd = append(d.cd, Field{name, nc, v})
		default:
			switch name {
			case "connectivity":
				d.conn = toInts(v)
			case "offsets":
				d.offs = append([]int{0}, toInts(v)...)
			case "types":
				d.typs = toInts(v)
			}
		}
	}
	return d, nil
}

// mesh checks the decoded arrays against the piece's counts and builds the
// mesh.
func (x *xmlReader) mesh(doc *xmlDoc, d *xmlData) (*Mesh, error) {
	errf := func(format string, a ...any) error { return x.errAt(doc.pieceLine, 0, format, a...) }
	if d.pts == nil && doc.npts > 0 {
		return nil, errf("no Points DataArray")
	}
	if d.offs == nil || d.conn == nil {
		d.offs, d.conn = []int{0}, nil
		if doc.ncel > 0 {
			return nil, errf("no connectivity/offsets DataArrays")
		}
	}
	if len(d.offs) != doc.ncel+1 {
		return nil, errf("%d offsets for %d cells", len(d.offs)-1, doc.ncel)
	}
	if err := checkOffsets(d.offs, len(d.conn)); err != nil {
		return nil, errf("%v", err)
	}
	if doc.dtype == "PolyData" {
		d.typs = make([]int, doc.ncel)
		for i := range d.typs {
			d.typs[i] = vtkTriangle
			if d.offs[i+1]-d.offs[i] != 3 {
				return nil, errf("polygon %d has %d nodes; only triangles are supported", i, d.offs[i+1]-d.offs[i])
			}
		}
	}
	if len(d.typs) != doc.ncel {
		return nil, errf("%d cell types for %d cells", len(d.typs), doc.ncel)
	}
	m := &Mesh{Points: vecsOf(d.pts), PointData: d.pd}
	if err := m.setCells(d.offs, d.conn, d.typs, d.cd); err != nil {
		return nil, errf("%v", err)
	}
	return checkRead(x.name, m)
}

func (x *xmlReader) atoi(attr map[string]string, key string, line int) (int, error) {
	v, err := strconv.Atoi(attr[key])
	if err != nil || v < 0 {
		return 0, x.errAt(line, 0, "attribute %s=%q is not a count", key, attr[key])
	}
	return v, nil
}

// decode returns the values of a DataArray; want < 0 accepts any length.
func (x *xmlReader) decode(a *xmlArray, want int) ([]float64, error) {
	t := a.attr["type"]
	size, _, ok := scalarSize(t)
	if !ok {
		return nil, x.errAt(a.line, 0, "DataArray %q has unsupported type %q", a.attr["Name"], t)
	}
	limit := -1 // the most payload bytes the array may hold
	if want >= 0 {
		if limit, ok = mulCount(want, size); !ok {
			return nil, x.errAt(a.line, 0, "DataArray %q: %d values is too many", a.attr["Name"], want)
		}
	}
	var raw []byte
	var err error
	switch a.attr["format"] {
	case "ascii":
		return x.decodeASCII(a, want)
	case "binary":
		raw, err = x.base64Block(bytes.Join(bytes.Fields(a.text), nil), limit)
		if err != nil {
			return nil, x.errAt(a.line, 0, "DataArray %q: %v", a.attr["Name"], err)
		}
	case "appended":
		off, perr := strconv.ParseInt(a.attr["offset"], 10, 64)
		if perr != nil || off < 0 || x.appended == nil || off > int64(len(x.appended)) {
			return nil, x.errAt(a.line, 0, "DataArray %q: bad appended offset %q", a.attr["Name"], a.attr["offset"])
		}
		if x.appBase64 {
			raw, err = x.base64Block(x.appended[off:], limit)
		} else {
			raw, _, err = x.rawBlock(x.appended[off:], limit)
		}
		if err != nil {
			return nil, x.errAt(0, x.appOffset+off, "DataArray %q: %v", a.attr["Name"], err)
		}
	default:
		return nil, x.errAt(a.line, 0, "DataArray %q has unsupported format %q", a.attr["Name"], a.attr["format"])
	}
	if len(raw)%size != 0 {
		return nil, x.errAt(a.line, 0, "DataArray %q: %d bytes is not a multiple of %d", a.attr["Name"], len(raw), size)
	}
	if want >= 0 && len(raw)/size != want {
		return nil, x.errAt(a.line, 0, "DataArray %q has %d values, expected %d", a.attr["Name"], len(raw)/size, want)
	}
	out := make([]float64, len(raw)/size)
	decodeScalars(out, raw, t, x.order)
	return out, nil
}

// decodeASCII parses the numbers of an ascii DataArray.
func (x *xmlReader) decodeASCII(a *xmlArray, want int) ([]float64, error) {
	f := strings.Fields(string(a.text))
	out := make([]float64, len(f))
	for i, s := range f {
		var err error
		if out[i], err = strconv.ParseFloat(s, 64); err != nil {
			return nil, x.errAt(a.line, 0, "DataArray %q: value %d %q is not a number", a.attr["Name"], i, s)
		}
	}
	if want >= 0 && len(out) != want {
		return nil, x.errAt(a.line, 0, "DataArray %q has %d values, expected %d", a.attr["Name"], len(out), want)
	}
	return out, nil
}

func (x *xmlReader) header(b []byte, i int) uint64 {
	if x.headerSize == 8 {
		return x.order.Uint64(b[8*i:])
	}
	return uint64(x.order.Uint32(b[4*i:]))
}

// maxDeflateRatio bounds what a zlib stream can inflate to: deflate
// produces at most 1032 bytes per input byte (zlib technical details,
// https://zlib.net/zlib_tech.html, "Maximum Compression Factor"); the
// 1 KiB slack covers the stream's fixed overhead on tiny blocks.
const maxDeflateRatio = 1032

func inflateBound(compressed uint64) uint64 { return maxDeflateRatio*compressed + 1024 }

// blockHeader is the decoded header of a compressed binary block: nb
// blocks of bs bytes, the last of last bytes (0: bs), stored in sizes[i]
// compressed bytes.
type blockHeader struct {
	nb, bs, last uint64
	sizes        []uint64
}

// compressedHeader reads the header of a compressed block from b, checking
// its sizes against the len(b) bytes present. It returns the header and its
// length in bytes.
func (x *xmlReader) compressedHeader(b []byte) (blockHeader, int, error) {
	hs := x.headerSize
	if len(b) < 3*hs {
		return blockHeader{}, 0, errors.New("truncated compression header")
	}
	h := blockHeader{nb: x.header(b, 0), bs: x.header(b, 1), last: x.header(b, 2)}
	if h.nb > uint64((len(b)-3*hs)/hs) {
		return blockHeader{}, 0, fmt.Errorf("header announces %d blocks; the %d bytes present hold at most %d block sizes", h.nb, len(b), (len(b)-3*hs)/hs)
	}
	hl := (3 + int(h.nb)) * hs
	h.sizes = make([]uint64, h.nb)
	var stored uint64
	for i := range h.sizes {
		h.sizes[i] = x.header(b, 3+i)
		if h.sizes[i] > uint64(len(b)) {
			return blockHeader{}, 0, fmt.Errorf("compressed block %d of %d bytes is longer than the data (%d bytes)", i, h.sizes[i], len(b))
		}
		stored += h.sizes[i] // ≤ nb·len(b) < 2⁶⁴
		if want := h.blockLen(i); want > inflateBound(h.sizes[i]) {
			return blockHeader{}, 0, fmt.Errorf("block %d announces %d bytes from %d compressed bytes, more than deflate can produce", i, want, h.sizes[i])
		}
	}
	if stored > uint64(len(b)-hl) {
		return blockHeader{}, 0, fmt.Errorf("compressed blocks of %d bytes truncated to %d", stored, len(b)-hl)
	}
	return h, hl, nil
}

// blockLen returns the uncompressed length of block i.
func (h blockHeader) blockLen(i int) uint64 {
	if uint64(i) == h.nb-1 && h.last != 0 {
		return h.last
	}
	return h.bs
}

// total returns the uncompressed length of all blocks; each is bounded by
// inflateBound of a size ≤ 2³², so the sum does not overflow.
func (h blockHeader) total() uint64 {
	var t uint64
	for i := range h.sizes {
		t += h.blockLen(i)
	}
	return t
}

// rawBlock decodes one (possibly compressed) binary block; it returns the
// payload and the number of input bytes consumed. limit ≥ 0 is the most
// payload bytes the array may hold (its expected size); a header announcing
// more is refused before anything is inflated.
func (x *xmlReader) rawBlock(b []byte, limit int) ([]byte, int, error) {
	hs := x.headerSize
	if len(b) < hs {
		return nil, 0, errors.New("truncated block header")
	}
	if !x.compressed {
		n := x.header(b, 0)
		if uint64(len(b)-hs) < n {
			return nil, 0, fmt.Errorf("block of %d bytes truncated to %d", n, len(b)-hs)
		}
		return b[hs : hs+int(n)], hs + int(n), nil
	}
	h, pos, err := x.compressedHeader(b)
	if err != nil {
		return nil, 0, err
	}
	total := h.total()
	if limit >= 0 && total > uint64(limit) {
		return nil, 0, fmt.Errorf("header announces %d bytes, more than the %d the array holds", total, limit)
	}
	out := make([]byte, 0, total)
	for i, cs := range h.sizes {
		zr, err := zlib.NewReader(bytes.NewReader(b[pos : pos+int(cs)]))
		if err != nil {
			return nil, 0, fmt.Errorf("block %d: %v", i, err)
		}
		want := h.blockLen(i)
		n0 := len(out)
		out, err = readAllInto(out, io.LimitReader(zr, int64(want)+1))
		if err != nil {
			return nil, 0, fmt.Errorf("block %d: zlib: %v", i, err)
		}
		if uint64(len(out)-n0) != want {
			return nil, 0, fmt.Errorf("block %d inflates to %d bytes, header says %d", i, len(out)-n0, want)
		}
		pos += int(cs)
	}
	return out, pos, nil
}

func readAllInto(dst []byte, r io.Reader) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// base64Block decodes a base64 binary block whose header is encoded either
// separately (as VTK writes it) or together with the data. limit is as for
// rawBlock.
func (x *xmlReader) base64Block(s []byte, limit int) ([]byte, error) {
	enc := base64.StdEncoding
	if len(s) < 12 {
		return nil, errors.New("base64 data too short")
	}
	pre := make([]byte, 9)
	if _, err := enc.Decode(pre, s[:12]); err != nil {
		return nil, fmt.Errorf("base64: %v", err)
	}
	hl := x.headerSize // the header's length in bytes
	if x.compressed {
		nb := x.header(pre, 0)
		if nb > uint64(len(s)) { // each block size takes ≥ 4 bytes, > 5 characters
			return nil, fmt.Errorf("header announces %d blocks in %d characters", nb, len(s))
		}
		hl = int(3+nb) * x.headerSize
	}
	hc := (hl + 2) / 3 * 4
	if hc > len(s) {
		return nil, errors.New("base64 header truncated")
	}
	if hl%3 != 0 && s[hc-1] == '=' { // separately encoded header
		h := make([]byte, enc.DecodedLen(hc))
		n, err := enc.Decode(h, s[:hc])
		if err != nil {
			return nil, fmt.Errorf("base64 header: %v", err)
		}
		if n < hl {
			return nil, fmt.Errorf("base64 header of %d bytes, expected %d", n, hl)
		}
		dl, err := x.payloadLen(h[:hl], len(s))
		if err != nil {
			return nil, err
		}
		dc := (dl + 2) / 3 * 4
		if dc > len(s)-hc {
			return nil, fmt.Errorf("base64 data truncated: need %d characters, have %d", dc, len(s)-hc)
		}
		d := make([]byte, enc.DecodedLen(dc))
		m, err := enc.Decode(d, s[hc:hc+dc])
		if err != nil {
			return nil, fmt.Errorf("base64 data: %v", err)
		}
		out, _, err := x.rawBlock(append(h[:hl], d[:m]...), limit)
		return out, err
	}
	h := make([]byte, hl+3)
	if _, err := enc.Decode(h, s[:hc]); err != nil {
		return nil, fmt.Errorf("base64 header: %v", err)
	}
	dl, err := x.payloadLen(h[:hl], len(s))
	if err != nil {
		return nil, err
	}
	tl := hl + dl
	tc := (tl + 2) / 3 * 4
	if tc > len(s) {
		return nil, errors.New("base64 data truncated")
	}
	all := make([]byte, enc.DecodedLen(tc))
	n, err := enc.Decode(all, s[:tc])
	if err != nil {
		return nil, fmt.Errorf("base64: %v", err)
	}
	out, _, err := x.rawBlock(all[:n], limit)
	return out, err
}

// payloadLen returns the number of stored bytes after the block header h,
// refusing a length that n base64 characters cannot hold.
func (x *xmlReader) payloadLen(h []byte, n int) (int, error) {
	var t uint64
	if !x.compressed {
		t = x.header(h, 0)
	} else {
		nb := min(x.header(h, 0), uint64(len(h)/x.headerSize-3)) // len(h) ≥ 3 sizes
		for i := 0; i < int(nb); i++ {
			if t += x.header(h, 3+i); t > uint64(n) {
				break
			}
		}
	}
	if t > uint64(n) {
		return 0, fmt.Errorf("header announces %d bytes in %d base64 characters", t, n)
	}
	return int(t), nil
}

// XMLFormat selects how VTK XML DataArrays are stored.
type XMLFormat int

const (
	// XMLAppended stores raw binary data in an AppendedData section (smallest, fastest).
	XMLAppended XMLFormat = iota
	// XMLBinary stores base64-encoded binary data inside each DataArray.
	XMLBinary
	// XMLASCII stores numbers as text (shortest exact float64 representation).
	XMLASCII
)

// XMLOptions controls WriteVTU and WriteVTP. The zero value writes
// uncompressed appended raw data.
type XMLOptions struct {
	Format   XMLFormat
	Compress bool // zlib (vtkZLibDataCompressor) for binary formats
}

// WriteVTU writes m as a VTK XML UnstructuredGrid (.vtu), little-endian with
// header_type UInt64. Points and fields are Float64, connectivity and offsets Int64.
func WriteVTU(w io.Writer, m *Mesh, opt XMLOptions) error { return writeXML(w, m, opt, false) }

// WriteVTP writes a triangle mesh as a VTK XML PolyData (.vtp) file.
func WriteVTP(w io.Writer, m *Mesh, opt XMLOptions) error {
	if m.Kind != Triangle {
		return fmt.Errorf("mesh: VTK PolyData holds triangles, not %v", m.Kind)
	}
	return writeXML(w, m, opt, true)
}

type xmlWriter struct {
	w        *bufio.Writer
	opt      XMLOptions
	appended bytes.Buffer
}

func writeXML(w io.Writer, m *Mesh, opt XMLOptions, poly bool) error {
	x := &xmlWriter{w: bufio.NewWriter(w), opt: opt}
	typ := "UnstructuredGrid"
	if poly {
		typ = "PolyData"
	}
	comp := ""
	if opt.Compress && opt.Format != XMLASCII {
		comp = ` compressor="vtkZLibDataCompressor"`
	}
	fmt.Fprintf(x.w, "<?xml version=\"1.0\"?>\n<VTKFile type=%q version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\"%s>\n  <%s>\n", typ, comp, typ)
	nc := m.NumCells()
	if poly {
		fmt.Fprintf(x.w, "    <Piece NumberOfPoints=\"%d\" NumberOfVerts=\"0\" NumberOfLines=\"0\" NumberOfStrips=\"0\" NumberOfPolys=\"%d\">\n", len(m.Points), nc)
	} else {
		fmt.Fprintf(x.w, "    <Piece NumberOfPoints=\"%d\" NumberOfCells=\"%d\">\n", len(m.Points), nc)
	}
	x.fields("PointData", m.PointData)
	x.fields("CellData", m.allCellFields())
	x.w.WriteString("      <Points>\n")
	x.array("Points", "Float64", 3, flatVecs(m.Points))
	x.w.WriteString("      </Points>\n")
	sec := "Cells"
	if poly {
		sec = "Polys"
	}
	fmt.Fprintf(x.w, "      <%s>\n", sec)
	k := int(m.Kind)
	conn := make([]float64, len(m.Cells))
	for i, v := range m.Cells {
		conn[i] = float64(v)
	}
	offs := make([]float64, nc)
	types := make([]float64, nc)
	t := float64(vtkTriangle)
	if m.Kind == Tetrahedron {
		t = vtkTetra
	}
	for e := range offs {
		offs[e] = float64((e + 1) * k)
		types[e] = t
	}
	x.array("connectivity", "Int64", 1, conn)
	x.array("offsets", "Int64", 1, offs)
	if !poly {
		x.array("types", "UInt8", 1, types)
	}
	fmt.Fprintf(x.w, "      </%s>\n", sec)
	x.w.WriteString("    </Piece>\n")
	fmt.Fprintf(x.w, "  </%s>\n", typ)
	if opt.Format == XMLAppended {
		x.w.WriteString("  <AppendedData encoding=\"raw\">\n   _")
		x.w.Write(x.appended.Bytes())
		x.w.WriteString("\n  </AppendedData>\n")
	}
	x.w.WriteString("</VTKFile>\n")
	return x.w.Flush()
}

func (x *xmlWriter) fields(sec string, fs []Field) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(x.w, "      <%s>\n", sec)
	for _, f := range fs {
		t := "Float64"
		if f.Name == RegionArray && sec == "CellData" {
			t = "Int32"
		}
		x.array(f.Name, t, f.Components, f.Values)
	}
	fmt.Fprintf(x.w, "      </%s>\n", sec)
}

func (x *xmlWriter) array(name, typ string, nc int, v []float64) {
	var nameAttr bytes.Buffer
	xml.EscapeText(&nameAttr, []byte(name))
	fmt.Fprintf(x.w, "        <DataArray type=%q Name=\"%s\" NumberOfComponents=\"%d\"", typ, nameAttr.String(), nc)
	if x.opt.Format == XMLASCII {
		x.w.WriteString(" format=\"ascii\">\n")
		for i, f := range v {
			if i%nc == 0 {
				if i > 0 {
					x.w.WriteByte('\n')
				}
				x.w.WriteString("          ")
			} else {
				x.w.WriteByte(' ')
			}
			x.w.WriteString(fmtFloat(f))
		}
		x.w.WriteString("\n        </DataArray>\n")
		return
	}
	raw := encodeScalars(v, typ)
	header, body := x.block(raw)
	if x.opt.Format == XMLAppended {
		fmt.Fprintf(x.w, " format=\"appended\" offset=\"%d\"/>\n", x.appended.Len())
		x.appended.Write(header)
		x.appended.Write(body)
		return
	}
	x.w.WriteString(" format=\"binary\">\n          ")
	x.w.WriteString(base64.StdEncoding.EncodeToString(header))
	x.w.WriteString(base64.StdEncoding.EncodeToString(body))
	x.w.WriteString("\n        </DataArray>\n")
}

const zlibBlock = 1 << 15

// block returns the UInt64 header and the (possibly compressed) payload.
func (x *xmlWriter) block(raw []byte) (header, body []byte) {
	if !x.opt.Compress {
		return binary.LittleEndian.AppendUint64(nil, uint64(len(raw))), raw
	}
	nb := (len(raw) + zlibBlock - 1) / zlibBlock
	last := len(raw) - (nb-1)*zlibBlock
	if nb == 0 {
		last = 0
	}
	header = binary.LittleEndian.AppendUint64(nil, uint64(nb))
	header = binary.LittleEndian.AppendUint64(header, zlibBlock)
	header = binary.LittleEndian.AppendUint64(header, uint64(last))
	var out bytes.Buffer
	for i := 0; i < nb; i++ {
		chunk := raw[i*zlibBlock : min((i+1)*zlibBlock, len(raw))]
		n0 := out.Len()
		zw := zlib.NewWriter(&out)
		zw.Write(chunk)
		zw.Close()
		header = binary.LittleEndian.AppendUint64(header, uint64(out.Len()-n0))
	}
	return header, out.Bytes()
}

func encodeScalars(v []float64, typ string) []byte {
	size, _, _ := scalarSize(typ)
	b := make([]byte, 0, size*len(v))
	for _, f := range v {
		switch typ {
		case "Float64":
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
		case "Int64":
			b = binary.LittleEndian.AppendUint64(b, uint64(int64(f)))
		case "Int32":
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(f)))
		case "UInt8":
			b = append(b, uint8(f))
		default:
			panic("mesh: unsupported write type " + typ)
		}
	}
	return b
}
