package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/pipeline"
)

func TestFlatOutWarningNamesTheDropsAndTheAdvice(t *testing.T) {
	drops := []pipeline.NodeStats{{Node: "src", Element: "videosrc", Out: 100}, {Node: "subscribe0", Element: "subscribe", Out: 40, Dropped: 60}}
	none := []pipeline.NodeStats{{Node: "src", Element: "videosrc", Out: 100}, {Node: "subscribe0", Element: "subscribe", Out: 100}}
	for _, c := range []struct {
		name  string
		line  string
		stats []pipeline.NodeStats
		want  string // "" for no warning
	}{
		{"a file read flat out", "videosrc name=src location=a.mp4 ! h264enc ! publish topic=/c  subscribe topic=/c ! gate ! h264dec ! fakesink",
			drops, "subscribe0 dropped 60 packets: src (a.mp4) read faster than real time"},
		{"a play read flat out", "play name=src path=a.gopline is-live=false ! publish topic=/c  subscribe topic=/c ! fakesink",
			drops, "subscribe0 dropped 60 packets: src (a.gopline)"},
		{"no drops", "videosrc name=src location=a.mp4 ! h264enc ! publish topic=/c  subscribe topic=/c ! fakesink", none, ""},
		{"a live file", "videosrc name=src location=a.mp4 is-live=true ! h264enc ! publish topic=/c  subscribe topic=/c ! fakesink", drops, ""},
		{"a play at its pace (the default)", "play name=src path=a.gopline ! publish topic=/c  subscribe topic=/c ! fakesink", drops, ""},
		{"a camera", "videosrc name=src location=/dev/video0 ! h264enc ! publish topic=/c  subscribe topic=/c ! fakesink", drops, ""},
		{"a network stream", "videosrc name=src location=rtsp://cam/1 ! publish topic=/c  subscribe topic=/c ! fakesink", drops, ""},
		{"an RTP stream an .sdp file describes", "videosrc name=src location=cam.sdp ! publish topic=/c  subscribe topic=/c ! fakesink", drops, ""},
		{"another node's topic", "videosrc name=src location=a.mp4 ! h264enc ! publish topic=/c  subscribe topic=/c remote=10.0.0.5:7400 ! fakesink", drops, ""},
		{"a topic the line does not publish", "videosrc name=src location=a.mp4 ! h264enc ! publish topic=/c  subscribe topic=/d ! fakesink", drops, ""},
		{"a topic the file does not feed", "videosrc name=src location=a.mp4 ! h264enc ! publish topic=/c  testsrc ! h264enc ! publish topic=/d  " +
			"subscribe topic=/d ! fakesink", drops, ""},
	} {
		got := lineFlatOut(c.line).warning(c.stats)
		switch {
		case c.want == "" && got != "":
			t.Errorf("%s: warns %q", c.name, got)
		case c.want != "" && (!strings.Contains(got, c.want) || !strings.Contains(got, "is-live=true")):
			t.Errorf("%s: warns %q, want %q and the advice", c.name, got, c.want)
		}
	}
}

// A run that reads a file flat out (passthrough: thousands of packets a
// second) to a subscriber of its own whose window takes one packet, and
// that decodes, drops; the run's log says how many, and that is-live=true
// paces the file. The same file played live warns of nothing.
func TestRunWarnsOfDropsBehindAFileReadFlatOut(t *testing.T) {
	clip := testclip.Make(t, "base.mp4", 100, 25, "-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p")
	for _, live := range []bool{false, true} {
		src := "videosrc name=src location=" + clip + " passthrough=true"
		if live {
			src += " is-live=true"
		}
		line := src + " ! publish topic=/c  subscribe topic=/c window=1 ! gate ! h264dec ! fakesink"
		code, stdout, stderr := runCmd("run", "--json", line)
		if code != 0 {
			t.Fatalf("gopline run %q: exit %d\n%s", line, code, stderr)
		}
		var nodes []nodeReport
		if err := json.Unmarshal([]byte(stdout), &nodes); err != nil {
			t.Fatalf("gopline run %q: %v: %s", line, err, stdout)
		}
		var dropped uint64
		for _, n := range nodes {
			if n.Node == "subscribe0" {
				dropped = n.Dropped
			}
		}
		warned := strings.Contains(stderr, "read faster than real time")
		t.Logf("live %v: subscribe0 dropped %d", live, dropped)
		switch {
		case live && warned:
			t.Errorf("a live file warns of reading flat out:\n%s", stderr)
		case !live && dropped > 0 && (!warned || !strings.Contains(stderr, plural(dropped, "packet")) || !strings.Contains(stderr, "is-live=true")):
			t.Errorf("subscribe0 dropped %d behind a file read flat out, and the run does not say so with the count and the advice:\n%s", dropped, stderr)
		case !live && dropped == 0 && warned:
			t.Errorf("no drop, and a warning:\n%s", stderr)
		}
	}
}

// A line whose file source is read flat out and published on a topic the
// line subscribes to itself is told so before it runs, with what to
// write instead: the subscriber's own warning needs the stream to come
// for a while, two seconds for a recording played with its recorded times.
func TestFlatOutIsToldBeforeTheLineRuns(t *testing.T) {
	for _, c := range []struct {
		name string
		line string
		want []string // nil for no warning
	}{
		{"a play with its recorded times", "play name=src path=a.gopline is-live=false keep-time=true ! publish topic=/c  subscribe topic=/c ! record path=b.gopline stream=/c",
			[]string{"src (a.gopline) is read as fast as", "subscribe0 takes /c", "write is-live=true on src", "keep-time=true keeps"}},
		{"a play", "play name=src path=a.gopline is-live=false ! publish topic=/c  subscribe topic=/c ! fakesink",
			[]string{"src (a.gopline)", "write is-live=true on src", "without the topic"}},
		{"a file", "videosrc location=a.mp4 ! h264enc ! publish topic=/c  subscribe name=sub topic=/c ! h264dec ! fakesink",
			[]string{"videosrc0 (a.mp4)", "sub takes /c", "write is-live=true on videosrc0"}},
		{"a play at its pace", "play name=src path=a.gopline keep-time=true ! publish topic=/c  subscribe topic=/c ! fakesink", nil},
		{"a play flat out into its own chain", "play name=src path=a.gopline is-live=false keep-time=true ! record path=b.gopline stream=/c", nil},
		{"another node's topic", "play path=a.gopline is-live=false ! publish topic=/c  subscribe topic=/c remote=10.0.0.5:7400 ! fakesink", nil},
		// The subscriber takes the live camera's topic; the recording read
		// flat out beside it feeds another.
		{"a topic the file does not feed", "videosrc location=/dev/video0 is-live=true ! h264enc ! publish topic=/cam  " +
			"play path=a.gopline is-live=false ! publish topic=/old  subscribe topic=/cam ! fakesink", nil},
		{"a file feeding a topic through a reference", "play name=src path=a.gopline is-live=false ! queue name=q  q. ! publish topic=/c  " +
			"subscribe topic=/c ! fakesink", []string{"src (a.gopline)", "subscribe0 takes /c"}},
	} {
		got := lineFlatOut(c.line).ahead()
		if c.want == nil && got != "" {
			t.Errorf("%s: warns %q", c.name, got)
		}
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: warns %q, want %q in it", c.name, got, w)
			}
		}
	}
}

// gopline run says it before the run: a recording made at test time,
// played flat out with its recorded times to a subscriber of the line's
// own that decodes.
func TestRunSaysAFlatOutPlayBeforeItRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	if code, _, stderr := runCmd("run", "testsrc size=160x120 num-frames=60 is-live=false ! h264enc gop=10 ! record path="+path+" stream=/cam"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	line := "play path=" + path + " is-live=false keep-time=true ! publish topic=/cam  subscribe topic=/cam window=1 ! gate ! h264dec ! fakesink"
	code, _, stderr := runCmd("run", "--json", line)
	if code != 0 {
		t.Fatalf("gopline run %q: exit %d\n%s", line, code, stderr)
	}
	at := strings.Index(stderr, "play0 ("+path+") is read as fast as the pipeline takes it")
	if at < 0 || !strings.Contains(stderr, "write is-live=true on play0") {
		t.Fatalf("gopline run %q does not say that play0 outruns subscribe0, and what to write:\n%s", line, stderr)
	}
	if i := strings.Index(stderr, "subscribe0"); i >= 0 && i < at {
		t.Errorf("the run said something of subscribe0 before the warning: it came once the line ran:\n%s", stderr)
	}
}
