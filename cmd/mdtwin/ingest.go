package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/patient/ingest"
	"github.com/mdtwin/mdtwin/store"
)

func (a *app) ingestCommand() *cobra.Command {
	var storePath string
	cmd := &cobra.Command{
		Use:   "ingest FILE...",
		Short: "Add patient records (FHIR R4 bundles, NDJSON exports, registry CSV tables) to the patient store",
		Long: `ingest adds patient records to the patient store (SQLite) under pseudonymous patient ids.

FILE is one of:
  *.json     a FHIR R4 Bundle (transaction, batch or collection); urn:uuid references are resolved
  *.ndjson   a FHIR bulk-data export, one resource per line (Patient files are ingested first)
  *.toml     a registry column mapping: ingests the CSV tables it names (EDSS visits, relapses,
             therapy lines, ...); see patient/testdata/ms_registry.toml

Stored: Patient, Encounter, Observation, Condition, MedicationRequest, MedicationStatement,
Procedure, ImagingStudy, DiagnosticReport. Other FHIR R4 types are counted as skipped.
Ingesting the same file again adds nothing. One summary line per file goes to stdout.

Each entry is stored on its own: an entry that fails (invalid JSON, unknown resource type,
broken reference, impossible date) is reported on stderr with its index and fullUrl (or line)
and leaves nothing behind, while the valid entries are stored.

Exit status: 0 when every entry was stored or skipped; 2 when any entry or file failed
(after the valid entries were stored) or on bad flags.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &usageError{fmt.Errorf("%s needs at least one FILE", cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if storePath == "" {
				p, err := store.DefaultPatientStore()
				if err != nil {
					return &usageError{err}
				}
				storePath = p
			}
			ps, err := store.OpenPatients(storePath, "mdtwin ingest")
			if err != nil {
				return &engine.InputError{Msg: fmt.Sprintf("patient store %s", err)}
			}
			defer ps.Close()
			failed, badFiles := 0, 0
			for _, path := range ingest.Order(args) {
				sums, err := ingest.File(cmd.Context(), ps, path)
				for _, s := range sums {
					fmt.Fprintln(a.stdout, s)
					for _, p := range s.Problems {
						fmt.Fprintln(a.stderr, "mdtwin: "+oneLine(p.Error()))
					}
					failed += s.Failed
				}
				if err != nil {
					if cerr := cmd.Context().Err(); cerr != nil {
						return cerr
					}
					for _, e := range unjoin(err) {
						fmt.Fprintln(a.stderr, "mdtwin: "+oneLine(e.Error()))
						badFiles++
					}
				}
			}
			if failed+badFiles > 0 {
				what := []string{}
				if failed > 0 {
					what = append(what, plural(failed, "entry", "entries"))
				}
				if badFiles > 0 {
					what = append(what, plural(badFiles, "file", "files"))
				}
				return &engine.InputError{Msg: fmt.Sprintf("%s failed (listed above); the valid entries were stored in %s",
					strings.Join(what, " and "), storePath)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&storePath, "store", "", "patient store (default: $XDG_DATA_HOME/mdtwin/store.sqlite, else ~/.local/share/mdtwin/store.sqlite)")
	return cmd
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// unjoin splits an errors.Join error into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}
