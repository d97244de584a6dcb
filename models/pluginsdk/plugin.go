package pluginsdk

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/mdtwin/mdtwin/models"
	modelv1 "github.com/mdtwin/mdtwin/models/pluginsdk/proto/model/v1"
)

// Handshake is shared by the mdtwin host and every model plugin. It is a
// guard against running a plugin by mistake, not a security measure. The
// cookie value never changes; ProtocolVersion changes only with an
// incompatible wire protocol (a new proto package).
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "MDTWIN_MODEL_PLUGIN",
	MagicCookieValue: "dab4327b-9272-4d3c-8434-41d9c8baca60",
}

// PluginName is the key of ModelPlugin in go-plugin's plugin map.
const PluginName = "model"

// ModelPlugin is the go-plugin glue for the model service, gRPC only. On the
// plugin side, Models are the models served; on the host side Models is
// empty and GRPCClient returns a *Client.
type ModelPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Models []models.Model
}

var _ plugin.GRPCPlugin = (*ModelPlugin)(nil)

// GRPCServer registers the model service for p.Models on s.
func (p *ModelPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	srv, err := newServer(p.Models)
	if err != nil {
		return err
	}
	modelv1.RegisterModelServiceServer(s, srv)
	return nil
}

// GRPCClient returns a *Client talking to the plugin over conn.
func (p *ModelPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return NewClient(conn), nil
}

// pluginSet is the plugin map used by both sides.
func pluginSet(ms ...models.Model) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &ModelPlugin{Models: ms}}
}
