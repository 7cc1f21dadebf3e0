package ffmpeg

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/netnstest"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/rs/zerolog"
)

// mcastJPEGGroup is the multicast group the robots of the test publish to.
const mcastJPEGGroup = "rtp://239.255.70.2:5008"

// mcastJPEGSenderArgs are the ffmpeg command's arguments that publish
// pattern to the group as JPEG over RTP, for seconds (0: until killed).
func mcastJPEGSenderArgs(pattern, seconds string) []string {
	args := []string{"-v", "error", "-re", "-f", "lavfi", "-i", pattern + "=size=160x120:rate=10"}
	if seconds != "0" {
		args = append(args, "-t", seconds)
	}
	return append(args, "-c:v", "mjpeg", "-huffman", "default", "-pix_fmt", "yuvj420p", "-f", "rtp", mcastJPEGGroup+"?ttl=1")
}

// Two robots publish JPEG to one multicast group that FFmpeg's reader
// receives: the stream is the first one's, the other's packets left out,
// named once and counted, where FFmpeg's receiver took both and decoded
// broken pictures ("Invalid RTP/JPEG packet"). The robots are two network
// namespaces joined by a veth pair; the reader is in the first one's.
func TestRTPThroughFFmpegKeepsAMulticastGroupToOneSender(t *testing.T) {
	const name = "TestRTPThroughFFmpegKeepsAMulticastGroupToOneSender"
	if os.Getenv(frontNetnsRole) == "read" {
		readGroupChild(t, os.Getenv("ADDR_B"))
		return
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("needs the ffmpeg command to send to the group")
	}
	pair := netnstest.New(t, "gopline-g", 218)
	recv := netnstest.StartChild(t, pair.A, name, netnsEnv(pair, "read")...)
	recv.WaitFor("ready")
	other := netnstest.Command(pair.B, "ffmpeg", mcastJPEGSenderArgs("smptebars", "3")...)
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	recv.Finish()
	if err := other.Wait(); err != nil {
		t.Fatalf("the other robot's sender: %v", err)
	}
}

// readGroupChild reads the group in the first robot's namespace, from its
// own sender; it says "ready" once pictures came, and once its stdin
// closes (the other robot sends) reads on and checks what came.
func readGroupChild(t *testing.T, addrB string) {
	startSender(t, "ffmpeg", mcastJPEGSenderArgs("testsrc", "0")...)
	log := &testlog.Buffer{}
	stop := make(chan struct{})
	defer close(stop)
	r, err := openRTP(t, mcastJPEGGroup, WithStop(stop), WithRTPSession(0, "jpeg"), WithReaderLogger(zerolog.New(log)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	readFrames(t, r, 5, 160, 120)
	fmt.Println("ready")
	netnstest.AwaitParent()
	readFrames(t, r, 40, 160, 120) // 4 s: the other robot's 3 s among them
	named := 0
	for _, line := range strings.Split(log.String(), "\n") {
		if strings.Contains(line, addrB+":") {
			named++
		}
	}
	if named != 1 || r.Stats().OtherStreams == 0 {
		t.Fatalf("the other robot, %s, is named in %d lines (want 1), its packets counted %d (stats %v):\n%s",
			addrB, named, r.Stats().OtherStreams, r.Stats(), log.String())
	}
}
