package cohort

import (
	"bytes"
	"encoding/binary"
	"fmt"
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
