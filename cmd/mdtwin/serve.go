package main

import (
	"context"
	"crypto/tls"
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
	var storePath, addr, token, studies, certFile, keyFile, newToken, revokeToken string
	var selfSigned, listTokens bool
	var nWorkers int
	var smartOpts func() *dashboard.SMART
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the patient dashboard: timelines, predictions and scenario runs",
		Long: `serve starts the web dashboard over the patient store: the patient list and search; each patient's
timeline (observations plotted by code over time, therapies and conditions as bars, encounters,
procedures, imaging); the predictions made for them with their reports; and a form to run a bundled
scenario for the patient, personalised from the record, with its progress.

It listens on 127.0.0.1:8080 by default, where it answers to loopback host names only. Bound
beyond loopback it requires TLS and bearer tokens:

  mdtwin serve --new-token NAME      makes a token for NAME (a person or workstation), prints it once
                                     and exits; the store keeps its hash; the audit log names NAME on
                                     every request that presents it
  mdtwin serve --revoke-token NAME   revokes it; --list-tokens lists them
  --tls-cert FILE --tls-key FILE     serve HTTPS with this certificate (PEM)
  --tls-self-signed                  make (once) a self-signed certificate beside the store for a
                                     pilot on a LAN and print its SHA-256 fingerprint, for browsers
                                     to check against

A request carries its token as "Authorization: Bearer <token>", or a browser opens /?token=<token>
once and keeps an HttpOnly cookie. --token (or $MDTWIN_TOKEN) adds an unnamed token of at least 22
characters. An address that fails 10 times within 15 minutes is refused (HTTP 429) for 15 minutes.

Every record read is audited with the client's address and token name. At start, serve checks the
audit chain and refuses to start when it is broken (see 'mdtwin audit verify'). Logs name
pseudonymous patient ids only. Stop it with Ctrl-C.

As a SMART on FHIR app (App Launch 2.x) registered with an EHR: --smart-client-id ID
--smart-redirect https://HOST/smart/callback --smart-iss EHR_FHIR_BASE [--ehr-origin https://EHR].
The EHR opens /smart/launch?iss=…&launch=… (or a user /smart/launch?iss=… for a standalone
launch); after authorization (code + PKCE, scopes "launch patient/*.rs openid fhirUser") the
patient's record is pulled into the store under the EHR's base URL and the dashboard opens on
the patient. Only the --ehr-origin origins may embed the dashboard in a frame.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if token == "" {
				token = os.Getenv("MDTWIN_TOKEN")
			}
			if err := dashboard.CheckToken(token); err != nil {
				return &usageError{fmt.Errorf("--token: %w", err)}
			}
			if (certFile == "") != (keyFile == "") {
				return &usageError{errors.New("--tls-cert and --tls-key go together")}
			}
			if selfSigned && certFile != "" {
				return &usageError{errors.New("--tls-self-signed and --tls-cert: give one of them")}
			}
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return &usageError{dashboard.CheckAddr(addr, true, true)}
			}
			if storePath == "" {
				p, err := store.DefaultPatientStore()
				if err != nil {
					return &usageError{err}
				}
				storePath = p
			}
			tokenCmd := newToken != "" || revokeToken != "" || listTokens
			useTLS := certFile != "" || selfSigned
			if !tokenCmd && !dashboard.Loopback(addr) {
				// Refuse before opening (or creating) the store when what
				// is missing is known already.
				if _, err := os.Stat(storePath); !useTLS || (token == "" && err != nil) {
					return &usageError{dashboard.CheckAddr(addr, token != "", useTLS)}
				}
			}
			ps, err := store.OpenPatients(storePath, "mdtwin serve")
			if err != nil {
				return &engine.InputError{Msg: fmt.Sprintf("patient store %s", err)}
			}
			defer a.closeStore(ps)
			ctx := cmd.Context()
			if tokenCmd {
				return a.tokens(ctx, ps, newToken, revokeToken, listTokens)
			}
			tokens, err := ps.Tokens(ctx)
			if err != nil {
				return err
			}
			named := 0
			for _, t := range tokens {
				if t.RevokedAt == "" {
					named++
				}
			}
			if err := dashboard.CheckAddr(addr, token != "" || named > 0, useTLS); err != nil {
				return &usageError{err}
			}
			rep, err := ps.VerifyAudit(ctx)
			if err != nil {
				return err
			}
			if !rep.OK() {
				return &runFailure{fmt.Sprintf("%s: %s; refusing to serve (see 'mdtwin audit verify')", storePath, rep)}
			}
			if studies == "" {
				studies = filepath.Join(filepath.Dir(storePath), "studies")
			}
			log := a.logger()
			dash, err := dashboard.New(dashboard.Options{Store: ps, StudiesDir: studies, Token: token, StoreTokens: named > 0,
				Workers: firstInt(nWorkers, runtime.NumCPU()), Log: log, SMART: smartOpts()})
			if err != nil {
				return &usageError{err}
			}
			defer dash.Close()
			var tlsConf *tls.Config
			if useTLS {
				if selfSigned {
					certFile, keyFile = selfSignedPaths(storePath)
					made, err := ensureSelfSigned(certFile, keyFile, addr)
					if err != nil {
						return &engine.InputError{Msg: fmt.Sprintf("--tls-self-signed: %v", err)}
					}
					if made {
						fmt.Fprintf(a.stdout, "made a self-signed certificate %s (key %s)\n", certFile, keyFile)
					}
				}
				cert, err := tls.LoadX509KeyPair(certFile, keyFile)
				if err != nil {
					return &engine.InputError{Msg: fmt.Sprintf("--tls-cert/--tls-key: %v", err)}
				}
				fmt.Fprintf(a.stdout, "TLS certificate %s, SHA-256 fingerprint %s\n", certFile, fingerprint(cert.Certificate[0]))
				tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return &engine.InputError{Msg: fmt.Sprintf("--addr %s: %v", addr, err)}
			}
			scheme := "http"
			if tlsConf != nil {
				ln, scheme = tls.NewListener(ln, tlsConf), "https"
			}
			srv := &http.Server{Handler: dash, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(a.stdout, "dashboard on %s://%s/ (store %s, %s); Ctrl-C stops it\n", scheme, ln.Addr(), storePath, rep)
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				dash.Close()
				if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
					return err
				}
				return nil
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&storePath, "store", "", storeFlagDoc)
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (host:port); beyond loopback it needs TLS and tokens")
	f.StringVar(&token, "token", "", "an unnamed bearer token (at least 22 characters) accepted besides the named ones (default $MDTWIN_TOKEN)")
	f.StringVar(&newToken, "new-token", "", "make a named bearer token (256 bits), print it and exit")
	f.StringVar(&revokeToken, "revoke-token", "", "revoke the named token and exit")
	f.BoolVar(&listTokens, "list-tokens", false, "list the named tokens and exit")
	f.StringVar(&certFile, "tls-cert", "", "serve HTTPS with this certificate (PEM; with --tls-key)")
	f.StringVar(&keyFile, "tls-key", "", "the certificate's private key (PEM)")
	f.BoolVar(&selfSigned, "tls-self-signed", false, "serve HTTPS with a self-signed certificate kept beside the store (made on first use), for a pilot on a LAN")
	f.StringVar(&studies, "studies", "", "folder for the outputs of runs started from the dashboard (default: studies/ beside the store)")
	f.IntVar(&nWorkers, "workers", 0, "in-process workers per run (default: one per CPU)")
	smartOpts = smartFlags(cmd)
	return cmd
}

// tokens carries out --new-token, --revoke-token and --list-tokens.
func (a *app) tokens(ctx context.Context, ps *store.Patients, newToken, revoke string, list bool) error {
	if newToken != "" {
		tok, err := ps.NewToken(ctx, newToken)
		if err != nil {
			return &engine.InputError{Msg: "--new-token: " + err.Error()}
		}
		fmt.Fprintf(a.stdout, "%s\n", tok)
		fmt.Fprintf(a.stderr, "token %q made (shown once: the store keeps only its hash); give it to its holder over a safe channel\n", newToken)
	}
	if revoke != "" {
		if err := ps.RevokeToken(ctx, revoke); err != nil {
			return &engine.InputError{Msg: "--revoke-token: " + err.Error()}
		}
		fmt.Fprintf(a.stdout, "token %q revoked\n", revoke)
	}
	if list {
		ts, err := ps.Tokens(ctx)
		if err != nil {
			return err
		}
		for _, t := range ts {
			state := "valid"
			if t.RevokedAt != "" {
				state = "revoked " + t.RevokedAt
			}
			fmt.Fprintf(a.stdout, "%s\tmade %s\t%s\n", t.Name, t.CreatedAt, state)
		}
	}
	return nil
}
