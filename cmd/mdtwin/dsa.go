package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/hta"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/report"
	"github.com/mdtwin/mdtwin/scenarios"
)

// dsaFlags are the flags of `mdtwin dsa`.
type dsaFlags struct {
	run        runFlags
	output     string
	level      float64
	ranges     []string
	twoWay     []string
	thresholds []string
}

// dsaRange is a parameter's range: n points from lo to hi.
type dsaRange struct {
	name   string
	lo, hi float64
	n      int
}

// points returns the range's n ≥ 2 points (parseRange and the built-in
// refinement both ask for at least 2).
func (r dsaRange) points() []float64 {
	out := make([]float64, r.n)
	for i := range out {
		out[i] = r.lo + (r.hi-r.lo)*float64(i)/float64(r.n-1)
	}
	out[r.n-1] = r.hi
	return out
}

// parseRange reads name=lo:hi or name=lo:hi:n (n defaults to def).
func parseRange(flag, s string, def int) (dsaRange, error) {
	name, spec, ok := strings.Cut(s, "=")
	parts := strings.Split(spec, ":")
	bad := &usageError{fmt.Errorf("%s %q: expected name=low:high or name=low:high:points", flag, s)}
	if !ok || name == "" || len(parts) < 2 || len(parts) > 3 {
		return dsaRange{}, bad
	}
	r := dsaRange{name: name, n: def}
	var err1, err2 error
	r.lo, err1 = strconv.ParseFloat(parts[0], 64)
	r.hi, err2 = strconv.ParseFloat(parts[1], 64)
	if err1 != nil || err2 != nil || math.IsNaN(r.lo) || math.IsNaN(r.hi) || math.IsInf(r.lo, 0) || math.IsInf(r.hi, 0) || !(r.hi > r.lo) {
		return dsaRange{}, &usageError{fmt.Errorf("%s %q: low and high must be finite numbers with low < high", flag, s)}
	}
	if len(parts) == 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 2 || n > 1001 {
			return dsaRange{}, &usageError{fmt.Errorf("%s %q: points must be a whole number from 2 to 1001", flag, s)}
		}
		r.n = n
	}
	return r, nil
}

func (a *app) dsaCommand() *cobra.Command {
	var f dsaFlags
	cmd := &cobra.Command{
		Use:   "dsa SCENARIO --output NAME [--range p=lo:hi]… [--two-way p=lo:hi:n,q=lo:hi:n]… [--threshold p=lo:hi[:n]]…",
		Short: "Deterministic sensitivity analysis: one-way ranges (tornado), two-way grids and thresholds",
		Long: "Dsa varies the scenario's parameters around their base values ([params], else the model's defaults;\n" +
			"the scenario's [sweep] is not used) and reports what one output does: --range p=low:high sets p to each\n" +
			"end with the others at base (a tornado diagram, widest bar first), --two-way p=lo:hi:n,q=lo:hi:n runs\n" +
			"the grid of two parameters, and --threshold p=lo:hi[:n] finds the values of p at which the output\n" +
			"crosses --level (the decision changes: 0 for an incremental net benefit, the willingness to pay for\n" +
			"an ICER), on n points (default 21) refined on 11 more around each crossing. Each analysis is an engine\n" +
			"study in the output folder (one-way/, two-way-K/, threshold-K/); dsa.json and dsa.html hold the result.\n" +
			"A scenario that draws parameters in its runs (psa = true) makes the analysis probabilistic: give a\n" +
			"deterministic one.\n" +
			"Exit codes: 0 done; 1 runs failed; 2 bad input; 130 interrupted.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("dsa takes one scenario file, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return err
			}
			return a.runDSA(cmd.Context(), sc, f)
		},
	}
	f.run.register(cmd)
	cmd.Flags().StringVar(&f.output, "output", "", "the model output analysed (required), e.g. combination_icer or np1_inc_nmb")
	cmd.Flags().Float64Var(&f.level, "level", 0, "value of the output at which the decision changes, for --threshold")
	cmd.Flags().StringArrayVar(&f.ranges, "range", nil, "one-way range of a parameter, name=low:high (repeatable)")
	cmd.Flags().StringArrayVar(&f.twoWay, "two-way", nil, "a two-way grid, p=low:high:points,q=low:high:points (repeatable)")
	cmd.Flags().StringArrayVar(&f.thresholds, "threshold", nil, "threshold analysis of a parameter, name=low:high[:points] (repeatable)")
	return cmd
}

// runDSA runs the analyses f asks for on sc and writes dsa.json and
// dsa.html in the output folder.
func (a *app) runDSA(ctx context.Context, sc *scenarios.Scenario, f dsaFlags) error {
	r, err := a.resolve(sc, f.run)
	if err != nil {
		return err
	}
	desc := r.desc
	if f.output == "" {
		return &usageError{errors.New("--output names the model output to analyse")}
	}
	if !slices.ContainsFunc(desc.Outputs, func(o models.Output) bool { return o.Name == f.output }) {
		var names []string
		for _, o := range desc.Outputs {
			names = append(names, o.Name)
		}
		return &usageError{fmt.Errorf("--output %q is not an output of model %q with this scenario; it has %s", f.output, desc.Name, strings.Join(names, ", "))}
	}
	if math.IsNaN(f.level) || math.IsInf(f.level, 0) {
		return &usageError{fmt.Errorf("--level %s: expected a finite number (the output's value at which the decision changes)", fmtFloat(f.level))}
	}
	if len(f.ranges)+len(f.twoWay)+len(f.thresholds) == 0 {
		return &usageError{errors.New("nothing to analyse: give --range, --two-way or --threshold")}
	}
	base, err := desc.Resolve(sc.Params)
	if err != nil {
		return sc.Errorf([]string{"params"}, "%v", err)
	}
	check := func(flag string, rg dsaRange) error {
		p, ok := desc.Param(rg.name)
		if !ok || p.Kind != models.Float {
			return &usageError{fmt.Errorf("%s %s: not a real-valued parameter of model %q", flag, rg.name, desc.Name)}
		}
		for _, v := range []float64{rg.lo, rg.hi} {
			if _, err := p.Coerce(v); err != nil {
				return &usageError{fmt.Errorf("%s %s=%s: %s", flag, rg.name, fmtFloat(v), err.Msg)}
			}
		}
		return nil
	}
	var ranges []dsaRange
	for _, s := range f.ranges {
		rg, err := parseRange("--range", s, 2)
		if err == nil {
			err = check("--range", rg)
		}
		if err != nil {
			return err
		}
		ranges = append(ranges, rg)
	}
	var grids [][2]dsaRange
	for _, s := range f.twoWay {
		x, y, ok := strings.Cut(s, ",")
		if !ok {
			return &usageError{fmt.Errorf("--two-way %q: expected p=low:high:points,q=low:high:points", s)}
		}
		rx, err := parseRange("--two-way", x, 5)
		if err != nil {
			return err
		}
		ry, err := parseRange("--two-way", y, 5)
		if err != nil {
			return err
		}
		if err := errors.Join(check("--two-way", rx), check("--two-way", ry)); err != nil {
			return err
		}
		if rx.name == ry.name {
			return &usageError{fmt.Errorf("--two-way %q: two different parameters", s)}
		}
		grids = append(grids, [2]dsaRange{rx, ry})
	}
	var ths []dsaRange
	for _, s := range f.thresholds {
		rg, err := parseRange("--threshold", s, 21)
		if err == nil {
			err = check("--threshold", rg)
		}
		if err != nil {
			return err
		}
		ths = append(ths, rg)
	}
	out := first(f.run.out, filepath.Join("out", sc.Study.Name+"-dsa"))
	study := func(dir string, sw *scenarios.Sweep) ([]map[string]float64, error) {
		d, err := sc.Derive(scenarios.Derivation{Why: "dsa " + dir, Sweep: sw})
		if err != nil {
			return nil, err
		}
		rf := f.run
		rf.out = filepath.Join(out, dir)
		if _, err := a.runStudy(ctx, d, rf); err != nil {
			return nil, err
		}
		return readRuns(rf.out)
	}
	res := &hta.DSA{Outcome: f.output, Level: f.level, Base: math.NaN()}
	if len(ranges) > 0 {
		// A zip design: run 0 is the base case, then each parameter low and high.
		n := 1 + 2*len(ranges)
		sw := &scenarios.Sweep{Design: scenarios.Zip}
		for k, rg := range ranges {
			vals := make([]any, n)
			for i := range vals {
				vals[i] = base[rg.name]
			}
			vals[1+2*k], vals[2+2*k] = rg.lo, rg.hi
			sw.Params = append(sw.Params, scenarios.SweepParam{Name: rg.name, Values: vals})
		}
		rows, err := study("one-way", sw)
		if err != nil {
			return err
		}
		res.Base = rows[0][f.output]
		var bars []hta.TornadoBar
		for k, rg := range ranges {
			bars = append(bars, hta.TornadoBar{Param: rg.name, LowValue: rg.lo, HighValue: rg.hi, Low: rows[1+2*k][f.output], High: rows[2+2*k][f.output]})
		}
		res.OneWay = hta.Tornado(res.Base, bars)
	}
	for k, g := range grids {
		xs, ys := g[0].points(), g[1].points()
		sw := &scenarios.Sweep{Design: scenarios.Grid, Params: []scenarios.SweepParam{{Name: g[0].name, Values: toAnys(xs)}, {Name: g[1].name, Values: toAnys(ys)}}}
		rows, err := study(fmt.Sprintf("two-way-%d", k+1), sw)
		if err != nil {
			return err
		}
		tw := hta.TwoWay{XParam: g[0].name, YParam: g[1].name, X: xs, Y: ys, Outcome: make([][]float64, len(xs))}
		for i := range xs {
			tw.Outcome[i] = make([]float64, len(ys))
			for j := range ys {
				tw.Outcome[i][j] = math.NaN()
			}
		}
		for _, row := range rows {
			i, j := slices.Index(xs, row[g[0].name]), slices.Index(ys, row[g[1].name])
			if i >= 0 && j >= 0 {
				tw.Outcome[i][j] = row[f.output]
			}
		}
		res.TwoWay = append(res.TwoWay, tw)
	}
	for k, rg := range ths {
		xs := rg.points()
		rows, err := study(fmt.Sprintf("threshold-%d", k+1), &scenarios.Sweep{Design: scenarios.Grid, Params: []scenarios.SweepParam{{Name: rg.name, Values: toAnys(xs)}}})
		if err != nil {
			return err
		}
		ys := column(rows, rg.name, xs, f.output)
		tr := hta.ThresholdRun{Param: rg.name, X: xs, Outcome: ys, Thresholds: []float64{}}
		// Refine each crossing on 11 points of its bracket.
		for c, x0 := range hta.Crossings(xs, ys, f.level) {
			i := max(0, min(len(xs)-2, sortSearch(xs, x0)))
			if xs[i] == x0 || (i+1 < len(xs) && xs[i+1] == x0) {
				tr.Thresholds = append(tr.Thresholds, x0)
				continue
			}
			fine := dsaRange{name: rg.name, lo: xs[i], hi: xs[i+1], n: 11}.points()
			rows, err := study(fmt.Sprintf("threshold-%d/refine-%d", k+1, c+1), &scenarios.Sweep{Design: scenarios.Grid, Params: []scenarios.SweepParam{{Name: rg.name, Values: toAnys(fine)}}})
			if err != nil {
				return err
			}
			// A bracket whose refinement keeps no crossing held a pole
			// (an ICER where the effects' difference changes sign), not a
			// threshold: it is dropped, not reported at the coarse guess.
			tr.Thresholds = append(tr.Thresholds, hta.RefineCrossings(ys[i+1]-ys[i], fine, column(rows, rg.name, fine, f.output), f.level)...)
		}
		res.Thresholds = append(res.Thresholds, tr)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(res.JSON(), "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "dsa.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	hf, err := os.Create(filepath.Join(out, "dsa.html"))
	if err != nil {
		return err
	}
	if err := report.DSA(hf, sc.Study.Name, res); err != nil {
		hf.Close()
		return err
	}
	if err := hf.Close(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "dsa of %s: %s in %s\n", f.output, "dsa.json, dsa.html", out)
	for _, b := range res.OneWay {
		fmt.Fprintf(a.stdout, "  %-24s %s .. %s: %s .. %s (range %s)\n", b.Param, fmtFloat(b.LowValue), fmtFloat(b.HighValue), fmtFloat(b.Low), fmtFloat(b.High), fmtFloat(b.Range))
	}
	for _, t := range res.Thresholds {
		fmt.Fprintf(a.stdout, "  threshold of %s where %s = %s: %v\n", t.Param, f.output, fmtFloat(f.level), t.Thresholds)
	}
	return nil
}

// readRuns reads the results.csv of the study in dir (report.LoadStudy)
// into one map per run, in run order: every parameter and output column
// that parses as a number (an empty or non-numeric cell is NaN).
func readRuns(dir string) ([]map[string]float64, error) {
	st, err := report.LoadStudy(dir)
	if err != nil {
		return nil, err
	}
	if len(st.Rows) == 0 {
		return nil, fmt.Errorf("%s: no runs", filepath.Join(dir, "results.csv"))
	}
	out := make([]map[string]float64, len(st.Rows))
	for i, rec := range st.Rows {
		row := make(map[string]float64, len(st.Header))
		for j, name := range st.Header {
			v, err := strconv.ParseFloat(rec[j], 64)
			if err != nil {
				v = math.NaN()
			}
			row[name] = v
		}
		out[i] = row
	}
	return out, nil
}

// column returns the output of the run at each x (by its parameter value).
func column(rows []map[string]float64, param string, xs []float64, output string) []float64 {
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = math.NaN()
		for _, r := range rows {
			if r[param] == x {
				ys[i] = r[output]
				break
			}
		}
	}
	return ys
}

// sortSearch returns the index i of the bracket xs[i] <= x < xs[i+1].
func sortSearch(xs []float64, x float64) int {
	i, _ := slices.BinarySearch(xs, x)
	return i - 1
}

func toAnys(xs []float64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
