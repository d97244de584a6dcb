package pluginsdk

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mdtwin/mdtwin/models"
	modelv1 "github.com/mdtwin/mdtwin/models/pluginsdk/proto/model/v1"
)

// waiter is a model whose run waits for its context to end and returns
// its error, as a well-behaved long model does.
type waiter struct{}

func (waiter) Describe() models.Descriptor {
	return models.Descriptor{Name: "waiter", Version: "1", Doc: "waits for cancellation"}
}

func (waiter) Run(ctx context.Context, _ models.RunSpec, _ models.Observer) (models.Result, error) {
	<-ctx.Done()
	return models.Result{}, ctx.Err()
}

// TestServerRunCancelledDuringLastRun: when the call's context ends while
// its last run is running, the server answers with the context's error,
// not with a reply recording the cancellation as that run's failure. Before
// the fix the reply went out as a success of the call, and the client, if
// it read it before its own deadline fired, saw no error at all
// (TestCancelledCall failed that way under load).
func TestServerRunCancelledDuringLastRun(t *testing.T) {
	s, err := newServer([]models.Model{waiter{}})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := specToProto(models.RunSpec{Model: "waiter", RunID: "r000000", Seed: 1, Params: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	resp, err := s.Run(ctx, &modelv1.RunRequest{Model: "waiter", Specs: []*modelv1.RunSpec{ps}})
	if status.Code(err) != codes.DeadlineExceeded || resp != nil {
		t.Errorf("Run = %v, %v; want no reply and a DeadlineExceeded status", resp, err)
	}
}
