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
	"time"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of data-driven tests")

// TestCoreScripts runs the scripts in testdata/core. Each block is a
// command, a line "----", and the expected output, ended by a blank line:
//
//	new runs=N max=M [lost=L] [prior=STATES]
//	    STATES: one entry a run, comma-separated: a letter p/d/f/r (pending,
//	    done, failed, running at the crash), then optional counters
//	    a<attempts> c<charged> l<lost>, e.g. "p,d1,f3c3,pa2l1"
//	next FREE [at=MS]                  dispatches at time MS (default 0), one line each
//	report INDEX ATTEMPT END [at=MS]   END: ok, error, bad, timeout or lost; prints the verdict
//	wake                               when the earliest lost run may go again
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
	num := func(v string) int {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		return n
	}
	arg := func(i int) int {
		if i >= len(f) {
			t.Fatalf("%s:%d: missing argument", path, line)
		}
		v := f[i]
		if k := strings.IndexByte(v, '='); k >= 0 {
			v = v[k+1:]
		}
		return num(v)
	}
	// kw returns the value of key=value among the arguments, or def.
	kw := func(key, def string) string {
		for _, a := range f[1:] {
			if v, ok := strings.CutPrefix(a, key+"="); ok {
				return v
			}
		}
		return def
	}
	at := func() time.Duration { return time.Duration(num(kw("at", "0"))) * time.Millisecond }
	switch f[0] {
	case "new":
		var prior []Prior
		if p := kw("prior", ""); p != "" {
			for _, s := range strings.Split(p, ",") {
				pr := Prior{State: map[byte]State{'p': Pending, 'd': Done, 'f': Failed, 'r': Running}[s[0]]}
				rest := s[1:]
				if rest != "" && rest[0] >= '0' && rest[0] <= '9' { // "d1": attempts
					rest = "a" + rest
				}
				counted := strings.ContainsAny(rest, "cl")
				for rest != "" {
					k := rest[0]
					j := 1
					for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
						j++
					}
					n := num(rest[1:j])
					switch k {
					case 'a':
						pr.Attempts = n
					case 'c':
						pr.Charged = n
					case 'l':
						pr.Lost = n
					default:
						t.Fatalf("%s:%d: bad prior %q", path, line, s)
					}
					rest = rest[j:]
				}
				if !counted && pr.State != Done {
					pr.Charged = pr.Attempts // the old ledgers' meaning: every end charged
				}
				prior = append(prior, pr)
			}
		}
		*cp = NewCore(arg(1), Limits{MaxAttempts: arg(2), MaxLost: num(kw("lost", "0"))}, prior)
		return []string{(*cp).String()}
	case "next":
		var out []string
		for _, d := range (*cp).Next(arg(1), at()) {
			s := fmt.Sprintf("dispatch run=%d attempt=%d", d.Index, d.Attempt)
			if d.Isolate {
				s += " isolate"
			}
			out = append(out, s)
		}
		if len(out) == 0 {
			out = []string{"nothing to dispatch"}
		}
		return out
	case "report":
		ends := map[string]End{"ok": Succeeded, "error": Errored, "bad": Rejected, "timeout": TimedOut, "lost": Lost}
		end, ok := ends[f[3]]
		if !ok {
			t.Fatalf("%s:%d: unknown end %q", path, line, f[3])
		}
		v := (*cp).Report(arg(1), arg(2), end, at())
		return []string{v.String(), (*cp).String()}
	case "wake":
		w, ok := (*cp).NextWake()
		if !ok {
			return []string{"no run waits"}
		}
		return []string{fmt.Sprintf("at=%d", w.Milliseconds())}
	case "state":
		c := *cp
		out := []string{c.String() + fmt.Sprintf(" finished=%v", c.Finished())}
		for i := range c.state {
			s := fmt.Sprintf("run=%d %s attempts=%d", i, c.state[i], c.attempts[i])
			if c.charged[i] > 0 || c.lost[i] > 0 {
				s += fmt.Sprintf(" charged=%d lost=%d", c.charged[i], c.lost[i])
			}
			out = append(out, s)
		}
		return out
	}
	t.Fatalf("%s:%d: unknown command %q", path, line, f[0])
	return nil
}
