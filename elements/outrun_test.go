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
	const period = 33 * time.Millisecond // between capture times
	// came spaces n packets' arrivals by each.
	type came struct {
		n    int
		each time.Duration
	}
	for _, c := range []struct {
		name     string
		came     []came
		lag      time.Duration // of the first arrival behind the first capture time
		replayed bool
		fast     bool
	}{
		{"a file read flat out", []came{{100, time.Millisecond}}, 0, false, true},
		{"a recording of yesterday read flat out", []came{{400, 10 * time.Millisecond}}, 24 * time.Hour, false, true},
		{"a camera", []came{{200, period}}, 0, false, false},
		{"a camera's burst after a stall", []came{{5, time.Millisecond}}, 200 * time.Millisecond, false, false},
		{"a camera's 3 s backlog sent at once as it is subscribed", []came{{90, time.Millisecond}, {300, period}}, 3 * time.Second, false, false},
		{"a camera's burst of half a second later on", []came{{100, period}, {15, time.Millisecond}, {100, period}}, time.Second, false, false},
		{"a replayed GOP", []came{{30, 0}}, 0, true, false},
	} {
		// The warning is judged at every packet: the pace must never be
		// taken for fast when it is not, nor only at the end when it is.
		var o outrun
		var i int
		at := start.Add(c.lag)
		everFast := false
		for _, run := range c.came {
			for range run.n {
				p := &media.Packet{Seq: uint64(i), CaptureTime: start.Add(time.Duration(i) * period), Replay: media.Replay{Replayed: c.replayed}}
				o.saw(p, at)
				fast, stream, took := o.fast()
				if fast && !c.fast && !everFast {
					t.Errorf("%s: packet %d: fast (%v of stream in %v)", c.name, i, stream, took)
				}
				everFast = everFast || fast
				i++
				at = at.Add(run.each)
			}
		}
		if c.fast && !everFast {
			_, stream, took := o.fast()
			t.Errorf("%s: never fast (%v of stream in %v)", c.name, stream, took)
		}
	}
	// A stream that is mostly dropped is measured on the GOPs dropped too.
	var dropped outrun
	for i, at := range []time.Duration{0, time.Millisecond, 1100 * time.Millisecond} {
		dropped.saw(&media.Packet{Seq: uint64(i), CaptureTime: start.Add(time.Duration(i) * period)}, start.Add(at))
	}
	for gop := uint64(10); gop <= 90; gop += 10 {
		dropped.dropped(gop, start.Add(2200*time.Millisecond))
	}
	if fast, stream, took := dropped.fast(); !fast || stream != 88*period {
		t.Errorf("88 packets' stream, most dropped, in 1.1 s: fast %v, %v in %v", fast, stream, took)
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
