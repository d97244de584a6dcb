package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/patient/omop"
	"github.com/mdtwin/mdtwin/store"
)

func (a *app) exportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export the patient store to a research data model (omop)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return &usageError{fmt.Errorf("%s needs a target: omop", cmd.CommandPath())}
		},
	}
	var storePath, out string
	om := &cobra.Command{
		Use:   "omop --store PATH --out DIR",
		Short: "Export the patient store to the OMOP CDM v5.4 (CSV and Parquet)",
		Long: `export omop writes the patient store as OMOP Common Data Model v5.4 tables: person,
observation_period, visit_occurrence, condition_occurrence, drug_exposure, measurement and
observation, each as DIR/<table>.csv and DIR/<table>.parquet.

The mapping follows OHDSI ETL-Synthea's rules (visit roll-up, type concepts, domain routing).
Standard concept ids come from the small vocabulary subset mdtwin ships (patient/terminology:
the codes of its sample data); a code it does not cover exports with concept id 0 and its code
as the source value. person_source_value is the store's pseudonym: no source identifier is
exported. Every record read is in the store's audit log. The tables are written whole or not
at all.

Exit status: 0 when written; 2 on bad flags or an unusable store.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return &usageError{fmt.Errorf("%s needs --out DIR", cmd.CommandPath())}
			}
			if storePath == "" {
				return &usageError{fmt.Errorf("%s needs --store PATH", cmd.CommandPath())}
			}
			if _, err := os.Stat(storePath); err != nil {
				return &engine.InputError{Msg: fmt.Sprintf("--store %s: %v", storePath, err)}
			}
			ps, err := store.OpenPatients(storePath, "mdtwin export omop")
			if err != nil {
				return &engine.InputError{Msg: fmt.Sprintf("patient store %s", err)}
			}
			defer a.closeStore(ps)
			cdm, err := omop.Build(cmd.Context(), ps)
			if err != nil {
				return err
			}
			if err := omop.Write(out, cdm); err != nil {
				return &engine.InputError{Msg: fmt.Sprintf("--out %s: %v", out, err)}
			}
			n := cdm.Counts()
			for _, t := range omop.Tables {
				fmt.Fprintf(a.stdout, "%-21s %d rows\n", t, n[t])
			}
			fmt.Fprintf(a.stdout, "written to %s (CSV and Parquet)\n", out)
			return nil
		},
	}
	om.Flags().StringVar(&storePath, "store", "", "the patient store to export (required)")
	om.Flags().StringVar(&out, "out", "", "the folder to write the tables into (required)")
	cmd.AddCommand(om)
	return cmd
}
