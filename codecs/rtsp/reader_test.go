package rtsp

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/credentials"
	"github.com/gopline/gopline/internal/testrtsp"
	"github.com/gopline/gopline/media"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: Close
// ends the session's. FFmpeg's reader, which the benchmark sets against
// this package's, says only its errors.
func TestMain(m *testing.M) {
	ffmpeg.SetLogger(zerolog.New(os.Stderr).Level(zerolog.ErrorLevel), zerolog.ErrorLevel)
	goleak.VerifyTestMain(m)
}

// camera starts a test camera: 160x120 at rate frames/s, an IDR every
// second.
func camera(t *testing.T, rate int) *testrtsp.Server {
	t.Helper()
	return testrtsp.Start(t, testrtsp.Clip(t, 2*rate, rate), rate)
}

func mustOpen(t *testing.T, url string, opts ...Option) *Reader {
	t.Helper()
	r, err := Open(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// readWithin reads the next packet, failing the test when none comes in d.
func readWithin(t *testing.T, r *Reader, d time.Duration) (*media.Packet, error) {
	t.Helper()
	type result struct {
		p   *media.Packet
		err error
	}
	got := make(chan result, 1)
	go func() {
		p, err := r.ReadPacket()
		got <- result{p, err}
	}()
	select {
	case res := <-got:
		return res.p, res.err
	case <-time.After(d):
		r.Close() // ends the read
		<-got
		t.Fatalf("no packet in %v", d)
		return nil, nil
	}
}

// A camera that sends five pictures and then nothing, its connection open:
// the fifth is handed on as it came. A reader that knows a picture ended
// only when the next begins would wait for ever for it.
func TestReaderHandsOnEachPictureAtItsLastPacket(t *testing.T) {
	cam := camera(t, 10)
	cam.SendOnly(5)
	r := mustOpen(t, cam.URL(), WithTimeout(0))
	for n := range 5 {
		p, err := readWithin(t, r, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if p.Seq != uint64(n) || p.Key != (n == 0) || p.Width != 160 || p.Height != 120 {
			t.Fatalf("packet %d: seq %d key %v %dx%d", n, p.Seq, p.Key, p.Width, p.Height)
		}
	}
}

// Capture times keep the camera's spacing, and none is later than the
// moment its packet came: a packet that comes sooner after the first than
// its RTP time says (the first was late) moves the stream's start earlier,
// and shortens that one spacing by as much (see liveClock), never
// lengthens one.
func TestReaderTimesPicturesByTheirRTPTime(t *testing.T) {
	cam := camera(t, 25)
	r := mustOpen(t, cam.URL())
	var last time.Time
	var gaps []time.Duration
	for n := range 20 {
		p, err := r.ReadPacket()
		if err != nil {
			t.Fatal(err)
		}
		if came := time.Now(); p.CaptureTime.After(came) {
			t.Fatalf("packet %d captured %v after it was read", n, p.CaptureTime.Sub(came))
		}
		if gap := p.CaptureTime.Sub(last); n > 0 && (gap <= 0 || gap > 40*time.Millisecond) {
			t.Fatalf("packet %d is %v after the one before; want the camera's 40ms, or less", n, gap)
		} else if n > 0 {
			gaps = append(gaps, gap)
		}
		last = p.CaptureTime
	}
	if m := median(gaps); m != 40*time.Millisecond {
		t.Fatalf("spacings %v, median %v; want the camera's 40ms", gaps, m)
	}
}

// A camera that loses power while it sends a keyframe: what came of it is
// left out, counted Truncated, every packet handed on decodes, and the read
// says the stream was lost.
func TestReaderLeavesOutThePictureTheStreamsLossCut(t *testing.T) {
	cam := camera(t, 25)
	r := mustOpen(t, cam.URL())
	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var keys int
	for n := 0; ; n++ {
		if n == 30 {
			go cam.StopInPicture()
		}
		p, err := r.ReadPacket()
		if errors.Is(err, ErrStreamLost) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Key {
			keys++
		}
		if _, err := dec.Decode(p); err != nil {
			t.Errorf("packet %d (key %v, %d bytes): %v", p.Seq, p.Key, len(p.Data), err)
		}
	}
	if st := r.Stats(); st != (Stats{Truncated: 1}) || keys != 2 {
		t.Fatalf("stats %+v, %d keyframes handed on; want the cut keyframe counted Truncated, 2 keyframes before it", st, keys)
	}
}

// A camera joined inside a GOP: its stream begins at its next keyframe, the
// pictures before it counted, not damage.
func TestReaderJoiningInsideAGOPStartsAtItsKeyframe(t *testing.T) {
	cam := camera(t, 25)
	cam.JoinAt(10)
	r := mustOpen(t, cam.URL())
	p, err := r.ReadPacket()
	if err != nil {
		t.Fatal(err)
	}
	if !p.Key || p.Seq != 0 {
		t.Fatalf("first packet key %v seq %d; want the keyframe, seq 0", p.Key, p.Seq)
	}
	if st := r.Stats(); st != (Stats{BeforeKeyframe: 15}) {
		t.Fatalf("stats %+v; want the 15 pictures before the keyframe", st)
	}
}

// A camera that goes silent with its connection open is lost after the
// timeout (and its picture interval, 40 ms).
func TestReaderOfASilentCameraFailsAfterItsTimeout(t *testing.T) {
	cam := camera(t, 25)
	r := mustOpen(t, cam.URL(), WithTimeout(time.Second))
	for range 5 { // its pace known
		if _, err := r.ReadPacket(); err != nil {
			t.Fatal(err)
		}
	}
	cam.Freeze()
	var err error
	for err == nil {
		_, err = readWithin(t, r, 10*time.Second)
	}
	if !errors.Is(err, ErrStreamLost) || !strings.Contains(err.Error(), "sent nothing for 1s, its bound: timeout= 1s plus the camera's picture interval") {
		t.Fatalf("%v; want ErrStreamLost saying it sent nothing for the timeout and the pace", err)
	}
}

func TestOpenOfACameraThatRefusesSaysWhatToGive(t *testing.T) {
	cam := camera(t, 25)
	cam.RequireLogin("admin", "s3cret")
	url := strings.TrimPrefix(cam.URL(), "rtsp://")
	for _, c := range []struct{ url, says string }{
		{"rtsp://" + url, "asks for a user and password"},
		{"rtsp://admin:wrong@" + url, `refused the user "admin" and its password`},
	} {
		_, err := Open(c.url)
		if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), "wrong") {
			t.Errorf("%s: %v; want ErrUnauthorized saying %q, the password hidden", c.url, err, c.says)
		}
	}
	r := mustOpen(t, "rtsp://admin:s3cret@"+url)
	if p, err := r.ReadPacket(); err != nil || !p.Key {
		t.Fatalf("with the credentials: %v", err)
	}
}

// A camera of another codec is refused with ErrNotH264, naming what it
// offers, for its caller to read another way.
func TestOpenOfACameraOfAnotherCodecNamesIt(t *testing.T) {
	cam := camera(t, 25)
	cam.Describe("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n" +
		"m=video 0 RTP/AVP 26\r\na=control:trackID=0\r\n")
	_, err := Open(cam.URL())
	if !errors.Is(err, ErrNotH264) || !strings.Contains(err.Error(), "M-JPEG") {
		t.Fatalf("%v; want ErrNotH264 naming M-JPEG", err)
	}
}

// A server that takes the connection and never answers: the open ends when
// its stop channel closes, and Close ends a read that waits.
func TestStopAndCloseEndWhatWaits(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	stop := make(chan struct{})
	time.AfterFunc(200*time.Millisecond, func() { close(stop) })
	start := time.Now()
	if _, err := Open("rtsp://"+ln.Addr().String()+"/cam", WithStop(stop), WithTimeout(time.Minute)); !errors.Is(err, ErrOpen) {
		t.Fatalf("open stopped: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the open took %v to stop", d)
	}

	cam := camera(t, 25)
	cam.Freeze()
	r := mustOpen(t, cam.URL(), WithTimeout(0))
	time.AfterFunc(200*time.Millisecond, func() { r.Close() })
	if _, err := r.ReadPacket(); err != io.EOF {
		t.Fatalf("read closed: %v, want io.EOF", err)
	}
}

// A server's recording of a known length is refused with ErrRecorded, for
// a reader that ends at its end: a live reader would take its end for a
// camera that went away, and open it again from its beginning.
func TestOpenOfARecordingSaysItIsOne(t *testing.T) {
	cam := camera(t, 25)
	cam.Describe("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=clip\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=range:npt=0-12.5\r\n" +
		"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:trackID=0\r\n")
	_, err := Open(cam.URL())
	if !errors.Is(err, ErrRecorded) || !strings.Contains(err.Error(), "12.5s") {
		t.Fatalf("%v; want ErrRecorded saying it is 12.5s long", err)
	}
	for _, live := range []string{"a=range:npt=0-", "a=range:npt=now-", "a=range:npt=0.000-"} {
		if end, ok := recordingEnd([]byte("v=0\r\n" + live + "\r\n")); ok {
			t.Errorf("%s taken for a recording ending at %s", live, end)
		}
	}
}

func TestRedactedErrorsHideThePasswordAndKeepTheirCause(t *testing.T) {
	cause := errors.New(`redirect to "rtsp://admin:s3cret@10.0.0.2/live" failed`)
	err := redacted{cause}
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "rtsp://admin:") || !errors.Is(err, cause) {
		t.Fatalf("%q (is its cause: %v)", err, errors.Is(err, cause))
	}
}

// An rtsps:// camera, its certificate signed by no one (as cameras make
// their own), is read as an rtsp:// one.
func TestReaderOfAnRTSPSCamera(t *testing.T) {
	cam := testrtsp.StartTLS(t, testrtsp.Clip(t, 20, 10), 10)
	if !strings.HasPrefix(cam.URL(), "rtsps://") {
		t.Fatalf("camera at %s", cam.URL())
	}
	r := mustOpen(t, cam.URL())
	for n := range 5 {
		p, err := readWithin(t, r, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if p.Seq != uint64(n) || p.Key != (n == 0) {
			t.Fatalf("packet %d: seq %d key %v", n, p.Seq, p.Key)
		}
	}
}

// An rtsps:// camera whose certificate is pinned is read when it is that
// one (its fingerprint with colons and in capitals, as browsers show it),
// and refused, naming both, when it is another; a fingerprint that is
// not a SHA-256 is refused as an option.
func TestReaderOfAnRTSPSCameraPinned(t *testing.T) {
	cam := testrtsp.StartTLS(t, testrtsp.Clip(t, 20, 10), 10)
	fp := cam.Fingerprint()
	var shown []string
	for i := 0; i < len(fp); i += 2 {
		shown = append(shown, strings.ToUpper(fp[i:i+2]))
	}
	r := mustOpen(t, cam.URL(), WithFingerprint(strings.Join(shown, ":")))
	if _, err := readWithin(t, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	other := strings.Repeat("ab", 32)
	_, err := Open(cam.URL(), WithFingerprint(other), WithTimeout(2*time.Second))
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), fp) || !strings.Contains(err.Error(), other) {
		t.Errorf("another certificate: %v", err)
	}
	if _, err := Open(cam.URL(), WithFingerprint("ab:cd")); !errors.Is(err, ErrBadOption) {
		t.Errorf("a fingerprint of 2 bytes: %v", err)
	}
}

// A server without a stream at the path fails the open saying what a 404
// means to a source that keeps trying it.
func TestOpenOfAPathThatIsNotThereSaysWhatItMeans(t *testing.T) {
	r := newReader("rtsp://cam/typo", defaultConfig())
	err := r.refused(liberrors.ErrClientBadStatusCode{Code: base.StatusNotFound, Message: "Not Found"})
	if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), credentials.NotFoundHint) {
		t.Fatalf("refused = %v, want it to say what the 404 means", err)
	}
}
