package elements

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/pipeline/syntax"
)

// maxErrorLen bounds an error's message: it quotes values shortened.
const maxErrorLen = 1024

// parseAndCheck parses and checks a line as gopline run does before it
// starts anything.
func parseAndCheck(line string, r *pipeline.Registry) error {
	p, err := pipeline.Parse(line, r)
	if err != nil {
		return err
	}
	return p.Check()
}

// TestLongLinesParseAndCheckInLinearTime: a line eight times as long takes
// about eight times as long to parse and check, not sixty-four, however it
// is long: many elements, many properties, many chains, long values and
// names. The bound leaves room for a busy machine.
func TestLongLinesParseAndCheckInLinearTime(t *testing.T) {
	r := registry(t)
	shapes := map[string]func(n int) string{
		"tees": func(n int) string { return "testsrc ! " + strings.Repeat("tee ! ", n) + "fakesink" },
		"properties": func(n int) string {
			var b strings.Builder
			for i := range n {
				fmt.Fprintf(&b, "x%d=1 ", i)
			}
			return "testsrc " + b.String() + "! fakesink"
		},
		"chains":     func(n int) string { return strings.Repeat("testsrc ! fakesink ", n) },
		"long value": func(n int) string { return "testsrc size=" + strings.Repeat("9", 100*n) + " ! fakesink" },
		"long name":  func(n int) string { return "testsrc ! " + strings.Repeat("t", 100*n) + " ! fakesink" },
		"long qos": func(n int) string {
			return "subscribe topic=/a qos=" + strings.Repeat("deadline=1s,", 10*n) + " ! fakesink"
		},
		"long topic": func(n int) string { return "publish topic=/" + strings.Repeat("a", 100*n) },
	}
	const n = 1000
	for name, line := range shapes {
		// A busy machine may stall one measure; a line that is not linear
		// fails every one.
		var small, large time.Duration
		for range 3 {
			small, large = fastest(t, r, line(n)), fastest(t, r, line(8*n))
			t.Logf("%s: %v, eight times as long: %v", name, small, large)
			if large <= 24*small+200*time.Millisecond {
				break
			}
		}
		if large > 24*small+200*time.Millisecond {
			t.Errorf("%s: %v, but %v for a line eight times as long", name, small, large)
		}
	}
}

// fastest parses and checks line three times and returns the shortest
// time, so that a pause of the machine does not count.
func fastest(t *testing.T, r *pipeline.Registry, line string) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		err := parseAndCheck(line, r)
		best = min(best, time.Since(start))
		if err != nil && len(err.Error()) > maxErrorLen {
			t.Errorf("an error of %d bytes: %.200s", len(err.Error()), err)
		}
	}
	return best
}

// FuzzLine parses and checks whole lines against gopline's elements: no
// panic, every error a *syntax.Error of bounded length, and a bounded time
// for lines of up to 64 KiB.
func FuzzLine(f *testing.F) {
	for _, line := range []string{
		"testsrc size=640x480 rate=30 ! h264enc gop=30 ! publish topic=/camera",
		"subscribe topic=/camera remote=127.0.0.1:7000 ! gate ! h264dec replay=all ! snapshot dir=out every=30",
		"testsrc ! tee name=t ! fakesink  t. ! jpegenc qscale=2 ! jpegdec ! stats interval=2s",
		"testsrc rate=NaN ! fakesink",
		"testsrc rate=1e999 num-frames=-2 ! fakesink",
		"videosrc location=\"a b.mp4\" options=video_size=1x1,framerate=30 timeout=0s ! fakesink",
		"record path=x.db topics=/a,/b flush=1ms sync=none max-age=1h",
		"play path=x.db rate=0.5 start=1s loop=yes ! fakesink",
		"subscribe topic=/a remote=[::1]:99999 qos=transient_local,reliable ! fakesink",
		"testsrc ! tee ! tee ! tee ! h264enc crf=0 ! fakesink",
	} {
		f.Add(line)
	}
	r, err := Registry()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if len(line) > 1<<16 {
			t.Skip("longer than the size bound")
		}
		start := time.Now()
		err := parseAndCheck(line, r)
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("%d bytes took %v", len(line), took)
		}
		if err == nil {
			return
		}
		var serr *syntax.Error
		if !errors.As(err, &serr) {
			t.Fatalf("%T %v is not a *syntax.Error", err, err)
		}
		if len(err.Error()) > maxErrorLen {
			t.Fatalf("an error of %d bytes: %.200s", len(err.Error()), err)
		}
		_ = serr.Caret()
	})
}
