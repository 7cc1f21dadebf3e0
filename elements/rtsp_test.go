package elements

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/internal/testrtsp"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// cameraRate is the test camera's frame rate.
const cameraRate = 25

// rtspCamera starts a test RTSP camera.
func rtspCamera(t *testing.T) *testrtsp.Server {
	t.Helper()
	return testrtsp.Start(t, testrtsp.Clip(t, 2*cameraRate, cameraRate), cameraRate)
}

// rtspSource is the videosrc of a camera, passing its packets through.
func rtspSource(url, props string) string {
	return "videosrc location=" + url + " passthrough=true " + props
}

// startLogged parses line, adds the collector c at node from, and starts
// it with its log into log.
func startLogged(t *testing.T, line, from string, c *packets, log *testlog.Buffer) *pipeline.Pipeline {
	t.Helper()
	p, err := pipeline.Parse(line, registry(t), pipeline.WithLogger(zerolog.New(log)))
	if err != nil {
		t.Fatal(err)
	}
	if c != nil {
		if err := p.Add("seen", c.element()); err != nil {
			t.Fatal(err)
		}
		if err := p.Link(from, "seen"); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	return p
}

// awaitLong polls until cond holds, and fails the test after a minute (a
// camera that comes back takes seconds).
func awaitLong(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within a minute", what)
		}
	}
}

// epochs returns the packets collected, grouped by Epoch in order.
func (c *packets) epochs() [][]*media.Packet {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out [][]*media.Packet
	for i, p := range c.got {
		if i == 0 || p.Epoch != c.got[i-1].Epoch {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], p)
	}
	return out
}

// TestRTSPCameraThatRebootsComesBack takes the camera down for 3 s, in the
// middle of a picture as a camera that loses power: the source reconnects,
// the stream goes on with a new Epoch from its first keyframe, a
// subscriber decodes on without an error (the cut picture is not handed
// on), and the recorder writes both streams into one file, the gap between
// them in their capture times.
func TestRTSPCameraThatRebootsComesBack(t *testing.T) {
	cam := rtspCamera(t)
	path := filepath.Join(t.TempDir(), "cam.gopline")
	seen, log := &packets{}, &testlog.Buffer{}
	p := startLogged(t, rtspSource(cam.URL(), "name=cam")+" ! tee name=t ! publish topic=/cam "+
		"record path="+path+" topics=/cam window=128 name=rec "+
		"subscribe topic=/cam ! gate ! h264dec name=dec ! fakesink", "t", seen, log)
	awaitLong(t, "second of video", func() bool { return len(seen.epochs()) == 1 && len(seen.epochs()[0]) >= cameraRate })
	decodedBefore := stat(t, p, "dec").Out

	cam.StopInPicture()
	downFor := 3 * time.Second
	time.Sleep(downFor)
	if err := cam.Restart(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	awaitLong(t, "picture after the camera came back", func() bool { return len(seen.epochs()) >= 2 })
	took := time.Since(back)
	t.Logf("first picture %v after the camera came back (down %v)", took.Round(time.Millisecond), downFor)
	awaitLong(t, "second of video after the camera came back", func() bool {
		e := seen.epochs()
		return len(e[len(e)-1]) >= cameraRate
	})
	awaitLong(t, "pictures of the subscriber after the camera came back", func() bool { return stat(t, p, "dec").Out >= decodedBefore+cameraRate })
	if got := stat(t, p, "dec"); got.Errors != 0 {
		t.Fatalf("the subscriber's decoder: %+v; want it to decode on without errors", got)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop = %v", err)
	}

	e := seen.epochs()
	if len(e) != 2 || !e[1][0].Key {
		t.Fatalf("%d epochs, the new one starting with a keyframe: %v; want 2 and true", len(e), e[len(e)-1][0].Key)
	}
	if !strings.Contains(log.String(), "stream lost; reconnecting") || !strings.Contains(log.String(), "stream is back") {
		t.Fatalf("the log does not tell of the drop and the return:\n%s", log.String())
	}
	checkRecordedGap(t, path, e, downFor)
}

// checkRecordedGap checks that the recording holds every packet of both
// epochs in one stream, the second after a gap of at least down.
func checkRecordedGap(t *testing.T, path string, epochs [][]*media.Packet, down time.Duration) {
	t.Helper()
	rec := recorded(t, path, "/cam")
	var second int
	for second < len(rec) && rec[second].Epoch == epochs[0][0].Epoch {
		second++
	}
	if second == 0 || second == len(rec) || !rec[second].Key || rec[second].Epoch != epochs[1][0].Epoch {
		t.Fatalf("recording of %d packets: the second epoch starts at %d; want both epochs, the second from a keyframe", len(rec), second)
	}
	if gap := rec[second].CaptureTime.Sub(rec[second-1].CaptureTime); gap < down*2/3 {
		t.Fatalf("the recording's gap is %v; the camera was down %v", gap, down)
	}
	if len(rec) < len(epochs[0])+len(epochs[1])*3/4 {
		t.Fatalf("recorded %d packets of %d+%d", len(rec), len(epochs[0]), len(epochs[1]))
	}
}

func TestRTSPCameraDownAtStartIsWaitedFor(t *testing.T) {
	cam := rtspCamera(t)
	cam.Stop()
	seen, log := &packets{}, &testlog.Buffer{}
	startLogged(t, rtspSource(cam.URL(), "name=cam"), "cam", seen, log)
	awaitLong(t, "log line saying the camera is down", func() bool {
		return strings.Contains(log.String(), "stream is down at start; retrying") && strings.Contains(log.String(), cam.URL())
	})
	if err := cam.Restart(); err != nil {
		t.Fatal(err)
	}
	awaitLong(t, "picture once the camera appeared", func() bool { return len(seen.epochs()) == 1 })
	if first := seen.epochs()[0][0]; !first.Key {
		t.Fatal("the stream does not start with a keyframe")
	}
}

func TestRTSPCameraDownWithoutRetriesFailsStart(t *testing.T) {
	cam := rtspCamera(t)
	cam.Stop()
	p, err := pipeline.Parse(rtspSource(cam.URL(), "retries=0 name=cam")+" ! fakesink", registry(t))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start(t.Context())
	if !errors.Is(err, ffmpeg.ErrOpen) || !strings.Contains(err.Error(), cam.URL()) || !strings.Contains(err.Error(), "cam") {
		t.Fatalf("Start with the camera down and retries=0: %v; want ErrOpen naming the node and the URL", err)
	}
}

func TestRTSPCameraThatStaysDownEndsAfterItsRetries(t *testing.T) {
	cam := rtspCamera(t)
	cam.Stop()
	log := &testlog.Buffer{}
	p := startLogged(t, rtspSource(cam.URL(), "retries=2 name=cam"), "cam", &packets{}, log)
	select {
	case <-p.Done():
	case <-time.After(time.Minute):
		t.Fatal("the source kept trying past retries=2")
	}
	if s := stat(t, p, "cam"); s.Errors != 1 {
		t.Fatalf("source stats %+v; want its failure counted", s)
	}
	if !strings.Contains(log.String(), ErrStreamLost.Error()) || !strings.Contains(log.String(), "after 2 attempts") {
		t.Fatalf("the log does not say the stream was given up:\n%s", log.String())
	}
}

func TestStopWhileReconnectingEndsPromptly(t *testing.T) {
	cam := rtspCamera(t)
	cam.Stop()
	p := startLogged(t, rtspSource(cam.URL(), "name=cam"), "cam", &packets{}, &testlog.Buffer{})
	// By now the waits have grown to seconds: the next attempt is 4 s away.
	time.Sleep(4 * time.Second)
	if f := endedWith(t, stopPromptly(t, p, "while the source waited to reconnect"), "cam"); !errors.Is(f, ErrNeverOpened) {
		t.Errorf("Stop = %v, want ErrNeverOpened", f)
	}
}

// stopPromptly stops p, which must end well within its stop budget of 5 s
// (a source must not wait out a backoff or a read's timeout), and returns
// what Stop returned.
func stopPromptly(t *testing.T, p *pipeline.Pipeline, while string) error {
	t.Helper()
	start := time.Now()
	err := p.Stop()
	took := time.Since(start)
	t.Logf("stopped %v after Stop %s", took.Round(time.Millisecond), while)
	if took > 3*time.Second {
		t.Fatalf("Stop took %v %s", took, while)
	}
	return err
}

// TestRTSPCameraThatHangsIsNoticedAndComesBack freezes the camera with its
// connection open, as one that lost power behind a switch: the read times
// out (timeout=), the source reconnects, and once the camera sends again
// the stream goes on with a new Epoch.
func TestRTSPCameraThatHangsIsNoticedAndComesBack(t *testing.T) {
	cam := rtspCamera(t)
	seen, log := &packets{}, &testlog.Buffer{}
	startLogged(t, rtspSource(cam.URL(), "timeout=1s name=cam"), "cam", seen, log)
	awaitLong(t, "picture", func() bool { return len(seen.epochs()) == 1 })
	cam.Freeze()
	frozen := time.Now()
	awaitLong(t, "notice of the hung camera", func() bool { return strings.Contains(log.String(), "stream lost; reconnecting") })
	t.Logf("the hung camera was noticed %v after it froze (timeout 1s)", time.Since(frozen).Round(time.Millisecond))
	cam.Thaw()
	awaitLong(t, "picture after the camera thawed", func() bool { return len(seen.epochs()) >= 2 })
	if e := seen.epochs(); !e[len(e)-1][0].Key {
		t.Fatal("the new stream does not start with a keyframe")
	}
}

// TestStopWhileACameraHangsEndsPromptly stops the pipeline while its
// source waits in a read from a hung camera, with a read timeout of a
// minute: the read is interrupted, and Stop ends well within its budget.
func TestStopWhileACameraHangsEndsPromptly(t *testing.T) {
	cam := rtspCamera(t)
	seen, log := &packets{}, &testlog.Buffer{}
	p := startLogged(t, rtspSource(cam.URL(), "timeout=1m name=cam"), "cam", seen, log)
	awaitLong(t, "picture", func() bool { return len(seen.epochs()) == 1 })
	cam.Freeze()
	time.Sleep(500 * time.Millisecond)
	if err := stopPromptly(t, p, "during a hung read"); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if strings.Contains(log.String(), "stream lost") {
		t.Fatalf("the interrupted read was taken for a lost stream:\n%s", log.String())
	}
}

// TestRTSPCameraDecodedFramesGoOnAcrossAReboot decodes the camera (the
// default mode): across a reboot its frames go on counting and their
// capture times keep growing.
func TestRTSPCameraDecodedFramesGoOnAcrossAReboot(t *testing.T) {
	cam := rtspCamera(t)
	out := &frames{}
	startCollecting(t, "videosrc location="+cam.URL()+" name=cam", "cam", out)
	awaitLong(t, "second of pictures", func() bool { return len(out.all()) >= cameraRate })
	cam.Stop()
	time.Sleep(time.Second)
	before := len(out.all())
	if err := cam.Restart(); err != nil {
		t.Fatal(err)
	}
	awaitLong(t, "second of pictures after the reboot", func() bool { return len(out.all()) >= before+cameraRate })
	got := out.all()
	for i := 1; i < len(got); i++ {
		if got[i].Seq != got[i-1].Seq+1 || !got[i].CaptureTime.After(got[i-1].CaptureTime) {
			t.Fatalf("frame %d: Seq %d at %v after Seq %d at %v; want Seq +1 and a later time", i,
				got[i].Seq, got[i].CaptureTime, got[i-1].Seq, got[i-1].CaptureTime)
		}
	}
}

// TestHTTPRecordingEndsAtItsEnd reads a clip served over HTTP: a stream of
// known length ends at its end, every frame out, instead of being taken
// for a camera that went away and opened again.
func TestHTTPRecordingEndsAtItsEnd(t *testing.T) {
	path := testclip.Make(t, "clip.mp4", 30, cameraRate, "-c:v", "libx264", "-pix_fmt", "yuv420p")
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(path))))
	defer srv.Close()
	p, err := pipeline.Parse("videosrc location="+srv.URL+"/clip.mp4 name=src ! fakesink", registry(t))
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(t, p)
	if s := stat(t, p, "src"); s.Out != 30 || s.Errors != 0 {
		t.Fatalf("source stats %+v; want the clip's 30 frames once", s)
	}
}

// TestViewerJoiningWhileTheCameraIsAwaySeesItsLastPicture takes the
// camera down in the middle of a keyframe, and a viewer joins the durable
// topic while it is away: the topic replays the last GOP it has whole,
// and the viewer decodes a picture at once, without an error. Were the
// cut keyframe handed on, it would begin that GOP, and the viewer would
// show nothing until the camera came back.
func TestViewerJoiningWhileTheCameraIsAwaySeesItsLastPicture(t *testing.T) {
	cam := rtspCamera(t)
	system := pipeline.NewSystem(zerolog.Nop())
	t.Cleanup(system.Shutdown)
	bus := transport.NewBus(system)
	t.Cleanup(func() { bus.Close() })
	pub, err := pipeline.Parse(rtspSource(cam.URL(), "name=cam")+" ! publish topic=/cam qos=durable_video", registry(t),
		pipeline.WithSystem(system), pipeline.WithBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Stop() })
	awaitLong(t, "second of video on the topic", func() bool {
		st, err := bus.Stats("/cam")
		return err == nil && st.Published >= cameraRate
	})
	cam.StopInPicture()
	published := func() uint64 { st, _ := bus.Stats("/cam"); return st.Published }
	time.Sleep(500 * time.Millisecond) // the source has noticed: nothing more comes
	before := published()

	out := &frames{}
	sub := startCollecting(t, "subscribe topic=/cam ! gate ! h264dec name=dec", "dec", out, pipeline.WithSystem(system), pipeline.WithBus(bus))
	awaitLong(t, "picture for the viewer who joined while the camera was away", func() bool { return len(out.all()) > 0 })
	if got := stat(t, sub, "dec"); got.Errors != 0 || published() != before {
		t.Fatalf("the viewer's decoder: %+v, %d packets published since the camera went; want no error, none", got, published()-before)
	}
}

// A decoding source of an RTSP camera (read by codecs/rtsp, decoded by
// FFmpeg) hands on frames at the size and in the format asked, and the
// camera's last picture before it froze, which a reader that waits for the
// next picture to begin would hold.
func TestRTSPCameraDecodedAtTheSizeAndFormatAsked(t *testing.T) {
	cam := rtspCamera(t)
	cam.SendOnly(10)
	out := &frames{}
	startCollecting(t, "videosrc location="+cam.URL()+" name=cam size=80x60 format=rgb24 timeout=0s", "cam", out)
	awaitLong(t, "frame of each of the 10 pictures sent", func() bool { return len(out.all()) == 10 })
	for i, f := range out.all() {
		if f.Width != 80 || f.Height != 60 || f.Format != media.RGB24 || f.Seq != uint64(i) {
			t.Fatalf("frame %d: %dx%d %v seq %d; want 80x60 RGB24, seq %d", i, f.Width, f.Height, f.Format, f.Seq, i)
		}
	}
}

// An H.265 camera, which gopline's RTSP client does not take, is read and
// decoded through FFmpeg's, saying so in the log.
func TestRTSPCameraOfAnotherCodecIsReadThroughFFmpeg(t *testing.T) {
	cam := testrtsp.StartH265(t, testrtsp.ClipH265(t, 2*cameraRate, cameraRate), cameraRate)
	out, log := &frames{}, &testlog.Buffer{}
	startCollecting(t, "videosrc location="+cam.URL()+" name=cam", "cam", out, pipeline.WithLogger(zerolog.New(log)))
	awaitLong(t, "10 frames", func() bool { return len(out.all()) >= 10 })
	if f := out.all()[0]; f.Width != 160 || f.Height != 120 {
		t.Fatalf("frame %dx%d, want 160x120", f.Width, f.Height)
	}
	if !strings.Contains(log.String(), "H265: reading it through FFmpeg") {
		t.Fatalf("the log does not say the stream is read through FFmpeg:\n%s", log)
	}
}

// A camera that refuses RTP over its RTSP connection is read through
// FFmpeg, over UDP: gopline's RTSP client takes TCP only (codecs/rtsp's
// WithTransport says what UDP costs it).
func TestRTSPCameraThatRefusesTCPIsReadThroughFFmpeg(t *testing.T) {
	forma := &format.H264{PayloadTyp: 96, PacketizationMode: 1}
	cam := testrtsp.StartUDPCamera(t, forma)
	cam.RefuseTCP()
	units := testrtsp.Clip(t, 2*cameraRate, cameraRate)
	enc, err := forma.CreateEncoder()
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	sent := make(chan struct{})
	t.Cleanup(func() { close(stop); <-sent })
	go func() {
		defer close(sent)
		for i := 0; ; i++ {
			pkts, err := enc.Encode(units[i%len(units)])
			if err != nil {
				return
			}
			for _, p := range pkts {
				p.Timestamp = uint32(i * 90000 / cameraRate)
				_ = cam.Send(p)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Second / cameraRate):
			}
		}
	}()
	out, log := &frames{}, &testlog.Buffer{}
	startCollecting(t, "videosrc location="+cam.URL()+" name=cam", "cam", out, pipeline.WithLogger(zerolog.New(log)))
	awaitLong(t, "10 frames", func() bool { return len(out.all()) >= 10 })
	if !strings.Contains(log.String(), "refuses RTP over its RTSP connection (TCP)") || !strings.Contains(log.String(), "reading it through FFmpeg") {
		t.Fatalf("the log does not say the camera refused TCP and is read through FFmpeg:\n%s", log)
	}
}

// A camera that refuses the credentials fails the source at once, whatever
// retries= says, with FFmpeg's reader's error and the hint of what to give.
func TestRTSPCameraThatRefusesTheCredentialsFailsStart(t *testing.T) {
	cam := rtspCamera(t)
	cam.RequireLogin("admin", "s3cret")
	url := strings.Replace(cam.URL(), "rtsp://", "rtsp://admin:wrong@", 1)
	p, err := pipeline.Parse(rtspSource(url, "name=cam")+" ! fakesink", registry(t))
	if err != nil {
		t.Fatal(err)
	}
	if err = p.Start(t.Context()); err == nil {
		p.Stop()
		t.Fatal("started with the wrong password")
	}
	if !errors.Is(err, ffmpeg.ErrUnauthorized) || !strings.Contains(err.Error(), `refused the user "admin"`) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("%v; want ffmpeg.ErrUnauthorized saying the user was refused, without the password", err)
	}
}

// Which locations gopline's RTP reader takes, and which it leaves to
// FFmpeg's for the choices given.
func TestReadsInGoLeavesFFmpegsChoicesToFFmpeg(t *testing.T) {
	opts := func(k, v string) func(*VideoSrcConfig) {
		return func(c *VideoSrcConfig) { c.InputOptions = map[string]string{k: v} }
	}
	for _, c := range []struct {
		location string
		set      func(*VideoSrcConfig)
		want     bool
	}{
		{"rtsp://cam/1", nil, true},
		{"rtsp://cam/1", opts("rtsp_transport", "tcp"), true},
		{"rtsp://cam/1", opts("rtsp_transport", "udp"), false},
		{"rtsp://cam/1", opts("rtsp_transport", "udp_multicast"), false},
		{"rtsp://cam/1", opts("rtsp_transport", "http"), false},
		{"rtsp://cam/1", opts("stimeout", "5000000"), false},
		{"rtsp://cam/1", func(c *VideoSrcConfig) { c.InputFormat = "rtsp" }, false},
		{"rtsp://cam/1", func(c *VideoSrcConfig) { c.Conceal = true }, false},
		{"rtsps://cam/1", nil, true},
		{"RTSPS://cam/1", opts("rtsp_transport", "udp"), false},
		{"rtp://0.0.0.0:5000", nil, true},
		{"rtp://0.0.0.0:5000", func(c *VideoSrcConfig) { c.RTPEncoding = "H265" }, false},
		{"rtp://0.0.0.0:5000", opts("localaddr", "10.0.0.2"), false},
		{"cam.sdp", nil, true},
		{"cam.sdp", func(c *VideoSrcConfig) { c.Stream = 1 }, false},
		{"clip.mp4", nil, false},
	} {
		cfg := DefaultVideoSrcConfig()
		cfg.Location = c.location
		if c.set != nil {
			c.set(&cfg)
		}
		if got := readsInGo(cfg); got != c.want {
			t.Errorf("%s %+v: read in Go %v, want %v", c.location, cfg.InputOptions, got, c.want)
		}
	}
}

// clock=camera gives a camera's pictures the times its RTCP sender
// reports say (here an hour ahead of this machine's), from the first
// keyframe after its first report; an H.265 camera, which only FFmpeg's
// reader reads and which gives no camera times, fails the source at once
// saying why, as does clock=camera on anything but an rtsp:// camera.
func TestRTSPCameraOfItsOwnClock(t *testing.T) {
	cam := rtspCamera(t)
	cam.SenderReports(time.Hour)
	got := &packets{}
	startLogged(t, rtspSource(cam.URL(), "clock=camera name=cam")+" ! fakesink", "cam", got, &testlog.Buffer{})
	awaitLong(t, "10 packets", func() bool { return len(got.epochs()) > 0 && len(got.epochs()[0]) >= 10 })
	first := got.epochs()[0]
	if !first[0].Key {
		t.Errorf("the first packet is no keyframe")
	}
	for i, p := range first[:10] {
		if ahead := time.Until(p.CaptureTime); ahead < time.Hour-5*time.Second || ahead > time.Hour {
			t.Fatalf("packet %d is %v ahead of this machine, want the camera's hour", i, ahead)
		}
	}

	h265 := testrtsp.StartH265(t, testrtsp.ClipH265(t, 2*cameraRate, cameraRate), cameraRate)
	p, err := pipeline.Parse("videosrc location="+h265.URL()+" clock=camera name=cam ! fakesink", registry(t))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start(t.Context())
	if err == nil {
		err = p.Wait()
	}
	if err == nil || !strings.Contains(err.Error(), "clock=camera") || !strings.Contains(err.Error(), "FFmpeg's reader") {
		t.Errorf("an H.265 camera of clock=camera: %v", err)
	}
	for _, line := range []string{
		"videosrc location=cam.mp4 clock=camera ! fakesink",
		"videosrc location=" + cam.URL() + " options=rtsp_transport=udp clock=camera ! fakesink",
		"videosrc location=rtp://127.0.0.1:5004 clock=camera ! fakesink",
	} {
		if _, err := pipeline.Parse(line, registry(t)); err == nil || !strings.Contains(err.Error(), "videosrc clock: the camera's clock comes from an rtsp:// camera") {
			t.Errorf("%s: %v, want an error of clock", line, err)
		}
	}
}

// An rtsps:// camera (RTSP over TLS, as UniFi Protect's streams, its
// certificate its own) is read by gopline's RTSP reader, not FFmpeg's.
func TestRTSPSCameraIsRead(t *testing.T) {
	cam := testrtsp.StartTLS(t, testrtsp.Clip(t, 2*cameraRate, cameraRate), cameraRate)
	got, log := &packets{}, &testlog.Buffer{}
	startLogged(t, rtspSource(cam.URL(), "name=cam")+" ! fakesink", "cam", got, log)
	awaitLong(t, "10 packets", func() bool { return len(got.epochs()) > 0 && len(got.epochs()[0]) >= 10 })
	if first := got.epochs()[0][0]; !first.Key || first.Width != 160 || first.Height != 120 {
		t.Errorf("first packet: key %v, %dx%d", first.Key, first.Width, first.Height)
	}
	if strings.Contains(log.String(), "through FFmpeg") {
		t.Errorf("read through FFmpeg:\n%s", log)
	}
}

// fingerprint= pins an rtsps:// camera's certificate: the camera's own is
// read; another fails the source at once, naming both; a fingerprint on
// anything but an rtsps:// camera is a usage error.
func TestRTSPSCameraPinned(t *testing.T) {
	cam := testrtsp.StartTLS(t, testrtsp.Clip(t, 2*cameraRate, cameraRate), cameraRate)
	got := &packets{}
	startLogged(t, rtspSource(cam.URL(), "fingerprint="+cam.Fingerprint()+" name=cam")+" ! fakesink", "cam", got, &testlog.Buffer{})
	awaitLong(t, "10 packets", func() bool { return len(got.epochs()) > 0 && len(got.epochs()[0]) >= 10 })

	other := strings.Repeat("0f", 32)
	p, err := pipeline.Parse(rtspSource(cam.URL(), "fingerprint="+other+" name=cam")+" ! fakesink", registry(t))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start(t.Context())
	if err == nil {
		err = p.Wait()
	}
	if err == nil || !strings.Contains(err.Error(), cam.Fingerprint()) || !strings.Contains(err.Error(), other) {
		t.Errorf("another certificate: %v", err)
	}
	if _, err := pipeline.Parse("videosrc location=rtsp://cam/1 fingerprint="+other+" ! fakesink", registry(t)); err == nil ||
		!strings.Contains(err.Error(), "videosrc fingerprint") {
		t.Errorf("a fingerprint for an rtsp:// camera: %v", err)
	}

	// An H.265 camera over TLS, which FFmpeg's reader would read taking
	// any certificate, fails at once instead.
	tlsH265 := testrtsp.StartTLSH265(t, testrtsp.ClipH265(t, 2*cameraRate, cameraRate), cameraRate)
	p, err = pipeline.Parse("videosrc location="+tlsH265.URL()+" fingerprint="+tlsH265.Fingerprint()+" name=cam ! fakesink", registry(t))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start(t.Context())
	if err == nil {
		err = p.Wait()
	}
	if err == nil || !strings.Contains(err.Error(), "pins no certificate") {
		t.Errorf("an H.265 camera over TLS, pinned: %v", err)
	}
}
