package mdtwin_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
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
	"report":     {"report", "patient", "store", "models", "engine", "hta", "mesh"}, // mesh: atrial outputs are meshes (lat.vtu, plan.vtu)
	"optima":     {"optima", "engine", "scenarios", "models", "mesh"},
	"prediction": {"prediction", "engine", "scenarios", "models", "workers", "store", "patient", "optima", "cohort"}, // optima, cohort: the dashboard's OPTIMA loops and similar patients go through prediction
	"dashboard":  {"dashboard", "prediction", "report", "patient", "store"},
	"calibrate":  {"calibrate", "engine", "scenarios", "models", "workers", "store", "mesh"},
}

// The engine talks to backends only through the workers.Backend interface.
var forbidden = map[string][]string{
	"engine": {"workers/inproc", "workers/plugin"},
}

// packageRules refine the folder table for single packages: the mdtwin
// packages each may import, exactly or, for an entry ending in "/...", the
// package and those below it (ARCHITECTURE.md's rows for them).
var packageRules = map[string][]string{
	"models/atrial/ionic":     {},
	"models/atrial/tissue":    {"models/atrial/ionic", "mesh"},
	"models/atrial/analysis":  {"mesh"},
	"models/atrial/substrate": {"mesh"},
	"models/atrial":           {"models", "models/atrial/...", "mesh"},
	"optima":                  {"engine", "scenarios", "models", "models/atrial/...", "mesh"},
	// The dashboard runs studies and matches similar patients only through
	// prediction.
	"dashboard": {"prediction", "report", "patient/...", "store"},
}

// modelOf returns the model whose package tree holds pkg (a folder
// relative to the module root): the first folder below models/, except
// builtin (the registry, which imports every model) and pluginsdk (what a
// plugin author imports); "" for any other package.
func modelOf(pkg string) string {
	parts := strings.Split(pkg, "/")
	if len(parts) < 2 || parts[0] != "models" || parts[1] == "builtin" || parts[1] == "pluginsdk" {
		return ""
	}
	return parts[1]
}

// imports returns the mdtwin packages (relative to the module root) that
// the non-test Go files of each folder import.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs := map[string][]string{}
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
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if _, ok := pkgs[dir]; !ok {
			pkgs[dir] = []string{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rel, ok := strings.CutPrefix(p, module); ok && !slices.Contains(pkgs[dir], rel) {
				pkgs[dir] = append(pkgs[dir], rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestImportDirections(t *testing.T) {
	for pkg, imps := range imports(t) {
		if pkg == "." {
			continue
		}
		top := strings.SplitN(pkg, "/", 2)[0]
		rules, ok := allowed[top]
		if !ok {
			t.Errorf("%s: folder %q is not in the layout table of this test (and of ARCHITECTURE.md)", pkg, top)
			continue
		}
		for _, rel := range imps {
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
				t.Errorf("%s imports %s: %s may import only %v", pkg, rel, top, rules)
			}
		}
	}
}

// TestPackageRules checks the rules that hold between packages, not only
// between top-level folders: a model never imports another model (only
// its own sub-packages); nothing imports cmd; and the packages of
// packageRules import only what their row lists.
func TestPackageRules(t *testing.T) {
	pkgs := imports(t)
	for pkg, imps := range pkgs {
		rules, ruled := packageRules[pkg]
		for _, rel := range imps {
			if m, other := modelOf(pkg), modelOf(rel); m != "" && other != "" && other != m {
				t.Errorf("%s imports %s: a model never imports another model", pkg, rel)
			}
			if (rel == "cmd" || strings.HasPrefix(rel, "cmd/")) && !strings.HasPrefix(pkg, "cmd/") {
				t.Errorf("%s imports %s: nothing imports the command", pkg, rel)
			}
			if !ruled || rel == pkg {
				continue
			}
			ok := false
			for _, r := range rules {
				if base, tree := strings.CutSuffix(r, "/..."); tree {
					ok = ok || rel == base || strings.HasPrefix(rel, base+"/")
				} else {
					ok = ok || rel == r
				}
			}
			if !ok {
				t.Errorf("%s imports %s: it may import only %v", pkg, rel, rules)
			}
		}
	}
	for pkg := range packageRules {
		if _, ok := pkgs[pkg]; !ok {
			t.Errorf("packageRules lists %s, which is not a package of the module", pkg)
		}
	}
}

// TestModelOf pins the meaning of a model's package tree.
func TestModelOf(t *testing.T) {
	for pkg, want := range map[string]string{
		"models":                         "",
		"models/builtin":                 "",
		"models/pluginsdk/pluginsdktest": "",
		"models/atrial":                  "atrial",
		"models/atrial/ionic":            "atrial",
		"models/mscohort":                "mscohort",
		"hta":                            "",
	} {
		if got := modelOf(pkg); got != want {
			t.Errorf("modelOf(%q) = %q, want %q", pkg, got, want)
		}
	}
}
