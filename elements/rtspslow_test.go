package elements

import (
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/internal/testrtsp"
)

// slowRTSPCamera starts a test camera of a picture every every: a
// time-lapse, or one whose pictures come at a trigger.
func slowRTSPCamera(t *testing.T, every time.Duration) *testrtsp.Server {
	t.Helper()
	cam := testrtsp.Start(t, testrtsp.Clip(t, 20, 10), 10)
	cam.Every(every)
	return cam
}

// A camera of a picture every 1.5 s with timeout=1s is read as one
// stream, its bound said in the log: it was lost after each picture and
// reconnected, for ever.
func TestAnRTSPCameraSlowerThanItsTimeoutIsReadWithoutReconnecting(t *testing.T) {
	cam := slowRTSPCamera(t, 1500*time.Millisecond)
	seen, log := &packets{}, &testlog.Buffer{}
	startLogged(t, rtspSource(cam.URL(), "timeout=1s name=cam"), "cam", seen, log)
	awaitLong(t, "4 pictures", func() bool { return len(seen.epochs()) == 1 && len(seen.epochs()[0]) >= 4 })
	if got := log.String(); strings.Contains(got, "stream lost") || !strings.Contains(got, "timeout= 1s plus the camera's picture interval, 1.") {
		t.Fatalf("the camera was lost, or its bound not said:\n%s", got)
	}
}

// A camera of a picture every 2.5 s with timeout=1s is lost once, before
// its pace is known, and kept from its next session on, which starts from
// the pace the loss suggested.
func TestAnRTSPCameraSlowerThanTwiceItsTimeoutIsLostOnceAtMost(t *testing.T) {
	cam := slowRTSPCamera(t, 2500*time.Millisecond)
	seen, log := &packets{}, &testlog.Buffer{}
	startLogged(t, rtspSource(cam.URL(), "timeout=1s name=cam"), "cam", seen, log)
	awaitLong(t, "3 pictures of one session", func() bool {
		e := seen.epochs()
		return len(e) > 0 && len(e[len(e)-1]) >= 3
	})
	if n := strings.Count(log.String(), "stream lost; reconnecting"); n > 1 {
		t.Fatalf("lost %d times:\n%s", n, log.String())
	}
}

// A camera that goes silent inside a picture for longer than its bound (a
// link that stalls: each packet of its keyframe 3 s after the one before,
// timeout=1s) is lost there: the picture it was sending is left out,
// counted as cut short by the stream's loss, which the loss's warning
// says, not as damage of the input ("cut short by the end of the
// input"); the session after it starts at a keyframe.
func TestAnRTSPCameraLostInsideAPictureSaysSoAndComesBackClean(t *testing.T) {
	cam := testrtsp.Start(t, testrtsp.Clip(t, 20, 10), 10)
	cam.PacketGap(3 * time.Second)
	seen, log := &packets{}, &testlog.Buffer{}
	p := startLogged(t, rtspSource(cam.URL(), "timeout=1s name=cam"), "cam", seen, log)
	awaitLong(t, "a loss inside a picture", func() bool { return stat(t, p, "cam").Skipped["cut_by_loss"] > 0 })
	cam.PacketGap(0)
	awaitLong(t, "a picture after the loss", func() bool { return len(seen.epochs()) > 0 })
	if e := seen.epochs(); !e[0][0].Key {
		t.Fatal("the stream after the loss does not start at a keyframe")
	}
	got := log.String()
	if strings.Contains(got, "damaged input") || strings.Contains(got, "end of the input") || !strings.Contains(got, "sent nothing for") {
		t.Fatalf("the log does not say the picture was cut by the stream's loss alone:\n%s", got)
	}
}
