package rtsp

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/internal/testrtsp"
	"github.com/gopline/gopline/media"
	"github.com/rs/zerolog"
)

// A location's sources= pins the sender: a stray host whose packets come
// first (a robot publishing to the same port or group) is left out, named
// once saying sources= left it out, and the stream is the pinned
// sender's, from its first packet, as FFmpeg's rtp:// URLs take it.
func TestListenRTPTakesTheSenderItsSourcesName(t *testing.T) {
	checkPinnedSender(t, "sources=127.0.0.2", func(port int, opts ...Option) (*Reader, error) {
		return ListenRTP(fmt.Sprintf("rtp://127.0.0.1:%d?sources=127.0.0.2", port), 0, opts...)
	})
}

// checkPinnedSender opens a port with open while a stray sender on the
// loopback sends to it from before the first packet of the sender pinned,
// 127.0.0.2, and checks that the stream is the pinned sender's alone, the
// stray named once in a warning that says pinnedBy.
func checkPinnedSender(t *testing.T, pinnedBy string, open func(port int, opts ...Option) (*Reader, error)) {
	t.Helper()
	units := testrtsp.Clip(t, 10, 5)
	port := freePort(t)
	c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)}, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Skipf("no second host on the loopback (127.0.0.2): %v", err)
	}
	t.Cleanup(func() { c.Close() })
	pinned := &sender{t: t, conn: c, pt: 96, ssrc: 0x1234}
	stray := newSender(t, port)
	stray.ssrc = 0x6666
	var strayPackets [][]byte
	for _, p := range stray.packets(0, units[0]) {
		b, _ := p.Marshal()
		strayPackets = append(strayPackets, b)
	}
	done := make(chan struct{})
	var strays sync.WaitGroup
	strays.Add(1)
	go func() { // the stray's keyframe, again and again, from before the pinned sender's first packet
		defer strays.Done()
		for {
			for _, b := range strayPackets {
				_, _ = stray.conn.Write(b)
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	defer func() { close(done); strays.Wait() }()
	log := &testlog.Buffer{}
	r := openSending(t, pinned, units[0], func() (*Reader, error) {
		return open(port, WithTimeout(time.Second), WithLogger(zerolog.New(log)))
	})
	for i := 1; i < len(units); i++ {
		pinned.send(i, units[i])
	}
	var got []*media.Packet
	p, err := readWithin(t, r, 5*time.Second)
	for err == nil && len(got) < 3*len(units) {
		got = append(got, p)
		p, err = readWithin(t, r, 5*time.Second)
	}
	if err != nil && !errors.Is(err, ErrStreamLost) {
		t.Fatal(err)
	}
	keyframes := 0
	for _, p := range got {
		if p.Key {
			keyframes++
		}
	}
	// The clip's 10 pictures hold 2 keyframes; the stray's would add one a read.
	if st := r.Stats(); st.Restarts != 0 || st.OtherSenders == 0 || len(got) < len(units) || keyframes > 3 {
		t.Fatalf("stats %+v, %d pictures, %d keyframes; want the pinned sender's pictures alone, the stray's packets counted", st, len(got), keyframes)
	}
	from := stray.conn.LocalAddr().String()
	named := 0
	for _, line := range strings.Split(log.String(), "\n") {
		if strings.Contains(line, from) && strings.Contains(line, pinnedBy) {
			named++
		}
	}
	if named != 1 {
		t.Fatalf("the stray sender, %s, is named saying %s in %d lines of the log, want one:\n%s", from, pinnedBy, named, log.String())
	}
}

// A sources= or block= that names no IP address fails the open naming
// the option; another option of FFmpeg's URLs is refused as before.
func TestListenRTPRefusesAFilterThatIsNotAnAddress(t *testing.T) {
	for loc, want := range map[string]string{
		"rtp://127.0.0.1:0?sources=robot1":    `sources=: "robot1" is not an IP address`,
		"rtp://127.0.0.1:0?block=":            "block= names no address",
		"rtp://127.0.0.1:0?localport=5000":    "rtp://IP:PORT, whose options are sources=",
		"rtp://127.0.0.1:0/x?sources=1.2.3.4": "rtp://IP:PORT, with sources= and block= alone",
	} {
		if _, err := ListenRTP(loc, 0); !errors.Is(err, ErrBadOption) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want ErrBadOption saying %q", loc, err, want)
		}
	}
}
