package pluginsdk

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mdtwin/mdtwin/models"
	modelv1 "github.com/mdtwin/mdtwin/models/pluginsdk/proto/model/v1"
)

// Client is the host side of the model service of one plugin process.
// It is safe for concurrent use.
type Client struct {
	rpc modelv1.ModelServiceClient
}

// NewClient returns a Client over an established gRPC connection. Hosts
// normally get one from Launch (Process.Client) or from go-plugin's
// Dispense(PluginName).
func NewClient(conn grpc.ClientConnInterface) *Client {
	return &Client{rpc: modelv1.NewModelServiceClient(conn)}
}

// Describe returns the descriptors of all the models the plugin serves.
func (c *Client) Describe(ctx context.Context) ([]models.Descriptor, error) {
	resp, err := c.rpc.Describe(ctx, &modelv1.DescribeRequest{})
	if err != nil {
		return nil, callError(ctx, err)
	}
	ds := make([]models.Descriptor, len(resp.GetModels()))
	for i, pd := range resp.GetModels() {
		ds[i] = descriptorFromProto(pd)
	}
	return ds, nil
}

// Reply is the end of one run executed by a plugin.
type Reply struct {
	Result models.Result
	// Err is the model's error for this run (a *RunError), or the reason
	// the spec could not be sent.
	Err error
	// Elapsed is the wall time the plugin spent in the model's Run.
	Elapsed time.Duration
}

// RunError is a run's failure reported by the model inside the plugin.
type RunError struct {
	Model string
	RunID string
	Msg   string // the model's error message
	// BadInput is set when the model rejected the run's input
	// (models.IsBadInput inside the plugin); Unwrap then gives a
	// *models.InputError, so models.IsBadInput holds on the host too.
	BadInput bool
}

func (e *RunError) Error() string { return e.Msg }

// Unwrap returns a *models.InputError for a bad-input failure, else nil.
func (e *RunError) Unwrap() error {
	if !e.BadInput {
		return nil
	}
	return &models.InputError{Model: e.Model, Msg: e.Msg}
}

// Run executes specs of the model named model in one call; the plugin runs
// them sequentially. It returns one Reply per spec, in order. A returned
// error means the call as a whole failed (the plugin process died, the
// connection broke, ctx ended, or the plugin does not serve model); the
// outcome of every spec is then unknown.
func (c *Client) Run(ctx context.Context, model string, specs []models.RunSpec) ([]Reply, error) {
	replies := make([]Reply, len(specs))
	req := &modelv1.RunRequest{Model: model, Specs: make([]*modelv1.RunSpec, 0, len(specs))}
	sent := make([]int, 0, len(specs)) // index in specs of each spec sent
	for i, s := range specs {
		ps, err := specToProto(s)
		if err != nil {
			replies[i].Err = fmt.Errorf("run %s of model %s: %w", s.RunID, model, err)
			continue
		}
		req.Specs = append(req.Specs, ps)
		sent = append(sent, i)
	}
	if len(sent) == 0 {
		return replies, nil
	}
	resp, err := c.rpc.Run(ctx, req)
	if err != nil {
		return nil, callError(ctx, err)
	}
	if got := len(resp.GetReplies()); got != len(sent) {
		return nil, fmt.Errorf("plugin answered %d replies to %d runs of model %s", got, len(sent), model)
	}
	for j, pr := range resp.GetReplies() {
		i := sent[j]
		replies[i].Elapsed = time.Duration(pr.GetElapsedNanos())
		switch o := pr.GetOutcome().(type) {
		case *modelv1.RunReply_Result:
			replies[i].Result = resultFromProto(o.Result)
		case *modelv1.RunReply_Error:
			replies[i].Err = &RunError{Model: model, RunID: specs[i].RunID, Msg: o.Error, BadInput: pr.GetBadInput()}
		default:
			replies[i].Err = &RunError{Model: model, RunID: specs[i].RunID, Msg: "plugin sent neither a result nor an error"}
		}
	}
	return replies, nil
}

// callError makes a call that failed because ctx ended wrap ctx's error,
// so that errors.Is(err, context.Canceled) works as in-process.
// gRPC can report the deadline a moment before ctx.Err() is set, so its
// status codes count too.
func callError(ctx context.Context, err error) error {
	ctxErr := ctx.Err()
	if ctxErr == nil {
		switch status.Code(err) {
		case codes.DeadlineExceeded:
			ctxErr = context.DeadlineExceeded
		case codes.Canceled:
			ctxErr = context.Canceled
		}
	}
	if ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("%w (%v)", ctxErr, err)
	}
	return err
}

// Remote adapts the model named model served through c to models.Model.
// Describe asks the plugin once and caches the answer; if the plugin cannot
// be reached it returns a descriptor holding only the name. Run sends one
// spec per call; for throughput, batch with Client.Run.
func Remote(c *Client, model string) models.Model {
	return &remote{c: c, name: model}
}

type remote struct {
	c    *Client
	name string

	once sync.Once
	desc models.Descriptor
}

func (r *remote) Describe() models.Descriptor {
	r.once.Do(func() {
		r.desc = models.Descriptor{Name: r.name}
		ds, err := r.c.Describe(context.Background())
		if err != nil {
			return
		}
		for _, d := range ds {
			if d.Name == r.name {
				r.desc = d
			}
		}
	})
	return r.desc
}

func (r *remote) Run(ctx context.Context, spec models.RunSpec, _ models.Observer) (models.Result, error) {
	replies, err := r.c.Run(ctx, r.name, []models.RunSpec{spec})
	if err != nil {
		return models.Result{}, err
	}
	if len(replies) != 1 {
		return models.Result{}, errors.New("pluginsdk: no reply")
	}
	return replies[0].Result, replies[0].Err
}
