package elements

import (
	"context"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// asksKeyframe asks upstream for a keyframe at its first packet, as a
// decoder that met damage does.
type asksKeyframe struct {
	env   *pipeline.Env
	asked bool
}

func (a *asksKeyframe) Start(env *pipeline.Env) error { a.env = env; return nil }
func (a *asksKeyframe) Stop() error                   { return nil }
func (a *asksKeyframe) Process(p *media.Packet, emit func(*media.Packet)) error {
	if !a.asked {
		a.asked = true
		a.env.RequestKeyframe()
	}
	emit(p)
	return nil
}

// A keyframe request from downstream reaches the Go code that pushes the
// packets, for an encoder SDK to force an IDR.
func TestAKeyframeRequestReachesTheAppSrcsPusher(t *testing.T) {
	appLeaks(t)
	encoded := encodedPackets(t, 96, 64, 6, 10)
	src := mustAppSrc[*media.Packet](t, AppSrcConfig{})
	ask := pipeline.ProcessorElement("ask", pipeline.Packets(media.H264), pipeline.Packets(media.H264),
		func() (pipeline.Processor[*media.Packet, *media.Packet], error) { return &asksKeyframe{}, nil })
	startApp(t, []string{"appsrc", "ask", "fakesink"}, src.Element(), ask, FakeSink())
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	// The request comes when the AppSrc's node is not waiting for a push:
	// at the latest with the next.
	for _, e := range encoded {
		if err := src.Push(ctx, &media.Packet{Data: e.Data}); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-src.KeyframeRequests():
	case <-time.After(appTimeout):
		t.Fatal("the request from downstream never reached KeyframeRequests")
	}
}
