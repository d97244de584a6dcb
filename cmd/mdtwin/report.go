package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/report"
	"github.com/mdtwin/mdtwin/store"
)

func (a *app) reportCommand() *cobra.Command {
	var pid, storePath, out string
	cmd := &cobra.Command{
		Use:   "report OUTDIR",
		Short: "Write a self-contained HTML report of a study, or a patient's prediction report",
		Long: `report reads the output folder of a study (manifest.json, summary.json, results.csv, runs/)
and writes one HTML file that opens offline (inline styles and SVG plots, no external assets):
the output summary; for HTA models the frontier, increments, CE plane and CEAC; for mscohort
the EDSS forecast per strategy (with save_trajectories = true) or the per-strategy table; for
brain the effect of resection and the seizure onsets. For the output folder of mdtwin calibrate
it is the calibration page: posterior marginals and pairs, tolerance schedule, observed vs predicted.

With --patient, the report is that patient's prediction report: their record (EDSS visits,
therapies) and the predictions stored for them, above the study's sections.

Exit status: 0 on success; 2 on a bad folder, an unknown patient or bad flags.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("report takes one output folder, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if report.IsCalibration(args[0]) && pid == "" {
				return a.calibrationReport(args[0], out)
			}
			if report.IsTrial(args[0]) && pid == "" {
				return a.trialReport(args[0], out)
			}
			st, err := report.LoadStudy(args[0])
			if err != nil {
				return &engine.InputError{Msg: err.Error()}
			}
			if out == "" {
				out = filepath.Join(args[0], "report.html")
			}
			var b bytes.Buffer
			if pid == "" {
				err = report.Study(&b, st)
			} else {
				if storePath == "" {
					if storePath, err = store.DefaultPatientStore(); err != nil {
						return &usageError{err}
					}
				}
				// Opening creates a missing store: refuse one, as mdtwin run does.
				if _, err := os.Stat(storePath); errors.Is(err, fs.ErrNotExist) {
					return &engine.InputError{Msg: fmt.Sprintf("patient store %s does not exist (mdtwin ingest creates it)", storePath)}
				}
				ps, err := store.OpenPatients(storePath, "mdtwin report")
				if err != nil {
					return &engine.InputError{Msg: fmt.Sprintf("patient store %s", err)}
				}
				defer a.closeStore(ps)
				rec, err := ps.Record(cmd.Context(), pid)
				if err != nil {
					return &engine.InputError{Msg: fmt.Sprintf("--patient: %v (store %s)", err, storePath)}
				}
				if err = report.Patient(&b, rec, st); err != nil {
					return err
				}
			}
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
				return &engine.InputError{Msg: fmt.Sprintf("--out: %v", err)}
			}
			fmt.Fprintf(a.stdout, "report written to %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&pid, "patient", "", "write this patient's prediction report (pseudonymous id in the patient store)")
	cmd.Flags().StringVar(&storePath, "store", "", "patient store for --patient (default: $XDG_DATA_HOME/mdtwin/store.sqlite, else ~/.local/share/mdtwin/store.sqlite)")
	cmd.Flags().StringVar(&out, "out", "", "HTML file to write (default: OUTDIR/report.html)")
	return cmd
}
