package cohort

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// ReadParquet reads a table from a Parquet file of size bytes and infers
// each column's kind exactly as ReadCSV does, so that a Parquet file and
// its CSV twin give identical tables: every value is turned into the text
// a CSV file would hold, then parsed as ReadCSV parses it. Hence a numeric
// Parquet column with two distinct values is Categorical, an integral one
// with few levels Ordinal, and so on; ReadOptions.Kinds overrides the
// inference as for CSV, and ReadOptions.Comma is ignored.
//
// The schema must be flat: one top-level column per variable, required or
// optional (null is a missing value), not repeated or nested. Values
// convert as follows:
//
//   - BOOLEAN: true, false;
//   - INT32, INT64 (signed or unsigned), FLOAT, DOUBLE: the number, in the
//     shortest form that parses back to the same value (NaN is missing);
//   - DECIMAL (on INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY): the
//     exact decimal number;
//   - DATE: 2006-01-02 (so a Date column);
//   - TIMESTAMP: its UTC calendar date when every value is at midnight,
//     else an error (tables hold dates, not times of day);
//   - UUID: the 8-4-4-4-12 hexadecimal form;
//   - other BYTE_ARRAY (STRING, ENUM, JSON, plain bytes): the text.
//
// TIME, INTERVAL, FLOAT16, INT96 and geospatial columns are an error naming
// the column. name labels errors (the file name).
func ReadParquet(r io.ReaderAt, size int64, name string, opt ReadOptions) (t *Table, err error) {
	// A corrupt file may make the decoder panic; it is bad input, not a
	// bug of the caller.
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, &InputError{fmt.Sprintf("%s: corrupt Parquet file: %v", name, p)}
		}
	}()
	if err := checkFooter(r, size); err != nil {
		return nil, &InputError{fmt.Sprintf("%s: not a readable Parquet file: %v", name, err)}
	}
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, &InputError{fmt.Sprintf("%s: not a readable Parquet file: %v", name, err)}
	}
	header, convs, err := parquetColumns(f, name, opt)
	if err != nil {
		return nil, err
	}
	nrows, err := checkRowCounts(f, len(header), size)
	if err == nil {
		err = checkPages(r, size, f.Metadata(), int64(nrows))
	}
	if err != nil {
		return nil, &InputError{fmt.Sprintf("%s: %v", name, err)}
	}
	raw, err := readParquetRows(f, name, header, convs, nrows)
	if err != nil {
		return nil, err
	}
	return fromStrings(name, header, raw, opt)
}

// parquetColumns returns the column names of a flat Parquet schema and the
// converter of each column's values to text.
func parquetColumns(f *parquet.File, name string, opt ReadOptions) ([]string, []func(parquet.Value) (string, error), error) {
	fields := f.Schema().Fields()
	header := make([]string, len(fields))
	convs := make([]func(parquet.Value) (string, error), len(fields))
	for j, fd := range fields {
		header[j] = strings.TrimSpace(fd.Name())
		if !fd.Leaf() || fd.Repeated() {
			return nil, nil, &InputError{fmt.Sprintf("%s: column %q is nested or repeated; expected a flat table, one column per variable", name, fd.Name())}
		}
		var err error
		if convs[j], err = converter(fd.Type()); err != nil {
			return nil, nil, &InputError{fmt.Sprintf("%s: column %q: %v", name, fd.Name(), err)}
		}
	}
	if len(header) == 0 {
		return nil, nil, &InputError{fmt.Sprintf("%s: no columns", name)}
	}
	if err := checkHeader(name, header, opt); err != nil {
		return nil, nil, err
	}
	return header, convs, nil
}

// readParquetRows reads the nrows rows of f as text, column by column:
// raw[j][i] is the value of column j in row i. A file holding more rows
// than its metadata announced is refused.
func readParquetRows(f *parquet.File, name string, header []string, convs []func(parquet.Value) (string, error), nrows int) ([][]string, error) {
	raw := make([][]string, len(header))
	for j := range raw {
		raw[j] = make([]string, 0, nrows)
	}
	rd := parquet.NewReader(f)
	defer rd.Close()
	rows := make([]parquet.Row, 256)
	for row := 0; ; {
		n, rerr := rd.ReadRows(rows)
		for _, rec := range rows[:n] {
			if row >= nrows {
				return nil, &InputError{fmt.Sprintf("%s: row %d: more rows than the %d the metadata announces", name, row+1, nrows)}
			}
			if len(rec) != len(header) {
				return nil, &InputError{fmt.Sprintf("%s: row %d has %d values for %d columns", name, row+1, len(rec), len(header))}
			}
			for _, v := range rec {
				j := v.Column()
				s, err := convs[j](v)
				if err != nil {
					return nil, &InputError{fmt.Sprintf("%s: row %d, column %q: %v", name, row+1, header[j], err)}
				}
				raw[j] = append(raw[j], strings.TrimSpace(s))
			}
			row++
		}
		if errors.Is(rerr, io.EOF) {
			return raw, nil
		}
		if rerr != nil {
			return nil, &InputError{fmt.Sprintf("%s: row %d: %v", name, row+1, rerr)}
		}
	}
}

// Parquet compresses repeated values to almost nothing (run-length and
// dictionary encodings, then zstd), so a small file may announce millions
// of rows. A table may hold at most freeValues values plus valuesPerByte
// per byte of file: far above real tables (the WBCD table of 683×11
// values is 1.1 values per byte as zstd Parquet; 100,000 identical rows of
// 11 columns, the extreme, 155), and a bound on the memory a small hostile
// file can claim.
const (
	freeValues    = 1 << 16
	valuesPerByte = 256
)

// checkRowCounts checks the row counts of the file's metadata and of its
// row groups against the values a file of size bytes may hold with ncols
// columns, and returns the number of rows.
func checkRowCounts(f *parquet.File, ncols int, size int64) (int, error) {
	most := (freeValues + valuesPerByte*size) / int64(ncols)
	total := int64(0)
	for k, g := range f.Metadata().RowGroups {
		if g.NumRows < 0 || g.NumRows > most-total {
			return 0, fmt.Errorf("row group %d announces %d rows; a %d-byte file of %d columns may hold at most %d rows (%d values + %d per byte)",
				k+1, g.NumRows, size, ncols, most, freeValues, valuesPerByte)
		}
		total += g.NumRows
	}
	if n := f.NumRows(); n != total {
		return 0, fmt.Errorf("the metadata announces %d rows but its row groups hold %d", n, total)
	}
	return int(total), nil
}

// converter returns the function that turns a value of type typ into the
// text ReadCSV would read.
func converter(typ parquet.Type) (func(parquet.Value) (string, error), error) {
	null := func(conv func(parquet.Value) (string, error)) func(parquet.Value) (string, error) {
		return func(v parquet.Value) (string, error) {
			if v.IsNull() {
				return "", nil
			}
			return conv(v)
		}
	}
	kind := typ.Kind()
	var lt format.LogicalTypeValue
	if l := typ.LogicalType(); l != nil {
		lt = l.Value
	}
	switch l := lt.(type) {
	case *format.DecimalType:
		scale := int(l.Scale)
		return null(func(v parquet.Value) (string, error) {
			var u big.Int
			switch kind {
			case parquet.Int32:
				u.SetInt64(int64(v.Int32()))
			case parquet.Int64:
				u.SetInt64(v.Int64())
			case parquet.ByteArray, parquet.FixedLenByteArray:
				b := v.ByteArray()
				u.SetBytes(b)
				if len(b) > 0 && b[0]&0x80 != 0 { // two's complement, big-endian
					u.Sub(&u, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
				}
			default:
				return "", fmt.Errorf("DECIMAL on %v is not supported", kind)
			}
			return decimalText(&u, scale), nil
		}), nil
	case *format.DateType:
		return null(func(v parquet.Value) (string, error) {
			return time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.DateOnly), nil
		}), nil
	case *format.TimestampType:
		unit := l.Unit.Value.Duration()
		return null(func(v parquet.Value) (string, error) {
			ts := v.Int64()
			perDay := int64(24 * time.Hour / unit)
			if ts%perDay != 0 {
				return "", fmt.Errorf("timestamp %s has a time of day; expected dates (midnight UTC) or numbers", time.Unix(0, 0).UTC().Add(time.Duration(ts)*unit).Format(time.RFC3339Nano))
			}
			return time.Unix(ts/perDay*86400, 0).UTC().Format(time.DateOnly), nil
		}), nil
	case *format.IntType:
		if !l.IsSigned {
			return null(func(v parquet.Value) (string, error) {
				if kind == parquet.Int32 {
					return strconv.FormatUint(uint64(v.Uint32()), 10), nil
				}
				return strconv.FormatUint(v.Uint64(), 10), nil
			}), nil
		}
	case *format.UUIDType:
		return null(func(v parquet.Value) (string, error) {
			b := v.ByteArray()
			if len(b) != 16 {
				return "", fmt.Errorf("UUID of %d bytes", len(b))
			}
			h := hex.EncodeToString(b)
			return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
		}), nil
	case nil, *format.StringType, *format.EnumType, *format.JsonType, *format.BsonType:
	default:
		return nil, fmt.Errorf("logical type %v is not supported; expected numbers, text, booleans or dates", typ.LogicalType())
	}
	switch kind {
	case parquet.Boolean:
		return null(func(v parquet.Value) (string, error) { return strconv.FormatBool(v.Boolean()), nil }), nil
	case parquet.Int32:
		return null(func(v parquet.Value) (string, error) { return strconv.FormatInt(int64(v.Int32()), 10), nil }), nil
	case parquet.Int64:
		return null(func(v parquet.Value) (string, error) { return strconv.FormatInt(v.Int64(), 10), nil }), nil
	case parquet.Float:
		return null(func(v parquet.Value) (string, error) {
			return strconv.FormatFloat(float64(v.Float()), 'g', -1, 32), nil
		}), nil
	case parquet.Double:
		return null(func(v parquet.Value) (string, error) { return strconv.FormatFloat(v.Double(), 'g', -1, 64), nil }), nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return null(func(v parquet.Value) (string, error) { return string(v.ByteArray()), nil }), nil
	}
	return nil, fmt.Errorf("physical type %v is not supported; expected numbers, text, booleans or dates", kind)
}

// decimalText formats the unscaled integer u with scale digits after the
// decimal point: (−1234, 2) → "-12.34".
func decimalText(u *big.Int, scale int) string {
	if scale <= 0 {
		return new(big.Int).Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-scale)), nil)).String()
	}
	digits := new(big.Int).Abs(u).String()
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	s := digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	if u.Sign() < 0 {
		s = "-" + s
	}
	return s
}
