package elements

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
)

func TestUnpublishedNamesTheKnownTopics(t *testing.T) {
	for _, c := range []struct {
		topic, remote string
		known         []string
		want          string
	}{
		{"/camra", "", []string{"/camera", "/lidar"}, "no publisher offers /camra after 3s; published: /camera, /lidar (did you mean /camera?)"},
		{"/ROBOT/CAMERA", "", []string{"/robot/lidar", "/robot/camera"}, "(did you mean /robot/camera?)"},
		{"/x", "10.0.0.5:7400", []string{"/camera"}, "no publisher offers /x at 10.0.0.5:7400 after 3s; published: /camera"},
		{"/x", "", nil, "no publisher offers /x after 3s; no topic has a publisher"},
		{"/x", "", []string{"/a0", "/a1", "/a2", "/a3", "/a4", "/a5", "/a6", "/a7", "/a8", "/a9", "/b0", "/b1"}, "/a9 and 2 more"},
	} {
		if got := unpublished(c.topic, c.remote, c.known); !strings.Contains(got, c.want) {
			t.Errorf("unpublished(%s, %q, %v) = %q; want %q", c.topic, c.remote, c.known, got, c.want)
		}
	}
}

// A subscriber and a recorder of a topic nobody publishes say so, naming
// the topic that is published; the subscriber of the published one does
// not.
func TestSubscribeAndRecordWarnWhenNoPublisherOffersTheTopic(t *testing.T) {
	var log testlog.Buffer
	path := filepath.Join(t.TempDir(), "typo.gopline")
	p, err := pipeline.Parse("testsrc size=64x48 rate=10 ! h264enc gop=10 ! publish topic=/camera  "+
		"subscribe topic=/camra ! fakesink  subscribe topic=/camera ! fakesink  record topics=/camera2 path="+path,
		registry(t), pipeline.WithLogger(zerolog.New(&log).Level(zerolog.InfoLevel)))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(log.String(), "no publisher offers") < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	out := log.String()
	for _, want := range []string{"no publisher offers /camra after 3s; published: /camera (did you mean /camera?)",
		"no publisher offers /camera2 after 3s"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the log does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "no publisher offers /camera ") {
		t.Fatalf("a warning about the published topic:\n%s", out)
	}
}
