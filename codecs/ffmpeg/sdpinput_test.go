package ffmpeg

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
