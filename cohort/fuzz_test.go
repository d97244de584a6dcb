package cohort

import (
	"bytes"
	"errors"
	"math"
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

// FuzzMatchPatient matches a query patient against a reference table read
// from arbitrary CSV bytes (what `mdtwin match` and the dashboard's
// similar-patients panel do with a user's reference file): the query takes
// the values of one of the table's rows on up to three columns, the last
// column is the outcome, and when the table has two numeric columns more
// they are the follow-up time and the event. Whatever the table, matching
// returns an error or a result whose figures are consistent: no more
// matches than candidates, at least min(K, candidates) of them, shares and
// survival within [0, 1] inside their intervals, survival not increasing.
func FuzzMatchPatient(f *testing.F) {
	wbcd, err := os.ReadFile("testdata/breast_cancer_wisconsin.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(wbcd[:2048], uint8(3), uint8(5), uint8(0))
	f.Add([]byte(mixedCSV), uint8(2), uint8(3), uint8(1))
	f.Add([]byte("sex,age,t,e,relapse\nF,30,1,1,yes\nF,30,2,0,no\nM,40,2,1,no\nF,31,3,1,yes\nM,50,4,0,no\n"), uint8(1), uint8(2), uint8(1))
	f.Add([]byte("x,y\n1,a\n1,a\n1,a\n2,b\n"), uint8(0), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, row, k, seeded uint8) {
		if len(data) > 1<<14 {
			return
		}
		ref, err := ReadCSV(bytes.NewReader(data), "ref.csv", ReadOptions{})
		if err != nil {
			return
		}
		cols := projected(ref)
		if len(cols) < 2 {
			return
		}
		r := int(row) % ref.Rows()
		query := map[string]string{}
		for _, name := range cols[:min(3, len(cols)-1)] {
			if c := ref.Column(name); !c.Missing(r) {
				query[name] = c.String(r)
			}
		}
		opt := MatchOptions{K: 1 + int(k)%12, Outcomes: []string{cols[len(cols)-1]}, Seed: uint64(row)}
		if seeded%2 == 1 {
			opt.Ties = TiesSeeded
		}
		var numeric []string
		for _, name := range cols {
			if ref.Column(name).Kind.numeric() && len(query) > 0 && query[name] == "" {
				numeric = append(numeric, name)
			}
		}
		if len(numeric) >= 2 {
			opt.Time, opt.Event, opt.Horizons = numeric[0], numeric[1], []float64{1, 2}
		}
		res, err := MatchPatient(ref, query, opt)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		if len(res.Matches) > res.Candidates || len(res.Matches) < min(opt.K, res.Candidates) && len(res.Features) > 0 {
			t.Fatalf("%d matches of %d candidates with K = %d", len(res.Matches), res.Candidates, opt.K)
		}
		if opt.Ties == TiesSeeded && len(res.Features) > 0 && len(res.Matches) != min(opt.K, res.Candidates) {
			t.Fatalf("seeded ties: %d matches, want %d", len(res.Matches), min(opt.K, res.Candidates))
		}
		for _, m := range res.Matches {
			if m.Row < 0 || m.Row >= ref.Rows() || math.IsNaN(m.Distance) || m.Distance < 0 {
				t.Fatalf("match %+v", m)
			}
		}
		groups := [][]OutcomeSummary{res.Outcomes}
		curves := [][]SurvivalPoint{res.Curve, res.AtHorizons}
		if res.Population != nil {
			groups = append(groups, res.Population.Outcomes)
			curves = append(curves, res.Population.Curve, res.Population.AtHorizons)
		}
		for _, g := range groups {
			for _, o := range g {
				for _, s := range o.Shares {
					if !(0 <= s.Low && s.Low <= s.Share && s.Share <= s.High && s.High <= 1) {
						t.Fatalf("%s share %+v", o.Variable, s)
					}
				}
			}
		}
		for _, c := range curves {
			prev := 1.0
			for _, p := range c {
				if !(0 <= p.Low && p.Low <= p.Survival && p.Survival <= p.High && p.High <= 1) || p.Survival > prev {
					t.Fatalf("survival point %+v after %v", p, prev)
				}
				prev = p.Survival
			}
		}
	})
}
