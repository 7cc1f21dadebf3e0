package elements

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// rtpSender starts ffmpeg sending H.264 over RTP to a free port of the
// loopback for the length of the test, and returns the session file it
// wrote, as ffmpeg -sdp_file does.
func rtpSender(t *testing.T) string {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed")
	}
	port := freeUDPPortPair(t)
	sdp := filepath.Join(t.TempDir(), "rtp.sdp")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, ff, "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
		"-t", "120", "-c:v", "libx264", "-bf", "0", "-g", "10", "-f", "rtp", "-sdp_file", sdp, "rtp://127.0.0.1:"+strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	awaitLong(t, "session file", func() bool {
		st, err := os.Stat(sdp)
		return err == nil && st.Size() > 0
	})
	return sdp
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
