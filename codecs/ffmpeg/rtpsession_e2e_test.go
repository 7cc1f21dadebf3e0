package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/rs/zerolog"
)

// freeRTPPort returns an even UDP port of the loopback that is free, with
// the one after it (RTCP's, which FFmpeg binds too).
func freeRTPPort(t *testing.T) int {
	t.Helper()
	port, err := freeLoopbackPair()
	if err != nil {
		t.Fatalf("no free pair of UDP ports: %v", err)
	}
	return port
}

// startSender runs name with args for the length of the test, or skips
// it when name is not installed.
func startSender(t *testing.T, name string, args ...string) {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil && os.Getenv("GOPLINE_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s is not installed: make test installs it", name)
	}
	if err != nil {
		t.Skipf("%s is not installed (make test installs it)", name)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
}

// gstSender sends a 160x120 test pattern from GStreamer to port, through
// the elements given between the source and udpsink.
func gstSender(t *testing.T, port int, elements ...string) {
	t.Helper()
	args := []string{"-q", "videotestsrc", "is-live=true", "!", "video/x-raw,width=160,height=120,format=I420", "!"}
	for _, e := range elements {
		args = append(args, strings.Fields(e)...)
		args = append(args, "!")
	}
	startSender(t, "gst-launch-1.0", append(args, "udpsink", "host=127.0.0.1", "port="+strconv.Itoa(port))...)
}

// openRTP opens addr once its sender has started: a sender started by
// the test may take longer than the Reader's timeout to send its first
// packet, which is ErrNothingArrived.
func openRTP(t *testing.T, addr string, opts ...ReaderOption) (*Reader, error) {
	t.Helper()
	for range 20 {
		r, err := OpenReader(addr, opts...)
		if !errors.Is(err, ErrNothingArrived) {
			return r, err
		}
	}
	t.Fatalf("nothing arrived at %s", addr)
	return nil, nil
}

// readFrames reads n frames of r and checks their size.
func readFrames(t *testing.T, r *Reader, n, width, height int) {
	t.Helper()
	for i := range n {
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatalf("frame %d: %v (%s)", i, err, r.Stats())
		}
		if f.Width != width || f.Height != height {
			t.Fatalf("frame %d is %dx%d, want %dx%d", i, f.Width, f.Height, width, height)
		}
		f.Release()
	}
}

// A GStreamer sender's H.264, as users send it, is received at its port
// without a session file.
func TestRTPReceivesGStreamersH264WithoutASessionFile(t *testing.T) {
	port := freeRTPPort(t)
	gstSender(t, port, "x264enc key-int-max=15", "rtph264pay config-interval=-1")
	stop := make(chan struct{})
	defer close(stop)
	r, err := openRTP(t, "rtp://127.0.0.1:"+strconv.Itoa(port), WithStop(stop))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if info := r.Info(); info.Codec != "h264" || info.Width != 160 || info.Height != 120 {
		t.Fatalf("info %+v, want h264 160x120", info)
	}
	readFrames(t, r, 20, 160, 120)
}

// JPEG over RTP (rtpjpegpay, payload type 26) is received with
// encoding=JPEG.
func TestRTPReceivesGStreamersJPEG(t *testing.T) {
	port := freeRTPPort(t)
	gstSender(t, port, "jpegenc", "rtpjpegpay")
	stop := make(chan struct{})
	defer close(stop)
	r, err := openRTP(t, "rtp://127.0.0.1:"+strconv.Itoa(port), WithStop(stop), WithRTPSession(0, "jpeg"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	readFrames(t, r, 10, 160, 120)
}

// A sender that never puts SPS and PPS in the stream gets an error that
// says what to set on it, not a stream of undecodable packets.
func TestRTPWithoutParameterSetsSaysToSetConfigInterval(t *testing.T) {
	port := freeRTPPort(t)
	addr := "rtp://127.0.0.1:" + strconv.Itoa(port)
	// ffmpeg's RTP sender with the parameter sets taken out of the stream:
	// they are left in its session description alone, as a sender without
	// config-interval leaves them in its caps.
	startSender(t, "ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "120",
		"-c:v", "libx264", "-bf", "0", "-g", "10", "-bsf:v", "filter_units=remove_types=7|8", "-f", "rtp", addr)
	stop := make(chan struct{})
	defer close(stop)
	r, err := openRTP(t, addr, WithStop(stop), WithIOTimeout(time.Second))
	for i := 0; err == nil && i < 100; i++ {
		var f interface{ Release() }
		if f, err = r.ReadFrame(); err == nil {
			f.Release()
			t.Fatal("a picture decoded without parameter sets")
		}
	}
	if r != nil {
		r.Close()
	}
	if !errors.Is(err, ErrNoParameterSets) {
		t.Fatalf("err = %v, want ErrNoParameterSets", err)
	}
	for _, want := range []string{addr, "config-interval=-1", "rtph264pay"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// A port nothing is sent to fails at the I/O timeout, naming the address
// and that nothing came.
func TestRTPSilentPortFailsNamingTheAddress(t *testing.T) {
	port := freeRTPPort(t)
	addr := "rtp://127.0.0.1:" + strconv.Itoa(port)
	r, err := OpenReader(addr, WithIOTimeout(300*time.Millisecond))
	if err == nil {
		r.Close()
		t.Fatal("a silent port opened")
	}
	if !errors.Is(err, ErrNothingArrived) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("err = %v, want ErrNothingArrived naming %s", err, addr)
	}
}

// The stop ends the wait of a port that may wait for ever (timeout 0):
// the stream did not open.
func TestRTPStopEndsTheWaitOfASilentPort(t *testing.T) {
	port := freeRTPPort(t)
	stop := make(chan struct{})
	time.AfterFunc(200*time.Millisecond, func() { close(stop) })
	r, err := OpenReader("rtp://127.0.0.1:"+strconv.Itoa(port), WithIOTimeout(0), WithStop(stop))
	if err != nil && !errors.Is(err, ErrOpen) {
		t.Fatalf("stopped while opening: %v, want ErrOpen (the stream did not open)", err)
	}
	if err == nil { // the stop came after the look at the stream
		defer r.Close()
		if f, err := r.ReadFrame(); err == nil {
			f.Release()
			t.Fatal("a frame came from a silent port")
		}
	}
}

// ffmpegJPEGSender sends pattern (a lavfi source: testsrc, smptebars) as
// JPEG over RTP to port from the loopback's port from, with the ffmpeg
// command, for the length of the test.
func ffmpegJPEGSender(t *testing.T, pattern string, port, from int) {
	t.Helper()
	startSender(t, "ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", pattern+"=size=160x120:rate=10",
		"-c:v", "mjpeg", "-huffman", "default", "-pix_fmt", "yuvj420p", "-f", "rtp",
		"rtp://127.0.0.1:"+strconv.Itoa(port)+"?localport="+strconv.Itoa(from))
}

// A second sender on the port of an rtp:// stream FFmpeg receives (JPEG
// here; H.265 and options= too) is left out, named once in the log with
// its address and counted as another stream's: the pictures are the first
// sender's alone. FFmpeg's receiver took both, interleaved, and still did
// for a port given options=localaddr= (the interface), which gopline now
// receives as it does the others. With sources=, the first of the senders
// it names is taken.
func TestRTPThroughFFmpegKeepsToTheFirstSender(t *testing.T) {
	for _, c := range []struct {
		query string // after the location's port
		opts  map[string]string
	}{{"", nil}, {"", map[string]string{"localaddr": "127.0.0.1"}}, {"?sources=127.0.0.1", nil}} {
		t.Run(fmt.Sprint(c.query, c.opts), func(t *testing.T) {
			port, first, second := freeRTPPort(t), freeRTPPort(t), freeRTPPort(t)
			ffmpegJPEGSender(t, "testsrc", port, first)
			log := &testlog.Buffer{}
			stop := make(chan struct{})
			defer close(stop)
			r, err := openRTP(t, "rtp://127.0.0.1:"+strconv.Itoa(port)+c.query, WithStop(stop), WithRTPSession(0, "jpeg"),
				WithReaderLogger(zerolog.New(log)), WithInputOptions(c.opts))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			ffmpegJPEGSender(t, "smptebars", port, second)
			readFrames(t, r, 30, 160, 120)
			other := "127.0.0.1:" + strconv.Itoa(second)
			named := 0
			for _, line := range strings.Split(log.String(), "\n") {
				if strings.Contains(line, other) {
					named++
				}
			}
			if named != 1 || r.Stats().OtherStreams == 0 {
				t.Fatalf("the second sender, %s, is named in %d lines (want 1), its packets counted %d (stats %v):\n%s",
					other, named, r.Stats().OtherStreams, r.Stats(), log.String())
			}
		})
	}
}
