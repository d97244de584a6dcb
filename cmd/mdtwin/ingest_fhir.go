package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/patient/ingest"
	"github.com/mdtwin/mdtwin/patient/smart"
	"github.com/mdtwin/mdtwin/store"
)

// stdinReader is what 'mdtwin ingest -' reads (tests replace it).
var stdinReader io.Reader = os.Stdin

func (a *app) stdin() io.Reader { return stdinReader }

// fhirPull holds the flags of 'mdtwin ingest --fhir'.
type fhirPull struct {
	base, patient, group, token, clientID, keyFile, scope, work string
	all                                                         bool
}

func (p *fhirPull) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.base, "fhir", "", "pull from the FHIR R4 server at this base URL (with --patient, --group or --all)")
	f.StringVar(&p.patient, "patient", "", "with --fhir: the patient's id on the server (Patient/ID/$everything)")
	f.StringVar(&p.group, "group", "", "with --fhir: a Group id to bulk-export (Group/ID/$export)")
	f.BoolVar(&p.all, "all", false, "with --fhir: bulk-export every patient (Patient/$export)")
	f.StringVar(&p.token, "token", "", "with --fhir: a bearer token (default $MDTWIN_FHIR_TOKEN)")
	f.StringVar(&p.clientID, "client-id", "", "with --fhir: the SMART Backend Services client id (with --key)")
	f.StringVar(&p.keyFile, "key", "", "with --fhir: the client's private key (PEM or JWK; RSA → RS384, EC P-384 → ES384)")
	f.StringVar(&p.scope, "scope", "system/*.rs", "with --client-id: the scopes to ask for")
	f.StringVar(&p.work, "work", "", "with --group or --all: the folder of the export's state and files (default <store>.export/<group>)")
}

// check validates the flags of a pull.
func (p *fhirPull) check(args []string) error {
	n := 0
	for _, set := range []bool{p.patient != "", p.group != "", p.all} {
		if set {
			n++
		}
	}
	switch {
	case len(args) > 0:
		return &usageError{fmt.Errorf("--fhir takes no FILE (got %q)", args[0])}
	case n != 1:
		return &usageError{errors.New("--fhir needs one of --patient ID, --group ID or --all")}
	case (p.clientID == "") != (p.keyFile == ""):
		return &usageError{errors.New("--client-id and --key go together (SMART Backend Services)")}
	case p.clientID != "" && p.token != "":
		return &usageError{errors.New("--token and --client-id: give one of them")}
	}
	if err := smart.CheckEndpoint("--fhir", p.base); err != nil {
		return &usageError{err}
	}
	return nil
}

// pullFHIR carries out 'mdtwin ingest --fhir'.
func (a *app) pullFHIR(ctx context.Context, ps *store.Patients, opt ingest.Options, p fhirPull) error {
	r := &ingest.Remote{Base: strings.TrimSuffix(p.base, "/"),
		Log: func(format string, args ...any) { fmt.Fprintf(a.stderr, "mdtwin: "+format+"\n", args...) }}
	tok := p.token
	if tok == "" {
		tok = os.Getenv("MDTWIN_FHIR_TOKEN")
	}
	switch {
	case p.clientID != "":
		data, err := os.ReadFile(p.keyFile)
		if err != nil {
			return &engine.InputError{Msg: "--key: " + err.Error()}
		}
		key, alg, kid, err := smart.ParseKey(data)
		if err != nil {
			return &engine.InputError{Msg: p.keyFile + ": " + err.Error()}
		}
		r.Token = ingest.BackendServices(r.Base, &smart.Backend{ClientID: p.clientID, Key: key, Alg: alg, KeyID: kid, Scope: p.scope})
	case tok != "":
		r.Token = ingest.Bearer(tok)
	}
	report := func(sums []*ingest.Summary, err error) error {
		failed := 0
		for _, s := range sums {
			fmt.Fprintln(a.stdout, s)
			for _, pr := range s.Problems {
				fmt.Fprintln(a.stderr, "mdtwin: "+oneLine(pr.Error()))
			}
			failed += s.Failed
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			return &engine.InputError{Msg: oneLine(err.Error())}
		}
		if failed > 0 {
			return &engine.InputError{Msg: fmt.Sprintf("%s failed (listed above); the valid entries were stored in %s",
				plural(failed, "entry", "entries"), ps.Path())}
		}
		return nil
	}
	if p.patient != "" {
		got, err := opt.Everything(ctx, ps, r, p.patient)
		if err := report([]*ingest.Summary{got.Summary}, err); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "patient %s (%d pages)\n", got.PatientID, got.Pages)
		return nil
	}
	work := p.work
	if work == "" {
		name := p.group
		if p.all {
			name = "all-patients"
		}
		work = filepath.Join(ps.Path()+".export", name)
	}
	ex, err := opt.BulkExport(ctx, ps, r, p.group, work)
	var sums []*ingest.Summary
	if ex != nil {
		sums = ex.Summaries
	}
	return report(sums, err)
}
