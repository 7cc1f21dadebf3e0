package elements

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/rs/zerolog"
)

// h264File encodes n frames of the pattern into a raw H.264 file.
func h264File(t *testing.T, w, h, n, gop int) string {
	t.Helper()
	var b bytes.Buffer
	for _, p := range encodedPackets(t, w, h, n, gop) {
		b.Write(p.Data)
	}
	path := filepath.Join(t.TempDir(), "clip.h264")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVideoSrcDecodesAndPassesThrough(t *testing.T) {
	path := h264File(t, 320, 240, 40, 10)
	for _, line := range []string{
		"videosrc name=src location=" + path,
		"videosrc location=" + path + " passthrough=true ! h264dec name=src",
	} {
		out := &frames{}
		p := mustParse(t, line, map[string]*frames{"src": out})
		runToEnd(t, p)
		got := out.all()
		if len(got) != 40 {
			t.Fatalf("%s: %d frames, want 40", line, len(got))
		}
		checkPictures(t, got, 320, 240)
	}
}

func TestVideoSrcMissingFileFailsStartNamingIt(t *testing.T) {
	p := mustParse(t, "videosrc location=/no/such/clip.mp4 ! fakesink", nil)
	err := p.Start(context.Background())
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("/no/such/clip.mp4")) {
		t.Fatalf("Start: %v", err)
	}
}

// packets collects the packets that reach it.
type packets struct {
	mu  sync.Mutex
	got []*media.Packet
}

func (c *packets) element() pipeline.Element {
	return pipeline.SinkElement("collect", pipeline.Packets(media.CodecUnknown), func() (pipeline.Sink[*media.Packet], error) { return &packetSink{c: c}, nil })
}

type packetSink struct{ c *packets }

func (s *packetSink) Start(*pipeline.Env) error { return nil }
func (s *packetSink) Stop() error               { return nil }
func (s *packetSink) Process(p *media.Packet) error {
	s.c.mu.Lock()
	s.c.got = append(s.c.got, p)
	s.c.mu.Unlock()
	return nil
}

// lossy loses the packet with one Seq, as a bad link would.
func lossy(seq uint64) pipeline.Element {
	return pipeline.ProcessorElement("lossy", pipeline.Packets(media.H264), pipeline.Packets(media.H264),
		func() (pipeline.Processor[*media.Packet, *media.Packet], error) { return &lossyStage{seq: seq}, nil })
}

type lossyStage struct{ seq uint64 }

func (l *lossyStage) Start(*pipeline.Env) error { return nil }
func (l *lossyStage) Stop() error               { return nil }
func (l *lossyStage) Process(p *media.Packet, emit func(*media.Packet)) error {
	if p.Seq != l.seq {
		emit(p)
	}
	return nil
}

// TestGateKeyframeRequestReachesTheEncoder loses one packet between the
// encoder and the topic: the subscriber's gate asks for a keyframe, the
// request travels subscriber, topic, publisher, to the encoder, which sends
// an IDR long before the GOP's own.
func TestGateKeyframeRequestReachesTheEncoder(t *testing.T) {
	got := &packets{}
	var log testlog.Buffer
	p := pipeline.New(pipeline.WithLogger(zerolog.New(&log)))
	steps := []error{
		p.Chain([]string{"cam", "enc", "loss", "pub"}, []pipeline.Element{
			TestSrc(TestSrcConfig{Width: 160, Height: 120, Rate: 30, Frames: 60, Live: true}),
			H264Enc(h264EncGOP(50)), lossy(10), Publish("/cam")}),
		p.Chain([]string{"sub", "gate", "sink"}, []pipeline.Element{Subscribe("/cam", 64), Gate(), got.element()}),
	}
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	runToEnd(t, p)
	var keys, seqs []uint64
	for _, pk := range got.got {
		seqs = append(seqs, pk.Seq)
		if pk.Key {
			keys = append(keys, pk.Seq)
		}
	}
	// Frame 0 and the forced one; without the request the next IDR would be 50.
	if len(keys) < 2 || keys[1] <= 10 || keys[1] >= 40 {
		t.Fatalf("keyframes at %v: want one forced soon after the loss at 10 (packets through the gate: %v; camera %+v)",
			keys, seqs, stat(t, p, "cam"))
	}
	if s := stat(t, p, "gate"); s.Dropped == 0 {
		t.Errorf("the gate dropped nothing after the loss: %+v", s)
	}
	// The gate says why it drops, when it starts and in its totals.
	for _, want := range []string{`"reason":"seq_hole"`, `"dropped_by":{"seq_hole":1`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log does not say %s:\n%s", want, log.String())
		}
	}
}

func TestRealGraphLeavesNoGoroutinesAfterStop(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 2 {
		p := mustParse(t, "testsrc size=160x120 rate=60 ! h264enc ! publish topic=/g  subscribe topic=/g ! gate ! h264dec ! fakesink", nil)
		if err := p.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
