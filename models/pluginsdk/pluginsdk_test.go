package pluginsdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pluginsdk"
	"github.com/mdtwin/mdtwin/models/pluginsdk/pluginsdktest"
)

// launch starts the test binary as a plugin serving echo and square.
func launch(t *testing.T, logger *slog.Logger) *pluginsdk.Process {
	t.Helper()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p, err := pluginsdk.Launch(context.Background(), os.Args[0], []string{"serve"}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

func echoSpec(t *testing.T, raw map[string]any) models.RunSpec {
	t.Helper()
	ps, err := echo{}.Describe().Resolve(raw)
	if err != nil {
		t.Fatal(err)
	}
	return models.RunSpec{Model: "echo", RunID: "r1", Params: ps}
}

func TestLaunchDescribeRun(t *testing.T) {
	p := launch(t, nil)
	var names []string
	for _, d := range p.Models() {
		names = append(names, d.Name)
	}
	if strings.Join(names, ",") != "echo,square" {
		t.Fatalf("models %v, want echo and square", names)
	}
	specs := []models.RunSpec{
		echoSpec(t, map[string]any{"x": 2.5}),
		echoSpec(t, map[string]any{"fail": "error"}),
		echoSpec(t, map[string]any{"fail": "panic"}),
		echoSpec(t, map[string]any{"x": -7.0, "n": int64(3)}),
	}
	replies, err := p.Client().Run(context.Background(), "echo", specs)
	if err != nil {
		t.Fatal(err)
	}
	if r := replies[0]; r.Err != nil || r.Result.Scalars["x"] != 2.5 {
		t.Errorf("run 0: %+v", r)
	}
	var re *pluginsdk.RunError
	if r := replies[1]; !errors.As(r.Err, &re) || re.Msg != "echo failed as asked" {
		t.Errorf("run 1: error %v, want the model's error", r.Err)
	}
	if r := replies[2]; r.Err == nil || !strings.Contains(r.Err.Error(), "panicked") {
		t.Errorf("run 2: error %v, want a recovered panic", r.Err)
	}
	negZero := math.Copysign(0, -1) // 0 × -7 in IEEE 754
	want := models.Result{Scalars: map[string]float64{"x": -7}, Tables: []models.Table{
		{Name: "ramp", Columns: []string{"i", "x_times_i"}, Rows: [][]float64{{0, negZero}, {1, -7}, {2, -14}}}}}
	if d := pluginsdktest.DiffResults(want, replies[3].Result); d != "" || replies[3].Err != nil {
		t.Errorf("run 3: %v %s", replies[3].Err, d)
	}
	if p.Exited() {
		t.Error("a panicking model took the plugin process down")
	}

	if _, err := p.Client().Run(context.Background(), "cube", specs[:1]); err == nil || !strings.Contains(err.Error(), "echo, square") {
		t.Errorf("unknown model: error %v, want one listing the models served", err)
	}
	// A spec that cannot be encoded fails alone, without a call.
	bad := specs[0]
	bad.Params = models.Params{"x": []int{1}}
	replies, err = p.Client().Run(context.Background(), "echo", []models.RunSpec{bad, specs[0]})
	if err != nil || replies[0].Err == nil || replies[1].Err != nil {
		t.Errorf("unencodable spec: %v %+v", err, replies)
	}
}

func TestRemoteConformance(t *testing.T) {
	p := launch(t, nil)
	pluginsdktest.Conformance(t, pluginsdk.Remote(p.Client(), "square"))
}

func TestLargeMessagesBothWays(t *testing.T) {
	p := launch(t, nil)
	// 6 MiB of input and a table of 400 000 rows of 2 doubles (≈ 7.6 MB on
	// the wire) back: both above gRPC's default limit of 4 MiB.
	inputs := json.RawMessage(`"` + strings.Repeat("a", 6<<20) + `"`)
	s := echoSpec(t, map[string]any{"x": 1.0, "n": int64(400_000)})
	s.Inputs = inputs
	replies, err := p.Client().Run(context.Background(), "echo", []models.RunSpec{s})
	if err != nil {
		t.Fatal(err)
	}
	r := replies[0]
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if got, want := r.Result.Scalars["x"], 1+float64(len(inputs)); got != want {
		t.Errorf("x = %v, want 1 + len(inputs) = %v", got, want)
	}
	if rows := r.Result.Tables[0].Rows; len(rows) != 400_000 || rows[399_999][1] != 399_999 {
		t.Errorf("table: %d rows", len(rows))
	}
}

func TestCancelledCall(t *testing.T) {
	p := launch(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := p.Client().Run(ctx, "echo", []models.RunSpec{echoSpec(t, map[string]any{"fail": "sleep"})})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want one wrapping context.DeadlineExceeded", err)
	}
	// The plugin stopped the run and still answers.
	if _, err := p.Client().Describe(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestDeadPluginIsCallError(t *testing.T) {
	p := launch(t, nil)
	_, err := p.Client().Run(context.Background(), "echo", []models.RunSpec{echoSpec(t, map[string]any{"fail": "exit"})})
	if err == nil {
		t.Fatal("no error from a plugin that exited during the call")
	}
	for start := time.Now(); !p.Exited(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("Exited is still false")
		}
	}
}

// recorder is a slog.Handler keeping records as text lines.
type recorder struct {
	attrs []slog.Attr
	log   *recordLog // shared by the handlers derived with WithAttrs
}

type recordLog struct {
	mu   sync.Mutex
	recs []string
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	var b bytes.Buffer
	b.WriteString(rec.Level.String() + " " + rec.Message)
	for _, a := range r.attrs {
		b.WriteString(" " + a.String())
	}
	rec.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
	r.log.mu.Lock()
	r.log.recs = append(r.log.recs, b.String())
	r.log.mu.Unlock()
	return nil
}
func (r *recorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &recorder{attrs: append(append([]slog.Attr(nil), r.attrs...), as...), log: r.log}
}
func (r *recorder) WithGroup(string) slog.Handler { return r }

func (r *recorder) records() []string {
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	return append([]string(nil), r.log.recs...)
}

func (r *recorder) find(substrs ...string) bool {
	for _, rec := range r.records() {
		ok := true
		for _, s := range substrs {
			ok = ok && strings.Contains(rec, s)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestPluginLogsReachHost(t *testing.T) {
	rec := &recorder{log: &recordLog{}}
	p := launch(t, slog.New(rec))
	_, err := p.Client().Run(context.Background(), "echo", []models.RunSpec{echoSpec(t, map[string]any{"log": true, "print": true})})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range [][]string{
		{"WARN echo ran", "plugin=" + os.Args[0], "x=1.5", "run_id=r1"}, // hclog JSON re-levelled
		{"INFO plugin stdout", "line=echo printed this"},                // stdout after the handshake
	} {
		for start := time.Now(); !rec.find(want...); time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 5*time.Second {
				t.Errorf("no log record with %q in %q", want, rec.records())
				break
			}
		}
	}
}

func TestNotAPlugin(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "foo")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hello from a script\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	failing := filepath.Join(dir, "bar")
	if err := os.WriteFile(failing, []byte("#!/bin/sh\necho oops >&2\nexit 2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		path string
		args []string
		want string
	}{
		{script, nil, script + ": not an mdtwin model plugin: Unrecognized remote plugin message: hello from a script"},
		{os.Args[0], []string{"print-hello"}, os.Args[0] + ": not an mdtwin model plugin: Unrecognized remote plugin message: hello, I am not a plugin"},
		{filepath.Join(dir, "missing"), nil, filepath.Join(dir, "missing") + ": cannot start:"},
		// A process that exits with an error before its handshake says so.
		{failing, nil, failing + ": worker process exited with status 2 during start-up"},
	} {
		p, err := pluginsdk.Launch(ctx, tc.path, tc.args, quiet)
		if err == nil {
			p.Kill()
			t.Errorf("%s %v: no error", tc.path, tc.args)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s %v: error %q, want one line starting %q", tc.path, tc.args, err, tc.want)
		}
		if tc.path == failing && !strings.HasSuffix(err.Error(), "(stderr: oops)") {
			t.Errorf("%s: error %q does not end with the plugin's stderr", tc.path, err)
		}
	}
}

func TestRunByHand(t *testing.T) {
	// Without the magic cookie go-plugin explains and exits with status 1.
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), pluginsdk.Handshake.MagicCookieKey+"=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1", err)
	}
	if stdout.Len() != 0 || !strings.Contains(stderr.String(), "This binary is a plugin") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}
