package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/builtin"
)

func (a *app) modelsCommand() *cobra.Command {
	var pluginDir string
	cmd := &cobra.Command{
		Use:   "models [NAME...]",
		Short: "List the models (built-in and plugins) with their parameters and outputs",
		RunE: func(cmd *cobra.Command, args []string) error {
			var descs []models.Descriptor
			source := map[string]string{}
			for _, m := range builtin.Registry().Models() {
				d := m.Describe()
				descs = append(descs, d)
				source[d.Name] = "built-in"
			}
			found, err := discoverPlugins(first(pluginDir, defaultPluginDir()))
			if err != nil { // list the others; say which files are not plugins
				fmt.Fprintf(a.stderr, "mdtwin: %s\n", oneLine(err.Error()))
			}
			for _, p := range found {
				for _, d := range p.Models {
					if _, dup := source[d.Name]; !dup {
						descs = append(descs, d)
						source[d.Name] = "plugin " + p.Path
					}
				}
			}
			want := map[string]bool{}
			for _, n := range args {
				if _, ok := source[n]; !ok {
					return &usageError{fmt.Errorf("unknown model %q", n)}
				}
				want[n] = true
			}
			for _, d := range descs {
				if len(want) == 0 || want[d.Name] {
					printDescriptor(a.stdout, d, source[d.Name])
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pluginDir, "plugin-dir", "", "folder of external model plugins (default: $MDTWIN_PLUGIN_DIR, else ./plugins)")
	return cmd
}

func printDescriptor(w io.Writer, d models.Descriptor, source string) {
	fmt.Fprintf(w, "%s %s (%s)\n  %s\n", d.Name, d.Version, source, d.Doc)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  parameter\ttype\tunit\tdefault\tbounds\tdoc")
	for _, p := range d.Params {
		bounds := ""
		switch {
		case len(p.Choices) > 0:
			bounds = strings.Join(p.Choices, "|")
		case p.Min != nil || p.Max != nil:
			lo, hi := "-inf", "inf"
			if p.Min != nil {
				lo = models.FormatFloat(*p.Min)
			}
			if p.Max != nil {
				hi = models.FormatFloat(*p.Max)
			}
			bounds = "[" + lo + ", " + hi + "]"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, dash(p.Unit), models.FormatValue(p.Default), dash(bounds), p.Doc)
	}
	tw.Flush()
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  output\tunit\tdoc")
	for _, o := range d.Outputs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", o.Name, dash(o.Unit), o.Doc)
	}
	tw.Flush()
	fmt.Fprintln(w)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
