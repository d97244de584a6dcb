package cohort

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

// The checks in this file run before parquet-go decodes a file, because its
// decoder trusts the sizes a file announces: a Thrift list of 2³¹ items
// is allocated before its items are read, a page buffer is sized from the
// page header, a snappy block or a zstd frame allocates the length it
// announces, and a corrupt LZ4_RAW page makes it double its buffer
// forever. Every such size is checked here against the bytes present, so
// that what a file makes the reader allocate grows with the file's size.

// The Parquet layout (Apache Parquet file format): "PAR1", the column
// chunks (each a run of pages, a Thrift page header before each), the
// footer (Thrift FileMetaData), its length as a 4-byte little-endian
// integer, "PAR1". Thrift structures use the compact protocol.

// Uncompressed page data may total at most freePageBytes plus
// pageBytesPerByte per byte of file: compressed pages of repetitive columns
// legitimately inflate a thousandfold (zstd regenerates up to 128 KiB per
// 4-byte RLE block), and the bound keeps what a small file can claim to
// tens of megabytes.
const (
	freePageBytes    = 16 << 20
	pageBytesPerByte = 4096
)

// checkFooter checks the end of a Parquet file: the magic, a footer length
// that fits in the file, and a footer whose Thrift lengths fit in it.
// parquet-go allocates the announced footer length before comparing it with
// the file's size, so "PAR1PAR1" alone made it allocate 827 MB.
func checkFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes is too short (a Parquet file has at least 12)", size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if string(tail[4:]) != "PAR1" {
		return fmt.Errorf("the file does not end with the magic \"PAR1\" (encrypted Parquet files are not supported)")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return fmt.Errorf("the footer announces %d bytes of metadata in a %d-byte file", n, size)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	s := skimmer{b: footer}
	if err := s.structure(); err != nil {
		return fmt.Errorf("footer (metadata) at byte %d: %v", size-8-n+int64(s.pos), err)
	}
	return nil
}

// checkPages walks the page headers of every column chunk of the file
// described by meta, checking the codec, the page sizes against the chunk,
// the values announced against most (values per column), the uncompressed
// bytes announced against the file's size, and the lengths announced inside
// snappy and zstd data against the page's uncompressed size.
func checkPages(r io.ReaderAt, size int64, meta *format.FileMetaData, most int64) error {
	budget := freePageBytes + pageBytesPerByte*size
	for g := range meta.RowGroups {
		for c := range meta.RowGroups[g].Columns {
			md := &meta.RowGroups[g].Columns[c].MetaData
			if err := checkChunk(r, size, md, most, &budget); err != nil {
				return fmt.Errorf("row group %d, column %d: %v", g+1, c+1, err)
			}
		}
	}
	return nil
}

// checkChunk checks the pages of one column chunk, taking their
// uncompressed sizes from *budget.
func checkChunk(r io.ReaderAt, size int64, md *format.ColumnMetaData, most int64, budget *int64) error {
	switch md.Codec {
	case format.Uncompressed, format.Snappy, format.Gzip, format.Brotli, format.Zstd, format.Lz4Raw:
	default:
		return fmt.Errorf("compression %v is not supported (expected none, snappy, gzip, brotli, zstd or lz4_raw)", md.Codec)
	}
	start := md.DataPageOffset
	if md.DictionaryPageOffset != 0 { // as parquet-go reads it
		start = md.DictionaryPageOffset
	}
	n := md.TotalCompressedSize
	if start < 4 || n < 0 || start > size-8 || n > size-8-start {
		return fmt.Errorf("column chunk of %d bytes at byte %d lies outside the %d-byte file", n, start, size)
	}
	chunk := make([]byte, n)
	if _, err := r.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	var values int64
	for pos := 0; pos < len(chunk); {
		at := start + int64(pos)
		s := skimmer{b: chunk[pos:]}
		if err := s.structure(); err != nil {
			return fmt.Errorf("page header at byte %d: %v", at, err)
		}
		var h format.PageHeader
		if err := thrift.Unmarshal(new(thrift.CompactProtocol), chunk[pos:pos+s.pos], &h); err != nil {
			return fmt.Errorf("page header at byte %d: %v", at, err)
		}
		pos += s.pos
		cs, us := int64(h.CompressedPageSize), int64(h.UncompressedPageSize)
		if cs < 0 || cs > int64(len(chunk)-pos) || us < 0 {
			return fmt.Errorf("page at byte %d announces %d bytes (%d uncompressed) with %d left in the chunk", at, cs, us, len(chunk)-pos)
		}
		if *budget -= us; *budget < 0 {
			return fmt.Errorf("page at byte %d: the pages announce more uncompressed data than a %d-byte file may hold (%d bytes + %d per byte)", at, size, freePageBytes, pageBytesPerByte)
		}
		payload := chunk[pos : pos+int(cs)]
		pos += int(cs)
		nv, levels, compressed := pageValues(&h)
		if nv < 0 || levels < 0 || levels > cs {
			return fmt.Errorf("page at byte %d announces %d values and %d bytes of levels", at, nv, levels)
		}
		if values += nv; values > most {
			return fmt.Errorf("page at byte %d: the pages announce more than the %d values a column may hold", at, most)
		}
		if compressed && md.Codec != format.Uncompressed {
			if err := checkCodecLengths(md.Codec, payload[levels:], us-levels); err != nil {
				return fmt.Errorf("page at byte %d: %v", at, err)
			}
		}
	}
	return nil
}

// pageValues returns the values a page announces, the bytes of
// uncompressed levels before its compressed data (data pages v2), and
// whether its data is compressed.
func pageValues(h *format.PageHeader) (values, levels int64, compressed bool) {
	switch {
	case h.DataPageHeaderV2.Valid:
		v := &h.DataPageHeaderV2.V
		compressed = !v.IsCompressed.Valid || v.IsCompressed.V
		return int64(v.NumValues), int64(v.DefinitionLevelsByteLength) + int64(v.RepetitionLevelsByteLength), compressed
	case h.DataPageHeader.Valid:
		return int64(h.DataPageHeader.V.NumValues), 0, true
	case h.DictionaryPageHeader.Valid:
		return int64(h.DictionaryPageHeader.V.NumValues), 0, true
	}
	return 0, 0, true
}

// checkCodecLengths checks the lengths announced inside compressed data:
// the decoded length that starts a snappy block, the content size of each
// zstd frame. Neither may exceed us, the page's uncompressed size. An
// LZ4_RAW block must decode into us bytes: parquet-go doubles its buffer
// and retries on any LZ4 error, forever on corrupt data. Gzip and brotli
// announce no length; their decoders grow with what they produce.
func checkCodecLengths(codec format.CompressionCodec, b []byte, us int64) error {
	switch codec {
	case format.Lz4Raw:
		if _, err := lz4.UncompressBlock(b, make([]byte, us)); err != nil {
			return fmt.Errorf("LZ4_RAW data does not decode into the page's %d bytes: %v", us, err)
		}
	case format.Snappy:
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return errors.New("snappy block without a length")
		}
		if n > uint64(us) {
			return fmt.Errorf("snappy block announces %d bytes in a page of %d", n, us)
		}
	case format.Zstd:
		return checkZstdFrames(b, us)
	}
	return nil
}

// checkZstdFrames walks the zstd frames of b (RFC 8878, section 3.1) and
// checks that the content sizes they announce total at most us bytes.
func checkZstdFrames(b []byte, us int64) error {
	truncated := errors.New("zstd data truncated")
	var total uint64
	for len(b) > 0 {
		if len(b) < 5 {
			return truncated
		}
		magic := binary.LittleEndian.Uint32(b)
		if magic&0xFFFFFFF0 == 0x184D2A50 { // skippable frame
			n := uint64(binary.LittleEndian.Uint32(b[4:]))
			if len(b) < 8 || n > uint64(len(b)-8) {
				return truncated
			}
			b = b[8+n:]
			continue
		}
		if magic != 0xFD2FB528 {
			return fmt.Errorf("not a zstd frame (magic %#x)", magic)
		}
		d := b[4]
		single := d&0x20 != 0
		p := 5
		if !single {
			p++ // window descriptor
		}
		p += [4]int{0, 1, 2, 4}[d&3] // dictionary ID
		fcsSize := [4]int{0, 2, 4, 8}[d>>6]
		if d>>6 == 0 && single {
			fcsSize = 1
		}
		if len(b) < p+fcsSize {
			return truncated
		}
		var fcs uint64
		for i := fcsSize - 1; i >= 0; i-- {
			fcs = fcs<<8 | uint64(b[p+i])
		}
		if fcsSize == 2 {
			fcs += 256
		}
		if total += fcs; fcs > uint64(us) || total > uint64(us) {
			return fmt.Errorf("zstd frames announce %d bytes in a page of %d", total, us)
		}
		p += fcsSize
		for last := false; !last; {
			if len(b) < p+3 {
				return truncated
			}
			bh := uint32(b[p]) | uint32(b[p+1])<<8 | uint32(b[p+2])<<16
			p += 3
			last = bh&1 != 0
			switch bh >> 1 & 3 {
			case 0, 2: // raw, compressed: Block_Size bytes follow
				p += int(bh >> 3)
			case 1: // RLE: one byte follows
				p++
			default:
				return errors.New("zstd block of the reserved type")
			}
			if p > len(b) {
				return truncated
			}
		}
		if d&4 != 0 {
			p += 4 // content checksum
		}
		if p > len(b) {
			return truncated
		}
		b = b[p:]
	}
	return nil
}

// skimmer walks Thrift compact-protocol data without decoding it, checking
// that every length (of a binary, a list, a set or a map) fits in the bytes
// left and that structures nest at most maxThriftDepth deep: parquet-go's
// decoder allocates a list of the announced length (up to 2³¹ items)
// before reading its items.
type skimmer struct {
	b     []byte
	pos   int
	depth int
}

// maxThriftDepth bounds the nesting of Thrift structures (Parquet's own
// nest four deep).
const maxThriftDepth = 64

var errThriftTruncated = errors.New("Thrift data truncated")

func (s *skimmer) left() uint64 { return uint64(len(s.b) - s.pos) }

func (s *skimmer) byte() (byte, error) {
	if s.pos >= len(s.b) {
		return 0, errThriftTruncated
	}
	s.pos++
	return s.b[s.pos-1], nil
}

func (s *skimmer) uvarint() (uint64, error) {
	v, n := binary.Uvarint(s.b[s.pos:])
	if n <= 0 {
		return 0, errThriftTruncated
	}
	s.pos += n
	return v, nil
}

func (s *skimmer) skip(n uint64) error {
	if n > s.left() {
		return fmt.Errorf("a length of %d with %d bytes left", n, s.left())
	}
	s.pos += int(n)
	return nil
}

// structure skims the fields of a structure up to its stop byte.
func (s *skimmer) structure() error {
	if s.depth++; s.depth > maxThriftDepth {
		return fmt.Errorf("structures nested more than %d deep", maxThriftDepth)
	}
	defer func() { s.depth-- }()
	for {
		h, err := s.byte()
		if err != nil || h == 0 {
			return err
		}
		if h>>4 == 0 { // the field id follows as a zigzag varint
			if _, err := s.uvarint(); err != nil {
				return err
			}
		}
		if err := s.value(h & 0x0F); err != nil {
			return err
		}
	}
}

// value skims one value of compact type t (a field's; see element for
// list items).
func (s *skimmer) value(t byte) error {
	switch t {
	case 1, 2: // boolean true/false: held in the field header
		return nil
	case 3: // byte
		return s.skip(1)
	case 4, 5, 6: // i16, i32, i64: zigzag varints
		_, err := s.uvarint()
		return err
	case 7: // double
		return s.skip(8)
	case 8: // binary
		n, err := s.uvarint()
		if err != nil {
			return err
		}
		return s.skip(n)
	case 9, 10: // list, set
		h, err := s.byte()
		if err != nil {
			return err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = s.uvarint(); err != nil {
				return err
			}
		}
		if n > s.left() { // every item takes at least one byte
			return fmt.Errorf("a list of %d items with %d bytes left", n, s.left())
		}
		for ; n > 0; n-- {
			if err := s.element(h & 0x0F); err != nil {
				return err
			}
		}
		return nil
	case 11: // map
		n, err := s.uvarint()
		if err != nil || n == 0 {
			return err
		}
		kv, err := s.byte()
		if err != nil {
			return err
		}
		if n > s.left()/2 { // a key and a value take at least two bytes
			return fmt.Errorf("a map of %d entries with %d bytes left", n, s.left())
		}
		for ; n > 0; n-- {
			if err := s.element(kv >> 4); err != nil {
				return err
			}
			if err := s.element(kv & 0x0F); err != nil {
				return err
			}
		}
		return nil
	case 12: // struct
		return s.structure()
	}
	return fmt.Errorf("unknown Thrift type %d", t)
}

// element skims a list item or map entry of type t; a boolean item takes
// one byte, unlike a boolean field.
func (s *skimmer) element(t byte) error {
	if t == 1 || t == 2 {
		return s.skip(1)
	}
	return s.value(t)
}
