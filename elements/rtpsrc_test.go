package elements

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
)

// rtpSender starts ffmpeg sending H.264 over RTP to a free port of the
// loopback for the length of the test, and returns the session file it
// wrote, as ffmpeg -sdp_file does.
func rtpSender(t *testing.T) string {
	t.Helper()
	return startRTPSender(t).sdp
}

// restartableRTPSender is an ffmpeg sending H.264 over RTP to a port of
// the loopback, as a camera that may stop and start again sends it.
type restartableRTPSender struct {
	t    *testing.T
	ff   string
	port int
	sdp  string // the session file it writes
	stop func() // stops the running ffmpeg, and waits for it
}

// startRTPSender starts a restartableRTPSender on a free port for the
// length of the test, once it wrote its session file, or skips the test
// without ffmpeg.
func startRTPSender(t *testing.T) *restartableRTPSender {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed")
	}
	s := &restartableRTPSender{t: t, ff: ff, port: freeUDPPortPair(t), sdp: filepath.Join(t.TempDir(), "rtp.sdp")}
	s.Start()
	t.Cleanup(s.Stop)
	awaitLong(t, "session file", func() bool {
		st, err := os.Stat(s.sdp)
		return err == nil && st.Size() > 0
	})
	return s
}

// Start starts ffmpeg sending again (it writes its session file again).
func (s *restartableRTPSender) Start() {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, s.ff, "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
		"-t", "120", "-c:v", "libx264", "-bf", "0", "-g", "10", "-f", "rtp", "-sdp_file", s.sdp, "rtp://127.0.0.1:"+strconv.Itoa(s.port))
	if err := cmd.Start(); err != nil {
		cancel()
		s.t.Fatal(err)
	}
	s.stop = func() { cancel(); _ = cmd.Wait() }
}

// Stop stops ffmpeg, which sends nothing more.
func (s *restartableRTPSender) Stop() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// freeUDPPortPair returns an even port of the loopback free for UDP, with
// the one after it (RTP's and RTCP's).
func freeUDPPortPair(t *testing.T) int {
	t.Helper()
	for range 100 {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if port%2 != 0 || port > 65534 {
			continue
		}
		if c2, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port+1)); err == nil {
			c2.Close()
			return port
		}
	}
	t.Fatal("no free pair of UDP ports")
	return 0
}

// An .sdp file is read as ffmpeg -protocol_whitelist file,udp,rtp -i
// reads it: gopline allows the protocols itself, and options= takes the
// list with its commas when given.
func TestRTPSessionFileIsRead(t *testing.T) {
	sdp := rtpSender(t)
	for _, props := range []string{"", " options=protocol_whitelist=file,udp,rtp"} {
		var c frames
		p := mustParse(t, "videosrc location="+sdp+props+" name=src", map[string]*frames{"src": &c})
		if err := p.Start(context.Background()); err != nil {
			t.Fatalf("%q: %v", props, err)
		}
		awaitLong(t, "frames from RTP", func() bool { return len(c.all()) >= 10 })
		if err := p.Stop(); err != nil {
			t.Fatalf("%q: Stop = %v", props, err)
		}
		if s := stat(t, p, "src"); s.Errors != 0 {
			t.Fatalf("%q: source stats %+v", props, s)
		}
	}
}

// gstRTPSender runs GStreamer sending a 160x120 test pattern through the
// elements given (an encoder and its payloader) to port of the loopback,
// for the length of the test, or skips the test without GStreamer.
func gstRTPSender(t *testing.T, port int, elements ...string) {
	t.Helper()
	gst, err := exec.LookPath("gst-launch-1.0")
	if err != nil && os.Getenv("GOPLINE_REQUIRE_TOOLS") != "" {
		t.Fatal("gst-launch-1.0 is not installed: make test installs it")
	}
	if err != nil {
		t.Skip("gst-launch-1.0 is not installed (make test installs it)")
	}
	args := []string{"-q", "videotestsrc", "is-live=true", "!", "video/x-raw,width=160,height=120,format=I420", "!"}
	for _, e := range elements {
		args = append(append(args, strings.Fields(e)...), "!")
	}
	args = append(args, "udpsink", "host=127.0.0.1", "port="+strconv.Itoa(port))
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, gst, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
}

// What GStreamer's users send (x264enc ! rtph264pay config-interval=-1 !
// udpsink) is received at its port, without a session file, with
// x264enc tune=zerolatency too (keyframes in several slices, SPS and PPS in
// front of each); JPEG too, with encoding=JPEG.
func TestVideoSrcReceivesRTPFromGStreamerWithoutASessionFile(t *testing.T) {
	for _, c := range []struct{ sender, props string }{
		{"x264enc key-int-max=15 ! rtph264pay config-interval=-1", ""},
		{"x264enc tune=zerolatency key-int-max=5 ! rtph264pay config-interval=-1", ""},
		{"jpegenc ! rtpjpegpay", " encoding=JPEG"},
	} {
		port := freeUDPPortPair(t)
		gstRTPSender(t, port, strings.Split(c.sender, " ! ")...)
		var got frames
		p := mustParse(t, "videosrc location=rtp://127.0.0.1:"+strconv.Itoa(port)+c.props+" name=src", map[string]*frames{"src": &got})
		if err := p.Start(context.Background()); err != nil {
			t.Fatalf("%s: %v", c.sender, err)
		}
		awaitLong(t, "frames from RTP", func() bool { return len(got.all()) >= 10 })
		if err := p.Stop(); err != nil {
			t.Fatalf("%s: Stop = %v", c.sender, err)
		}
		for _, f := range got.all() {
			if f.Width != 160 || f.Height != 120 {
				t.Fatalf("%s: a %dx%d frame, want 160x120", c.sender, f.Width, f.Height)
			}
		}
		if s := stat(t, p, "src"); s.Errors != 0 {
			t.Fatalf("%s: source stats %+v", c.sender, s)
		}
	}
}

// A sender that leaves SPS and PPS out of the stream fails the source (its
// error, which gopline run exits with), with retries for ever, saying to
// set config-interval=-1 on it.
func TestVideoSrcRTPWithoutParameterSetsFailsSayingWhatToSet(t *testing.T) {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed")
	}
	port := freeUDPPortPair(t)
	addr := "rtp://127.0.0.1:" + strconv.Itoa(port)
	// ffmpeg's RTP sender with the parameter sets taken out of the
	// stream, as a sender without config-interval keeps them in its caps.
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, ff, "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "120",
		"-c:v", "libx264", "-bf", "0", "-g", "10", "-bsf:v", "filter_units=remove_types=7|8", "-f", "rtp", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	var got frames
	p := mustParse(t, "videosrc location="+addr+" timeout=1s name=src", map[string]*frames{"src": &got})
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f := endedWith(t, p.Wait(), "src"); !errors.Is(f, ffmpeg.ErrNoParameterSets) {
		t.Errorf("Wait = %v, want ErrNoParameterSets", f)
	}
	s := stat(t, p, "src")
	for _, want := range []string{ffmpeg.ErrNoParameterSets.Error(), addr, "config-interval=-1"} {
		if s.Errors != 1 || !strings.Contains(s.LastError, want) {
			t.Fatalf("source stats %+v, want one error saying %q", s, want)
		}
	}
	if n := len(got.all()); n != 0 {
		t.Fatalf("%d frames came", n)
	}
}

// A port nothing is sent to fails at the source's timeout, naming the
// address and that nothing arrived.
func TestVideoSrcSilentRTPPortFailsNamingTheAddress(t *testing.T) {
	addr := "rtp://127.0.0.1:" + strconv.Itoa(freeUDPPortPair(t))
	p := mustParse(t, "videosrc location="+addr+" timeout=300ms retries=0 name=src", map[string]*frames{"src": {}})
	err := p.Start(context.Background())
	if err == nil {
		p.Stop()
		t.Fatal("the pipeline started on a silent port")
	}
	if !errors.Is(err, ffmpeg.ErrNothingArrived) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Start = %v, want ErrNothingArrived naming %s", err, addr)
	}
}

// A source on an .sdp file whose sender stops and comes back is a network
// camera that rebooted: the stream is lost after timeout=, opened again
// while the sender is away, and goes on with the second session's
// pictures, from a keyframe, in a new epoch, counted as a restart.
func TestVideoSrcSessionFileWhoseSenderRestartsComesBack(t *testing.T) {
	sender := startRTPSender(t)
	seen, log := &packets{}, &testlog.Buffer{}
	p := startLogged(t, "videosrc location="+sender.sdp+" passthrough=true timeout=500ms name=src", "src", seen, log)
	awaitLong(t, "packets of the first session", func() bool { return len(seen.epochs()) == 1 && len(seen.epochs()[0]) >= 10 })

	sender.Stop()
	awaitLong(t, "the drop in the log", func() bool { return strings.Contains(log.String(), "stream lost; reconnecting") })
	time.Sleep(time.Second) // a reopening or two meets a silent port
	sender.Start()
	awaitLong(t, "packets of the second session", func() bool {
		e := seen.epochs()
		return len(e) == 2 && len(e[1]) >= 10
	})
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	e := seen.epochs()
	if len(e) != 2 || !e[1][0].Key {
		t.Fatalf("%d epochs, the second starting with a keyframe: %v; want 2 and true", len(e), e[len(e)-1][0].Key)
	}
	if !strings.Contains(log.String(), "stream is back") {
		t.Fatalf("the log does not tell of the return:\n%s", log.String())
	}
	if got := stat(t, p, "src").Restarts; got != 1 {
		t.Fatalf("the source's restarts: %d, want 1", got)
	}
}

// A source on an .sdp file that is missing or no session description
// fails at once naming the file, with retries for ever: the file is the
// user's to fix, and no wait for the network would cure it.
func TestVideoSrcBadSessionFileFailsAtOnce(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.sdp")
	if err := os.WriteFile(bad, []byte("not a session description\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sdp := range []string{filepath.Join(dir, "missing.sdp"), bad} {
		log := &testlog.Buffer{}
		p, err := pipeline.Parse("videosrc location="+sdp+" name=src ! fakesink", registry(t), pipeline.WithLogger(zerolog.New(log)))
		if err != nil {
			t.Fatal(err)
		}
		err = p.Start(context.Background())
		if err == nil {
			p.Stop()
			t.Fatalf("%s: the pipeline started", sdp)
		}
		if !errors.Is(err, ffmpeg.ErrSessionFile) || !strings.Contains(err.Error(), sdp) {
			t.Fatalf("%s: Start = %v, want ErrSessionFile naming the file", sdp, err)
		}
		if strings.Contains(log.String(), "retrying") {
			t.Fatalf("%s: retried:\n%s", sdp, log.String())
		}
	}
}

// An .sdp file is read through the protocols of its RTP stream unless the
// caller listed their own; other locations, and a session description
// fetched over HTTP, keep the caller's options.
func TestVideoSrcGivesASessionFileTheProtocolsOfItsStream(t *testing.T) {
	for _, c := range []struct {
		location string
		given    map[string]string
		want     string
	}{
		{"cam.sdp", nil, sdpProtocols},
		{"/tmp/CAM.SDP", map[string]string{"buffer_size": "65536"}, sdpProtocols},
		{"cam.sdp", map[string]string{"protocol_whitelist": "file,udp,rtp"}, "file,udp,rtp"},
		{"http://cam/stream.sdp", nil, ""},
		{"clip.mp4", nil, ""},
	} {
		cfg := DefaultVideoSrcConfig()
		cfg.Location, cfg.InputOptions = c.location, c.given
		if got := cfg.inputOptions()["protocol_whitelist"]; got != c.want {
			t.Errorf("%s %v: protocol_whitelist %q, want %q", c.location, c.given, got, c.want)
		}
	}
}

// A source on an .sdp file whose port nothing arrives at fails its start
// with retries=0, as an rtp:// location's does, naming the file.
func TestVideoSrcSilentSessionFileFailsNamingItWithoutRetries(t *testing.T) {
	sdp := filepath.Join(t.TempDir(), "cam.sdp")
	text := "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video " +
		strconv.Itoa(freeUDPPortPair(t)) + " RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
	if err := os.WriteFile(sdp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p := mustParse(t, "videosrc location="+sdp+" timeout=300ms retries=0 name=src", map[string]*frames{"src": {}})
	err := p.Start(context.Background())
	if err == nil {
		p.Stop()
		t.Fatal("the pipeline started on a silent port")
	}
	if !errors.Is(err, ffmpeg.ErrNothingArrived) || !errors.Is(err, ErrStreamLost) || !strings.Contains(err.Error(), sdp) {
		t.Fatalf("Start = %v, want ErrNothingArrived and ErrStreamLost naming %s", err, sdp)
	}
}

// An rtp:// location whose sources= or block= names no IP address fails
// the start at once, naming the option, by either reader (gopline's for
// H.264, FFmpeg's for JPEG): it is the user's to fix, not a camera down.
func TestVideoSrcRTPSourcesThatAreNotAddressesFailAtOnce(t *testing.T) {
	for _, fields := range []string{"", " encoding=JPEG"} {
		log := &testlog.Buffer{}
		line := "videosrc location=rtp://127.0.0.1:5990?sources=robot1" + fields + " timeout=1s ! fakesink"
		p, err := pipeline.Parse(line, registry(t), pipeline.WithLogger(zerolog.New(log)))
		if err != nil {
			t.Fatal(err)
		}
		err = p.Start(context.Background())
		if err == nil {
			p.Stop()
			t.Fatalf("%s: the pipeline started", line)
		}
		if !strings.Contains(err.Error(), `sources=: "robot1" is not an IP address`) || strings.Contains(log.String(), "retrying") {
			t.Fatalf("%s: Start = %v; want it to fail at once, naming sources=:\n%s", line, err, log.String())
		}
	}
}
