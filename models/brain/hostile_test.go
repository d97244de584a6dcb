package brain

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHostileConnectivity holds inputs that made the connectivity reader
// misbehave: a weights.txt of 20,000 one-number lines (40 kB) made it
// allocate 20,000² numbers (3.2 GB) before finding the first row short,
// and an archive with two weights.txt used whichever came last. Each must
// be refused with one line naming the file, within the fuzz budget.
func TestHostileConnectivity(t *testing.T) {
	tall := strings.Repeat("0\n", 20000)
	var twice bytes.Buffer
	zw := zip.NewWriter(&twice)
	for _, name := range []string{"a/weights.txt", "a/tract_lengths.txt", "b/weights.txt"} {
		w, _ := zw.Create(name)
		w.Write([]byte("0\n"))
	}
	zw.Close()
	for _, c := range []struct {
		name string
		read func() (*Connectivity, error)
		size int
		want string
	}{
		{"tall", func() (*Connectivity, error) {
			return parseConnectivity("tall.zip", map[string][]byte{weightsFile: []byte(tall), lengthsFile: []byte(tall)})
		}, 2 * len(tall), "tall.zip: weights.txt row 1 (line 1): has 1 entries, expected 20000"},
		{"twice", func() (*Connectivity, error) {
			files, err := readZip("twice.zip", bytes.NewReader(twice.Bytes()), int64(twice.Len()))
			if err != nil {
				return nil, err
			}
			return parseConnectivity("twice.zip", files)
		}, twice.Len(), "twice.zip: b/weights.txt: a second weights.txt (the first is a/weights.txt)"},
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
				_, err = c.read()
			}()
			if a, b := heapAllocated()-before, textBudget(c.size); a > b {
				t.Errorf("allocated %d bytes for %d bytes of input (budget %d)", a, c.size, b)
			}
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %v, want one starting %q", err, c.want)
			}
		})
	}
}

// TestConnCacheBound checks that the process-wide connectivity cache keeps
// at most connCacheSize entries, dropping the least recently used, and
// that an edited file (new mtime) is read again.
func TestConnCacheBound(t *testing.T) {
	src, err := os.ReadFile("testdata/paupau.zip")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths := make([]string, connCacheSize+3)
	first := map[string]*Connectivity{}
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("c%d.zip", i))
		if err := os.WriteFile(paths[i], src, 0o644); err != nil {
			t.Fatal(err)
		}
		if first[paths[i]], err = sharedConnectivity(paths[i]); err != nil {
			t.Fatal(err)
		}
		if n := connCache.len(); n > connCacheSize {
			t.Fatalf("after %d connectomes the cache holds %d, more than %d", i+1, n, connCacheSize)
		}
	}
	last := paths[len(paths)-1]
	if c, _ := sharedConnectivity(last); c != first[last] {
		t.Error("the most recent connectome was read again instead of shared")
	}
	if c, _ := sharedConnectivity(paths[0]); c == first[paths[0]] {
		t.Error("the least recently used connectome is still cached")
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(last, later, later); err != nil {
		t.Fatal(err)
	}
	if c, _ := sharedConnectivity(last); c == first[last] {
		t.Error("an edited file (new mtime) was served from the cache")
	}
}
