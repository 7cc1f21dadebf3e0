package actors

import (
	"errors"
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

// TestLongLinesParseAndCheckInLinearTime: a line of tens of thousands of
// elements or properties is parsed and checked at once (a quadratic step
// would take minutes here).
func TestLongLinesParseAndCheckInLinearTime(t *testing.T) {
	r := registry(t)
	const n = 30000
	lines := map[string]string{
		"tees":       "testsrc ! " + strings.Repeat("tee ! ", n) + "fakesink",
		"properties": "testsrc " + strings.Repeat("x=1 ", n) + "! fakesink",
		"names":      strings.Repeat("testsrc ! fakesink ", n/2),
		"long value": "testsrc size=" + strings.Repeat("9", 1<<20) + " ! fakesink",
		"long name":  "testsrc ! " + strings.Repeat("t", 1<<20) + " ! fakesink",
	}
	for name, line := range lines {
		start := time.Now()
		err := parseAndCheck(line, r)
		took := time.Since(start)
		t.Logf("%s: %v", name, took)
		if took > 10*time.Second {
			t.Errorf("%s: %d bytes took %v", name, len(line), took)
		}
		if err != nil && len(err.Error()) > maxErrorLen {
			t.Errorf("%s: an error of %d bytes", name, len(err.Error()))
		}
	}
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
		if took := time.Since(start); took > 2*time.Second {
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
