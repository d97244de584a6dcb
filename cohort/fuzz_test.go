package cohort

import (
	"bytes"
	"errors"
	"os"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// The fuzz targets feed arbitrary bytes to the table readers and check what
// a reader of user files must guarantee: no panic, no allocation far beyond
// the input's size, an *InputError of one line that names the file, and a
// table it accepts is consistent (every column as long as the table).
// .ci/fuzz runs each for a few seconds; benchmarks/README.md records a
// longer run.

// heapAllocated returns the bytes allocated on the heap by this process so
// far (cumulative).
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// tableBudget is the most a CSV reader may allocate on an input of n
// bytes: 1 MiB plus perByte bytes per input byte.
func tableBudget(n, perByte int) uint64 { return 1<<20 + uint64(perByte)*uint64(n) }

// fuzzTable runs read and checks the guarantees above, allocation within
// budget bytes among them.
func fuzzTable(t *testing.T, name string, budget uint64, read func() (*Table, error)) {
	t.Helper()
	before := heapAllocated()
	tb, err := read()
	if a := heapAllocated() - before; a > budget {
		t.Fatalf("the reader allocated %d bytes (budget %d); result: %v", a, budget, err)
	}
	if err != nil {
		var ie *InputError
		msg := err.Error()
		if !errors.As(err, &ie) || strings.ContainsAny(msg, "\n\r") || !strings.HasPrefix(msg, name) {
			t.Fatalf("error is not an *InputError of one line starting with %q: %T %q", name, err, msg)
		}
		return
	}
	if tb.Rows() < 1 || len(tb.Columns) < 1 {
		t.Fatalf("accepted a table of %d rows and %d columns", tb.Rows(), len(tb.Columns))
	}
	for _, c := range tb.Columns {
		n := len(c.Num)
		if !c.Kind.numeric() {
			n = len(c.Cat)
		}
		if n != tb.Rows() {
			t.Fatalf("column %q has %d values for %d rows", c.Name, n, tb.Rows())
		}
		for i, k := range c.Cat {
			if k < -1 || k >= len(c.Levels) {
				t.Fatalf("column %q row %d has level %d of %d", c.Name, i, k, len(c.Levels))
			}
		}
	}
	var b bytes.Buffer
	if err := tb.WriteCSV(&b); err != nil {
		t.Fatalf("WriteCSV of an accepted table: %v", err)
	}
}

func FuzzReadCSV(f *testing.F) {
	wbcd, err := os.ReadFile("testdata/breast_cancer_wisconsin.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(wbcd[:1024], uint8(0)) // the header and the first rows
	f.Add([]byte(mixedCSV), uint8(0))
	f.Add([]byte(twinCSV), uint8(0))
	f.Add([]byte("\ufeffa;b\n\"x;1\";NA\n2;?\n"), uint8(';'))
	f.Fuzz(func(t *testing.T, data []byte, sep uint8) {
		opt := ReadOptions{}
		if sep == ';' || sep == '\t' {
			opt.Comma = rune(sep)
		}
		fuzzTable(t, "f.csv", tableBudget(len(data), 256), func() (*Table, error) { return ReadCSV(bytes.NewReader(data), "f.csv", opt) })
	})
}

func FuzzReadParquet(f *testing.F) {
	for _, codec := range []parquet.WriterOption{parquet.Compression(&parquet.Uncompressed), parquet.Compression(&parquet.Snappy),
		parquet.Compression(&parquet.Zstd), parquet.Compression(&parquet.Lz4Raw), parquet.Compression(&parquet.Gzip)} {
		var b bytes.Buffer
		w := parquet.NewGenericWriter[twinRow](&b, codec)
		if _, err := w.Write(twinRows()[:3]); err != nil {
			f.Fatal(err)
		}
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	// A Parquet file may expand to freeValues values plus valuesPerByte
	// per byte (checkRowCounts), each costing at most 128 bytes on its way
	// to a column (a parquet.Value, its text, the parsed number or level),
	// and to freePageBytes plus pageBytesPerByte of page data (checkPages),
	// held at most twice (a page buffer and a decoded copy).
	f.Fuzz(func(t *testing.T, data []byte) {
		n := uint64(len(data))
		budget := tableBudget(len(data), 256) + 128*(freeValues+valuesPerByte*n) + 2*(freePageBytes+pageBytesPerByte*n)
		fuzzTable(t, "f.parquet", budget, func() (*Table, error) {
			return ReadParquet(bytes.NewReader(data), int64(len(data)), "f.parquet", ReadOptions{})
		})
	})
}
