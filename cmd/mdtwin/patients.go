package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/store"
)

// openExisting opens the patient store at path (the default one when
// empty) for program, refusing one that does not exist.
func openExisting(path, program string) (*store.Patients, string, error) {
	if path == "" {
		p, err := store.DefaultPatientStore()
		if err != nil {
			return nil, "", &usageError{err}
		}
		path = p
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, path, &engine.InputError{Msg: fmt.Sprintf("patient store %s does not exist (mdtwin ingest creates it)", path)}
	}
	ps, err := store.OpenPatients(path, program)
	if err != nil {
		return nil, path, &engine.InputError{Msg: fmt.Sprintf("patient store %s", err)}
	}
	return ps, path, nil
}

// closeStore closes the patient store, saying so on stderr when the audit
// rows of its reads could not all be written.
func (a *app) closeStore(ps *store.Patients) {
	if err := ps.Close(); err != nil {
		fmt.Fprintln(a.stderr, "mdtwin: warning: patient store "+ps.Path()+": "+oneLine(err.Error()))
	}
}

func (a *app) patientsCommand() *cobra.Command {
	var storePath string
	cmd := &cobra.Command{
		Use:   "patients",
		Short: "List the patient store's patients; link or unlink two sources' records of one person",
		Long: `patients lists the patients of the patient store and records, as an explicit and audited act,
that two patients (usually sent by two sources) are one person.

Records are keyed on their source: hospital A's Patient/1 and hospital B's Patient/1 are two
patients with two pseudonyms, even with the same identifier. Once linked, each patient's record is
read with the other's (the dashboard, mdtwin run --patient and mdtwin report show both); the link
and its reason are written to the audit log under both patients' ids. Ingest never links.`,
		Args: noArgs,
	}
	cmd.PersistentFlags().StringVar(&storePath, "store", "", storeFlagDoc)

	list := &cobra.Command{
		Use:   "list",
		Short: "List the patients: pseudonym, sex, birth date, source, links",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ps, _, err := openExisting(storePath, "mdtwin patients")
			if err != nil {
				return err
			}
			defer a.closeStore(ps)
			ctx := cmd.Context()
			pts, err := ps.PatientList(ctx)
			if err != nil {
				return err
			}
			links, err := ps.Links(ctx, "")
			if err != nil {
				return err
			}
			linked := map[string][]string{}
			for _, l := range links {
				if l.RemovedAt == "" {
					linked[l.A] = append(linked[l.A], l.B)
					linked[l.B] = append(linked[l.B], l.A)
				}
			}
			fmt.Fprintln(a.stdout, "patient\tsex\tbirth date\tsource\tlinked to")
			for _, p := range pts {
				fmt.Fprintf(a.stdout, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Sex, p.BirthDate, cmpOr(p.Source, "(before sources)"),
					strings.Join(linked[p.ID], ","))
			}
			return nil
		},
	}
	var reason string
	link := &cobra.Command{
		Use:   "link PATIENT PATIENT --reason TEXT",
		Short: "Record that two patients are one person (audited)",
		Args:  twoPatients,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return &usageError{errors.New("--reason is required: who matched the two records, and on what")}
			}
			ps, _, err := openExisting(storePath, "mdtwin patients link")
			if err != nil {
				return err
			}
			defer a.closeStore(ps)
			l, err := ps.Link(cmd.Context(), args[0], args[1], reason)
			if err != nil {
				return &engine.InputError{Msg: err.Error()}
			}
			fmt.Fprintf(a.stdout, "linked %s and %s (link %d); each one's record now includes the other's\n", l.A, l.B, l.ID)
			return nil
		},
	}
	link.Flags().StringVar(&reason, "reason", "", "why the two are one person: who matched them, and on what (required; audited)")
	unlink := &cobra.Command{
		Use:   "unlink PATIENT PATIENT --reason TEXT",
		Short: "Remove the link between two patients (audited)",
		Args:  twoPatients,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return &usageError{errors.New("--reason is required")}
			}
			ps, _, err := openExisting(storePath, "mdtwin patients unlink")
			if err != nil {
				return err
			}
			defer a.closeStore(ps)
			if err := ps.Unlink(cmd.Context(), args[0], args[1], reason); err != nil {
				return &engine.InputError{Msg: err.Error()}
			}
			fmt.Fprintf(a.stdout, "unlinked %s and %s\n", args[0], args[1])
			return nil
		},
	}
	unlink.Flags().StringVar(&reason, "reason", "", "why the link was wrong (required; audited)")
	cmd.AddCommand(list, link, unlink)
	return cmd
}

func twoPatients(cmd *cobra.Command, args []string) error {
	if len(args) != 2 {
		return &usageError{fmt.Errorf("%s takes two patient ids, got %d arguments", cmd.CommandPath(), len(args))}
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
