package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
)

func (a *app) auditCommand() *cobra.Command {
	var storePath string
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Check the patient store's audit log, or export it as FHIR AuditEvent NDJSON",
		Long: `audit works on the patient store's audit log: one row per record read or written, with the
program, the operating-system user, and for the dashboard the client's address and token name.

Each row is chained to the previous one by an HMAC-SHA256 under a key derived from the store's key
(kept outside the store, in its key file or $` + "MDTWIN_STORE_KEY" + `), and the log's end is authenticated too.
Without the key, no row can be changed, removed or added, and the log cannot be cut short, without
'audit verify' naming the first row where the chain breaks. mdtwin serve runs the same check at start.`,
		Args: noArgs,
	}
	cmd.PersistentFlags().StringVar(&storePath, "store", "", storeFlagDoc)
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit chain; name the first broken row (exit 1 when broken)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ps, path, err := openExisting(storePath, "mdtwin audit")
			if err != nil {
				return err
			}
			defer a.closeStore(ps)
			rep, err := ps.VerifyAudit(cmd.Context())
			if err != nil {
				return err
			}
			if !rep.OK() {
				return &runFailure{fmt.Sprintf("%s: %s", path, rep)}
			}
			fmt.Fprintf(a.stdout, "%s: %s\n", path, rep)
			return nil
		},
	}
	var out string
	export := &cobra.Command{
		Use:   "export [--out FILE]",
		Short: "Write the audit log as FHIR R4 AuditEvent resources, one per line (NDJSON)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ps, _, err := openExisting(storePath, "mdtwin audit")
			if err != nil {
				return err
			}
			defer a.closeStore(ps)
			var w io.Writer = a.stdout
			var f *os.File
			if out != "" {
				// The log names patients (by pseudonym) and users: private.
				if f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
					return &engine.InputError{Msg: fmt.Sprintf("--out: %v", err)}
				}
				w = f
			}
			n, err := ps.ExportAudit(cmd.Context(), w)
			if f != nil {
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				return err
			}
			if out != "" {
				fmt.Fprintf(a.stdout, "%d AuditEvent resources written to %s\n", n, out)
			}
			return nil
		},
	}
	export.Flags().StringVar(&out, "out", "", "NDJSON file to write (mode 0600; default: stdout)")
	cmd.AddCommand(verify, export)
	return cmd
}
