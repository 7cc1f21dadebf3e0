package remote

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeClock runs an admission's timers when the test moves its time.
type fakeClock struct {
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func (c *fakeClock) after(d time.Duration, f func()) func() bool {
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool { was := !t.stopped; t.stopped = true; return was }
}

// advance moves the time by d, running the timers due on the way, in
// order.
func (c *fakeClock) advance(d time.Duration) {
	end := c.now.Add(d)
	for {
		slices.SortStableFunc(c.timers, func(a, b *fakeTimer) int { return a.at.Compare(b.at) })
		if len(c.timers) == 0 || c.timers[0].at.After(end) {
			break
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		if !t.stopped {
			c.now = t.at
			t.stopped = true
			t.f()
		}
	}
	c.now = end
}

// testAdmission is an admission on a fake clock whose live actors are
// live; closed lists the connections it closed, by remote address.
type testAdmission struct {
	*admission
	clock  *fakeClock
	live   map[string]bool
	closed []string
	logged []string
}

func newTestAdmission(auth bool) *testAdmission {
	ta := &testAdmission{admission: newAdmission(auth), clock: &fakeClock{now: time.Unix(1000, 0)}, live: map[string]bool{}}
	ta.now = func() time.Time { return ta.clock.now }
	ta.after = ta.clock.after
	ta.watch(func(id string) bool { return ta.live[id] }, func(peer, what string, err error) {
		ta.logged = append(ta.logged, fmt.Sprintf("%s %s: %v", peer, what, err))
	})
	return ta
}

func (ta *testAdmission) connect(remote string) (*admitted, error) {
	return ta.admit(remote, func() error { ta.closed = append(ta.closed, remote); return nil })
}

// batch is what a peer's stream brings: messages of type typ to targets.
func (ta *testAdmission) batch(remoteAddr, typ string, targets ...string) {
	b := &remote.MessageBatch{TypeNames: []string{typ}}
	for i, id := range targets {
		b.Targets = append(b.Targets, &actor.PID{Address: "n:1", Id: id})
		b.Envelopes = append(b.Envelopes, &remote.MessageEnvelope{Target: int32(i)})
	}
	if acts, ends := ta.inBatch(b); acts {
		ta.active(remoteAddr, ends)
	}
}

func addr(host string, port int) string { return fmt.Sprintf("%s:%d", host, port) }

// A host's places taken by connections that say nothing: a new connection
// from the host takes the place of the one quiet for longest, once it has
// been quiet for quietToGiveWay; before that, the new one is refused and
// told why.
func TestQuietConnectionsGiveWayToANewOne(t *testing.T) {
	ta := newTestAdmission(false)
	for i := range maxPendingPerPeer {
		if _, err := ta.connect(addr("10.0.0.1", i)); err != nil {
			t.Fatal(err)
		}
		ta.clock.advance(100 * time.Millisecond)
	}
	// All fresh: the next is refused, but admitted to be told why.
	c, err := ta.connect(addr("10.0.0.1", 100))
	if !errors.Is(err, errTooManyConns) || c == nil || !strings.Contains(err.Error(), "for 10.0.0.1") {
		t.Fatalf("a connection over the host's limit, none quiet: %v, %v", c, err)
	}
	st, _ := status.FromError(ta.refused(addr("10.0.0.1", 100)))
	if st.Code() != codes.ResourceExhausted || !strings.Contains(st.Message(), "connection limit") {
		t.Fatalf("its calls are answered %v", st)
	}
	// One refused connection of the host at a time is let through.
	if c, err := ta.connect(addr("10.0.0.1", 101)); c != nil || err == nil {
		t.Fatalf("a second refused connection of the host: %v, %v", c, err)
	}
	// It is closed soon after it was told.
	ta.clock.advance(refusedLinger)
	if !slices.Equal(ta.closed, []string{addr("10.0.0.1", 100)}) {
		t.Fatalf("closed %v, want the refused connection", ta.closed)
	}
	// One never told is closed after the handshake time.
	c, _ = ta.connect(addr("10.0.0.1", 101))
	ta.clock.advance(handshakeTimeout - time.Millisecond)
	if c == nil || c.closed {
		t.Fatalf("a refused connection closed before the handshake time: %+v", c)
	}
	ta.clock.advance(time.Millisecond)
	if !c.closed || !slices.Contains(ta.closed, addr("10.0.0.1", 101)) {
		t.Fatalf("a refused connection still open after the handshake time")
	}
	// The one still quiet for longest gives way; the one that spoke does
	// not.
	ta.batch(addr("10.0.0.1", 0), "gopline.wire.v1.TopicsRequest", gatewayName)
	ta.live[gatewayName] = true
	ta.batch(addr("10.0.0.1", 0), "gopline.wire.v1.TopicsRequest", gatewayName)
	ta.closed = nil
	if _, err := ta.connect(addr("10.0.0.1", 102)); err != nil {
		t.Fatalf("a connection of a host whose places are quiet: %v", err)
	}
	if !slices.Equal(ta.closed, []string{addr("10.0.0.1", 1)}) {
		t.Fatalf("closed %v to admit it, want the quietest (port 1)", ta.closed)
	}
	if len(ta.logged) == 0 || !strings.Contains(ta.logged[len(ta.logged)-1], "to admit a connection from 10.0.0.1") {
		t.Fatalf("the node did not log it: %v", ta.logged)
	}
	if pending, _ := ta.counts(); pending != maxPendingPerPeer {
		t.Fatalf("%d connections, want %d", pending, maxPendingPerPeer)
	}
}

// The node's places, taken by quiet connections from several hosts: a new
// host gets in, in the place of the quietest, whatever its host.
func TestQuietConnectionsOfOtherHostsGiveWay(t *testing.T) {
	ta := newTestAdmission(false)
	for h := range maxPending / maxPendingPerPeer {
		for i := range maxPendingPerPeer {
			if _, err := ta.connect(addr(fmt.Sprintf("10.0.1.%d", h), i)); err != nil {
				t.Fatal(err)
			}
		}
		ta.clock.advance(time.Second)
	}
	ta.clock.advance(quietToGiveWay)
	if _, err := ta.connect(addr("10.0.2.1", 1)); err != nil {
		t.Fatalf("a new host: %v", err)
	}
	if len(ta.closed) != 1 || !strings.HasPrefix(ta.closed[0], "10.0.1.0:") {
		t.Fatalf("closed %v, want one of the first host's", ta.closed)
	}
}

// A connection that carries nothing the node acts on is closed after the
// idle time; one whose messages went to a subscription's end stays as
// long as that end runs, however quiet, and gives way only once quiet for
// the idle time.
func TestIdleConnectionsCloseAndQuietSubscriptionsStay(t *testing.T) {
	ta := newTestAdmission(false)
	const held, ping, sub = "10.0.0.1:1", "10.0.0.1:2", "10.0.0.1:3"
	for _, r := range []string{held, ping, sub} {
		if _, err := ta.connect(r); err != nil {
			t.Fatal(err)
		}
	}
	proxy := gatewayName + "/" + proxyPrefix + "1"
	ta.live[proxy] = true
	ta.live[gatewayName] = true
	ta.batch(sub, "actor.Watch", proxy) // a link watches its proxy
	// Watching the gateway keeps nothing in use.
	for range 3 {
		ta.clock.advance(idleTimeout / 2)
		ta.batch(ping, "actor.Watch", gatewayName)
	}
	if !slices.Contains(ta.closed, held) || !slices.Contains(ta.closed, ping) || slices.Contains(ta.closed, sub) {
		t.Fatalf("closed %v after %v, want the held and the watching ones", ta.closed, 3*idleTimeout/2)
	}
	ta.clock.advance(10 * idleTimeout)
	if slices.Contains(ta.closed, sub) {
		t.Fatal("a quiet subscription's connection was closed")
	}
	// It gives way when the limits are full.
	for i := range maxPendingPerPeer - 1 {
		if _, err := ta.connect(addr("10.0.0.1", 10+i)); err != nil {
			t.Fatal(err)
		}
	}
	ta.clock.advance(quietToGiveWay)
	if _, err := ta.connect(addr("10.0.0.1", 30)); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ta.closed, sub) {
		t.Fatal("a quiet subscription's connection gave way before connections that never spoke")
	}
	ta.closed = nil
	for i := range maxPendingPerPeer {
		ta.batch(addr("10.0.0.1", 10+i), "gopline.wire.v1.TopicsRequest", gatewayName)
		ta.batch(addr("10.0.0.1", 30), "gopline.wire.v1.TopicsRequest", gatewayName)
	}
	ta.clock.advance(quietToGiveWay / 2)
	if _, err := ta.connect(addr("10.0.0.1", 31)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ta.closed, []string{sub}) {
		t.Fatalf("closed %v, want the subscription quiet for longest", ta.closed)
	}
	// When its subscription ends, a quiet connection is closed.
	ta.closed = nil
	c, _ := ta.connect("10.0.0.9:1")
	ta.batch("10.0.0.9:1", "gopline.wire.v1.Ack", proxy)
	ta.clock.advance(2 * idleTimeout)
	if c.closed {
		t.Fatal("closed while its subscription runs")
	}
	delete(ta.live, proxy)
	ta.clock.advance(idleTimeout)
	if !c.closed {
		t.Fatal("still open after its subscription ended")
	}
}

// Authenticated connections never give way to unauthenticated ones.
func TestAuthenticatedConnectionsDoNotGiveWay(t *testing.T) {
	ta := newTestAdmission(true)
	for i := range maxPending {
		if _, err := ta.connect(addr(fmt.Sprintf("10.0.%d.1", i), 1)); err != nil {
			t.Fatal(err)
		}
		if err := ta.authenticated(addr(fmt.Sprintf("10.0.%d.1", i), 1)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range maxPending {
		if _, err := ta.connect(addr(fmt.Sprintf("10.1.%d.1", i), 1)); err != nil {
			t.Fatal(err)
		}
	}
	ta.clock.advance(quietToGiveWay)
	ta.closed = nil
	if _, err := ta.connect("10.2.0.1:1"); err != nil {
		t.Fatal(err)
	}
	if len(ta.closed) != 1 || !strings.HasPrefix(ta.closed[0], "10.1.") {
		t.Fatalf("closed %v, want an unauthenticated one", ta.closed)
	}
}
