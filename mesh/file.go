package mesh

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// WriteOptions selects the encoding for WriteFile.
type WriteOptions struct {
	Binary bool       // VTK legacy and PLY: binary instead of ASCII
	XML    XMLOptions // .vtu and .vtp
}

// ReadFile reads a mesh, choosing the format by the file extension:
// .vtk (legacy), .vtu/.vtp (XML), .ply, .obj, and .pts/.elem (openCARP: both
// files with the same base name, plus base.lon if it exists; coordinates are
// converted from µm to mm).
func ReadFile(path string) (*Mesh, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".pts" || ext == ".elem" || ext == ".lon" {
		return readOpenCARPFiles(strings.TrimSuffix(path, filepath.Ext(path)))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	switch ext {
	case ".vtk":
		return ReadVTK(f, path)
	case ".vtu", ".vtp":
		return ReadVTKXML(f, path)
	case ".ply":
		return ReadPLY(f, path)
	case ".obj":
		return ReadOBJ(f, path)
	}
	return nil, fmt.Errorf("%s: unknown mesh format %q (want .vtk, .vtu, .vtp, .ply, .obj, .pts/.elem)", path, ext)
}

func readOpenCARPFiles(base string) (*Mesh, error) {
	pts, err := os.Open(base + ".pts")
	if err != nil {
		return nil, err
	}
	defer pts.Close()
	elem, err := os.Open(base + ".elem")
	if err != nil {
		return nil, err
	}
	defer elem.Close()
	var lon io.Reader
	if f, err := os.Open(base + ".lon"); err == nil {
		defer f.Close()
		lon = f
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return ReadOpenCARP(pts, elem, lon, base, OpenCARPOptions{})
}

// WriteFile writes m in the format named by the extension of path (as for
// ReadFile). For openCARP, path may end in .pts or .elem; base.pts, base.elem
// and (when m has fibres) base.lon are written.
func WriteFile(path string, m *Mesh, opt WriteOptions) (err error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".pts" || ext == ".elem" || ext == ".lon" {
		base := strings.TrimSuffix(path, filepath.Ext(path))
		var files []*os.File
		defer func() {
			for _, f := range files {
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
		}()
		names := []string{".pts", ".elem"}
		if m.Fibres != nil {
			names = append(names, ".lon")
		}
		for _, n := range names {
			f, err := os.Create(base + n)
			if err != nil {
				return err
			}
			files = append(files, f)
		}
		var lon io.Writer
		if len(files) == 3 {
			lon = files[2]
		}
		return WriteOpenCARP(files[0], files[1], lon, m)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	switch ext {
	case ".vtk":
		return WriteVTK(f, m, opt.Binary)
	case ".vtu":
		return WriteVTU(f, m, opt.XML)
	case ".vtp":
		return WriteVTP(f, m, opt.XML)
	case ".ply":
		return WritePLY(f, m, opt.Binary)
	case ".obj":
		return WriteOBJ(f, m)
	}
	return fmt.Errorf("%s: unknown mesh format %q", path, ext)
}
