package remote

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Bounds of the attack test: what it sends, and what the node may grow to.
const (
	attackConns          = 40  // over the limits of a peer host
	attackStreamsPerConn = 100 // over the limit of a connection
	// attackPacePackets is what the subscriber is timed on before the
	// attack (1 s of the camera); it is timed on twice as many under it.
	attackPacePackets = 100
	// attackSlowdown bounds how much slower the subscriber may be under the
	// attack than before it; attackLag how far behind the camera it may be.
	// The attacker runs in the test's own process, on the same two cores as
	// the node, and its slow senders make the node read about 18 MB/s of
	// junk: the node's camera slows with the node's share of the CPU (to
	// 30 packets/s under the race detector on a busy machine), while its
	// subscriber keeps up with it, in order. A node that stopped serving
	// under the attack fails both.
	attackSlowdown = 4
	attackLag      = time.Second
	// attackRSSGrowth bounds how much the node may grow under the
	// attack: the limits allow a peer host that is not authenticated
	// about 81 MiB (limits.go); the rest is room for the runtime.
	attackRSSGrowth = 128 << 20
)

// attacker speaks raw HTTP/2 to a node, as a hostile peer would.
type attacker struct {
	t    *testing.T
	addr string
	mu   sync.Mutex
	// opened counts the connections the node let through the handshake.
	opened int
}

// conn opens a connection and, on up to streams streams of protoactor's
// method, sends a gRPC message prefix that declares declared bytes, then,
// every interval until stop, trickle bytes of that message on each (a slow
// sender). It returns when stop closes or the node closes the connection.
func (a *attacker) conn(streams int, declared uint32, trickle int, interval time.Duration, stop <-chan struct{}) {
	c, err := net.DialTimeout("tcp", a.addr, time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	if _, err := c.Write([]byte(http2.ClientPreface)); err != nil {
		return
	}
	fr := http2.NewFramer(c, c)
	if fr.WriteSettings() != nil {
		return
	}
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", "/remote.Remoting/Receive"},
		{":authority", a.addr}, {"content-type", "application/grpc"}, {"te", "trailers"}} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	for i := range streams {
		id := uint32(2*i + 1)
		if fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndHeaders: true}) != nil {
			return
		}
		if fr.WriteData(id, false, binary.BigEndian.AppendUint32([]byte{0}, declared)) != nil {
			return
		}
	}
	// Read what the node sends (settings, resets, pings), answering
	// nothing, until it closes or the attack ends; its settings tell
	// that it let the connection through.
	go func() {
		for counted := false; ; {
			f, err := fr.ReadFrame()
			if err != nil {
				return
			}
			if _, ok := f.(*http2.SettingsFrame); ok && !counted {
				counted = true
				a.mu.Lock()
				a.opened++
				a.mu.Unlock()
			}
		}
	}()
	junk := make([]byte, 16<<10) // HTTP/2's default largest frame
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			for i := range streams {
				for sent := 0; sent < trickle; sent += len(junk) {
					// A stream the node has reset refuses data; the
					// connection goes on.
					if fr.WriteData(uint32(2*i+1), false, junk) != nil {
						return
					}
				}
			}
		}
	}
}

// rss returns a process's resident memory in bytes, or 0 when it cannot
// be read (no /proc, or the process ended).
func rss(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// Declared lengths, stream floods, connection floods and slow senders at
// once (each connection declares 268,435,455 bytes, or sends a message of
// the largest size slowly, on 100 streams), from one host, against a node without a token (every peer counts
// as not authenticated): the node stays within its limits and its
// subscriber keeps receiving.
func TestAttacksLeaveTheNodeBoundedAndServing(t *testing.T) {
	pub := startChild(t, "pub", childArgs{})
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam"})
	sub.packets(20)
	// The subscriber's pace before the attack, on this machine under its
	// load: the pace under the attack is set against it.
	paceStart := time.Now()
	sub.packets(attackPacePackets)
	pace := time.Since(paceStart)
	before := rss(pub.cmd.Process.Pid)
	if before == 0 {
		t.Skip("needs /proc to measure memory")
	}

	a := &attacker{t: t, addr: pub.addr}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range attackConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				// Declared lengths: what gRPC would have allocated at
				// once, before it took memory as bytes arrive.
				a.conn(attackStreamsPerConn, 1<<28-1, 0, 100*time.Millisecond, stop)
				return
			}
			// Slow senders: a message as large as the node accepts,
			// sent 64 KiB a stream every 50 ms.
			a.conn(attackStreamsPerConn, maxMessageBytes, 64<<10, 50*time.Millisecond, stop)
		}()
	}
	// The node's memory, sampled while the attack lasts.
	var peak int64
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			peak = max(peak, rss(pub.cmd.Process.Pid))
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	// The subscriber keeps its frame rate (100 packets a second) under the
	// attack: it keeps up with the camera, and the pace of both stays
	// within a factor of the pace before the attack (the attacker shares
	// the machine's two cores with the node).
	start := time.Now()
	got := sub.packets(2 * attackPacePackets)
	for i := 1; i < len(got); i++ {
		if got[i].Seq != got[i-1].Seq+1 {
			t.Fatalf("under the attack the subscriber got seq %d after %d", got[i].Seq, got[i-1].Seq)
		}
	}
	if d := time.Since(start); d > 2*attackSlowdown*pace {
		t.Errorf("the subscriber took %v for %d packets under the attack, %v for %d before it",
			d.Round(time.Millisecond), 2*attackPacePackets, pace.Round(time.Millisecond), attackPacePackets)
	}
	if lag := time.Since(time.Unix(0, got[len(got)-1].Capture)); lag > attackLag {
		t.Errorf("under the attack the subscriber fell %v behind the camera", lag.Round(time.Millisecond))
	}
	close(stop)
	wg.Wait()
	<-sampled
	t.Logf("node RSS %d MiB before the attack, %d MiB under it; %d of %d connections got through the handshake",
		before>>20, peak>>20, a.opened, attackConns)
	if peak-before > attackRSSGrowth {
		t.Fatalf("the node grew by %d MiB under the attack (bound %d MiB)", (peak-before)>>20, attackRSSGrowth>>20)
	}
	// Thousands of refusals, a line or two a second.
	if n := strings.Count(pub.stderr.String(), "refused"); n > 2*int(time.Since(start)/refusalInterval)+4 {
		t.Errorf("the node logged %d refusals in %v", n, time.Since(start).Round(time.Second))
	}
	// The host's places, and one more let through to be told it is over
	// the limit.
	if a.opened > maxPendingPerPeer+maxRefusingPerPeer {
		t.Errorf("%d connections from one host got through, want at most %d", a.opened, maxPendingPerPeer+maxRefusingPerPeer)
	}
	if rest := sub.packets(20); rest[0].Seq != got[len(got)-1].Seq+1 {
		t.Fatalf("after the attack the subscriber got seq %d after %d", rest[0].Seq, got[len(got)-1].Seq)
	}
}

// Connections that never finish their handshake are closed after
// handshakeTimeout, and free their places for the host's next ones.
func TestSilentConnectionsAreClosed(t *testing.T) {
	pub := startChild(t, "pub", childArgs{})
	// Another loopback address: a host of its own for the limits.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: time.Second}
	var silent []net.Conn
	for range maxPendingPerPeer {
		c, err := d.Dial("tcp", pub.addr)
		if err != nil {
			t.Skipf("cannot connect from 127.0.0.2: %v", err)
		}
		defer c.Close()
		silent = append(silent, c)
	}
	// The node closes them once the handshake time is over (it may send
	// its HTTP/2 settings first).
	for _, c := range silent {
		c.SetReadDeadline(time.Now().Add(handshakeTimeout + 3*time.Second))
		_, err := io.Copy(io.Discard, c)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("a silent connection is still open after %v", handshakeTimeout)
		}
	}
	// And the host may connect again.
	a := &attacker{t: t, addr: pub.addr}
	stop := make(chan struct{})
	time.AfterFunc(time.Second, func() { close(stop) })
	a.conn(1, 5, 0, time.Hour, stop)
	if a.opened != 1 {
		t.Fatal("the host's connection was refused after its silent ones were closed")
	}
}
