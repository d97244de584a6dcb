package pluginsdk

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mdtwin/mdtwin/models"
	modelv1 "github.com/mdtwin/mdtwin/models/pluginsdk/proto/model/v1"
)

// server is the plugin side of the model service.
type server struct {
	modelv1.UnimplementedModelServiceServer
	models map[string]models.Model
	descs  []*modelv1.Descriptor
	names  []string
	log    *slog.Logger
}

// newServer checks the descriptors of ms and indexes the models by name.
func newServer(ms []models.Model) (*server, error) {
	if len(ms) == 0 {
		return nil, fmt.Errorf("pluginsdk: no model to serve")
	}
	s := &server{models: map[string]models.Model{}, log: Logger()}
	var ds []models.Descriptor
	for _, m := range ms {
		d := m.Describe()
		if err := d.Check(); err != nil {
			return nil, fmt.Errorf("pluginsdk: %w", err)
		}
		if _, dup := s.models[d.Name]; dup {
			return nil, fmt.Errorf("pluginsdk: model %q served twice", d.Name)
		}
		s.models[d.Name] = m
		s.descs = append(s.descs, descriptorToProto(d))
		ds = append(ds, d)
	}
	s.names = modelNames(ds)
	return s, nil
}

func (s *server) Describe(context.Context, *modelv1.DescribeRequest) (*modelv1.DescribeResponse, error) {
	return &modelv1.DescribeResponse{Models: s.descs}, nil
}

// Run executes the specs one after the other: a plugin worker process is
// one core's worth of work. If ctx ends between two runs, the call fails
// with the context's status (the host has given up on the batch).
func (s *server) Run(ctx context.Context, req *modelv1.RunRequest) (*modelv1.RunResponse, error) {
	m, ok := s.models[req.GetModel()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "model %q is not served by this plugin; it serves %s",
			req.GetModel(), strings.Join(s.names, ", "))
	}
	resp := &modelv1.RunResponse{Replies: make([]*modelv1.RunReply, len(req.GetSpecs()))}
	for i, ps := range req.GetSpecs() {
		if err := ctx.Err(); err != nil {
			return nil, status.FromContextError(err).Err()
		}
		resp.Replies[i] = s.runOne(ctx, m, ps)
	}
	// A call whose context ended while its last run was running is the
	// caller's cancellation (Ctrl-C, a run timeout), not that run's
	// failure: answer it as the call's error, as the check above does
	// between runs, so the client sees context.Canceled or
	// DeadlineExceeded whichever side's clock fires first.
	if err := ctx.Err(); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	return resp, nil
}

func (s *server) runOne(ctx context.Context, m models.Model, ps *modelv1.RunSpec) *modelv1.RunReply {
	spec, err := specFromProto(ps)
	if err != nil {
		return &modelv1.RunReply{Outcome: &modelv1.RunReply_Error{Error: err.Error()}, BadInput: true}
	}
	start := time.Now()
	res, err := s.safeRun(ctx, m, spec)
	reply := &modelv1.RunReply{ElapsedNanos: int64(time.Since(start))}
	if err != nil {
		msg := err.Error()
		if msg == "" {
			msg = "model failed with an empty error message"
		}
		reply.Outcome = &modelv1.RunReply_Error{Error: msg}
		reply.BadInput = models.IsBadInput(err)
		return reply
	}
	reply.Outcome = &modelv1.RunReply_Result{Result: resultToProto(res)}
	return reply
}

// safeRun turns a panic in the model into an error for this run, so that
// one bad parameter set does not take the worker process (and the rest of
// the batch) with it.
func (s *server) safeRun(ctx context.Context, m models.Model, spec models.RunSpec) (res models.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("model panicked", "model", spec.Model, "run_id", spec.RunID, "panic", fmt.Sprint(r),
				"stack", string(debug.Stack()))
			err = fmt.Errorf("model %s panicked in run %s: %v", spec.Model, spec.RunID, r)
		}
	}()
	return m.Run(ctx, spec, nil)
}
