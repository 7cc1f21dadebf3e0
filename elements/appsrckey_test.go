package elements

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
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

// A keyframe request from downstream reaches the pusher while the AppSrc
// waits for its next Push, not only with that Push: an SDK that pushes a
// picture only after it was told to make a keyframe is told at once, from
// the stage next to the AppSrc as from one further down, behind a queue.
func TestAKeyframeRequestReachesTheAppSrcsPusherBeforeItsNextPush(t *testing.T) {
	for _, queued := range []bool{false, true} {
		t.Run(map[bool]string{false: "next", true: "behind a queue"}[queued], func(t *testing.T) {
			appLeaks(t)
			encoded := encodedPackets(t, 96, 64, 1, 10)
			src := mustAppSrc[*media.Packet](t, AppSrcConfig{})
			ask := pipeline.ProcessorElement("ask", pipeline.Packets(media.H264), pipeline.Packets(media.H264),
				func() (pipeline.Processor[*media.Packet, *media.Packet], error) { return &asksKeyframe{}, nil })
			names, els := []string{"appsrc", "ask", "fakesink"}, []pipeline.Element{src.Element(), ask, FakeSink()}
			if queued {
				names = []string{"appsrc", "queue", "ask", "fakesink"}
				els = []pipeline.Element{src.Element(), pipeline.Queue(0), ask, FakeSink()}
			}
			startApp(t, names, els...)
			ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
			defer cancel()
			if err := src.Push(ctx, &media.Packet{Data: encoded[0].Data}); err != nil {
				t.Fatal(err)
			}
			select {
			case <-src.KeyframeRequests():
			case <-time.After(appTimeout):
				t.Fatal("the request from downstream did not reach KeyframeRequests while the AppSrc waited for its next push")
			}
		})
	}
}

// A keyframe request of a subscriber of the topic the AppSrc's packets are
// published on (a late joiner, a decoder that met damage) reaches the
// pusher at once too, through the topic and the publisher.
func TestATopicsKeyframeRequestReachesTheAppSrcsPusherBeforeItsNextPush(t *testing.T) {
	appLeaks(t)
	system := pipeline.NewSystem(zerolog.Nop())
	bus := transport.NewBus(system)
	t.Cleanup(func() { bus.Close(); system.Shutdown() }) // after the pipelines' stops
	encoded := encodedPackets(t, 96, 64, 1, 10)
	src := mustAppSrc[*media.Packet](t, AppSrcConfig{})
	start := func(names []string, els ...pipeline.Element) {
		t.Helper()
		p := pipeline.New(pipeline.WithSystem(system), pipeline.WithBus(bus))
		if err := p.Chain(names, els); err != nil {
			t.Fatal(err)
		}
		if err := p.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Stop() })
	}
	volatile := qos.Default() // a durable topic answers from its cached GOP
	start([]string{"appsrc", "publish"}, src.Element(), PublishWith(PublishConfig{Topic: "/cam", QoS: &volatile}))
	ask := pipeline.ProcessorElement("ask", pipeline.Packets(media.H264), pipeline.Packets(media.H264),
		func() (pipeline.Processor[*media.Packet, *media.Packet], error) { return &asksKeyframe{}, nil })
	start([]string{"subscribe", "ask", "fakesink"}, Subscribe("/cam", 0), ask, FakeSink())
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	if err := src.Push(ctx, &media.Packet{Data: encoded[0].Data}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-src.KeyframeRequests():
	case <-time.After(appTimeout):
		st, err := bus.Stats("/cam")
		t.Fatalf("the subscriber's request did not reach KeyframeRequests while the AppSrc waited for its next push (%+v, %v)", st, err)
	}
}
