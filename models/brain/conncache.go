package brain

import (
	"os"
	"path/filepath"
	"sync"
)

// connCache holds the connectivities read by this process, keyed by
// absolute path, size and modification time: a sweep's runs share one parse
// of the file (a third of a short run's time otherwise). It keeps the
// connCacheSize most recently used, so a long-lived process (a dashboard, a
// calibration over many connectomes) holds at most that many; an edited
// file gets a new key and its old entry ages out. The values are shared and
// must not be modified: Run works on a Clone.
var connCache = lru{max: connCacheSize}

// connCacheSize bounds connCache: a 1,000-region connectome takes 16 MB
// (weights and lengths), so the cache holds at most about 128 MB.
const connCacheSize = 8

type connKey struct {
	path  string
	size  int64
	mtime int64
}

// lru is a least-recently-used map of at most max connectivities; a few
// entries, so a slice ordered by use is enough.
type lru struct {
	mu      sync.Mutex
	max     int
	entries []lruEntry // most recently used first
}

type lruEntry struct {
	key  connKey
	conn *Connectivity
}

// get returns the entry for k and marks it most recently used.
func (c *lru) get(k connKey) (*Connectivity, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.key == k {
			copy(c.entries[1:i+1], c.entries[:i])
			c.entries[0] = e
			return e.conn, true
		}
	}
	return nil, false
}

// put adds k as the most recently used entry, evicting the least recently
// used beyond max.
func (c *lru) put(k connKey, conn *Connectivity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.key == k { // loaded twice concurrently: keep one
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			break
		}
	}
	c.entries = append([]lruEntry{{k, conn}}, c.entries...)
	if len(c.entries) > c.max {
		clear(c.entries[c.max:])
		c.entries = c.entries[:c.max]
	}
}

// len returns the number of entries.
func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// sharedConnectivity is LoadConnectivity through connCache. Folders are
// read each time: their files may change without the folder's mtime.
func sharedConnectivity(path string) (*Connectivity, error) {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() {
		return LoadConnectivity(path) // for its error message, or a folder
	}
	abs, _ := filepath.Abs(path)
	key := connKey{abs, st.Size(), st.ModTime().UnixNano()}
	if c, ok := connCache.get(key); ok {
		return c, nil
	}
	c, err := LoadConnectivity(path)
	if err != nil {
		return nil, err
	}
	connCache.put(key, c)
	return c, nil
}
