package main

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/models/builtin"
	"github.com/mdtwin/mdtwin/models/pluginsdk"
	"github.com/mdtwin/mdtwin/workers"
	wplugin "github.com/mdtwin/mdtwin/workers/plugin"
)

func (a *app) pluginCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin",
		Short: "Model plugin commands",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "serve",
		Short: "Serve the built-in models as a go-plugin worker process (started by `mdtwin run --backend plugin`)",
		Long: "serve is what a plugin worker process runs: it speaks go-plugin's handshake on stdout and gRPC\n" +
			"over a Unix socket, and is not meant to be started by hand.",
		Args: noArgs,
		Run: func(*cobra.Command, []string) {
			pluginsdk.Serve(builtin.Registry().Models()...)
		},
	})
	return cmd
}

func defaultPluginDir() string { return first(os.Getenv("MDTWIN_PLUGIN_DIR"), "plugins") }

// discoverPlugins lists the plugins in dir; a missing dir has none. A file
// that is not a plugin is bad input.
func discoverPlugins(dir string) ([]wplugin.Found, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	found, err := wplugin.Discover(dir)
	if err != nil {
		return nil, &engine.InputError{Msg: err.Error()}
	}
	return found, nil
}

func newPluginBackend(path string, args []string, model string, n int, log *slog.Logger) workers.Backend {
	return wplugin.New(wplugin.Options{Path: path, Args: args, Model: model, Workers: n, Logger: log})
}
