package elements

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
)

// lateJoinRig publishes a test pattern, encoded as H.264, packet by packet
// on a durable topic, so a test controls exactly when a subscriber joins.
type lateJoinRig struct {
	t       *testing.T
	system  *actor.ActorSystem
	bus     *transport.Bus
	topic   string
	pattern *testsrc.Pattern
	enc     *ffmpeg.H264Encoder
	sources []*media.Frame // by Seq
}

func newLateJoinRig(t *testing.T, gop int) *lateJoinRig {
	t.Helper()
	system := pipeline.NewSystem(zerolog.Nop())
	t.Cleanup(system.Shutdown)
	bus := transport.NewBus(system)
	t.Cleanup(func() { bus.Close() })
	pattern, err := testsrc.New(160, 128)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := ffmpeg.NewH264Encoder(160, 128, ffmpeg.WithGOP(gop))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { enc.Close() })
	r := &lateJoinRig{t: t, system: system, bus: bus, topic: "/cam", pattern: pattern, enc: enc}
	durable := qos.DurableVideo()
	pid, err := bus.Topic(r.topic)
	if err != nil {
		t.Fatal(err)
	}
	system.Root.Send(pid, &transport.PublisherJoined{QoS: &durable})
	return r
}

// publish encodes and publishes n more frames and waits until the topic has
// handled them.
func (r *lateJoinRig) publish(n int) {
	r.t.Helper()
	pid, _ := r.bus.Topic(r.topic)
	for range n {
		f := r.pattern.Frame(uint64(len(r.sources)))
		f.CaptureTime = time.Unix(1_700_000_000, 0).Add(time.Duration(len(r.sources)) * time.Second / 30)
		p, err := r.enc.Encode(f)
		if err != nil {
			r.t.Fatal(err)
		}
		r.sources = append(r.sources, f)
		r.system.Root.Send(pid, &transport.Publish{Packet: p})
	}
	waitFor(r.t, "the topic to take the packets", func() bool {
		st, err := r.bus.Stats(r.topic)
		return err == nil && st.Published == uint64(len(r.sources))
	})
}

// join starts a viewer: subscribe ! gate ! h264dec ! collect.
func (r *lateJoinRig) join(out *frames) *pipeline.Pipeline {
	r.t.Helper()
	p, err := pipeline.Parse("subscribe topic="+r.topic+" ! gate ! h264dec name=dec", registry(r.t),
		pipeline.WithSystem(r.system), pipeline.WithBus(r.bus))
	if err != nil {
		r.t.Fatal(err)
	}
	if err := p.Add("sink", out.element()); err != nil {
		r.t.Fatal(err)
	}
	if err := p.Link("dec", "sink"); err != nil {
		r.t.Fatal(err)
	}
	if err := p.Start(r.t.Context()); err != nil {
		r.t.Fatal(err)
	}
	return p
}

// waitFor waits for cond, failing with what after a deadline generous
// enough for a loaded machine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// For every phase of a GOP, a viewer that joins a durable topic shows the
// newest published picture first (not the old GOP played fast), then every
// live picture after it, in order, with no gap and no duplicate.
func TestLateJoinerSeesTheNewestPictureAtEveryPhase(t *testing.T) {
	const gop = 10
	r := newLateJoinRig(t, gop)
	r.publish(gop) // one whole GOP before the first phase
	for phase := range gop {
		r.publish(1 + (phase+gop-len(r.sources)%gop)%gop)
		newest := uint64(len(r.sources) - 1)
		if int(newest%gop) != phase {
			t.Fatalf("rig: newest seq %d is not at phase %d", newest, phase)
		}
		out := &frames{}
		viewer := r.join(out)
		waitFor(t, "the first picture", func() bool { return len(out.all()) >= 1 })
		r.publish(3)
		waitFor(t, "the live pictures", func() bool { return len(out.all()) >= 4 })
		if err := viewer.Stop(); err != nil {
			t.Fatal(err)
		}
		got := out.all()
		if len(got) != 4 {
			t.Fatalf("phase %d: the viewer emitted %d pictures, want the newest then 3 live ones", phase, len(got))
		}
		// The replay's older pictures were decoded, not shown, and counted.
		if s := stat(t, viewer, "dec"); s.Skipped[skipReplayed] != uint64(phase) {
			t.Fatalf("phase %d: the decoder counts %v skipped, want %d %s", phase, s.Skipped, phase, skipReplayed)
		}
		for i, f := range got {
			want := newest + uint64(i)
			n, ok := testsrc.ReadFrameNumber(f)
			if !ok || n != want {
				t.Fatalf("phase %d: picture %d shows frame %d (readable %v), want %d", phase, i, n, ok, want)
			}
			psnr, err := media.LumaPSNR(f, r.sources[want])
			if err != nil || psnr < 30 {
				t.Fatalf("phase %d: picture %d is %.1f dB from its source (%v)", phase, i, psnr, err)
			}
		}
	}
}

// A viewer whose QoS request the topic does not meet is told, as an error
// of its node, and receives nothing: never a silent black viewer.
func TestIncompatibleViewerIsAnErrorNotABlackScreen(t *testing.T) {
	var events []*transport.Event
	p := runIncompatibleViewer(t, func(e *transport.Event) { events = append(events, e) })
	if s := stat(t, p, "viewer"); s.Out != 0 || s.Errors != 1 {
		t.Fatalf("viewer stats %+v: want no packets and one error", s)
	}
	if len(events) != 1 || events[0].Kind != transport.EventIncompatibleQoS {
		t.Fatalf("events %v, want one incompatible_qos", events)
	}
}

// A panic in OnEvent is an error of the node, not a restart: at an event
// the topic sends on every subscription the restarts would stop the whole
// pipeline, the camera's chain with it.
func TestAPanicInOnEventIsAnErrorAndTheCameraGoesOn(t *testing.T) {
	p := runIncompatibleViewer(t, func(*transport.Event) { panic("a bug in the callback") })
	if s := stat(t, p, "viewer"); s.Errors != 1 || s.Panics != 0 || !strings.Contains(s.LastError, "OnEvent panicked at the topic's incompatible_qos event: a bug in the callback") {
		t.Fatalf("viewer stats %+v: want one error naming the panic, no restart", s)
	}
	if s := stat(t, p, "publish0"); s.In != 30 {
		t.Fatalf("the camera's chain published %d of 30 pictures", s.In)
	}
}

// runIncompatibleViewer runs to its end a camera of 30 pictures on /cam,
// offered sensor_data, and a viewer "viewer" that asks for durable_video,
// which the offer does not meet, with onEvent its OnEvent.
func runIncompatibleViewer(t *testing.T, onEvent func(*transport.Event)) *pipeline.Pipeline {
	t.Helper()
	p := mustParse(t, "testsrc size=160x120 num-frames=30 is-live=false ! h264enc ! publish topic=/cam qos=sensor_data", nil)
	req := qos.DurableVideo()
	if err := p.Add("viewer", SubscribeWith(SubscribeConfig{Topic: "/cam", QoS: &req, OnEvent: onEvent})); err != nil {
		t.Fatal(err)
	}
	if err := p.Add("sink", FakeSink()); err != nil {
		t.Fatal(err)
	}
	if err := p.Link("viewer", "sink"); err != nil {
		t.Fatal(err)
	}
	runToEndFailing(t, p, "viewer")
	return p
}

// A recorder that starts on a durable topic begins its file with the cached
// GOP: the recording decodes from its first packet.
func TestLateRecorderBeginsWithTheCachedGOP(t *testing.T) {
	r := newLateJoinRig(t, 10)
	r.publish(15) // the current GOP is 10..14
	path := filepath.Join(t.TempDir(), "late.gopline")
	rec, err := pipeline.Parse("record path="+path+" topics="+r.topic, registry(t),
		pipeline.WithSystem(r.system), pipeline.WithBus(r.bus))
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the recorder to take the replay", func() bool { return stat(t, rec, "record0").In >= 5 })
	r.publish(5)
	waitFor(t, "the recorder to take the live packets", func() bool { return stat(t, rec, "record0").In >= 10 })
	if err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	file, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	first, err := file.First(r.topic)
	if err != nil {
		t.Fatal(err)
	}
	c, err := file.Seek(r.topic, first)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for want := uint64(10); want < 20; want++ {
		p, err := c.Next()
		if err != nil || p.Seq != want || p.Key != (want == 10) {
			t.Fatalf("packet for seq %d: %+v, %v", want, p, err)
		}
	}
}
