// Command mdtwin is the simulation engine for medical digital twins: it
// expands a scenario into runs, dispatches them to workers and writes the
// study's outputs. See the README for a tour.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/scenarios"
)

// Exit codes.
const (
	exitOK          = 0
	exitRunFailure  = 1 // runs failed, or the study could not be carried out
	exitInput       = 2 // bad input: scenario, parameters, flags, output folder, plugin
	exitInterrupted = 130
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the CLI with args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := newApp(stdout, stderr)
	root := app.rootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if code != exitOK {
		fmt.Fprintln(stderr, "mdtwin: "+oneLine(err.Error()))
	}
	return code
}

// runFailure is a study that finished with failed runs (already listed).
type runFailure struct{ msg string }

func (e *runFailure) Error() string { return e.msg }

// usageError is a bad flag or argument.
type usageError struct{ error }

func exitCode(err error) int {
	var se *scenarios.Error
	var pe *models.ParamError
	var ie *engine.InputError
	var ue *usageError
	var rf *runFailure
	switch {
	case errors.As(err, &se), errors.As(err, &pe), errors.As(err, &ie), errors.As(err, &ue):
		return exitInput
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &rf):
		return exitRunFailure
	}
	return exitRunFailure
}

// oneLine keeps error reports to one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

type app struct {
	stdout, stderr io.Writer
	verbose        bool
	logJSON        bool
	quiet          bool // log warnings and errors only (the demo's studies, unless verbose)
}

func newApp(stdout, stderr io.Writer) *app { return &app{stdout: stdout, stderr: stderr} }

func (a *app) logger() *slog.Logger {
	level := slog.LevelInfo
	if a.verbose {
		level = slog.LevelDebug
	} else if a.quiet {
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	if a.logJSON {
		return slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.stderr, opts))
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "mdtwin",
		Short: "Simulation and modelling engine for medical digital twins",
		Long: "mdtwin expands a TOML scenario into runs, dispatches them to in-process or plugin workers,\n" +
			"and writes manifest.json, results.csv, summary.json and runs/<id>/ in the output folder.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "debug logging")
	root.PersistentFlags().BoolVar(&a.logJSON, "log-json", false, "log as JSON lines on stderr")
	root.AddCommand(a.runCommand(), a.modelsCommand(), a.pluginCommand(), a.workerCommand(), a.versionCommand(), a.demoCommand(), a.synthCommand(), a.matchCommand(), a.ingestCommand(), a.reportCommand(), a.serveCommand(), a.optimaCommand(), a.meshCommand(), a.calibrateCommand(), a.dsaCommand())
	root.AddCommand(a.patientsCommand(), a.auditCommand())
	root.AddCommand(a.exportCommand())
	return root
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print mdtwin's version",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(a.stdout, "mdtwin %s\n", engine.Version)
			return nil
		},
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return &usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args)}
	}
	return nil
}
