package pluginsdk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/mdtwin/mdtwin/models"
)

// DefaultStartTimeout bounds a plugin's start (exec, handshake, mTLS and a
// first Describe) when the context given to Launch has no earlier deadline.
const DefaultStartTimeout = 30 * time.Second

// Process is one running plugin process, started by Launch.
type Process struct {
	path   string
	cmd    *exec.Cmd
	pc     *plugin.Client
	rpc    plugin.ClientProtocol
	client *Client
	models []models.Descriptor
}

// Launch starts the plugin binary at path with args, connects to it over
// gRPC with automatic mutual TLS, and asks it what it serves.
//
// The process is managed: plugin.CleanupClients in the host's main kills it
// too. On Linux it is also killed by the kernel when the host dies
// (Pdeathsig); the signal fires when the OS thread that started the process
// exits, so do not call Launch from a goroutine that holds
// runtime.LockOSThread and may exit. Its stderr lines (hclog JSON as written
// by Logger) become records of logger, tagged plugin=path; anything it
// writes to stdout or stderr after the handshake is logged line by line.
//
// The start is bounded by ctx's deadline or DefaultStartTimeout, whichever
// is earlier. A binary that is not an mdtwin model plugin gives an error
// "<path>: not an mdtwin model plugin: <reason>".
func Launch(ctx context.Context, path string, args []string, logger *slog.Logger) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("plugin", path)
	timeout := DefaultStartTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	cmd := exec.Command(path, args...)
	setDeathSignal(cmd)
	tail := &tailWriter{max: 2 << 10}
	pc := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          pluginSet(),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Managed:          true,
		StartTimeout:     timeout,
		Logger:           newHCLogAdapter(logger),
		Stderr:           tail,
		SyncStdout:       &lineLogger{l: logger, lvl: slog.LevelInfo, msg: "plugin stdout"},
		SyncStderr:       &lineLogger{l: logger, lvl: slog.LevelInfo, msg: "plugin stderr"},
	})
	rpc, err := pc.Client()
	if err != nil {
		exited := exitedEarly(pc, err)
		pc.Kill()
		var pathErr *fs.PathError
		var execErr *exec.Error
		if errors.As(err, &pathErr) || errors.As(err, &execErr) {
			return nil, fmt.Errorf("%s: cannot start: %w", path, err)
		}
		if exited { // it ended by itself: say how
			if e := diedStarting(path, cmd, tail.String()); e != nil {
				return nil, e
			}
		}
		return nil, notAPlugin(path, err.Error(), tail.String())
	}
	raw, err := rpc.Dispense(PluginName)
	if err != nil {
		pc.Kill()
		return nil, notAPlugin(path, err.Error(), "")
	}
	client, ok := raw.(*Client)
	if !ok {
		pc.Kill()
		return nil, fmt.Errorf("pluginsdk: dispensed %T, want *Client", raw)
	}
	ds, err := client.Describe(ctx)
	if err != nil {
		exited := waitExited(pc)
		pc.Kill()
		if exited {
			if e := diedStarting(path, cmd, tail.String()); e != nil {
				return nil, e
			}
		}
		return nil, notAPlugin(path, "Describe failed: "+err.Error(), tail.String())
	}
	return &Process{path: path, cmd: cmd, pc: pc, rpc: rpc, client: client, models: ds}, nil
}

// StartError is a plugin process that died while it was starting: killed
// by a signal, or exited with an error status before its handshake.
// Unlike a binary that is not a plugin, it may start on another try.
type StartError struct {
	Path   string
	Reason string // "was killed (signal: killed)", "exited with status 3"
	Stderr string // the end of its stderr, if any
	// Killed is set when a signal from outside ended it (SIGKILL, SIGTERM,
	// SIGINT, SIGHUP): nothing says the binary itself is broken.
	Killed bool
}

func (e *StartError) Error() string {
	msg := fmt.Sprintf("%s: worker process %s during start-up", e.Path, e.Reason)
	if s := oneLine(e.Stderr); s != "" {
		if len(s) > 300 {
			s = "…" + s[len(s)-300:]
		}
		msg += " (stderr: " + s + ")"
	}
	return msg
}

// Transient reports whether err is a start-up failure that may not recur
// (a *StartError): worth another launch.
func Transient(err error) bool {
	var se *StartError
	return errors.As(err, &se)
}

// KilledStarting reports whether err is a process killed from outside
// while it started (a *StartError with Killed set).
func KilledStarting(err error) bool {
	var se *StartError
	return errors.As(err, &se) && se.Killed
}

// exitedEarly reports whether a failed handshake is a process that ended
// by itself before it (go-plugin reads its closed stdout as an empty
// line): such a process is then given a moment to be reaped.
func exitedEarly(pc *plugin.Client, err error) bool {
	msg, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
	msg = strings.TrimSpace(msg)
	if !strings.Contains(msg, "plugin exited before we could connect") && !strings.HasSuffix(msg, "Unrecognized remote plugin message:") {
		return false
	}
	return waitExited(pc)
}

// waitExited gives a process whose connection failed up to 100 ms to be
// reaped, and reports whether it was: it died rather than misbehaved.
func waitExited(pc *plugin.Client) bool {
	for range 20 {
		if pc.Exited() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// diedStarting returns a *StartError if the process cmd ran, which ended
// by itself, ended by a signal or with an error status (go-plugin has
// reaped it by the time Kill returns); nil if it exited cleanly.
func diedStarting(path string, cmd *exec.Cmd, stderr string) error {
	ps := cmd.ProcessState
	if ps == nil {
		return nil
	}
	if ws, ok := ps.Sys().(interface {
		Signaled() bool
		Signal() syscall.Signal
	}); ok && ws.Signaled() {
		sig := ws.Signal()
		external := sig == syscall.SIGKILL || sig == syscall.SIGTERM || sig == syscall.SIGINT || sig == syscall.SIGHUP
		return &StartError{Path: path, Reason: fmt.Sprintf("was killed (signal: %v)", sig), Stderr: stderr, Killed: external}
	}
	if code := ps.ExitCode(); code > 0 {
		return &StartError{Path: path, Reason: fmt.Sprintf("exited with status %d", code), Stderr: stderr}
	}
	return nil
}

// notAPlugin keeps the first line of go-plugin's reason (the rest are
// generic hints) and adds the end of the plugin's stderr, if any.
func notAPlugin(path, reason, stderr string) error {
	reason, _, _ = strings.Cut(strings.TrimSpace(reason), "\n")
	if s := oneLine(stderr); s != "" {
		if len(s) > 300 {
			s = "…" + s[len(s)-300:]
		}
		reason += " (stderr: " + s + ")"
	}
	return fmt.Errorf("%s: not an mdtwin model plugin: %s", path, reason)
}

// oneLine joins the non-blank lines of s with "; ".
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// Path returns the binary's path as given to Launch.
func (p *Process) Path() string { return p.path }

// PID returns the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Client returns the model service client of the process.
func (p *Process) Client() *Client { return p.client }

// Models returns the descriptors the plugin listed when it started.
func (p *Process) Models() []models.Descriptor { return p.models }

// Exited reports whether the process has exited (and been reaped).
func (p *Process) Exited() bool { return p.pc.Exited() }

// Ping checks that the process still answers on its connection.
func (p *Process) Ping() error { return p.rpc.Ping() }

// Kill ends the process: a graceful shutdown request, then SIGKILL if it
// has not exited within two seconds. It returns once the process is reaped.
// Calling it again does nothing.
func (p *Process) Kill() { p.pc.Kill() }

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	max int
	mu  sync.Mutex
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

func (w *tailWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}
