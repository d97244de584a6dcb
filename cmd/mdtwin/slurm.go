package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/builtin"
	"github.com/mdtwin/mdtwin/scenarios"
	"github.com/mdtwin/mdtwin/workers/slurm"
)

// newSlurmBackend builds the Slurm backend: flags over the scenario's
// [backend] keys over defaults.
func newSlurmBackend(sc *scenarios.Scenario, f runFlags, r resolved, log *slog.Logger) (*slurm.Backend, error) {
	s := sc.Backend.Slurm
	exe := s.Mdtwin
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("finding the mdtwin binary for the compute nodes: %w", err)
		}
	}
	dir := first(f.slurm.SharedDir, s.SharedDir, filepath.Join(r.out, "slurm"))
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return slurm.New(slurm.Options{
		Command:     []string{exe},
		Model:       r.desc.Name,
		Study:       sc.Study.Name,
		Dir:         abs,
		RunsPerTask: firstInt(f.slurm.RunsPerTask, s.RunsPerTask),
		CPUsPerTask: firstInt(f.slurm.CPUsPerTask, s.CPUsPerTask),
		Partition:   first(f.slurm.Partition, s.Partition),
		Account:     first(f.slurm.Account, s.Account),
		Time:        first(f.slurm.Time, s.Time),
		Mem:         first(f.slurm.Mem, s.Mem),
		Setup:       s.Setup,
		Logger:      log,
	}), nil
}

// workerCommand is what each Slurm array task runs.
func (a *app) workerCommand() *cobra.Command {
	var dir string
	var task, workers int
	cmd := &cobra.Command{
		Use:   "worker --dir DIR [--task N]",
		Short: "Run one array task's chunk of runs (started by the slurm backend on compute nodes)",
		Long: "worker runs the runs of one chunk written by the slurm backend, on this node's cores, and writes\n" +
			"their results next to it. The chunk is --task, else $SLURM_ARRAY_TASK_ID.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return &usageError{fmt.Errorf("worker needs --dir")}
			}
			if !cmd.Flags().Changed("task") {
				if _, err := fmt.Sscan(os.Getenv("SLURM_ARRAY_TASK_ID"), &task); err != nil {
					return &usageError{fmt.Errorf("worker needs --task or $SLURM_ARRAY_TASK_ID")}
				}
			}
			reg := builtin.Registry()
			lookup := func(name string) (models.Model, error) { return reg.Lookup(name) }
			return slurm.RunTask(cmd.Context(), dir, task, lookup, slurm.TaskOptions{Workers: workers})
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the job's folder in the shared folder")
	cmd.Flags().IntVar(&task, "task", 0, "the chunk to run (default $SLURM_ARRAY_TASK_ID)")
	cmd.Flags().IntVar(&workers, "workers", 0, "parallel runs (default $SLURM_CPUS_PER_TASK, else one per CPU)")
	return cmd
}
