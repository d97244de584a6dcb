package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const calHead = head + "[calibrate]\n[calibrate.params]\nka_per_h = { dist = \"lognormal\", mu = 0, sigma = 0.5 }\n"

// TestCalibrateErrors checks the position and message of the [calibrate]
// errors Parse reports (positions counted by hand: head is four lines).
func TestCalibrateErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "d.csv"), []byte("t_h,c\n1,2\n2,x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "ok.csv"), []byte("t_h,c\n1,2\n2,3\n"), 0o644)
	target := "[[calibrate.targets]]\noutput = \"cmax\"\nobserved = 2\nse = 0.1\n"
	cases := []struct{ name, src, want string }{
		{"unknown key", head + "[calibrate]\nparticle = 3\n", `s.toml:6:1: unknown key "particle" in [calibrate], expected one of: method, particles,`},
		{"bad method", head + "[calibrate]\nmethod = \"mcmc\"\n", `s.toml:6:1: [calibrate] method must be one of: abc-smc, nelder-mead, cma-es; got string "mcmc"`},
		{"optimiser setting on abc", head + "[calibrate]\nstarts = 3\n", `s.toml:6:1: [calibrate] starts is a setting of the optimisers (nelder-mead, cma-es), not of "abc-smc"`},
		{"abc setting on optimiser", head + "[calibrate]\nmethod = \"cma-es\"\nquantile = 0.3\n", `s.toml:7:1: [calibrate] quantile is a setting of method "abc-smc", not of "cma-es"`},
		{"impossible tolerance", head + "[calibrate]\nmin_tolerance = -1\n", `s.toml:6:1: [calibrate] min_tolerance must be a finite number > 0`},
		{"tolerance with stochastic", head + "[calibrate]\nacceptance = \"stochastic\"\nmin_tolerance = 1\n", `s.toml:7:1: [calibrate] min_tolerance is for threshold acceptance`},
		{"no params", head + "[calibrate]\nparticles = 10\n", `s.toml:5:1: [calibrate] has no params`},
		{"discrete prior", head + "[calibrate]\n[calibrate.params]\nn_doses = { dist = \"discrete\", values = [1, 2] }\n", `s.toml:7:13: [calibrate.params] n_doses: a calibrated parameter needs a continuous prior, not discrete`},
		{"bad prior", head + "[calibrate]\n[calibrate.params]\nka = { dist = \"normal\", mean = 0, sd = -1 }\n", `s.toml:7:35: [calibrate.params] ka.sd must be > 0, got -1`},
		{"unknown prior key", head + "[calibrate]\n[calibrate.params]\nka = { dist = \"normal\", mean = 0, sd = 1, low = 0 }\n", `s.toml:7:43: unknown key "low" in [calibrate.params] ka (normal prior), expected one of: dist, mean, sd, lower, upper, start`},
		{"lower above upper", head + "[calibrate]\n[calibrate.params]\nka = { dist = \"normal\", mean = 0, sd = 1, lower = 2, upper = 1 }\n", `s.toml:7:54: [calibrate.params] ka: lower must be less than upper, got lower = 2, upper = 1`},
		{"prior outside bounds", head + "[calibrate]\n[calibrate.params]\nka = { dist = \"lognormal\", mu = 0, sigma = 1, upper = -1 }\n", `s.toml:7:47: [calibrate.params] ka: upper = -1 leaves the prior lognormal(mu=0, sigma=1) no probability (its support starts at 0)`},
		{"param in [params] too", head + "[params]\nka_per_h = 1\n" + "[calibrate]\n[calibrate.params]\nka_per_h = { dist = \"uniform\", min = 0, max = 1 }\n", `s.toml:9:1: parameter "ka_per_h" is both in [params] and in [calibrate.params]`},
		{"no targets", calHead, `s.toml:5:1: [calibrate] has no targets`},
		{"target without output", calHead + "[[calibrate.targets]]\nobserved = 2\n", `s.toml:8:1: [[calibrate.targets]] 1: missing output`},
		{"second target's key", calHead + target + "[[calibrate.targets]]\noutput = \"auc\"\nobserved = 2\nsee = 1\n", `s.toml:15:1: unknown key "see" in [[calibrate.targets]] 2, expected one of:`},
		{"se and cv", calHead + "[[calibrate.targets]]\noutput = \"cmax\"\nobserved = 2\nse = 1\ncv = 0.1\n", `s.toml:12:1: [[calibrate.targets]] 1: give se or cv, not both`},
		{"negative se", calHead + "[[calibrate.targets]]\noutput = \"cmax\"\nobserved = 2\nse = -1\n", `s.toml:11:1: [[calibrate.targets]] 1: se must be a finite number > 0, got integer -1`},
		{"poisson without count", calHead + "[[calibrate.targets]]\noutput = \"n\"\nlikelihood = \"poisson\"\n", `s.toml:8:1: [[calibrate.targets]] 1: missing count`},
		{"fractional count", calHead + "[[calibrate.targets]]\noutput = \"n\"\nlikelihood = \"poisson\"\ncount = 2.5\n", `s.toml:11:1: [[calibrate.targets]] 1: count must be a whole number >= 0, got float 2.5`},
		{"log of negative", calHead + "[[calibrate.targets]]\noutput = \"n\"\nobserved = -2\nscale = \"log\"\nse = 0.1\n", `s.toml:10:1: [[calibrate.targets]] 1: observed must be > 0 on the log scale, got -2`},
		{"bad censoring", calHead + "[[calibrate.targets]]\noutput = \"onset\"\nobserved = 2\nse = 1\ncensored = \"above\"\n", `s.toml:12:1: [[calibrate.targets]] 1: censored must be "right" (the value lies above observed) or "left" (below it), got "above"`},
		{"censored count", calHead + "[[calibrate.targets]]\noutput = \"n\"\nlikelihood = \"poisson\"\ncount = 2\ncensored = \"right\"\n", `s.toml:12:1: [[calibrate.targets]] 1: a Poisson target cannot be censored`},
		{"censored table", calHead + "[[calibrate.targets]]\ntable = \"conc\"\ndata = \"ok.csv\"\ncensored = \"left\"\n", `s.toml:11:1: [[calibrate.targets]] 1: censored is for a scalar output target`},
		{"table without data", calHead + "[[calibrate.targets]]\ntable = \"conc\"\n", `s.toml:8:1: [[calibrate.targets]] 1: missing data`},
		{"missing data file", calHead + "[[calibrate.targets]]\ntable = \"conc\"\ndata = \"nope.csv\"\n", `s.toml:10:1: [[calibrate.targets]] 1: data file ` + filepath.Join(dir, "nope.csv") + `: no such file or directory`},
		{"bad data cell", calHead + "[[calibrate.targets]]\ntable = \"conc\"\ndata = \"d.csv\"\n", `d.csv:3: column c: "x" is not a finite number`},
		{"unknown data column", calHead + "[[calibrate.targets]]\ntable = \"conc\"\ndata = \"ok.csv\"\ncolumns = [\"conc\"]\n", `s.toml:11:1: [[calibrate.targets]] 1: data file ` + filepath.Join(dir, "ok.csv") + ` has no compared column "conc" (its columns: t_h, c)`},
		{"sweep with calibrate", calHead + target + "[sweep]\ndesign = \"grid\"\n[sweep.params]\ndose_mg = [1]\n", `s.toml:12:1: a calibration chooses its runs itself: remove [sweep]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(filepath.Join(dir, "s.toml"), []byte(tc.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want an *Error", err, err)
			}
			got := strings.TrimPrefix(err.Error(), dir+string(filepath.Separator))
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %s\nwant %s…", got, tc.want)
			}
			if strings.Contains(e.Msg, "\n") {
				t.Errorf("message has several lines: %q", e.Msg)
			}
		})
	}
}

// A valid calibration: settings, priors with bounds, a scalar and a table
// target, parsed as written.
func TestParseCalibrate(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "d.csv"), []byte("# comment\nt_h,c,se\n1,2,0.1\n4,3,0.2\n"), 0o644)
	src := head + `[calibrate]
particles = 300
acceptance = "stochastic"
kernel_scale = 1
[calibrate.params]
ka_per_h = { dist = "lognormal", mu = 0, sigma = 0.5, upper = 20, start = 1 }
[[calibrate.targets]]
output = "cmax"
observed = 2
cv = 0.1
censored = "left"
source = "a paper"
[[calibrate.targets]]
name = "concentration"
table = "conc"
data = "d.csv"
se_column = "se"
scale = "log"
weight = 2
`
	sc, err := Parse(filepath.Join(dir, "s.toml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := sc.Calibrate
	if c.Method != ABCSMC || c.Particles != 300 || c.Acceptance != Stochastic || c.KernelScale != 1 || c.Predictive != -1 {
		t.Errorf("settings: %+v", c)
	}
	p := c.Params[0]
	if p.Name != "ka_per_h" || p.Prior.Kind != LogNormal || p.Lower != nil || *p.Upper != 20 || *p.Start != 1 {
		t.Errorf("param: %+v", p)
	}
	t0, t1 := c.Targets[0], c.Targets[1]
	if t0.Output != "cmax" || t0.Observed != 2 || t0.CV != 0.1 || t0.Source != "a paper" || t0.Name != "cmax" || t0.Weight != 1 || t0.Censored != LeftCensored {
		t.Errorf("target 1: %+v", t0)
	}
	if t1.Table != "conc" || t1.Key != "t_h" || len(t1.Columns) != 1 || t1.Columns[0] != "c" || t1.Weight != 2 || t1.Scale != LogScale || len(t1.Rows) != 2 {
		t.Fatalf("target 2: %+v", t1)
	}
	if r := t1.Rows[1]; r.Key != 4 || r.Values[0] != 3 || r.SE != 0.2 || r.Line != 4 {
		t.Errorf("target 2 row 2: %+v (want key 4, value 3, se 0.2, line 4)", r)
	}
}

const posteriorCSV = "particle,weight,distance,run,ka_per_h,shift\n0,0.5,1,a/r0,1.5,0.1\n1,0,2,a/r1,9,0.2\n2,0.5,3,a/r2,2.5,0.3\n"

// The posterior design draws particles by weight from the design stream:
// never the particle of weight 0, both others about half the time, and
// the scenario's hash covers the posterior file.
func TestPosteriorDesign(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "post.csv"), []byte(posteriorCSV), 0o644)
	src := head + "[sweep]\ndesign = \"posterior\"\nposterior = \"post.csv\"\nsamples = 400\n"
	sc, err := Parse(filepath.Join(dir, "s.toml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := sc.Expand(pk)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 400 {
		t.Fatalf("%d runs, want 400", len(runs))
	}
	count := map[float64]int{}
	for _, r := range runs {
		count[r.Params.Float("ka_per_h")]++
		if r.Params.Float("ka_per_h") == 1.5 && r.Params.Float("shift") != 0.1 {
			t.Fatalf("a point mixes particles: %v", r.Params)
		}
	}
	// Binomial(400, 0.5): sd 10, so 150–250 is five sd either way.
	if count[9] != 0 || count[1.5] < 150 || count[2.5] < 150 || count[1.5]+count[2.5] != 400 {
		t.Errorf("draws per particle: %v, want none of weight 0 and about 200 of each other", count)
	}
	plain, _ := Parse(filepath.Join(dir, "s.toml"), []byte(head))
	os.WriteFile(filepath.Join(dir, "post.csv"), []byte(strings.Replace(posteriorCSV, "1.5", "1.6", 1)), 0o644)
	again, err := Parse(filepath.Join(dir, "s.toml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash == sc.Hash || sc.Hash == plain.Hash {
		t.Errorf("the hash does not cover the posterior file")
	}
}

func TestPosteriorDesignErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "post.csv"), []byte(posteriorCSV), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("particle,weight,distance,run,ka_per_h\n0,-1,1,a,1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "int.csv"), []byte("particle,weight,distance,run,n_doses\n0,1,1,a,1\n"), 0o644)
	cases := []struct{ name, sweep, want string }{
		{"missing file", "posterior = \"nope.csv\"\nsamples = 3\n", `s.toml:7:1: [sweep] posterior ` + filepath.Join(dir, "nope.csv") + `: no such file or directory`},
		{"negative weight", "posterior = \"bad.csv\"\nsamples = 3\n", `bad.csv:2: weight "-1" is not a finite number >= 0`},
		{"with params", "posterior = \"post.csv\"\nsamples = 3\n[sweep.params]\nka_per_h = [1]\n", `s.toml:9:1: [sweep] a posterior design takes its parameters from the posterior file's columns`},
		{"no samples", "posterior = \"post.csv\"\n", `s.toml:5:1: missing [sweep] samples`},
		{"integer parameter", "posterior = \"int.csv\"\nsamples = 3\n", `s.toml:7:1: the posterior int.csv has a column "n_doses", but parameter "n_doses" of model "pk" is an integer`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := Parse(filepath.Join(dir, "s.toml"), []byte(head+"[sweep]\ndesign = \"posterior\"\n"+tc.sweep))
			if err == nil {
				_, err = sc.Expand(pk)
			}
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.TrimPrefix(err.Error(), dir+string(filepath.Separator))
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %s\nwant %s…", got, tc.want)
			}
		})
	}
}

// FuzzParseTargetData: the reader of target data files never panics, and
// what it accepts has a row per data line with one value per column.
func FuzzParseTargetData(f *testing.F) {
	for _, s := range []string{"t_h,c\n1,2\n", "\uFEFFt,c,se\n0,1,0.1\n1,2,0.2\n", "# c\nx,y\n1e3,-2.5\n", "a\n1\n", "t,c\n1,\"2\"\n", ",\n", "t,t\n1,2\n"} {
		f.Add([]byte(s), "", "")
		f.Add([]byte(s), "t", "se")
	}
	f.Fuzz(func(t *testing.T, data []byte, key, se string) {
		d, err := ParseTargetData("d.csv", data, key, nil, se)
		if err != nil {
			return
		}
		if len(d.Rows) == 0 || len(d.Columns) == 0 {
			t.Fatalf("accepted %q with %d rows and %d columns", data, len(d.Rows), len(d.Columns))
		}
		for _, r := range d.Rows {
			if len(r.Values) != len(d.Columns) {
				t.Fatalf("row at line %d has %d values for %d columns", r.Line, len(r.Values), len(d.Columns))
			}
		}
	})
}

// FuzzParsePosterior: the reader of posterior files never panics, and
// what it accepts has finite values and a positive total weight.
func FuzzParsePosterior(f *testing.F) {
	f.Add([]byte(posteriorCSV))
	f.Add([]byte("particle,weight,objective,run,a\n0,1,,,2\n"))
	f.Add([]byte("particle,weight,distance,run\n"))
	f.Add([]byte("x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ParsePosterior("p.csv", data)
		if err != nil {
			return
		}
		var total float64
		for k, w := range ps.Weights {
			total += w
			if len(ps.Values[k]) != len(ps.Params) {
				t.Fatalf("particle %d has %d values for %d parameters", k, len(ps.Values[k]), len(ps.Params))
			}
		}
		if !(total > 0) {
			t.Fatalf("accepted a posterior of total weight %v", total)
		}
	})
}
