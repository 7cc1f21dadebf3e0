package elements

import (
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

func TestOutrunTellsAStreamFasterThanRealTime(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		period   time.Duration // between capture times
		came     time.Duration // between arrivals
		n        int
		replayed bool
		fast     bool
	}{
		{"a file read flat out", 33 * time.Millisecond, time.Millisecond, 100, false, true},
		{"a camera", 33 * time.Millisecond, 33 * time.Millisecond, 100, false, false},
		{"a camera's burst after a stall", 33 * time.Millisecond, time.Millisecond, 5, false, false},
		{"a replayed GOP", 33 * time.Millisecond, 0, 30, true, false},
	} {
		var o outrun
		for i := range c.n {
			p := &media.Packet{Seq: uint64(i), CaptureTime: start.Add(time.Duration(i) * c.period), Replay: media.Replay{Replayed: c.replayed}}
			o.saw(p, start.Add(time.Hour+time.Duration(i)*c.came))
		}
		if fast, stream, took := o.fast(); fast != c.fast {
			t.Errorf("%s: fast %v (%v of stream in %v), want %v", c.name, fast, stream, took, c.fast)
		}
	}
	// A stream that is mostly dropped is measured on the GOPs dropped too.
	var dropped outrun
	for i := range 2 {
		dropped.saw(&media.Packet{Seq: uint64(i), CaptureTime: start.Add(time.Duration(i) * 33 * time.Millisecond)}, start.Add(time.Duration(i)*time.Millisecond))
	}
	for gop := uint64(10); gop <= 30; gop += 10 {
		dropped.dropped(gop, start.Add(5*time.Millisecond))
	}
	if fast, stream, took := dropped.fast(); !fast || stream != 30*33*time.Millisecond {
		t.Errorf("30 packets' stream, most dropped, in 5 ms: fast %v, %v in %v", fast, stream, took)
	}
	// A new stream, its capture times back at the start, is measured anew.
	var o outrun
	for i := range 100 {
		o.saw(&media.Packet{Seq: uint64(i), CaptureTime: start.Add(time.Duration(i) * 33 * time.Millisecond)}, start.Add(time.Duration(i)*time.Millisecond))
	}
	for i := range 100 {
		o.saw(&media.Packet{Seq: uint64(i), CaptureTime: start.Add(time.Duration(i) * 33 * time.Millisecond)}, start.Add(time.Second+time.Duration(i)*33*time.Millisecond))
	}
	if fast, _, _ := o.fast(); fast {
		t.Error("a camera after a file read flat out is still taken for fast")
	}
}

// slowPackets takes its first packet only once published has, and then
// one every each: a subscriber that is certain to fall behind.
type slowPackets struct {
	published func() bool
	each      time.Duration
	started   bool
}

func (*slowPackets) Start(*pipeline.Env) error { return nil }
func (*slowPackets) Stop() error               { return nil }
func (s *slowPackets) Process(*media.Packet) error {
	if !s.started {
		s.started = true
		for deadline := time.Now().Add(appTimeout); !s.published() && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(s.each)
	return nil
}

// A subscriber that falls behind a file published flat out in its own
// process says so at the default level, with the cause and the fix: a Go
// user sees it as the command line's user does.
func TestASubscriberBehindAFileReadFlatOutWarns(t *testing.T) {
	const frames = 300
	path := h264File(t, 320, 240, frames, 10)
	var log testlog.Buffer
	p := pipeline.New(pipeline.WithLogger(zerolog.New(&log).Level(zerolog.WarnLevel)))
	// The subscriber takes nothing until the whole file is on the topic,
	// which holds far less of it: it drops.
	sink := &slowPackets{published: func() bool { return nodeStats(p, "pub").In >= frames }, each: 3 * time.Millisecond}
	slow := pipeline.SinkElement("slow", pipeline.Packets(media.CodecUnknown),
		func() (pipeline.Sink[*media.Packet], error) { return sink, nil })
	for _, err := range []error{
		p.Chain([]string{"file", "pub"}, []pipeline.Element{VideoSrc(VideoSrcConfig{Location: path, Passthrough: true}), Publish("/c")}),
		p.Chain([]string{"sub", "slow"}, []pipeline.Element{Subscribe("/c", 0), slow}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	runToEnd(t, p)
	if nodeStats(p, "sub").Dropped == 0 {
		t.Fatalf("the subscriber dropped nothing behind a file read flat out: pub %+v, sub %+v", nodeStats(p, "pub"), nodeStats(p, "sub"))
	}
	if !strings.Contains(log.String(), "faster than real time") || !strings.Contains(log.String(), "is-live=true") {
		t.Fatalf("the subscriber dropped %d packets behind a file read flat out, and the log does not say why:\n%s",
			nodeStats(p, "sub").Dropped, log.String())
	}
}
