package web

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
)

// idleClient opens a connection to the server at addr from the loopback
// address from, makes one request on it and leaves it idle, kept alive;
// it returns the connection, or nil when the server closed it unanswered.
func idleClient(t *testing.T, addr, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET /api/topics HTTP/1.1\r\nHost: gopline\r\n\r\n"); err != nil {
		return nil
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil
	}
	res.Body.Close()
	return c
}

// Clients that open connections and leave them idle hold at most their
// address's share of the viewer port: the connections past it are closed
// unanswered, and a client of another address is served. The node's file
// descriptors are not theirs to use up.
func TestIdleConnectionsOfOneAddressHoldItsShareOnly(t *testing.T) {
	n := newLiveNode(t, Config{})
	s := listen(t, n, nil)
	held := 0
	for range MaxConnectionsPerLoopback + 10 {
		if idleClient(t, s.Addr(), "127.0.0.2") != nil {
			held++
		}
	}
	if held != MaxConnectionsPerLoopback {
		t.Fatalf("one address holds %d idle connections, want its share, %d", held, MaxConnectionsPerLoopback)
	}
	if idleClient(t, s.Addr(), "127.0.0.1") == nil {
		t.Fatal("a client of another address was not served")
	}
}

// At the bound of all connections, a new one takes the place of the one
// idle the longest; with none idle, it is refused.
func TestAFullViewerPortClosesTheConnectionIdleTheLongest(t *testing.T) {
	l := newConnLimit(zerolog.Nop())
	l.total = 2
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	first, second := &fakeConn{}, &fakeConn{}
	if !l.admit(a) || !l.admit(a) {
		t.Fatal("two connections refused below the bound")
	}
	if l.admit(b) {
		t.Fatal("a third admitted past the bound, none idle")
	}
	l.connState(first, http.StateIdle)
	time.Sleep(time.Millisecond)
	l.connState(second, http.StateIdle)
	if !l.admit(b) || !first.closed || second.closed {
		t.Fatalf("a new connection at the bound: first closed %v, second closed %v; want the one idle the longest closed", first.closed, second.closed)
	}
}

// fakeConn is a connection that notes its close.
type fakeConn struct {
	net.Conn
	closed bool
}

func (c *fakeConn) Close() error { c.closed = true; return nil }

// Requests refused for their token (someone guessing it) are said in the
// log: the first at once, then at most every 10 s with the count.
func TestRequestsWithAWrongTokenAreLogged(t *testing.T) {
	var logged testlog.Buffer
	n := newLiveNode(t, Config{Token: "s3cret", Log: zerolog.New(&logged)})
	for _, token := range []string{"guess1", "guess2", ""} {
		res, err := http.Get(n.server.URL + "/api/topics?token=" + token)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("token %q: %s", token, res.Status)
		}
	}
	if got := strings.Count(logged.String(), "refused for the token"); got != 1 || !strings.Contains(logged.String(), `"client":"127.0.0.1"`) {
		t.Fatalf("three refusals logged %d times, want once, naming the client:\n%s", got, logged.String())
	}
}

// Warnings of clients held back are told once their interval has passed,
// with their count, though no more come: the count of an attack that
// stopped is not lost.
func TestHeldBackClientWarningsAreToldWhenTheyStop(t *testing.T) {
	var logged testlog.Buffer
	n := newLiveNode(t, Config{Log: zerolog.New(&logged)})
	h := n.handler
	for range 5 {
		h.warnClient(&h.foxRefused, netip.MustParseAddr("10.0.0.1"), "Foxglove client refused", errEvicted)
	}
	h.flushHeld(time.Now().Add(clientWarnEvery + time.Second))
	if !strings.Contains(logged.String(), `"count":4,"message":"web: Foxglove client refused (since the last line)"`) {
		t.Fatalf("the 4 held back are not told:\n%s", logged.String())
	}
}
