package cohort

import (
	"bytes"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// twinRow is a row of the Parquet twin of twinCSV: the mixed table of
// mixedCSV plus a decimal, a boolean, a float32 and a timestamp column.
type twinRow struct {
	ID     string    `parquet:"id"`
	Age    int64     `parquet:"age"`
	Score  *int32    `parquet:"score,optional"`
	Sex    *string   `parquet:"sex,optional"`
	Site   *string   `parquet:"site,optional"`
	Visit  *int32    `parquet:"visit,date"`
	Weight *float64  `parquet:"weight,optional"`
	Dose   int32     `parquet:"dose,decimal(2:6)"`
	Smoker bool      `parquet:"smoker"`
	Height float32   `parquet:"height"`
	Seen   time.Time `parquet:"seen,timestamp(millisecond)"`
}

const twinCSV = `id,age,score,sex,site,visit,weight,dose,smoker,height,seen
p1,34,3,F,a,2020-01-05,61.5,12.50,true,1.62,2024-01-01
p2,51,5,M,b,2021-03-01,,-0.05,false,1.8,2024-02-29
p3,47,,F,c,2019-11-30,77.25,100.00,false,1.755,2024-03-15
p4,29,1,M,a,,58,7.25,true,1.7,2024-01-01
p5,62,4,,b,2022-07-14,90.1,3.00,false,1.66,2023-12-31
p6,55,2,F,c,2020-02-29,70,12.50,true,1.59,2024-06-30
p7,41,5,M,a,2018-05-05,82.4,0.75,false,1.91,2024-01-01
p8,38,3,F,NA,2021-12-31,66.6,9.99,true,1.73,2024-02-29
`

func twinRows() []twinRow {
	p32 := func(v int32) *int32 { return &v }
	ps := func(v string) *string { return &v }
	pf := func(v float64) *float64 { return &v }
	day := func(s string) *int32 {
		d, _ := time.Parse(time.DateOnly, s)
		return p32(int32(d.Unix() / 86400))
	}
	ts := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	return []twinRow{
		{"p1", 34, p32(3), ps("F"), ps("a"), day("2020-01-05"), pf(61.5), 1250, true, 1.62, ts("2024-01-01")},
		{"p2", 51, p32(5), ps("M"), ps("b"), day("2021-03-01"), nil, -5, false, 1.8, ts("2024-02-29")},
		{"p3", 47, nil, ps("F"), ps("c"), day("2019-11-30"), pf(77.25), 10000, false, 1.755, ts("2024-03-15")},
		{"p4", 29, p32(1), ps("M"), ps("a"), nil, pf(58), 725, true, 1.7, ts("2024-01-01")},
		{"p5", 62, p32(4), nil, ps("b"), day("2022-07-14"), pf(90.1), 300, false, 1.66, ts("2023-12-31")},
		{"p6", 55, p32(2), ps("F"), ps("c"), day("2020-02-29"), pf(70), 1250, true, 1.59, ts("2024-06-30")},
		{"p7", 41, p32(5), ps("M"), ps("a"), day("2018-05-05"), pf(82.4), 75, false, 1.91, ts("2024-01-01")},
		{"p8", 38, p32(3), ps("F"), ps("NA"), day("2021-12-31"), pf(66.6), 999, true, 1.73, ts("2024-02-29")},
	}
}

// writeParquet writes rows to a Parquet file in memory.
func writeParquet[T any](t *testing.T, rows []T, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// identical reports the first difference between two tables: names, kinds,
// levels and every value (NaN equal to NaN).
func identical(a, b *Table) string {
	if !slices.Equal(a.Names(), b.Names()) || a.Rows() != b.Rows() {
		return "columns " + strings.Join(a.Names(), ",") + " vs " + strings.Join(b.Names(), ",")
	}
	for j := range a.Columns {
		ca, cb := &a.Columns[j], &b.Columns[j]
		switch {
		case ca.Kind != cb.Kind:
			return ca.Name + ": kind " + ca.Kind.String() + " vs " + cb.Kind.String()
		case ca.Integer != cb.Integer:
			return ca.Name + ": Integer differs"
		case !slices.Equal(ca.Levels, cb.Levels):
			return ca.Name + ": levels " + strings.Join(ca.Levels, ",") + " vs " + strings.Join(cb.Levels, ",")
		case !slices.Equal(ca.Cat, cb.Cat):
			return ca.Name + ": categories differ"
		case !slices.EqualFunc(ca.Num, cb.Num, func(x, y float64) bool {
			return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
		}):
			return ca.Name + ": numbers differ"
		}
	}
	return ""
}

// TestParquetTwinOfCSV: a Parquet file and its CSV twin read into identical
// tables — kinds, levels, values and missing values — through ReadFile,
// which picks the reader by extension, with and without overrides.
func TestParquetTwinOfCSV(t *testing.T) {
	dir := t.TempDir()
	pq := filepath.Join(dir, "twin.parquet")
	if err := os.WriteFile(pq, writeParquet(t, twinRows()), 0o644); err != nil {
		t.Fatal(err)
	}
	// Small row groups: the reader must join them.
	pqMulti := filepath.Join(dir, "twin-multi.PARQUET")
	if err := os.WriteFile(pqMulti, writeParquet(t, twinRows(), parquet.MaxRowsPerRowGroup(3)), 0o644); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "twin.csv")
	if err := os.WriteFile(csvPath, []byte(twinCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, opt := range []ReadOptions{{}, {Kinds: map[string]Kind{"age": Continuous, "dose": Categorical}, Drop: []string{"id"}}} {
		want, err := ReadFile(csvPath, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{pq, pqMulti} {
			got, err := ReadFile(p, opt)
			if err != nil {
				t.Fatal(err)
			}
			if d := identical(got, want); d != "" {
				t.Errorf("%s vs its CSV twin (options %+v): %s", filepath.Base(p), opt, d)
			}
		}
	}
	tb, err := ReadFile(pq, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]Kind{"id": Identifier, "age": Ordinal, "score": Ordinal, "sex": Categorical, "site": Categorical,
		"visit": Date, "weight": Continuous, "dose": Continuous, "smoker": Categorical, "height": Continuous, "seen": Date}
	for _, c := range tb.Columns {
		if c.Kind != kinds[c.Name] {
			t.Errorf("%s: kind %v, want %v", c.Name, c.Kind, kinds[c.Name])
		}
	}
	if !tb.Column("weight").Missing(1) || !tb.Column("sex").Missing(4) || !tb.Column("site").Missing(7) || !tb.Column("visit").Missing(3) {
		t.Error("nulls (and NA) not read as missing")
	}
	if got := tb.Column("dose").String(1); got != "-0.05" {
		t.Errorf("decimal -5 at scale 2 read as %s", got)
	}
}

func TestParquetErrors(t *testing.T) {
	type nested struct {
		A int64   `parquet:"a"`
		B []int64 `parquet:"b"`
	}
	type clock struct {
		At time.Time `parquet:"at,timestamp(millisecond)"`
	}
	noon := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"garbage", []byte("a,b\n1,2\n"), "not a readable Parquet file"},
		{"nested", writeParquet(t, []nested{{1, []int64{1, 2}}}), `column "b" is nested or repeated`},
		{"time of day", writeParquet(t, []clock{{noon}}), "has a time of day"},
		{"empty", writeParquet(t, []clock{}), "no data rows"},
	} {
		_, err := ReadParquet(bytes.NewReader(tc.data), int64(len(tc.data)), tc.name+".parquet", ReadOptions{})
		if _, ok := err.(*InputError); !ok || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an InputError with %q", tc.name, err, tc.want)
		}
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "none.parquet"), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "cannot open the table") {
		t.Errorf("missing file: %v", err)
	}
}

func TestDecimalText(t *testing.T) {
	for _, tc := range []struct {
		u     int64
		scale int
		want  string
	}{{-1234, 2, "-12.34"}, {-5, 2, "-0.05"}, {5, 3, "0.005"}, {12345, 0, "12345"}, {7, -2, "700"}, {0, 2, "0.00"}} {
		if got := decimalText(big.NewInt(tc.u), tc.scale); got != tc.want {
			t.Errorf("decimalText(%d, %d) = %s, want %s", tc.u, tc.scale, got, tc.want)
		}
	}
}
