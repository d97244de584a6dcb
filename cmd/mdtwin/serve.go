package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/mdtwin/mdtwin/dashboard"
	"github.com/mdtwin/mdtwin/engine"
	"github.com/mdtwin/mdtwin/store"
)

func (a *app) serveCommand() *cobra.Command {
	var storePath, addr, token, studies string
	var nWorkers int
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the patient dashboard: timelines, predictions and scenario runs",
		Long: `serve starts the web dashboard over the patient store: the patient list and search; each patient's
timeline (observations plotted by code over time, therapies and conditions as bars, encounters,
procedures, imaging); the predictions made for them with their reports; and a form to run a bundled
scenario for the patient, personalised from the record, with its progress.

It listens on 127.0.0.1:8080 by default. Bound beyond loopback it requires a bearer token (--token
or $MDTWIN_TOKEN): requests carry "Authorization: Bearer <token>", or a browser opens /?token=<token>
once and keeps a cookie. Logs name pseudonymous patient ids only. Every record read is audited.
Stop it with Ctrl-C.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if token == "" {
				token = os.Getenv("MDTWIN_TOKEN")
			}
			if err := dashboard.CheckAddr(addr, token); err != nil {
				return &usageError{err}
			}
			if storePath == "" {
				p, err := store.DefaultPatientStore()
				if err != nil {
					return &usageError{err}
				}
				storePath = p
			}
			if studies == "" {
				studies = filepath.Join(filepath.Dir(storePath), "studies")
			}
			ps, err := store.OpenPatients(storePath, "mdtwin serve")
			if err != nil {
				return &engine.InputError{Msg: fmt.Sprintf("patient store %s", err)}
			}
			defer ps.Close()
			log := a.logger()
			dash, err := dashboard.New(dashboard.Options{Store: ps, StudiesDir: studies, Token: token,
				Workers: firstInt(nWorkers, runtime.NumCPU()), Log: log})
			if err != nil {
				return err
			}
			defer dash.Close()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return &engine.InputError{Msg: fmt.Sprintf("--addr %s: %v", addr, err)}
			}
			srv := &http.Server{Handler: dash, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(a.stdout, "dashboard on http://%s/ (store %s); Ctrl-C stops it\n", ln.Addr(), storePath)
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-cmd.Context().Done():
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				dash.Close()
				if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
					return err
				}
				return nil
			}
		},
	}
	cmd.Flags().StringVar(&storePath, "store", "", "patient store (default: $XDG_DATA_HOME/mdtwin/store.sqlite, else ~/.local/share/mdtwin/store.sqlite)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (host:port); beyond loopback it needs --token")
	cmd.Flags().StringVar(&token, "token", "", "bearer token required on every request (default $MDTWIN_TOKEN); required beyond loopback")
	cmd.Flags().StringVar(&studies, "studies", "", "folder for the outputs of runs started from the dashboard (default: studies/ beside the store)")
	cmd.Flags().IntVar(&nWorkers, "workers", 0, "in-process workers per run (default: one per CPU)")
	return cmd
}
