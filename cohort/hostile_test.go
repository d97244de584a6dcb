package cohort

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// withRowCount returns the Parquet file b with its metadata (file and first
// row group) announcing n rows: a few bytes of footer that a hostile file
// can set to anything.
func withRowCount(t *testing.T, b []byte, n int64) []byte {
	t.Helper()
	flen := int(binary.LittleEndian.Uint32(b[len(b)-8:]))
	start := len(b) - 8 - flen
	var meta format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), b[start:len(b)-8], &meta); err != nil {
		t.Fatal(err)
	}
	meta.NumRows = n
	meta.RowGroups[0].NumRows = n
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), &meta)
	if err != nil {
		t.Fatal(err)
	}
	out := append(append([]byte(nil), b[:start]...), footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

// TestHostileParquet holds the Parquet inputs found to make the reader
// allocate far beyond the file's size: the fuzzer's "PAR1PAR1" (a footer
// length of 827 MB read from the magic) and metadata announcing 10⁸ or 10¹⁴
// rows for a file of 3 (preallocated before reading). Each must be refused
// with one line naming the file, within the fuzz target's budget.
func TestHostileParquet(t *testing.T) {
	type one struct {
		X int64 `parquet:"x"`
	}
	lz4Corrupt, err := os.ReadFile("testdata/lz4-corrupt.parquet")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[one](&buf)
	if _, err := w.Write([]one{{1}, {2}, {3}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"magic.parquet", []byte("PAR1PAR1"), "magic.parquet: not a readable Parquet file: 8 bytes is too short"},
		{"footer.parquet", []byte("PAR1\x00\x00\x00\x00PAR1PAR1"), "footer.parquet: not a readable Parquet file: the footer announces 827474256 bytes of metadata in a 16-byte file"},
		{"rows8.parquet", withRowCount(t, buf.Bytes(), 1e8), "rows8.parquet: row group 1 announces 100000000 rows"},
		{"rows14.parquet", withRowCount(t, buf.Bytes(), 1e14), "rows14.parquet: row group 1 announces 100000000000000 rows"},
		// a footer whose schema list announces 2²⁴ items (1.6 GB of
		// SchemaElement, allocated before reading them) in 8 bytes
		{"list.parquet", []byte("PAR1\x15\x02\x19\xfc\x80\x80\x80\x08\x00\x09\x00\x00\x00PAR1"),
			"list.parquet: not a readable Parquet file: footer (metadata) at byte 12: a list of 16777216 items with 1 bytes left"},
		// found by mutating the seeds: a column's codec turned into LZ4_RAW, whose
		// data then never decodes; parquet-go doubled its buffer forever
		{"lz4-corrupt.parquet", lz4Corrupt, "lz4-corrupt.parquet: row group 1, column 6: page at byte 411: LZ4_RAW data does not decode into the page's 12 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			before := heapAllocated()
			func() {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("panic: %v", p)
					}
				}()
				_, err = ReadParquet(bytes.NewReader(c.data), int64(len(c.data)), c.name, ReadOptions{})
			}()
			if a, b := heapAllocated()-before, tableBudget(len(c.data), 256); a > b {
				t.Errorf("allocated %d bytes for a %d-byte file (budget %d)", a, len(c.data), b)
			}
			if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line starting %q", err, c.want)
			}
		})
	}
}

// TestCodecLengths checks the lengths announced inside compressed page
// data against the page's uncompressed size: a snappy block announcing
// 4 GiB (golang/snappy allocates what the block announces) and a zstd
// frame announcing 1 TiB (klauspost/compress allocates the frame's content
// size up to 64 GiB) in a page of 100 bytes are refused; honest ones pass.
func TestCodecLengths(t *testing.T) {
	zstdFrame := func(fcs uint64) []byte { // single segment, 8-byte content size, one raw block of 1 byte
		b := binary.LittleEndian.AppendUint32(nil, 0xFD2FB528)
		b = append(b, 0xE0)
		b = binary.LittleEndian.AppendUint64(b, fcs)
		return append(b, 0x09, 0x00, 0x00, 'x')
	}
	for _, c := range []struct {
		name  string
		codec format.CompressionCodec
		data  []byte
		want  string
	}{
		{"snappy 4 GiB", format.Snappy, binary.AppendUvarint(nil, 1<<32-1), "snappy block announces 4294967295 bytes in a page of 100"},
		{"snappy honest", format.Snappy, binary.AppendUvarint(nil, 100), ""},
		{"zstd 1 TiB", format.Zstd, zstdFrame(1 << 40), "zstd frames announce 1099511627776 bytes in a page of 100"},
		{"zstd two frames", format.Zstd, append(zstdFrame(60), zstdFrame(60)...), "zstd frames announce 120 bytes in a page of 100"},
		{"zstd honest", format.Zstd, zstdFrame(1), ""},
		{"zstd truncated", format.Zstd, zstdFrame(1)[:14], "zstd data truncated"},
		{"lz4 corrupt", format.Lz4Raw, []byte{0xf0, 1, 2}, "LZ4_RAW data does not decode"},
	} {
		err := checkCodecLengths(c.codec, c.data, 100)
		if (c.want == "") != (err == nil) || err != nil && !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// TestLz4Raw checks that an honest LZ4_RAW file still reads, as the CSV
// twin.
func TestLz4Raw(t *testing.T) {
	b := writeParquet(t, twinRows(), parquet.Compression(&parquet.Lz4Raw))
	got, err := ReadParquet(bytes.NewReader(b), int64(len(b)), "lz4.parquet", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReadCSV(strings.NewReader(twinCSV), "twin.csv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := identical(got, want); d != "" {
		t.Error(d)
	}
}
