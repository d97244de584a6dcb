package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/cohort"
	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/models"
)

func (a *app) matchCommand() *cobra.Command {
	var (
		tf          tableFlags
		patient     []string
		patientFile string
		filters     []string
		opt         cohort.MatchOptions
		asJSON      bool
	)
	cmd := &cobra.Command{
		Use:   "match REFERENCE.csv [--patient NAME=VALUE,...] [--filter COND]... [--outcome COL]...",
		Short: "Find the reference patients (real or avatars) most like a patient and summarise their outcomes",
		Long: "match selects patients of REFERENCE like a query patient: --filter conditions (column=value, !=, <, <=, >, >=)\n" +
			"keep candidates, then the --k candidates nearest to the patient's values (--patient or the first row of\n" +
			"--patient-file) in the FAMD space of those columns are kept — every candidate tied at the cut-off too, or\n" +
			"--ties seeded to draw among them — and the match quality (k-th distance against the reference's typical\n" +
			"k-th distance) is given. It summarises the --outcome columns over them (shares with 95 % Wilson intervals)\n" +
			"beside the whole reference (the population baseline) and, with --time and --event, reads Kaplan–Meier\n" +
			"curves with 95 % Greenwood bands at the --at times.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("match takes one reference table, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			query := map[string]string{}
			for _, kv := range patient {
				name, v, ok := strings.Cut(kv, "=")
				if !ok || strings.TrimSpace(name) == "" {
					return &usageError{fmt.Errorf("--patient %q: expected NAME=VALUE", kv)}
				}
				query[strings.TrimSpace(name)] = strings.TrimSpace(v)
			}
			for _, f := range filters {
				p, err := cohort.ParseFilter(f)
				if err != nil {
					return &usageError{fmt.Errorf("--filter: %v", err)}
				}
				opt.Filters = append(opt.Filters, p)
			}
			if opt.K < 0 {
				return &usageError{fmt.Errorf("--k %d: expected a positive number", opt.K)}
			}
			if (opt.Time == "") != (opt.Event == "") {
				return &usageError{fmt.Errorf("--time and --event go together")}
			}
			if opt.Ties != cohort.TiesKeep && opt.Ties != cohort.TiesSeeded {
				return &usageError{fmt.Errorf("--ties %q: expected keep or seeded", opt.Ties)}
			}
			ref, err := tf.readTable(args[0])
			if err != nil {
				return err
			}
			if patientFile != "" {
				q, err := readPatient(patientFile)
				if err != nil {
					return err
				}
				// A patient file may hold more than is matched on: its
				// outcome, identifier and empty fields are skipped.
				for k, v := range q {
					c := ref.Column(k)
					_, set := query[k]
					skip := set || v == "" || c == nil || c.Kind == cohort.Identifier ||
						slices.Contains(opt.Outcomes, k) || k == opt.Time || k == opt.Event
					if !skip {
						query[k] = v
					}
				}
			}
			res, err := cohort.MatchPatient(ref, query, opt)
			if err != nil {
				return &engine.InputError{Msg: err.Error()}
			}
			if asJSON {
				b, err := json.MarshalIndent(res, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, string(b))
				return nil
			}
			printMatch(a, args[0], res, opt)
			return nil
		},
	}
	tf.register(cmd)
	cmd.Flags().StringSliceVar(&patient, "patient", nil, "the query patient's values: NAME=VALUE,... (repeatable)")
	cmd.Flags().StringVar(&patientFile, "patient-file", "", "CSV file whose header and first row give the query patient (--patient values win)")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "keep reference patients satisfying a condition, e.g. Class=4 or age>=40 (repeatable)")
	cmd.Flags().IntVar(&opt.K, "k", 10, "number of nearest reference patients to keep")
	cmd.Flags().StringSliceVar(&opt.Outcomes, "outcome", nil, "outcome columns to summarise (repeatable, comma-separated)")
	cmd.Flags().StringVar(&opt.Time, "time", "", "follow-up time column for a Kaplan–Meier curve")
	cmd.Flags().StringVar(&opt.Event, "event", "", "event indicator column (0/1 or two modalities) for the Kaplan–Meier curve")
	cmd.Flags().Float64SliceVar(&opt.Horizons, "at", nil, "times to read the survival curve at, e.g. 2,5")
	cmd.Flags().StringVar(&opt.Ties, "ties", cohort.TiesKeep, "reference patients tied at the cut-off of the k nearest: keep (all of them) or seeded (draw among them with --seed)")
	cmd.Flags().Uint64Var(&opt.Seed, "seed", 1, "seed of --ties seeded and of the match-quality sample")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// readPatient reads the header and first row of a CSV file.
func readPatient(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &engine.InputError{Msg: err.Error()}
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: %v", path, err)}
	}
	if len(recs) < 2 {
		return nil, &engine.InputError{Msg: fmt.Sprintf("%s: expected a header row and one patient row", path)}
	}
	q := map[string]string{}
	for j, h := range recs[0] {
		q[strings.TrimSpace(h)] = strings.TrimSpace(recs[1][j])
	}
	return q, nil
}

func printMatch(a *app, ref string, res *cohort.MatchResult, opt cohort.MatchOptions) {
	w := a.stdout
	fmt.Fprintf(w, "%d of the reference patients pass the filters", res.Candidates)
	if len(res.Features) > 0 {
		fmt.Fprintf(w, "; the %d nearest on %s:\n", len(res.Matches), strings.Join(res.Features, ", "))
	} else {
		fmt.Fprintf(w, "; all kept (no patient values given):\n")
	}
	if t := res.Ties; t != nil && t.AtCutoff > 1 {
		if t.Rule == cohort.TiesSeeded {
			fmt.Fprintf(w, "  %d reference patients tie at the cut-off (%d closer): %d drawn among them with seed %d\n", t.AtCutoff, t.Closer, t.Kept, opt.Seed)
		} else {
			fmt.Fprintf(w, "  %d reference patients tie at the cut-off (%d closer): all kept\n", t.AtCutoff, t.Closer)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  line of %s\tdistance\n", ref)
	shown := res.Matches
	if len(shown) > 50 {
		shown = shown[:50]
	}
	for _, m := range shown {
		fmt.Fprintf(tw, "  %d\t%s\n", m.Row+2, models.FormatFloat(m.Distance))
	}
	tw.Flush()
	if len(res.Matches) > len(shown) {
		fmt.Fprintf(w, "  … and %d more (--json lists all)\n", len(res.Matches)-len(shown))
	}
	if q := res.Quality; q != nil {
		fmt.Fprintf(w, "match quality: k-th distance %.3g, %.2f× the reference's typical k-th distance (%.3g, median over %d patients)\n",
			q.KthDistance, q.Ratio, q.TypicalKth, q.Sample)
	}
	pop := res.Population
	for i, o := range res.Outcomes {
		var base cohort.OutcomeSummary
		if pop != nil && i < len(pop.Outcomes) {
			base = pop.Outcomes[i]
		}
		if o.Numeric != nil {
			fmt.Fprintf(w, "%s: n %d, mean %.4g (sd %.4g), median %.4g [IQR %.4g–%.4g]", o.Variable, o.N, o.Numeric.Mean, o.Numeric.SD, o.Numeric.Median, o.Numeric.Q1, o.Numeric.Q3)
			if base.Numeric != nil {
				fmt.Fprintf(w, "; all %d: mean %.4g, median %.4g", base.N, base.Numeric.Mean, base.Numeric.Median)
			}
			fmt.Fprintln(w)
			continue
		}
		var parts []string
		for j, sh := range o.Shares {
			part := fmt.Sprintf("%s %.1f %% [%.1f, %.1f]", sh.Level, 100*sh.Share, 100*sh.Low, 100*sh.High)
			if j < len(base.Shares) {
				part += fmt.Sprintf(" (all: %.1f %%)", 100*base.Shares[j].Share)
			}
			parts = append(parts, part)
		}
		fmt.Fprintf(w, "%s: n %d, %s\n", o.Variable, o.N, strings.Join(parts, ", "))
	}
	for i, p := range res.AtHorizons {
		fmt.Fprintf(w, "Kaplan–Meier S(%s) = %.3f [%.3f, %.3f] (%d at risk; %s/%s)", models.FormatFloat(p.Time), p.Survival, p.Low, p.High, p.AtRisk, opt.Time, opt.Event)
		if pop != nil && i < len(pop.AtHorizons) {
			b := pop.AtHorizons[i]
			fmt.Fprintf(w, "; all: %.3f [%.3f, %.3f]", b.Survival, b.Low, b.High)
		}
		fmt.Fprintln(w)
	}
	if len(res.AtHorizons) == 0 && len(res.Curve) > 0 {
		last := res.Curve[len(res.Curve)-1]
		fmt.Fprintf(w, "Kaplan–Meier: %d event times; S(%s) = %.3f [%.3f, %.3f]\n", len(res.Curve), models.FormatFloat(last.Time), last.Survival, last.Low, last.High)
	}
}
