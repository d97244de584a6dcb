package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/patient/ingest"
	"github.com/mdtwin/mdtwin/store"
)

func (a *app) ingestCommand() *cobra.Command {
	var storePath string
	var opt ingest.Options
	var pull fhirPull
	cmd := &cobra.Command{
		Use:   "ingest FILE... | ingest --fhir BASE_URL (--patient ID | --group ID | --all)",
		Short: "Add patient records (FHIR R4 bundles, NDJSON exports, registry CSV tables) to the patient store",
		Long: `ingest adds patient records to the patient store (SQLite) under pseudonymous patient ids.

FILE is one of:
  *.json     a FHIR R4 Bundle (transaction, batch or collection); urn:uuid references are resolved
  *.ndjson   a FHIR bulk-data export, one resource per line (Patient files are ingested first)
  *.toml     a registry column mapping: ingests the CSV tables it names (EDSS visits, relapses,
             therapy lines, ...); see patient/testdata/ms_registry.toml
  -          an NDJSON stream on standard input (a device or app sending observations as they come):
             stored in batches of 500 lines, or after 2 s without a line

From a FHIR R4 server (the records' source is the server's base URL):
  --fhir BASE_URL --patient ID   the patient's record: Patient/ID/$everything, page by page
  --fhir BASE_URL --group ID     a group's records with a Bulk Data export (Group/ID/$export; --all:
                                 Patient/$export): kick-off, polling as Retry-After asks, NDJSON
                                 downloads into --work DIR (default: <store>.export/<group>), ingest;
                                 run it again after an interruption and it resumes
  Authorization: --token TOKEN (or $MDTWIN_FHIR_TOKEN), a bearer token; or SMART Backend Services:
  --client-id ID --key FILE (a private key, PEM or JWK: RSA signs RS384, EC P-384 signs ES384;
  register its public JWK with the server) with --scope (default system/*.rs).

Stored: Patient, Encounter, Observation, Condition, MedicationRequest, MedicationStatement,
Immunization, AllergyIntolerance, QuestionnaireResponse (its score items), Procedure, ImagingStudy,
DiagnosticReport. Other FHIR R4 types are counted as skipped; FHIR STU3
and DSTU2 files are refused. Ingesting the same file again adds nothing. One summary line per file
goes to stdout.

Sources: every record is keyed on (source, type, id), so two hospitals' Patient/1 stay two
patients, and a pseudonym derives from (source, identifier). The source is a resource's or the
bundle's meta.source; else --source NAME; else the identifier system all the file's patients share
(for a registry mapping, its identifier_system). A file that names none needs --source. Records of
one person from two sources are joined only by 'mdtwin patients link'.

Each entry is stored on its own: an entry that fails (invalid JSON or UTF-8, unknown resource type,
broken reference, impossible date, a code outside its FHIR value set, a duplicate fullUrl or id, a
field over 64 KiB or a resource over 4 MiB) is reported on stderr with its index and fullUrl (or
line) and leaves nothing behind, while the valid entries are stored. A transaction bundle is all or
nothing: one failing entry and none of it is stored.

Several ingests (and a running dashboard) may use one store at once; each waits for the others.

Exit status: 0 when every entry was stored or skipped; 2 when any entry or file failed
(after the valid entries were stored) or on bad flags.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if pull.base != "" {
				return pull.check(args)
			}
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
			defer a.closeStore(ps)
			if pull.base != "" {
				return a.pullFHIR(cmd.Context(), ps, opt, pull)
			}
			failed, badFiles, rolledBack := 0, 0, 0
			for _, path := range ingest.Order(args) {
				var sums []*ingest.Summary
				var err error
				if path == "-" {
					sums, err = opt.Stream(cmd.Context(), ps, "stdin", a.stdin(), 500, 2*time.Second)
				} else {
					sums, err = opt.File(cmd.Context(), ps, path)
				}
				for _, s := range sums {
					fmt.Fprintln(a.stdout, s)
					for _, p := range s.Problems {
						fmt.Fprintln(a.stderr, "mdtwin: "+oneLine(p.Error()))
					}
					failed += s.Failed
					if s.RolledBack {
						rolledBack++
					}
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
				stored := "the valid entries were stored in " + storePath
				if rolledBack > 0 {
					stored = fmt.Sprintf("%s stored nothing (all or nothing); the valid entries of the other files were stored in %s",
						plural(rolledBack, "transaction bundle", "transaction bundles"), storePath)
				}
				return &engine.InputError{Msg: fmt.Sprintf("%s failed (listed above); %s", strings.Join(what, " and "), stored)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&storePath, "store", "", storeFlagDoc)
	cmd.Flags().StringVar(&opt.Source, "source", "", "the system the records come from (e.g. its FHIR base URL), for files that name none in meta.source")
	pull.flags(cmd)
	return cmd
}

// storeFlagDoc documents --store.
const storeFlagDoc = "patient store (default: $XDG_DATA_HOME/mdtwin/store.sqlite, else ~/.local/share/mdtwin/store.sqlite); " +
	"its key is in the file beside it named like it with .key appended, or in $" + store.KeyEnv

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
