package pluginsdk_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/mdtwin/mdtwin/models"
	"github.com/mdtwin/mdtwin/models/pluginsdk"
)

// A plugin's main serves its models; this is all of it.
func ExampleServe() {
	pluginsdk.Serve(square{})
}

// The host starts a plugin binary and runs a batch through it.
func ExampleLaunch() {
	ctx := context.Background()
	p, err := pluginsdk.Launch(ctx, "plugins/mdtwin-model-square", nil, slog.Default())
	if err != nil {
		fmt.Println(err) // e.g. "plugins/mdtwin-model-square: not an mdtwin model plugin: …"
		return
	}
	defer p.Kill()
	d := p.Models()[0]
	ps, _ := d.Resolve(map[string]any{"x": 4.0})
	replies, err := p.Client().Run(ctx, d.Name, []models.RunSpec{{Model: d.Name, RunID: "r000000", Params: ps}})
	if err != nil {
		fmt.Println("plugin lost:", err)
		return
	}
	fmt.Println(replies[0].Result.Scalars, replies[0].Err)
}
