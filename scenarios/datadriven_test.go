package scenarios

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdtwin/mdtwin/models"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of testdata/*.txt")

// pk is a small fake model: float parameters with and without bounds, an
// integer, a boolean and a string with choices.
var pk = models.Descriptor{
	Name:    "pk",
	Version: "0.1.0",
	Params: []models.Param{
		{Name: "dose_mg", Kind: models.Float, Unit: "mg", Default: 100.0, Min: models.Bound(0), Max: models.Bound(1000)},
		{Name: "ka_per_h", Kind: models.Float, Unit: "1/h", Default: 1.0, Min: models.Bound(0)},
		{Name: "shift", Kind: models.Float, Default: 0.0},
		{Name: "n_doses", Kind: models.Int, Default: int64(1), Min: models.Bound(1), Max: models.Bound(10)},
		{Name: "fed", Kind: models.Bool, Default: false},
		{Name: "route", Kind: models.String, Default: "oral", Choices: []string{"oral", "iv"}},
	},
}

// TestDataDriven runs the scripts in testdata/*.txt, in the style of
// etcd-io/raft's data-driven tests. A script is a sequence of cases:
//
//	command
//	<scenario TOML>
//	----
//	<expected output>
//	<blank line>
//
// Lines before a command that are blank or start with '#' are comments.
// Commands:
//
//	parse    the parsed scenario, or the error
//	expand   the runs for the model pk (id, point, replicate, seed, parameters), or the error
//
// Run `go test ./scenarios -run TestDataDriven -rewrite` to regenerate the
// expected output, then review the diff.
func TestDataDriven(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cases, err := parseScript(string(data))
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			var out strings.Builder
			for _, c := range cases {
				got := runCase(c)
				if !*rewrite && got != c.want {
					t.Errorf("%s:%d: %s: got\n%s\nwant\n%s", file, c.line, c.cmd, got, c.want)
				}
				out.WriteString(c.pre)
				fmt.Fprintf(&out, "%s\n%s----\n%s\n", c.cmd, c.input, got)
			}
			out.WriteString(strings.TrimRight(tail(string(data), cases), "\n"))
			if *rewrite {
				if err := os.WriteFile(file, []byte(strings.TrimRight(out.String(), "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

type scriptCase struct {
	pre   string // comments and blank lines before the command
	line  int    // of the command
	cmd   string
	input string // ends with a newline
	want  string // each line ends with a newline
	end   int    // byte offset after the case
}

func parseScript(text string) ([]scriptCase, error) {
	lines := strings.SplitAfter(text, "\n")
	var cases []scriptCase
	offset := 0
	for i := 0; i < len(lines); {
		var c scriptCase
		for i < len(lines) && (strings.TrimSpace(lines[i]) == "" || strings.HasPrefix(lines[i], "#")) {
			c.pre += lines[i]
			offset += len(lines[i])
			i++
		}
		if i == len(lines) {
			break
		}
		c.line, c.cmd = i+1, strings.TrimSpace(lines[i])
		offset += len(lines[i])
		i++
		for ; i < len(lines) && strings.TrimRight(lines[i], "\r\n") != "----"; i++ {
			c.input += lines[i]
			offset += len(lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("line %d: %s without ----", c.line, c.cmd)
		}
		offset += len(lines[i])
		i++
		for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			c.want += strings.TrimRight(lines[i], "\n") + "\n"
			offset += len(lines[i])
		}
		if i < len(lines) { // the blank line ending the output
			offset += len(lines[i])
			i++
		}
		c.end = offset
		cases = append(cases, c)
	}
	return cases, nil
}

// tail returns the text after the last case (comments only).
func tail(text string, cases []scriptCase) string {
	if len(cases) == 0 {
		return text
	}
	return text[cases[len(cases)-1].end:]
}

func runCase(c scriptCase) string {
	s, err := Parse("test.toml", []byte(c.input))
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	switch c.cmd {
	case "parse":
		return describeScenario(s)
	case "expand":
		runs, err := s.Expand(pk)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		var b strings.Builder
		for _, r := range runs {
			fmt.Fprintf(&b, "%s point=%d rep=%d seed=%d", r.ID, r.Point, r.Replicate, r.Seed)
			for _, name := range r.Params.Names() {
				fmt.Fprintf(&b, " %s=%s", name, models.FormatValue(r.Params[name]))
			}
			b.WriteByte('\n')
		}
		return b.String()
	}
	return fmt.Sprintf("unknown command %q\n", c.cmd)
}

func describeScenario(s *Scenario) string {
	var b strings.Builder
	st := s.Study
	fmt.Fprintf(&b, "study name=%q model=%q seed=%d replicates=%d output=%q doc=%q\n", st.Name, st.Model, st.Seed, st.Replicates, st.Output, st.Doc)
	fmt.Fprintf(&b, "backend kind=%s workers=%d max_attempts=%d plugin_dir=%q\n", s.Backend.Kind, s.Backend.Workers, s.Backend.MaxAttempts, s.Backend.PluginDir)
	for _, name := range s.paramOrder {
		fmt.Fprintf(&b, "param %s=%s\n", name, models.FormatValue(s.Params[name]))
	}
	if s.Inputs != nil {
		fmt.Fprintf(&b, "inputs %s\n", s.Inputs)
	}
	if sw := s.Sweep; sw != nil {
		fmt.Fprintf(&b, "sweep design=%s samples=%d points=%d\n", sw.Design, sw.Samples, sw.Points())
		for _, p := range sw.Params {
			if p.Dist != nil {
				fmt.Fprintf(&b, "  %s ~ %s\n", p.Name, p.Dist)
				continue
			}
			vs := make([]string, len(p.Values))
			for i, v := range p.Values {
				vs[i] = models.FormatValue(v)
			}
			fmt.Fprintf(&b, "  %s in [%s]\n", p.Name, strings.Join(vs, ", "))
		}
	}
	if s.Patient != nil {
		fmt.Fprintf(&b, "patient id=%q store=%q\n", s.Patient.ID, s.Patient.Store)
	}
	fmt.Fprintf(&b, "runs %d\n", s.NumRuns())
	return b.String()
}
