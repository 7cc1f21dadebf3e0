package elements

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// TestStopDeliversWhatThePipelinePublishedToItself stops an endless camera
// that a subscriber of the same pipeline watches: end of stream flows from
// the camera through the topic to the subscriber, so every packet the
// publisher took reaches the decoder or is counted as dropped. Several short
// runs, since what is in flight at the stop differs each time.
func TestStopDeliversWhatThePipelinePublishedToItself(t *testing.T) {
	for run := range 6 {
		p := mustParse(t, "testsrc size=160x120 rate=200 ! h264enc gop=10 ! publish topic=/c "+
			"subscribe topic=/c window=64 ! gate ! h264dec ! fakesink name=sink", nil)
		if err := p.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+40*run) * time.Millisecond)
		waitFor(t, "a packet on the topic", func() bool { return stat(t, p, "publish0").In > 0 })
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		pub, sub, sink := stat(t, p, "publish0"), stat(t, p, "subscribe0"), stat(t, p, "sink")
		if pub.In == 0 || sub.Out+sub.Dropped != pub.In {
			t.Fatalf("run %d: published %d, the subscriber passed on %d and dropped %d", run, pub.In, sub.Out, sub.Dropped)
		}
		if sink.In != sub.Out-stat(t, p, "gate0").Dropped {
			t.Fatalf("run %d: the subscriber passed on %d, the gate dropped %d, the sink got %d",
				run, sub.Out, stat(t, p, "gate0").Dropped, sink.In)
		}
	}
}

// TestStopDeliversThroughARelay stops a camera whose topic is decoded,
// encoded again and published on a second topic in the same pipeline: each
// topic's subscriber gets everything its publisher took.
func TestStopDeliversThroughARelay(t *testing.T) {
	for run := range 4 {
		p := mustParse(t, "testsrc size=160x120 rate=200 ! h264enc gop=10 ! publish topic=/a "+
			"subscribe topic=/a window=64 ! h264dec ! h264enc gop=10 ! publish topic=/b "+
			"subscribe topic=/b window=64 ! fakesink name=sink", nil)
		if err := p.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+50*run) * time.Millisecond)
		waitFor(t, "a packet on the second topic", func() bool { return stat(t, p, "publish1").In > 0 })
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		for i, topic := range []string{"/a", "/b"} {
			pub, sub := stat(t, p, fmt.Sprintf("publish%d", i)), stat(t, p, fmt.Sprintf("subscribe%d", i))
			if pub.In == 0 || sub.Out+sub.Dropped != pub.In {
				t.Fatalf("run %d, %s: published %d, the subscriber passed on %d and dropped %d", run, topic, pub.In, sub.Out, sub.Dropped)
			}
		}
		if sub, sink := stat(t, p, "subscribe1"), stat(t, p, "sink"); sink.In != sub.Out {
			t.Fatalf("run %d: the subscriber of /b passed on %d, the sink got %d", run, sub.Out, sink.In)
		}
	}
}

// TestStopWhileAnotherPipelinePublishes stops a viewer whose camera runs in
// another pipeline and goes on: the viewer ends at once, and what its topic
// sent before the end reaches the sink.
func TestStopWhileAnotherPipelinePublishes(t *testing.T) {
	system := pipeline.NewSystem(zerolog.Nop())
	defer system.Shutdown()
	bus := transport.NewBus(system)
	defer bus.Close()
	reg := registry(t)
	opts := []pipeline.Option{pipeline.WithSystem(system), pipeline.WithBus(bus)}
	camera, err := pipeline.Parse("testsrc size=160x120 rate=200 ! h264enc gop=10 ! publish topic=/cam", reg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := camera.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer camera.Stop()
	for run := range 3 {
		viewer, err := pipeline.Parse("subscribe topic=/cam window=64 ! fakesink name=sink", reg, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := viewer.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(100+40*run) * time.Millisecond)
		waitFor(t, "a packet for the viewer", func() bool { return stat(t, viewer, "subscribe0").Out > 0 })
		if err := viewer.Stop(); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		sub, sink := stat(t, viewer, "subscribe0"), stat(t, viewer, "sink")
		if sub.Out == 0 || sink.In != sub.Out {
			t.Fatalf("run %d: the subscriber passed on %d, the sink got %d", run, sub.Out, sink.In)
		}
	}
}

// TestStopRecordsWhatThePipelinePublished stops an endless camera recorded
// from its topic in the same pipeline: the file holds every packet the
// publisher took.
func TestStopRecordsWhatThePipelinePublished(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.db")
	p := mustParse(t, "testsrc size=160x120 rate=200 ! h264enc gop=10 ! publish topic=/cam  record path="+path+" topics=/cam window=256 name=rec", nil)
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the topic to take 60 packets", func() bool { return stat(t, p, "publish0").In >= 60 })
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	pub, rec := stat(t, p, "publish0"), stat(t, p, "rec")
	if pub.In == 0 || rec.In != pub.In || rec.Dropped != 0 || rec.Errors != 0 {
		t.Fatalf("published %d; the recorder took %d, dropped %d, failed %d", pub.In, rec.In, rec.Dropped, rec.Errors)
	}
	n := uint64(len(recorded(t, path, "/cam")))
	if n != pub.In {
		t.Fatalf("the file holds %d packets of the %d published", n, pub.In)
	}
}
