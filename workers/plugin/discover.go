package plugin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pluginsdk"
)

// BinaryPrefix starts the file name of every model plugin binary.
const BinaryPrefix = "mdtwin-model-"

// Found is a plugin binary and the models it serves.
type Found struct {
	Path   string
	Models []models.Descriptor
}

// Discover finds the model plugins in dir: the executable files named
// mdtwin-model-*, in name order. Each is started once and asked to
// describe its models. A file that does not start as an mdtwin model plugin
// gives an error naming it; Discover then returns the plugins that did
// start together with the errors, joined.
func Discover(dir string) ([]Found, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("plugin discovery: %w", err)
	}
	var paths []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), BinaryPrefix) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		fi, err := os.Stat(path) // follows symbolic links
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			continue
		}
		paths = append(paths, path)
	}
	found := make([]Found, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i, path := range paths {
		wg.Go(func() { found[i], errs[i] = DiscoverOne(path) })
	}
	wg.Wait()
	var ok []Found
	for i := range found {
		if errs[i] == nil {
			ok = append(ok, found[i])
		}
	}
	return ok, errors.Join(errs...)
}

// DiscoverOne starts the plugin binary at path once and asks it what it
// serves.
func DiscoverOne(path string) (Found, error) {
	// The error says why a file is not a plugin; go-plugin's own log lines
	// about it would only repeat that on stderr.
	p, err := pluginsdk.Launch(context.Background(), path, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		return Found{}, err
	}
	defer p.Kill()
	return Found{Path: path, Models: p.Models()}, nil
}
