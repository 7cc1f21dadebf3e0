package elements

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/pipeline"
)

// A robot's run of several cameras, one of which refuses its credentials
// at start (401): the run fails at once, as for a misspelled option or a
// camera device that is not there (each the user's to fix, which the
// first run shows, where a robot that went on without that camera would
// drive blind on it), with an error that names the node, the camera and
// what to give; the other cameras' openings are ended, the one of a
// camera slow to answer not waited for (the run failed only once that
// opening had failed, at its timeout).
func TestARunOfCamerasOneOfWhichRefusesItsCredentialsFailsAtOnceSayingWhich(t *testing.T) {
	good, slow, bad := rtspCamera(t), rtspCamera(t), rtspCamera(t)
	slow.Hang() // answers nothing: its opening waits for its timeout (10s)
	bad.RequireLogin("admin", "s3cret")
	line := rtspSource(good.URL(), "name=good") + " ! fakesink " + rtspSource(slow.URL(), "name=slow timeout=10s") + " ! fakesink " +
		rtspSource(bad.URL(), "name=bad") + " ! fakesink"
	p, err := pipeline.Parse(line, registry(t))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = p.Start(t.Context())
	took := time.Since(start)
	if err == nil {
		_ = p.Stop()
		t.Fatal("the run started with a camera that refuses its credentials")
	}
	if !errors.Is(err, ffmpeg.ErrUnauthorized) || !strings.Contains(err.Error(), "bad (videosrc)") ||
		!strings.Contains(err.Error(), bad.URL()) || !strings.Contains(err.Error(), "give them in the URL") {
		t.Fatalf("Start = %v; want ErrUnauthorized naming the node, the camera and what to give", err)
	}
	if took > 5*time.Second {
		t.Fatalf("Start failed after %v: it waited for the slow camera's opening (timeout 10s)", took)
	}
	if err := p.Wait(); !errors.Is(err, ffmpeg.ErrUnauthorized) {
		t.Fatalf("Wait after the failed start = %v, want Start's error", err)
	}
}
