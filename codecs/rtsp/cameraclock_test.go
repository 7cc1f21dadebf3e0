package rtsp

import (
	"errors"
	"testing"
	"time"
)

// With the camera's clock, pictures carry the times its RTCP sender
// reports give (here an hour ahead of this machine's), spaced by its RTP
// times; the stream begins at the first keyframe after the first report,
// the pictures before it counted as before the first keyframe. Without it,
// the same camera's pictures carry this machine's times.
func TestReaderTakesTheCamerasClock(t *testing.T) {
	cam := camera(t, 10) // a keyframe a second; a report after the 5th picture, then every 10th
	cam.SenderReports(time.Hour)
	r := mustOpen(t, cam.URL(), WithCameraClock())
	var last time.Time
	for n := range 15 {
		p, err := readWithin(t, r, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && !p.Key {
			t.Fatalf("the first picture handed on is no keyframe")
		}
		if ahead := p.CaptureTime.Sub(time.Now()); ahead < time.Hour-time.Second || ahead > time.Hour {
			t.Fatalf("picture %d is %v ahead of this machine, want the camera's hour, less its delay", n, ahead)
		}
		if gap := p.CaptureTime.Sub(last); n > 0 && (gap < 99*time.Millisecond || gap > 101*time.Millisecond) {
			t.Fatalf("picture %d is %v after the one before, want the camera's 100ms", n, gap)
		}
		last = p.CaptureTime
	}
	if st := r.Stats(); st.BeforeKeyframe < 5 {
		t.Errorf("%d pictures before the first keyframe after a report, want the 5 before it at least", st.BeforeKeyframe)
	}

	plain := mustOpen(t, cam.URL())
	p, err := readWithin(t, plain, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if off := time.Since(p.CaptureTime); off < 0 || off > time.Second {
		t.Errorf("without the camera's clock, a picture %v before now, want this machine's time", off)
	}
}

// A port's sender sends no sender reports this reader reads: the camera's
// clock is refused for it.
func TestCameraClockTakesAnRTSPSession(t *testing.T) {
	if _, err := ListenRTP("rtp://127.0.0.1:0", 96, WithCameraClock()); !errors.Is(err, ErrBadOption) {
		t.Fatalf("%v, want ErrBadOption", err)
	}
}
