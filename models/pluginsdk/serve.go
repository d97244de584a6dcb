package pluginsdk

import (
	"log/slog"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/mdtwin/mdtwin/models"
)

// MaxMessageSize bounds one gRPC message in either direction (a batch of
// specs, or its replies). gRPC's default of 4 MiB is too small for models
// with large inputs or tables.
const MaxMessageSize = 1 << 30

// stderr is the process's real standard error, captured before Serve
// redirects os.Stderr into go-plugin's stdio stream. The host reads it line
// by line and re-levels lines that are hclog-shaped JSON.
var stderr = os.Stderr

// Serve serves models ms to the mdtwin host and never returns normally; it
// is what a plugin's main calls:
//
//	func main() { pluginsdk.Serve(mymodel.Model{}) }
//
// Serve writes nothing to stdout but go-plugin's handshake line. It exits
// with status 1 if a descriptor is invalid, two models share a name, or the
// binary was started by hand rather than by mdtwin (go-plugin then prints
// an explanation).
func Serve(ms ...models.Model) {
	ps := pluginSet(ms...)
	if _, err := newServer(ms); err != nil {
		Logger().Error("cannot serve models", "error", err.Error())
		os.Exit(1)
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         ps,
		GRPCServer:      newGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:       "plugin",
			Level:      hclog.Info,
			Output:     stderr,
			JSONFormat: true,
		}),
	})
	os.Exit(0)
}

func newGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts, grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize))
	return grpc.NewServer(opts...)
}

// Logger returns a logger for code running inside a plugin. It writes one
// JSON object per line to the process's standard error with hclog's keys
// (@timestamp, @level, @message), which the host turns back into log lines
// at the same level, tagged with the plugin's name. Never log to stdout.
func Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{
		Level:       slog.LevelInfo,
		ReplaceAttr: hclogAttr,
	}))
}

// hclogAttr renames slog's built-in keys to hclog's JSON keys.
func hclogAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.TimeKey:
		if a.Value.Kind() == slog.KindTime {
			return slog.String("@timestamp", a.Value.Time().Format("2006-01-02T15:04:05.000000Z07:00"))
		}
	case slog.LevelKey:
		if lvl, ok := a.Value.Any().(slog.Level); ok {
			return slog.String("@level", hclogLevelName(lvl))
		}
	case slog.MessageKey:
		return slog.String("@message", a.Value.String())
	}
	return a
}

func hclogLevelName(l slog.Level) string {
	switch {
	case l < slog.LevelDebug:
		return "trace"
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return "error"
}
