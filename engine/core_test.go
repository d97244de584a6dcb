package engine

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of data-driven tests")

// TestCoreScripts runs the scripts in testdata/core. Each block is a
// command, a line "----", and the expected output, ended by a blank line:
//
//	new runs=N max=M [prior=STATES]   STATES: one letter a run, p/d/f, then optional attempts
//	next FREE                          dispatches, one line each
//	report INDEX ATTEMPT ok|fail       the verdict
//	state                              the counts and each run's state
//
// With -rewrite the expected outputs are regenerated; review the diff.
func TestCoreScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/core/*.txt")
	if len(files) == 0 {
		t.Fatal("no scripts")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runScript(t, f) })
	}
}

func runScript(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var c *Core
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	line := 0
	for sc.Scan() {
		line++
		cmd := strings.TrimSpace(sc.Text())
		if cmd == "" {
			continue
		}
		if strings.HasPrefix(cmd, "#") {
			out.WriteString(sc.Text() + "\n")
			continue
		}
		cmdLine := line
		// Read the expected block: "----" then lines up to a blank line.
		var want []string
		if sc.Scan() {
			line++
			if sc.Text() != "----" {
				t.Fatalf("%s:%d: want ---- after the command", path, line)
			}
			for sc.Scan() {
				line++
				if sc.Text() == "" {
					break
				}
				want = append(want, sc.Text())
			}
		}
		got := execCore(t, &c, cmd, path, cmdLine)
		fmt.Fprintf(&out, "%s\n----\n%s\n\n", cmd, strings.Join(got, "\n"))
		if !*rewrite && strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:%d: %s\n got:\n%s\nwant:\n%s", path, cmdLine, cmd, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(strings.TrimRight(out.String(), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func execCore(t *testing.T, cp **Core, cmd, path string, line int) []string {
	f := strings.Fields(cmd)
	arg := func(i int) int {
		if i >= len(f) {
			t.Fatalf("%s:%d: missing argument", path, line)
		}
		v := f[i]
		if k := strings.IndexByte(v, '='); k >= 0 {
			v = v[k+1:]
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		return n
	}
	switch f[0] {
	case "new":
		var prior []Prior
		if len(f) > 3 {
			for _, s := range strings.Split(strings.TrimPrefix(f[3], "prior="), ",") {
				p := Prior{State: map[byte]State{'p': Pending, 'd': Done, 'f': Failed, 'r': Running}[s[0]]}
				if len(s) > 1 {
					p.Attempts, _ = strconv.Atoi(s[1:])
				}
				prior = append(prior, p)
			}
		}
		*cp = NewCore(arg(1), arg(2), prior)
		return []string{(*cp).String()}
	case "next":
		var out []string
		for _, d := range (*cp).Next(arg(1)) {
			out = append(out, fmt.Sprintf("dispatch run=%d attempt=%d", d.Index, d.Attempt))
		}
		if len(out) == 0 {
			out = []string{"nothing to dispatch"}
		}
		return out
	case "report":
		v := (*cp).Report(arg(1), arg(2), f[3] == "ok")
		return []string{v.String(), (*cp).String()}
	case "state":
		c := *cp
		out := []string{c.String() + fmt.Sprintf(" finished=%v", c.Finished())}
		for i := range c.state {
			out = append(out, fmt.Sprintf("run=%d %s attempts=%d", i, c.state[i], c.attempts[i]))
		}
		return out
	}
	t.Fatalf("%s:%d: unknown command %q", path, line, f[0])
	return nil
}
