package main

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

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

// discoverPlugins lists the plugins in dir that start; a missing dir has
// none. The error names the files that did not start as plugins; the
// plugins that did are returned with it.
func discoverPlugins(dir string) ([]wplugin.Found, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return wplugin.Discover(dir)
}

// findPlugin looks for the plugin serving model in dir: first the binary
// named for it (mdtwin-model-<model>), started alone, then, if that is not
// it, every plugin there. Plugins that do not start are reported in the
// error but never stop the search, so that a broken plugin in the folder
// does not fail a study of another model.
func findPlugin(dir, model string) ([]wplugin.Found, error) {
	named := filepath.Join(dir, wplugin.BinaryPrefix+model)
	if fi, err := os.Stat(named); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		if f, err := wplugin.DiscoverOne(named); err == nil {
			for _, d := range f.Models {
				if d.Name == model {
					return []wplugin.Found{f}, nil
				}
			}
		}
	}
	return discoverPlugins(dir)
}

func newPluginBackend(path string, args []string, model string, n int, log *slog.Logger) workers.Backend {
	return wplugin.New(wplugin.Options{Path: path, Args: args, Model: model, Workers: n, Logger: log})
}
