package rtsp

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/internal/testrtsp"
	"github.com/rs/zerolog"
)

func TestPaceBoundsTheSilenceByTheCamerasPictureInterval(t *testing.T) {
	at := func(s ...float64) []time.Time {
		var out []time.Time
		for _, v := range s {
			out = append(out, time.Unix(1000, 0).Add(time.Duration(v*float64(time.Second))))
		}
		return out
	}
	for _, c := range []struct {
		name     string
		given    time.Duration
		pictures []time.Time
		bound    time.Duration
		next     time.Duration // after a silence
	}{
		{"nothing yet: the timeout twice", 0, nil, 6 * time.Second, 6 * time.Second},
		{"one picture: the timeout twice", 0, at(0), 6 * time.Second, 6 * time.Second},
		{"an earlier session's pace", 5 * time.Second, at(0), 8 * time.Second, 10 * time.Second},
		{"a fast camera's pace from before, its first picture late", 40 * time.Millisecond, nil, 3040 * time.Millisecond, 6 * time.Second},
		{"25 pictures a second", 0, at(0, 0.04, 0.08, 0.12), 3040 * time.Millisecond, 40 * time.Millisecond},
		{"a picture every 5 s", 0, at(0, 5, 10), 8 * time.Second, 5 * time.Second},
		{"its own pace over the one given", 10 * time.Second, at(0, 5), 8 * time.Second, 5 * time.Second},
		{"the longest recent wait of a trigger", 0, at(0, 1, 7, 8, 9), 9 * time.Second, 6 * time.Second},
		{"a long wait long past", 0, at(0, 7, 8, 9, 10, 11, 12, 13, 14, 15), 4 * time.Second, time.Second},
		{"at most a minute", 0, at(0, 300), 63 * time.Second, time.Minute},
		{"a silence before any pace at most a minute too", 50 * time.Second, nil, 53 * time.Second, time.Minute},
	} {
		p := pace{timeout: 3 * time.Second, given: c.given}
		for _, at := range c.pictures {
			p.picture(at)
		}
		if got := p.bound(); got != c.bound {
			t.Errorf("%s: bound %v, want %v", c.name, got, c.bound)
		}
		if got := p.next(true); got != c.next {
			t.Errorf("%s: next session's pace %v, want %v", c.name, got, c.next)
		}
	}
}

// slowCamera starts a camera of a picture every every, whose clip is at
// 10 frames/s.
func slowCamera(t *testing.T, every time.Duration) *testrtsp.Server {
	t.Helper()
	cam := camera(t, 10)
	cam.Every(every)
	return cam
}

// A camera of a picture every 1.5 s, read with a timeout of 1 s: its
// stream is not lost between two pictures, and the log says the bound in
// force. The RTSP client's own timeout took it for lost after its first
// picture, and each session after it.
func TestReaderOfACameraSlowerThanItsTimeoutIsNotLost(t *testing.T) {
	cam := slowCamera(t, 1500*time.Millisecond)
	log := &testlog.Buffer{}
	r := mustOpen(t, cam.URL(), WithTimeout(time.Second), WithLogger(zerolog.New(log)))
	for n := range 4 {
		if _, err := readWithin(t, r, 5*time.Second); err != nil {
			t.Fatalf("picture %d: %v", n, err)
		}
	}
	if !strings.Contains(log.String(), "taken for lost after 2.") || !strings.Contains(log.String(), "timeout= 1s plus the camera's picture interval, 1.") {
		t.Fatalf("the log does not say the silence bound (about 2.5s):\n%s", log.String())
	}
}

// A camera slower than twice its timeout is lost once, before its pace is
// known; the session after it, given the pace that loss suggests (Pace),
// keeps it.
func TestACameraSlowerThanTwiceItsTimeoutIsKeptFromItsNextSession(t *testing.T) {
	cam := slowCamera(t, 2500*time.Millisecond)
	r := mustOpen(t, cam.URL(), WithTimeout(time.Second))
	if _, err := readWithin(t, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	_, err := readWithin(t, r, 5*time.Second)
	if !errors.Is(err, ErrStreamLost) || !strings.Contains(err.Error(), "twice over until two pictures tell the camera's pace") {
		t.Fatalf("%v; want ErrStreamLost saying the bound before the pace is known", err)
	}
	r.Close()
	if got := r.Pace(); got != 2*time.Second {
		t.Fatalf("Pace = %v, want twice the 1s taken", got)
	}
	next := mustOpen(t, cam.URL(), WithTimeout(time.Second), WithPace(r.Pace()))
	for n := range 3 {
		if _, err := readWithin(t, next, 8*time.Second); err != nil {
			t.Fatalf("picture %d of the next session: %v", n, err)
		}
	}
	if got := next.Pace(); got < 2*time.Second || got > 3*time.Second {
		t.Fatalf("the next session measured a pace of %v, want about 2.5s", got)
	}
}

// A camera whose host dies behind a switch (its connection open, nothing
// sent, nothing answered) after its pace is known is lost about its
// timeout later, as before the bound followed the pace.
func TestReaderOfACameraThatDiesIsLostAfterAboutItsTimeout(t *testing.T) {
	cam := camera(t, 25)
	r := mustOpen(t, cam.URL(), WithTimeout(time.Second))
	for range 10 {
		if _, err := readWithin(t, r, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	cam.Hang()
	died := time.Now()
	var err error
	for err == nil {
		_, err = readWithin(t, r, 10*time.Second)
	}
	took := time.Since(died)
	if !errors.Is(err, ErrStreamLost) || !strings.Contains(err.Error(), "sent nothing for") {
		t.Fatalf("%v; want ErrStreamLost saying it sent nothing", err)
	}
	t.Logf("lost %v after the camera died: %v", took.Round(time.Millisecond), err)
	if took > 3*time.Second {
		t.Fatalf("the dead camera was lost %v after it died, timeout 1s", took)
	}
}

// A camera behind a slow link, each packet of a picture 900 ms after the
// one before, with a timeout of 1 s: no gap reaches the timeout, and its
// pictures come whole, none cut short. The RTSP client counted the
// silence in whole seconds, and took such gaps for lost.
func TestReaderOfACameraBehindASlowLinkCutsNoPictureShort(t *testing.T) {
	cam := camera(t, 10)
	cam.PacketGap(900 * time.Millisecond)
	r := mustOpen(t, cam.URL(), WithTimeout(time.Second))
	keyframes := 0
	for keyframes < 2 {
		p, err := readWithin(t, r, 10*time.Second)
		if err != nil {
			t.Fatalf("after %d keyframes: %v (skipped: %+v)", keyframes, err, r.Stats())
		}
		if p.Key {
			keyframes++
		}
	}
	if st := r.Stats(); st.Truncated > 0 || st.LostPackets > 0 {
		t.Fatalf("stats %+v; want no picture cut short", st)
	}
}

// A camera that takes the connection and answers no request fails the
// opening after the timeout, as the RTSP client's own timeout failed it
// (the client is given none: the stream's silence follows the pace).
func TestOpenOfACameraThatAnswersNothingFailsAtItsTimeout(t *testing.T) {
	cam := camera(t, 25)
	cam.Hang()
	start := time.Now()
	_, err := Open(cam.URL(), WithTimeout(time.Second))
	took := time.Since(start)
	if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "no answer for 1s (timeout=)") {
		t.Fatalf("%v; want ErrOpen saying no answer came for the timeout", err)
	}
	if took > 5*time.Second {
		t.Fatalf("the opening failed after %v, timeout 1s", took)
	}
}

// A reader whose chain stopped taking pictures for longer than the
// stream's bound, while its camera went on sending: the connection waited
// for the reader (queuedPackets wait), the camera's packets in its
// buffers, and when the reader goes on, every picture comes and the
// camera is not taken for lost, even when the connection's next packet
// comes a moment after the reader took all that waited. Its silence was
// timed from the last packet queued, and a live camera was closed as
// silent.
func TestACameraIsNotLostWhileItsReaderFellBehind(t *testing.T) {
	units := testrtsp.Clip(t, 25, 25)
	enc, err := (&format.H264{PayloadTyp: 96, PacketizationMode: 1}).CreateEncoder()
	if err != nil {
		t.Fatal(err)
	}
	var clock atomic.Int64 // the reader's clock, moved by the test
	clock.Store(time.Unix(1000, 0).UnixNano())
	cfg := defaultConfig()
	cfg.timeout, cfg.now = time.Second, func() time.Time { return time.Unix(0, clock.Load()) }
	r := newReader("rtsp://camera/stream", cfg)
	r.maker = newPacketMaker(&r.stats, nil, nil)
	conn := make(chan struct{}) // closed when the connection ends
	r.closeConn = sync.OnceFunc(func() { close(conn) })
	go r.watch(func() error { <-conn; return errors.New("connection closed") })
	r.heard(cfg.now()) // PLAY's answer

	const pictures = queuedPackets + 200 // of a packet or more each
	sent := make(chan struct{})
	defer func() { r.Close(); <-sent }()
	go func() { // the connection's goroutine
		defer close(sent)
		queued := 0
		for i := range pictures {
			pkts, err := enc.Encode(units[i%len(units)])
			if err != nil {
				t.Error(err)
				return
			}
			for _, p := range pkts {
				select {
				case <-conn:
					return
				default:
				}
				p.Timestamp = uint32(i * 3600)
				r.queue(p)
				if queued++; queued == queuedPackets+1 { // the one the connection waited to queue
					for len(r.pkts) > 0 {
						select {
						case <-conn:
							return
						case <-time.After(time.Millisecond):
						}
					}
					time.Sleep(50 * time.Millisecond) // the connection's next read
				}
			}
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); len(r.pkts) < cap(r.pkts); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the connection never waited: %d packets queued", len(r.pkts))
		}
	}
	clock.Add(int64(10 * time.Second)) // the chain stalled, far beyond the bound (2 s)
	for n := range pictures - 1 {
		if _, err := readWithin(t, r, 10*time.Second); err != nil {
			t.Fatalf("picture %d after the reader fell behind: %v", n, err)
		}
	}
}

// Close stops the timer of the stream's silence, which ran on until the
// bound.
func TestCloseStopsTheSilenceTimer(t *testing.T) {
	cam := camera(t, 25)
	r := mustOpen(t, cam.URL(), WithTimeout(time.Minute))
	for range 10 { // the reader waits for the camera's next pictures
		if _, err := readWithin(t, r, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	if r.silence == nil || r.silence.Stop() {
		t.Fatalf("the silence timer (%v) ran on after Close", r.silence)
	}
}

// With timeout=0 a stream is never taken for lost, and the log says no
// bound: it said one of the camera's picture interval alone.
func TestReaderWithoutTimeoutLogsNoSilenceBound(t *testing.T) {
	cam := camera(t, 10)
	log := &testlog.Buffer{}
	r := mustOpen(t, cam.URL(), WithTimeout(0), WithLogger(zerolog.New(log)))
	for n := range 4 {
		if _, err := readWithin(t, r, 5*time.Second); err != nil {
			t.Fatalf("picture %d: %v", n, err)
		}
	}
	if strings.Contains(log.String(), "taken for lost") {
		t.Fatalf("the log says a bound with timeout=0:\n%s", log.String())
	}
}
