package mdtwin_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/mdtwin/mdtwin/"

// allowed lists, per top-level folder, the mdtwin folders its non-test code
// may import (ARCHITECTURE.md: lower layers never import higher ones).
var allowed = map[string][]string{
	"cmd":        {"*"},
	"benchmarks": {"*"},
	"engine":     {"engine", "scenarios", "models", "workers", "store"},
	"scenarios":  {"scenarios", "models"},
	"workers":    {"workers", "models"},
	"models":     {"models", "des", "hta", "cohort", "mesh"},
	"cohort":     {"cohort"},
	"des":        {"des"},
	"hta":        {"hta"},
	"store":      {"store", "patient"},
	"mesh":       {"mesh"},
	"examples":   {"examples", "models"},
	"patient":    {"patient", "store", "models", "scenarios", "mesh"},
	"report":     {"report", "patient", "store", "models", "engine"},
	"optima":     {"optima", "prediction", "engine", "scenarios", "models", "mesh", "workers", "store"},
	"prediction": {"prediction", "engine", "scenarios", "models", "workers", "store", "patient"},
	"dashboard":  {"dashboard", "patient", "store", "report", "engine", "prediction", "scenarios", "cohort"},
}

// The engine talks to backends only through the workers.Backend interface.
var forbidden = map[string][]string{
	"engine": {"workers/inproc", "workers/plugin"},
}

func TestImportDirections(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		top := strings.SplitN(filepath.ToSlash(path), "/", 2)[0]
		rules, ok := allowed[top]
		if !ok {
			t.Errorf("%s: folder %q is not in the layout table of this test (and of ARCHITECTURE.md)", path, top)
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			rel := strings.TrimPrefix(p, module)
			target := strings.SplitN(rel, "/", 2)[0]
			ok := false
			for _, a := range rules {
				ok = ok || a == "*" || a == target
			}
			for _, f := range forbidden[top] {
				if rel == f || strings.HasPrefix(rel, f+"/") {
					ok = false
				}
			}
			if !ok {
				t.Errorf("%s imports %s: %s may import only %v", path, rel, top, rules)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
