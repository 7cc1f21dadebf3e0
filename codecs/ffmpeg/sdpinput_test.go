package ffmpeg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/paramsetwatch"
	"github.com/gopline/gopline/internal/testclip"
)

// An .sdp file's sdp demuxer waits for a packet as long as the Reader's
// I/O timeout, as an rtp:// port's does, unless the caller gave its own
// listen_timeout or forced another format; the caller's map is left as it
// was.
func TestSessionFileOptionsGiveTheIOTimeoutToTheSDPDemuxer(t *testing.T) {
	for _, c := range []struct {
		url, format string
		given       map[string]string
		timeout     time.Duration
		want        string
	}{
		{"cam.sdp", "", nil, 3 * time.Second, "3"},
		{"/tmp/CAM.SDP", "sdp", map[string]string{"protocol_whitelist": "file,udp,rtp"}, 1500 * time.Millisecond, "1.5"},
		{"cam.sdp", "", nil, 0, "-1"},
		{"cam.sdp", "", map[string]string{"listen_timeout": "20"}, 3 * time.Second, "20"},
		{"cam.sdp", "mpegts", nil, 3 * time.Second, ""},
		{"clip.mp4", "", nil, 3 * time.Second, ""},
		{"http://cam/stream.sdp", "", nil, 3 * time.Second, ""},
	} {
		given := maps.Clone(c.given)
		got := sessionFileOptions(c.url, c.format, c.given, c.given, c.timeout)
		if got["listen_timeout"] != c.want {
			t.Errorf("%s %q %v: listen_timeout %q, want %q", c.url, c.format, c.given, got["listen_timeout"], c.want)
		}
		if !maps.Equal(given, c.given) {
			t.Errorf("%s: the caller's options became %v", c.url, c.given)
		}
	}
}

// writeSessionFile writes the session description of H.264 over RTP
// (payload type 96) sent to port of the loopback, as ffmpeg -sdp_file
// writes it.
func writeSessionFile(t *testing.T, port int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cam.sdp")
	sdp := fmt.Sprintf("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video %d RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n", port)
	if err := os.WriteFile(path, []byte(sdp), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// An .sdp file whose port nothing is sent to fails at the Reader's I/O
// timeout, not FFmpeg's 10 s, naming the file and what to check; one
// whose sender sends is read.
func TestSessionFileFollowsTheIOTimeout(t *testing.T) {
	opts := []ReaderOption{WithInputOptions(map[string]string{"protocol_whitelist": "file,udp,rtp"}), WithIOTimeout(500 * time.Millisecond)}
	silent := writeSessionFile(t, freeRTPPort(t))
	_, err := OpenReader(silent, opts...)
	if !errors.Is(err, ErrNothingArrived) || !strings.Contains(err.Error(), silent) || !strings.Contains(err.Error(), "is the sender running") {
		t.Fatalf("silent port: err = %v, want ErrNothingArrived naming %s", err, silent)
	}

	port := freeRTPPort(t)
	gstSender(t, port, "x264enc key-int-max=15", "rtph264pay config-interval=-1 pt=96")
	var r *Reader
	for range 20 { // the sender may take longer than the timeout to start
		if r, err = OpenReader(writeSessionFile(t, port), opts...); !errors.Is(err, ErrNothingArrived) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	readFrames(t, r, 10, 160, 120)
}

// An .sdp file's RTP stream is a network input, as an rtp:// URL is: a
// source over it reconnects, and its timeline is a live stream's. The
// file alone is not, nor a session file over HTTP taken for one.
func TestASessionFilesStreamIsANetworkInput(t *testing.T) {
	for url, want := range map[string]bool{
		"cam.sdp": true, "/tmp/CAM.SDP": true, "rtp://127.0.0.1:5004": true, "http://cam/stream.sdp": true,
		"clip.mp4": false, "/tmp/sdp": false, "file:///tmp/cam.sdp": false,
	} {
		if got := IsNetwork(url); got != want {
			t.Errorf("IsNetwork(%q) = %v, want %v", url, got, want)
		}
	}
}

// An .sdp file that cannot be read, or is no session description with a
// video stream, fails at once with ErrSessionFile naming it, without
// waiting for RTP: what is wrong is the file, which no wait would cure.
func TestABadSessionFileFailsAtOnceNamingIt(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	audioOnly := "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=mic\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5002 RTP/AVP 0\r\n"
	if err := os.Mkdir(filepath.Join(dir, "dir.sdp"), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "missing.sdp"):          "no such file",
		filepath.Join(dir, "dir.sdp"):              "is a directory",
		write("empty.sdp", ""):                     "no m=video line",
		write("text.sdp", "not a description\n"):   "no m=video line",
		write("audio.sdp", audioOnly):              "no m=video line",
		write("garbled.sdp", "m=video 5004 RTP\n"): "sdp demuxer cannot read it",
	} {
		_, err := OpenReader(path, WithInputOptions(map[string]string{"protocol_whitelist": "file,udp,rtp"}))
		if !errors.Is(err, ErrSessionFile) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want ErrSessionFile naming it and saying %q", filepath.Base(path), err, want)
		}
	}
}

// An .sdp file's pictures are stamped as a live stream's: no later than
// they are read, those FFmpeg's probe held back included, where a file's
// timeline would start once it is open and stamp them ahead.
func TestSessionFilesPicturesAreStampedNoLaterThanTheyAreRead(t *testing.T) {
	port := freeRTPPort(t)
	gstSender(t, port, "x264enc key-int-max=15", "rtph264pay config-interval=-1 pt=96")
	stop := make(chan struct{})
	defer close(stop)
	r, err := openRTP(t, writeSessionFile(t, port), WithInputOptions(map[string]string{"protocol_whitelist": "file,udp,rtp"}),
		WithIOTimeout(500*time.Millisecond), WithStop(stop))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for n := range 30 {
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		at := f.CaptureTime
		f.Release()
		if read := time.Now(); at.After(read) {
			t.Fatalf("picture %d stamped %v after it was read", n, at.Sub(read))
		}
	}
}

// A session description has a video stream when one of its m= lines is
// video's, read as FFmpeg's sdp demuxer reads it.
func TestDescribesVideoReadsMLinesAsFFmpegDoes(t *testing.T) {
	for text, want := range map[string]bool{
		"v=0\r\nm=video 5004 RTP/AVP 96\r\n":       true,
		"v=0\nm=video 5004 RTP/AVP 96":             true, // no line end at the file's end
		"v=0\n  m=video 5004 RTP/AVP 96\n":         true, // indented by hand
		"v=0\n\tm=video\t5004\tRTP/AVP\t96\n":      true,
		"m=audio 5002 RTP/AVP 0\nm=video 5004 ...": true,
		"":                                     false,
		"m=audio 5002 RTP/AVP 0\n":             false,
		"m=videos 5004 RTP/AVP 96\n":           false,
		"m=video\n":                            false,
		"a=x m=video 5004 RTP/AVP 96\n":        false,
		"v=0 m=video 5004\n":                   false,
		"m = video 5004 RTP/AVP 96\n":          false,
		"\x00m=video 5004 RTP/AVP 96\n":        false,
		"i=camera\r\n m=video 5004 RTP/AVP 96": true,
	} {
		if got := describesVideo([]byte(text)); got != want {
			t.Errorf("describesVideo(%q) = %v, want %v", text, got, want)
		}
	}
}

// A session description written by hand, its lines indented and its m=
// line's fields parted by tabs, is read as FFmpeg reads it: the stream's
// pictures come.
func TestAnIndentedSessionFileIsRead(t *testing.T) {
	port := freeRTPPort(t)
	gstSender(t, port, "x264enc key-int-max=15", "rtph264pay config-interval=-1 pt=96")
	path := filepath.Join(t.TempDir(), "cam.sdp")
	sdp := fmt.Sprintf("  v=0\n  o=- 0 0 IN IP4 127.0.0.1\n  s=cam\n  c=IN IP4 127.0.0.1\n  t=0 0\n\tm=video\t%d\tRTP/AVP\t96\n  a=rtpmap:96 H264/90000\n", port)
	if err := os.WriteFile(path, []byte(sdp), 0o644); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	r, err := openRTP(t, path, WithInputOptions(map[string]string{"protocol_whitelist": "file,udp,rtp"}), WithStop(stop))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for range 5 {
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
	}
}

// An .sdp FIFO is read through the Reader's pipe input: the description
// its writer writes reaches the sdp demuxer whole, and the stream's
// pictures come; one whose writer never comes ends its open at the stop.
func TestASessionFIFOIsRead(t *testing.T) {
	port := freeRTPPort(t)
	gstSender(t, port, "x264enc key-int-max=15", "rtph264pay config-interval=-1 pt=96")
	sdp, err := os.ReadFile(writeSessionFile(t, port))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	fifo := testclip.EndingFIFO(t, "cam.sdp", sdp)
	read := make(chan error, 1)
	go func() {
		r, err := OpenReader(fifo, WithInputOptions(map[string]string{"protocol_whitelist": "file,udp,rtp"}), WithStop(stop))
		if err != nil {
			read <- err
			return
		}
		defer r.Close()
		for range 5 {
			f, err := r.ReadFrame()
			if err != nil {
				read <- err
				return
			}
			f.Release()
		}
		read <- nil
	}()
	select {
	case err := <-read:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(hangGuard):
		t.Fatal("no pictures of the stream the session FIFO describes")
	}

	silent := filepath.Join(t.TempDir(), "silent.sdp")
	if err := syscall.Mkfifo(silent, 0o600); err != nil {
		t.Fatal(err)
	}
	stopSilent := make(chan struct{})
	opened := make(chan error, 1)
	go func() {
		r, err := OpenReader(silent, WithStop(stopSilent))
		if err == nil {
			r.Close()
		}
		opened <- err
	}()
	time.Sleep(100 * time.Millisecond)
	close(stopSilent)
	select {
	case err := <-opened:
		if err == nil {
			t.Error("a session FIFO nothing was written to opened")
		}
	case <-time.After(hangGuard):
		t.Fatal("the open of a session FIFO without a writer did not end at the stop")
	}
}

// A session description's parameter set watch follows its video payload:
// H.264's or H.265's, off when its a=fmtp line carries the parameter sets
// or the encoding needs none.
func TestSessionWatchFollowsTheDescription(t *testing.T) {
	const head = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=video 5004 RTP/AVP 96\r\n"
	for text, want := range map[string]paramsetwatch.Watch{
		head + "a=rtpmap:96 H264/90000\r\n":                                                                 {File: true},
		head + "a=rtpmap:96 h264/90000\r\na=fmtp:96 packetization-mode=1\r\n":                               {File: true},
		head + "a=rtpmap:96 H265/90000\r\n":                                                                 {HEVC: true, File: true},
		head + "\ta=rtpmap:96\tH265/90000\r\n":                                                              {HEVC: true, File: true},
		head + "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2Q,aOs\r\n": {Off: true, File: true},
		head + "a=rtpmap:96 H265/90000\r\na=fmtp:96 sprop-vps=QA; sprop-sps=QgE; sprop-pps=RAE\r\n":         {HEVC: true, Off: true, File: true},
		head + "a=rtpmap:97 H264/90000\r\na=fmtp:97 sprop-parameter-sets=Z2Q,aOs\r\n":                       {Off: true, File: true},
		"v=0\r\nm=video 5004 RTP/AVP 26\r\n":                                                                {Off: true, File: true},
		"v=0\r\nm=audio 5002 RTP/AVP 0\r\n":                                                                 {Off: true},
		"":                                                                                                  {Off: true},
	} {
		if got := sessionWatch([]byte(text)); got != want {
			t.Errorf("sessionWatch(%q) = %+v, want %+v", text, got, want)
		}
	}
}

// An .sdp file's stream whose keyframes come without parameter sets (a
// sender that keeps them out of band, ffmpeg's with a global header) is
// read when the file carries them (sprop-parameter-sets, as the sender's
// own -sdp_file writes it), and fails with ErrNoParameterSets, saying what
// to set, when it does not: not a probe that reads for as long as packets
// come, then says nothing arrived.
func TestSessionFileOfAStreamWithoutParameterSets(t *testing.T) {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed")
	}
	port := freeRTPPort(t)
	dir := t.TempDir()
	senders := filepath.Join(dir, "sender.sdp")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, ff, "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "120",
		"-c:v", "libx264", "-bf", "0", "-g", "10", "-flags:v", "+global_header", "-f", "rtp", "-sdp_file", senders,
		fmt.Sprintf("rtp://127.0.0.1:%d", port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	var described []byte
	for deadline := time.Now().Add(hangGuard); ; time.Sleep(20 * time.Millisecond) {
		if described, err = os.ReadFile(senders); err == nil && bytes.Contains(described, []byte("sprop-parameter-sets=")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sender wrote no description with its parameter sets: %q, %v", described, err)
		}
	}
	without := filepath.Join(dir, "bare.sdp")
	bare := regexp.MustCompile(`(?m)^a=fmtp:.*\r?\n`).ReplaceAll(described, nil)
	if err := os.WriteFile(without, bare, 0o644); err != nil {
		t.Fatal(err)
	}
	read := func(path string) (frames int, err error) {
		stop := make(chan struct{})
		guard := time.AfterFunc(hangGuard, func() { close(stop) })
		defer guard.Stop()
		r, err := OpenReader(path, WithInputOptions(map[string]string{"protocol_whitelist": "file,udp,rtp"}),
			WithIOTimeout(time.Second), WithStop(stop))
		if err != nil {
			return 0, err
		}
		defer r.Close()
		for ; frames < 10; frames++ {
			f, err := r.ReadFrame()
			if err != nil {
				return frames, err
			}
			f.Release()
		}
		return frames, nil
	}
	if n, err := read(senders); err != nil {
		t.Errorf("the sender's own description: %d pictures, then %v", n, err)
	}
	n, err := read(without)
	if !errors.Is(err, ErrNoParameterSets) || !strings.Contains(err.Error(), without) || !strings.Contains(err.Error(), "sprop-parameter-sets=") {
		t.Errorf("a description without the parameter sets: %d pictures, then %v; want ErrNoParameterSets naming the file and sprop-parameter-sets=", n, err)
	}
}

// Any text read as a session description: neither reading panics, and a
// stream whose parameter sets are watched is a video stream the check
// lets through.
func FuzzSessionDescription(f *testing.F) {
	f.Add([]byte("v=0\r\nc=IN IP4 127.0.0.1\r\nm=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"))
	f.Add([]byte("  m=video\t5004\tRTP/AVP\t96\n\ta=rtpmap:96\tH265/90000\na=fmtp:96 sprop-sps=QgE\n"))
	f.Add([]byte("m=video 5004 RTP/AVP\na=rtpmap: H264/90000\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		if w := sessionWatch(text); !w.Off && !describesVideo(text) {
			t.Errorf("sessionWatch(%q) watches a stream describesVideo does not see", text)
		}
	})
}
