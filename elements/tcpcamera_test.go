package elements

import (
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
)

// tcpCamera is the ffmpeg command serving a live MPEG-TS stream of H.264
// on a loopback TCP port to the first client that connects, as a simple
// network camera does.
type tcpCamera struct {
	t    *testing.T
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

func startTCPCamera(t *testing.T) *tcpCamera {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &tcpCamera{t: t, addr: ln.Addr().String()}
	ln.Close()
	c.start()
	t.Cleanup(c.stop)
	return c
}

func (c *tcpCamera) url() string { return "tcp://" + c.addr }

func (c *tcpCamera) start() {
	c.t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		c.t.Skip("ffmpeg not installed (make deps)")
	}
	c.cmd = exec.Command(ff, "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
		"-c:v", "libx264", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p", "-f", "mpegts", c.url()+"?listen=1")
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(c.cmd, c.done)
}

// stop kills the camera and waits for it to exit.
func (c *tcpCamera) stop() {
	if c.cmd == nil {
		return
	}
	_ = c.cmd.Process.Kill()
	<-c.done
	c.cmd = nil
}

// TestTCPCameraThatRestartsComesBack kills a camera that streams over TCP
// and starts it again on its port: the source reconnects and the stream
// goes on with a new Epoch.
func TestTCPCameraThatRestartsComesBack(t *testing.T) {
	cam := startTCPCamera(t)
	seen, log := &packets{}, &testlog.Buffer{}
	startLogged(t, "videosrc location="+cam.url()+" passthrough=true name=cam", "cam", seen, log)
	awaitLong(t, "second of video", func() bool { return len(seen.epochs()) == 1 && len(seen.epochs()[0]) >= 25 })
	cam.stop()
	time.Sleep(time.Second)
	cam.start()
	awaitLong(t, "picture after the camera restarted", func() bool { return len(seen.epochs()) >= 2 })
	if e := seen.epochs(); !e[1][0].Key {
		t.Fatal("the new stream does not start with a keyframe")
	}
	if !strings.Contains(log.String(), "stream lost; reconnecting") {
		t.Fatalf("the log does not tell of the drop:\n%s", log.String())
	}
}
