package mscohort

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCompiledCacheBounded: the cache of compiled inputs keeps at most
// maxCompiled entries, dropping the oldest; a dropped entry is compiled
// again on demand, and a cached one is shared.
func TestCompiledCacheBounded(t *testing.T) {
	// Distinct JSON texts of the same (default) inputs: "{}" with 1, 2, …
	// spaces inside.
	text := func(i int) json.RawMessage { return json.RawMessage("{" + strings.Repeat(" ", i) + "}") }
	first, err := compileCached(text(1))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := compileCached(text(1)); again != first {
		t.Error("a cached definition was compiled again")
	}
	for i := 2; i <= maxCompiled+1; i++ {
		if _, err := compileCached(text(i)); err != nil {
			t.Fatal(err)
		}
	}
	compiled.Lock()
	n := len(compiled.defs)
	_, kept := compiled.defs[string(text(1))]
	compiled.Unlock()
	if n > maxCompiled || kept {
		t.Errorf("%d cached definitions (at most %d), the oldest kept: %v", n, maxCompiled, kept)
	}
	back, err := compileCached(text(1))
	if err != nil || back == first || back.raw.Currency != first.raw.Currency {
		t.Errorf("recompiled after dropping: %v, same pointer %v", err, back == first)
	}
}
