package main

import (
	"encoding/json"
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
