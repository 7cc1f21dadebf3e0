package rtsp

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/netnstest"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/internal/testrtsp"
	"github.com/gopline/gopline/media"
	"github.com/rs/zerolog"
)

// groupNetnsRole makes the test binary one robot of the multicast test:
// "read" (it sends and reads) or "send" (the other robot).
const groupNetnsRole = "GOPLINE_RTSP_GROUP_NETNS"

// The group of the test, and its ports: one read as it comes, one given
// block= for the other robot.
const (
	groupAddr      = "239.255.70.3"
	groupPort      = 5012
	groupBlockPort = 5014
	groupPinPort   = 5016
)

// Two robots publish H.264 to one multicast group that gopline's reader
// receives: the stream is the first one's, without a restart, the other's
// packets left out, named once and counted. Given block= for the other
// robot, the group is joined for every host but it, and given sources=
// for the first, for it alone: no packet of the other comes.
// The robots are two network namespaces joined by a veth pair.
func TestListenRTPKeepsAMulticastGroupToOneSender(t *testing.T) {
	const name = "TestListenRTPKeepsAMulticastGroupToOneSender"
	switch os.Getenv(groupNetnsRole) {
	case "read":
		readGroupChild(t, os.Getenv("ADDR_A"), os.Getenv("ADDR_B"))
		return
	case "send":
		units := testrtsp.Clip(t, 10, 5)
		for _, port := range []int{groupPort, groupBlockPort, groupPinPort} {
			other := groupSender(t, port)
			other.ssrc = 0x6666
			for i := range units {
				other.send(i, units[i])
			}
		}
		return
	}
	pair := netnstest.New(t, "gopline-r", 219)
	env := []string{"ADDR_A=" + pair.AddrA, "ADDR_B=" + pair.AddrB}
	robot := netnstest.StartChild(t, pair.A, name, append(env, groupNetnsRole+"=read")...)
	robot.WaitFor("ready")
	if got, err := netnstest.ChildCommand(pair.B, name, append(env, groupNetnsRole+"=send")...).CombinedOutput(); err != nil {
		t.Fatalf("the other robot: %v: %s", err, got)
	}
	robot.Finish()
}

// groupSender is a sender to the group's port.
func groupSender(t *testing.T, port int) *sender {
	t.Helper()
	c, err := net.Dial("udp4", net.JoinHostPort(groupAddr, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &sender{t: t, conn: c, pt: 96, ssrc: 0x1234}
}

// readGroupChild is the first robot: it sends to the group and reads it,
// says "ready" once its readers opened, and once the other robot sent
// (its stdin closes) sends the rest of its stream and checks what came.
func readGroupChild(t *testing.T, addrA, addrB string) {
	units := testrtsp.Clip(t, 10, 5)
	log := &testlog.Buffer{}
	open := func(port int, query string) (*Reader, *sender) {
		s := groupSender(t, port)
		return openSending(t, s, units[0], func() (*Reader, error) {
			// Silence bounded generously: the other robot's process starts
			// between this one's first picture and the rest, slowly on a
			// loaded machine; the reads end with the last picture.
			return ListenRTP(fmt.Sprintf("rtp://%s:%d%s", groupAddr, port, query), 0, WithTimeout(time.Minute), WithLogger(zerolog.New(log)))
		}), s
	}
	r, s := open(groupPort, "")
	blocking, bs := open(groupBlockPort, "?block="+addrB)
	pinned, ps := open(groupPinPort, "?sources="+addrA)
	fmt.Println("ready")
	netnstest.AwaitParent()
	for i := 1; i < len(units); i++ {
		s.send(i, units[i])
		bs.send(i, units[i])
		ps.send(i, units[i])
	}
	for _, rd := range []*Reader{r, blocking, pinned} {
		var got []*media.Packet
		for len(got) < len(units) {
			p, err := readWithin(t, rd, 30*time.Second)
			if err != nil {
				t.Fatalf("%s: after %d pictures: %v", rd.shown, len(got), err)
			}
			got = append(got, p)
		}
		// Another sender taken would begin a new epoch (a restart); the
		// first robot's pause while the other sends may start its clock
		// over, which keeps the epoch.
		epochs := map[uint64]bool{}
		for _, p := range got {
			epochs[p.Epoch] = true
		}
		if st := rd.Stats(); len(epochs) != 1 || len(got) < len(units) {
			t.Errorf("%s: stats %+v, %d pictures in %d epochs; want every picture of the first robot, in one epoch", rd.shown, st, len(got), len(epochs))
		}
	}
	if n := r.Stats().OtherSenders; n == 0 {
		t.Error("the other robot's packets were not counted")
	}
	for _, rd := range []*Reader{blocking, pinned} {
		if n := rd.Stats().OtherSenders; n != 0 {
			t.Errorf("%s was handed %d packets of %s: the group was joined for every host", rd.shown, n, addrB)
		}
	}
	if named := strings.Count(log.String(), "packets from "+addrB+":"); named != 1 {
		t.Errorf("the other robot, %s, is named %d times, want once:\n%s", addrB, named, log.String())
	}
}
