package main

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
)

func TestStatusTextShowsCountsRatesBytesAndDrops(t *testing.T) {
	sources := func(e string) bool { return e == "testsrc" }
	before := []pipeline.NodeStats{{Node: "testsrc0", Element: "testsrc", Out: 30}, {Node: "enc", Element: "h264enc", Out: 30, Bytes: 20_000}}
	now := []pipeline.NodeStats{{Node: "testsrc0", Element: "testsrc", Out: 60}, {Node: "enc", Element: "h264enc", Out: 59, Bytes: 41_300, Dropped: 1},
		{Node: "pub", Element: "publish", In: 59}, {Node: "recorder", Element: "record", In: 58, Errors: 2}, {Node: "sink", Element: "fakesink", In: 59}}
	topics := map[string]string{"pub": "/camera", "recorder": "/camera,/lidar"}
	got := statusText(now, before, time.Second, sources, topics)
	want := "testsrc0 60 (30.0/s) | enc 59 (29.0/s) 41.3 kB | pub /camera 59 (59.0/s) | recorder /camera,/lidar 58 (58.0/s) | dropped 1, errors 2"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	var many []pipeline.NodeStats
	for range 40 {
		many = append(many, pipeline.NodeStats{Node: "a-long-node-name", Element: "testsrc", Out: 1})
	}
	if got := statusText(many, nil, time.Second, sources, nil); len(got) != maxStatusWidth {
		t.Errorf("a long status is %d bytes, want it cut to %d", len(got), maxStatusWidth)
	}
}

func TestStatusLineRedrawsOneLineAndErasesIt(t *testing.T) {
	var buf testlog.Buffer
	n := 0
	var mu sync.Mutex
	live := startStatus(&buf, func() []pipeline.NodeStats {
		mu.Lock()
		defer mu.Unlock()
		n += 10
		return []pipeline.NodeStats{{Node: "testsrc0", Element: "testsrc", Out: uint64(n)}}
	}, nil, 10*time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(buf.String(), "\r") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	live.close()
	out := buf.String()
	if strings.Contains(out, "\n") || !strings.Contains(out, "testsrc0 ") || !strings.HasSuffix(out, "\r") {
		t.Errorf("status drew %q", out)
	}
	if liveOutput(&buf, false) != nil {
		t.Error("a status line on a buffer, which is no terminal")
	}
}

func TestLineTopicsNameTheNodesOfTopics(t *testing.T) {
	got := lineTopics("testsrc ! h264enc ! publish topic=/camera  subscribe topic=/camera ! fakesink  " +
		"subscribe name=far topic=/lidar remote=10.0.0.5:7400 ! record path=x.gopline topics=/lidar,/imu")
	want := map[string]string{"publish0": "/camera", "subscribe0": "/camera", "far": "/lidar", "record0": "/lidar,/imu"}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for node, topic := range want {
		if got[node] != topic {
			t.Errorf("%s: got %q, want %q", node, got[node], topic)
		}
	}
	if got := lineTopics("testsrc ! !"); len(got) != 0 {
		t.Errorf("a line that does not parse names %v", got)
	}
}
