package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"

	"github.com/mdtwin/mdtwin/prediction"
	"github.com/mdtwin/mdtwin/report"
	"github.com/mdtwin/mdtwin/scenarios"
)

// virtualStudy is the scenario of `mdtwin synth --study`: a study whose
// patients come from a [cohort] table, run once on the real table and once
// on its avatars.
type virtualStudy struct {
	sc *scenarios.Scenario
}

// loadVirtualStudy reads the scenario of --study; it must have a [cohort]
// table and a built-in model.
func (a *app) loadVirtualStudy(path string) (*virtualStudy, error) {
	sc, err := scenarios.Load(path)
	if err != nil {
		return nil, err
	}
	if sc.Cohort == nil {
		return nil, &usageError{fmt.Errorf("--study %s: the scenario has no [cohort] table, so it cannot run on the avatars", path)}
	}
	if _, _, err := prediction.Builtin(sc); err != nil {
		return nil, err
	}
	return &virtualStudy{sc: sc}, nil
}

// runVirtualStudy runs the study with its [cohort] rows from the real table
// and from the avatars, in out/study-real and out/study-virtual, and writes
// out/virtual-cohort.html and out/virtual-cohort.json comparing the
// predicted outcomes.
func (a *app) runVirtualStudy(ctx context.Context, vs *virtualStudy, realTable, avatars, out string, log *slog.Logger) error {
	var arms []report.CohortArm
	for _, arm := range []struct{ label, table, dir string }{
		{"real cohort", realTable, "study-real"},
		{"virtual cohort", avatars, "study-virtual"},
	} {
		sc, err := vs.sc.WithCohortTable(arm.table)
		if err != nil {
			return &usageError{fmt.Errorf("--study %s: %v", vs.sc.File, err)}
		}
		dir := filepath.Join(out, arm.dir)
		study, err := prediction.InProcess(sc, dir, runtime.NumCPU())
		if err != nil {
			return err
		}
		study.Log = log
		rep, err := prediction.Execute(ctx, study)
		if err != nil {
			return err
		}
		if len(rep.Failed) > 0 {
			return &runFailure{fmt.Sprintf("--study: %d of %d runs on the %s failed (see %s)", len(rep.Failed), rep.Runs, arm.label, dir)}
		}
		st, err := report.LoadStudy(dir)
		if err != nil {
			return err
		}
		var in map[string]json.RawMessage
		var rows []map[string]any
		if err := json.Unmarshal(sc.Inputs, &in); err != nil {
			return err
		}
		if err := json.Unmarshal(in[sc.Cohort.Input], &rows); err != nil {
			return err
		}
		arms = append(arms, report.CohortArm{Label: arm.label, Table: arm.table, SHA256: sc.Cohort.SHA256, Rows: rows, Study: st})
		fmt.Fprintf(a.stdout, "study %s on the %s (%d patients): %d runs in %s\n", sc.Study.Name, arm.label, sc.Cohort.Rows, rep.Runs, dir)
	}
	cmp := report.CompareCohorts(arms[0], arms[1])
	var html bytes.Buffer
	if err := cmp.WriteHTML(&html); err != nil {
		return err
	}
	js, err := json.MarshalIndent(cmp, "", "  ")
	if err != nil {
		return err
	}
	beyond := 0
	for _, o := range cmp.Outputs {
		if o.Beyond {
			beyond++
		}
	}
	for name, b := range map[string][]byte{"virtual-cohort.html": html.Bytes(), "virtual-cohort.json": append(js, '\n')} {
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	fmt.Fprintf(a.stdout, "virtual vs real cohort: %d of %d outputs differ beyond Monte Carlo error; wrote %s\n",
		beyond, len(cmp.Outputs), filepath.Join(out, "virtual-cohort.html"))
	return nil
}
