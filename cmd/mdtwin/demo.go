package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/patient"
	"github.com/mdtwin/mdtwin/patient/ingest"
	"github.com/mdtwin/mdtwin/report"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/scenarios/examples"
	"github.com/mdtwin/mdtwin/store"
)

// demoMS is the scenario the demo runs for each sample patient, and the
// number of simulated futures per strategy (the example's 10,000 take
// minutes; 200 keep the demo to seconds).
const (
	demoMS         = "ms-ofatumumab-first-vs-delayed.toml"
	demoMSPatients = 200
)

func (a *app) demoCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the embedded examples end to end: a PK sweep, then sample patients' MS forecasts and reports",
		Long: "demo runs, from files embedded in the binary, on the in-process backend (or --backend plugin):\n" +
			"  1. scenarios/examples/" + examples.Demo + " (a 200-patient PK sweep) and its study report;\n" +
			"  2. ingests the sample patients (patient/testdata: a Synthea FHIR bundle and an invented MS registry)\n" +
			"     into a patient store in the demo's folder;\n" +
			"  3. runs scenarios/examples/" + demoMS + " (" + strconv.Itoa(demoMSPatients) + " simulated futures per strategy) for each\n" +
			"     patient whose record it fits, stores the predictions and writes each patient's report;\n" +
			"and prints the command that opens the dashboard on that store. Each demo writes a new folder under out/.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			out := f.out
			if out == "" {
				out = filepath.Join("out", "demo-"+time.Now().Format("20060102-150405"))
			}
			pk, err := embeddedScenario(examples.Demo, nil)
			if err != nil {
				return err
			}
			pf := f
			pf.out = filepath.Join(out, "pk-sweep")
			rep, err := a.runStudy(ctx, pk, pf)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "open %s for one row per virtual patient (Cmax, AUC, …), %s for the population summary\n",
				filepath.Join(rep.OutDir, "results.csv"), filepath.Join(rep.OutDir, "summary.json"))
			if err := a.writeReport(rep.OutDir, nil); err != nil {
				return err
			}
			return a.demoPatients(ctx, out, f)
		},
	}
	f.register(cmd)
	return cmd
}

// embeddedScenario parses an example scenario, with [params] values set
// from params (nil: as shipped).
func embeddedScenario(name string, params map[string]any) (*scenarios.Scenario, error) {
	data, err := examples.FS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	sc, err := scenarios.Parse("scenarios/examples/"+name, data)
	if err != nil || params == nil {
		return sc, err
	}
	return sc.Derive(scenarios.Derivation{Why: "demo", Params: params})
}

// demoPatients ingests the sample patients into out/store.sqlite, runs the
// MS scenario for each patient it fits, writes their reports and prints
// the dashboard command.
func (a *app) demoPatients(ctx context.Context, out string, f runFlags) error {
	samples := filepath.Join(out, "samples")
	if err := copySamples(samples); err != nil {
		return err
	}
	storePath := filepath.Join(out, store.PatientStoreFile)
	ps, err := store.OpenPatients(storePath, "mdtwin demo")
	if err != nil {
		return err
	}
	defer ps.Close()
	for _, file := range []string{"synthea_r4_Louis_Erdman_55bbe118.json", "ms_registry.toml"} {
		sums, err := ingest.File(ctx, ps, filepath.Join(samples, file))
		for _, s := range sums {
			fmt.Fprintln(a.stdout, s)
		}
		if err != nil {
			return err
		}
	}
	patients, err := ps.PatientList(ctx)
	if err != nil {
		return err
	}
	sc, err := embeddedScenario(demoMS, map[string]any{"n_patients": demoMSPatients, "save_trajectories": true})
	if err != nil {
		return err
	}
	forecasts := 0
	for _, pt := range patients {
		pf := f
		pf.out = filepath.Join(out, "ms-forecast-"+pt.ID)
		err := a.runForPatient(ctx, sc, pf, patientFlags{patient: pt.ID, storePath: storePath})
		var ie *engine.InputError
		if errors.As(err, &ie) { // the record does not fit the scenario: say why, go on
			fmt.Fprintf(a.stdout, "no MS forecast for patient %s: %s\n", pt.ID, oneLine(ie.Error()))
			continue
		}
		if err != nil {
			return err
		}
		rec, err := ps.Record(ctx, pt.ID)
		if err != nil {
			return err
		}
		if err := a.writeReport(pf.out, rec); err != nil {
			return err
		}
		forecasts++
	}
	fmt.Fprintf(a.stdout, "%d patients in %s, %d with an MS forecast; see them on the dashboard:\n  mdtwin serve --store %s\n",
		len(patients), storePath, forecasts, storePath)
	return nil
}

// copySamples writes the embedded sample patients (patient.Samples) to dir.
func copySamples(dir string) error {
	return fs.WalkDir(patient.Samples, "testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := patient.Samples.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.Base(path)), data, 0o644)
	})
}

// writeReport writes dir/report.html: the study report, or the patient's
// prediction report when rec is not nil.
func (a *app) writeReport(dir string, rec *patient.Record) error {
	st, err := report.LoadStudy(dir)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if rec == nil {
		err = report.Study(&b, st)
	} else {
		err = report.Patient(&b, rec, st)
	}
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "report written to %s\n", path)
	return nil
}
