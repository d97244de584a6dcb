package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/scenarios/examples"
)

func (a *app) demoCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the embedded example study (a 200-patient PK sweep) end to end",
		Long: "demo runs scenarios/examples/" + examples.Demo + ", embedded in the binary, on the in-process backend\n" +
			"(or --backend plugin) and prints where the outputs are. Each demo writes a new folder under out/.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := examples.FS.ReadFile(examples.Demo)
			if err != nil {
				return err
			}
			sc, err := scenarios.Parse("scenarios/examples/"+examples.Demo, data)
			if err != nil {
				return err
			}
			if f.out == "" {
				f.out = filepath.Join("out", "demo-"+time.Now().Format("20060102-150405"))
			}
			rep, err := a.runStudy(cmd.Context(), sc, f)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "open %s for one row per virtual patient (Cmax, AUC, …), %s for the population summary\n",
				filepath.Join(rep.OutDir, "results.csv"), filepath.Join(rep.OutDir, "summary.json"))
			return nil
		},
	}
	f.register(cmd)
	return cmd
}
