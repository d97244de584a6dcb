package brain

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
)

// The fuzz targets feed arbitrary bytes to the connectivity readers (the
// member files, a whole zip archive) and to the SEEG contacts reader, and
// check what a reader of user files must guarantee: no panic, no
// allocation far beyond the input's size, a *FileError of one line that
// names the file, and a connectivity it accepts is valid. .ci/fuzz runs
// each for a few seconds; benchmarks/README.md records a longer run.

// heapAllocated returns the bytes allocated on the heap by this process so
// far (cumulative).
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// textBudget is the most a reader may allocate for n bytes of text: 1 MiB
// plus 256 bytes per byte (a number takes at least 2 bytes and becomes a
// float64 in a row, then in the matrix).
func textBudget(n int) uint64 { return 1<<20 + 256*uint64(n) }

// checkFileError fails t unless err is a one-line *FileError naming path.
func checkFileError(t *testing.T, err error, path string) {
	t.Helper()
	var fe *FileError
	msg := err.Error()
	if !errors.As(err, &fe) || fe.File != path || strings.ContainsAny(msg, "\n\r") || !strings.HasPrefix(msg, path+": ") {
		t.Fatalf("error is not a one-line *FileError naming %q: %T %q", path, err, msg)
	}
}

// fuzzConnectivity runs read within budget and checks its result.
func fuzzConnectivity(t *testing.T, path string, budget uint64, read func() (*Connectivity, error)) {
	t.Helper()
	before := heapAllocated()
	c, err := read()
	if a := heapAllocated() - before; a > budget {
		t.Fatalf("the reader allocated %d bytes (budget %d); result: %v", a, budget, err)
	}
	if err != nil {
		checkFileError(t, err, path)
		return
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("accepted an invalid connectivity: %v", err)
	}
	n := c.N()
	if len(c.Weights) != n*n || len(c.Lengths) != n*n || c.Centres != nil && len(c.Centres) != n ||
		c.Areas != nil && len(c.Areas) != n || c.Cortical != nil && len(c.Cortical) != n || c.Orientations != nil && len(c.Orientations) != n {
		t.Fatalf("accepted a connectivity whose arrays do not fit its %d regions", n)
	}
}

// paupau returns the members of the 4-region testdata/paupau.zip.
func paupau(f *testing.F) ([]byte, map[string][]byte) {
	b, err := os.ReadFile("testdata/paupau.zip")
	if err != nil {
		f.Fatal(err)
	}
	files, err := readZip("paupau.zip", bytes.NewReader(b), int64(len(b)))
	if err != nil {
		f.Fatal(err)
	}
	return b, files
}

func FuzzParseConnectivity(f *testing.F) {
	_, p := paupau(f)
	f.Add(p[weightsFile], p[lengthsFile], p[centresFile], p[areasFile], p[orientationsFile], p[corticalFile])
	f.Add([]byte("0 1\n# a comment\n2 0\n"), []byte("0 10\n10 0\n"), []byte{}, []byte("1 2"), []byte{}, []byte("1\n0\n"))
	f.Fuzz(func(t *testing.T, w, l, centres, areas, orient, cortical []byte) {
		files := map[string][]byte{weightsFile: w, lengthsFile: l}
		for name, b := range map[string][]byte{centresFile: centres, areasFile: areas, orientationsFile: orient, corticalFile: cortical} {
			if len(b) > 0 {
				files[name] = b
			}
		}
		n := len(w) + len(l) + len(centres) + len(areas) + len(orient) + len(cortical)
		fuzzConnectivity(t, "c.zip", textBudget(n), func() (*Connectivity, error) { return parseConnectivity("c.zip", files) })
	})
}

// inflated returns the total uncompressed size of the zip archive b's
// entries (0 when b is not a zip archive): the text the reader may have to
// parse.
func inflated(b []byte) int {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return 0
	}
	n := 0
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			continue
		}
		m, _ := io.Copy(io.Discard, io.LimitReader(rc, maxMember))
		rc.Close()
		n += int(m)
	}
	return n
}

func FuzzReadConnectivityZip(f *testing.F) {
	b, _ := paupau(f)
	f.Add(b)
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	for name, text := range map[string]string{"c/weights.txt": "0 1\n1 0\n", "c/tract_lengths.txt": "0 5\n5 0\n", "c/centres.txt": "a 0 0 0\nb 1 0 0\n", "c/info.txt": "toy"} {
		w, err := zw.Create(name)
		if err != nil {
			f.Fatal(err)
		}
		io.WriteString(w, text)
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(z.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		budget := textBudget(len(data) + inflated(data))
		fuzzConnectivity(t, "c.zip", budget, func() (*Connectivity, error) {
			files, err := readZip("c.zip", bytes.NewReader(data), int64(len(data)))
			if err != nil {
				return nil, err
			}
			return parseConnectivity("c.zip", files)
		})
	})
}

func FuzzParseContacts(f *testing.F) {
	b, err := os.ReadFile("testdata/seeg_588.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b[:512])
	f.Add([]byte("# contacts\nA1 1 2 3\nA2\t1e3 -2 0.5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		before := heapAllocated()
		labels, pos, err := parseContacts("s.txt", data)
		if a, b := heapAllocated()-before, textBudget(len(data)); a > b {
			t.Fatalf("a %d-byte input made the reader allocate %d bytes (budget %d)", len(data), a, b)
		}
		if err != nil {
			checkFileError(t, err, "s.txt")
			return
		}
		if len(labels) == 0 || len(labels) != len(pos) {
			t.Fatalf("accepted %d labels for %d positions", len(labels), len(pos))
		}
	})
}

// paupauConn is the 4-region testdata/paupau.zip (labels lA1, lA2, rA1, rA2).
func paupauConn(f *testing.F) *Connectivity {
	c, err := LoadConnectivity("testdata/paupau.zip")
	if err != nil {
		f.Fatal(err)
	}
	return c
}

func FuzzParseRegionsCSV(f *testing.F) {
	conn := paupauConn(f)
	f.Add([]byte("region,x0,ks\nlA1,-1.5,\n2,-1.7,-0.3\n"))
	f.Add([]byte("# per-region\nregion,r\nrA2,0.0002\n"))
	f.Add([]byte("region,x0\n\"lA1\",\"-1\n"))
	f.Add([]byte("region,K_rs,a_rs,eta,N\n0,0.5,-1.9,-4.6,2\nlA2,,,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		before := heapAllocated()
		tab, err := parseRegionsCSV("r.csv", data, conn)
		if a, b := heapAllocated()-before, textBudget(len(data)); a > b {
			t.Fatalf("a %d-byte input made the reader allocate %d bytes (budget %d)", len(data), a, b)
		}
		if err != nil {
			checkFileError(t, err, "r.csv")
			return
		}
		for name, col := range tab {
			if !slices.Contains(RegionParams, name) || len(col) != conn.N() {
				t.Fatalf("accepted column %q of %d values for %d regions", name, len(col), conn.N())
			}
		}
	})
}

func FuzzParseState(f *testing.F) {
	conn := paupauConn(f)
	f.Add([]byte("region,label,x1,z\n0,lA1,-1.6,3.2\n3,rA2,-1.7,3.1\n"))
	f.Add([]byte("region,x1,z\nrA1,1e300,-0\n"))
	f.Add([]byte("region,label,x1,y1,z,x2,y2,g,x_rs,y_rs\n0,lA1,-1.6,-12.1,3.1,-0.84,0,-0.16,-0.19,-0.11\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		before := heapAllocated()
		st, err := parseState("s.csv", data, conn)
		if a, b := heapAllocated()-before, textBudget(len(data)); a > b {
			t.Fatalf("a %d-byte input made the reader allocate %d bytes (budget %d)", len(data), a, b)
		}
		if err != nil {
			checkFileError(t, err, "s.csv")
			return
		}
		if st.rows == 0 || len(st.vars) == 0 {
			t.Fatalf("accepted a state of %d regions, %d variables", st.rows, len(st.vars))
		}
	})
}

func FuzzParseNPY(f *testing.F) {
	f.Add([]byte("\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }          \n\x00\x00\x80\x3f\x00\x00\x00\x40"))
	f.Add([]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'shape': (9, 9)}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		before := heapAllocated()
		v, r, c, err := parseNPY("g.npy", data)
		if a, b := heapAllocated()-before, textBudget(len(data)); a > b {
			t.Fatalf("a %d-byte input made the reader allocate %d bytes (budget %d)", len(data), a, b)
		}
		if err != nil {
			checkFileError(t, err, "g.npy")
			return
		}
		if r < 1 || c < 1 || len(v) != r*c {
			t.Fatalf("accepted %d values as %d×%d", len(v), r, c)
		}
	})
}

func FuzzParseRegionMapping(f *testing.F) {
	f.Add([]byte("0 1 2 3\n3 2\n"))
	f.Add([]byte("0\t-1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseRegionMapping("m.txt", data, 4)
		if err != nil {
			checkFileError(t, err, "m.txt")
			return
		}
		for _, i := range m {
			if i < 0 || i >= 4 {
				t.Fatalf("accepted region %d of 4", i)
			}
		}
	})
}
