package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/rs/zerolog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/gopline/gopline/transport"
)

// timingEnv sets the idle time and the quiet time to give way
// ("idle,giveway", durations) of the nodes of this file's child roles, so
// that the tests need not wait idleTimeout.
const timingEnv = "GOPLINE_REMOTE_ADMISSION_TIMING"

// This file's child roles (see TestMain) run here, before TestMain: a
// publisher that pauses its topic on SIGUSR1 and resumes on the next one
// (saying which, see togglePause), a subscriber, and a single listing of
// a node's topics. On SIGUSR2 a publisher or subscriber closes every
// connection it accepted, as it would to give their places to new ones;
// on SIGHUP a subscriber leaves its endpoints without writers (see
// forgetEndpointWriters).
func init() {
	role := os.Getenv(roleEnv)
	if role != "quietpub" && role != "quietsub" && role != "quietlist" {
		return
	}
	var a childArgs
	if err := json.Unmarshal([]byte(os.Getenv(argsEnv)), &a); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(runQuietChild(role, a))
}

func runQuietChild(role string, a childArgs) int {
	out := json.NewEncoder(os.Stdout)
	var mu sync.Mutex
	say := func(r report) {
		mu.Lock()
		defer mu.Unlock()
		out.Encode(r)
	}
	sys := quietSystem()
	bus := transport.NewBus(sys)
	cfg := Config{Listen: a.Listen, GiveUpAfter: -1, Log: zerolog.New(os.Stderr).Level(zerolog.InfoLevel)}
	if a.TLS != nil {
		var err error
		if cfg.ServerTLS, cfg.ClientTLS, err = LoadTLS(*a.TLS); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	n, err := Start(sys, bus, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if timing := os.Getenv(timingEnv); timing != "" {
		var idle, giveWay time.Duration
		text := strings.Split(timing, ",")
		if len(text) == 2 {
			idle, err = time.ParseDuration(text[0])
			if err == nil {
				giveWay, err = time.ParseDuration(text[1])
			}
		}
		if len(text) != 2 || err != nil {
			fmt.Fprintf(os.Stderr, "%s=%q: want idle,giveway\n", timingEnv, timing)
			return 2
		}
		ad := n.guard.admission
		ad.mu.Lock()
		ad.idle, ad.giveWay = idle, giveWay
		ad.mu.Unlock()
	}
	say(report{Addr: n.Addr()})
	drop := make(chan os.Signal, 1)
	signal.Notify(drop, syscall.SIGUSR2)
	go func() {
		for range drop {
			n.guard.admission.dropAll()
		}
	}()
	if a.Lifetime == 0 {
		a.Lifetime = time.Minute
	}
	stop := time.After(a.Lifetime) // in case the parent is gone
	switch role {
	case "quietpub":
		topic, _ := bus.Topic("/cam")
		src := &source{epoch: uint64(time.Now().UnixNano()) | 1, gop: 10}
		toggle := make(chan os.Signal, 1)
		signal.Notify(toggle, syscall.SIGUSR1)
		tick := time.NewTicker(10 * time.Millisecond)
		for paused := false; ; {
			select {
			case <-tick.C:
				if !paused {
					sys.Root.Send(topic, &transport.Publish{Packet: src.next()})
				}
			case <-toggle:
				// Said, so that the test sends the next toggle only after
				// this one counted: two signals of a kind pending at once
				// are one.
				paused = !paused
				say(report{Event: map[bool]string{true: "paused", false: "resumed"}[paused]})
			case <-stop:
				return 0
			}
		}
	case "quietsub":
		link, err := n.Dial(a.Addr, a.Topic)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		pid := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			switch m := ctx.Message().(type) {
			case *transport.Delivery:
				p := m.Packet
				say(report{Packet: true, Seq: p.Seq, Epoch: p.Epoch, Key: p.Key, Replayed: p.Replay.Replayed})
				ctx.Send(link, &transport.Ack{})
			case *transport.Event:
				say(report{Event: m.Kind.String()})
			}
		}))
		sys.Root.Send(link, &transport.Subscribe{Subscriber: pid})
		forget := make(chan os.Signal, 1)
		signal.Notify(forget, syscall.SIGHUP)
		go func() {
			for range forget {
				say(report{Event: fmt.Sprintf("forgot %d endpoint writers", forgetEndpointWriters(sys))})
			}
		}()
	case "quietlist":
		list, err := n.Topics(a.Addr, 5*time.Second)
		if err != nil {
			say(report{Event: "error: " + err.Error()})
		} else {
			say(report{Subs: &[]int{len(list)}[0]})
		}
	}
	<-stop
	return 0
}

// dropAll closes every connection admitted, as giving their places to new
// ones would.
func (a *admission) dropAll() {
	a.mu.Lock()
	var all []*admitted
	for _, c := range a.conns {
		a.forget(c)
		all = append(all, c)
	}
	a.mu.Unlock()
	a.closeAll(all, "idle connection", "for the test")
}

// holdStream connects to the node at addr from the local address src and
// does what the audit's attacker did: it starts protoactor's stream with a
// connect request, as a peer would, then says nothing (its gRPC library
// answers the node's pings), over creds (nil: plaintext). It returns once
// the node answered, with a channel closed when the node ends the stream.
func holdStream(t *testing.T, addr, src string, creds credentials.TransportCredentials) (<-chan struct{}, error) {
	t.Helper()
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds),
		grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
			return d.DialContext(ctx, "tcp", a)
		}))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { cc.Close() })
	life, end := context.WithCancel(context.Background())
	t.Cleanup(end)
	st, err := remote.NewRemotingClient(cc).Receive(life)
	if err != nil {
		return nil, err
	}
	err = st.Send(&remote.RemoteMessage{MessageType: &remote.RemoteMessage_ConnectRequest{ConnectRequest: &remote.ConnectRequest{
		ConnectionType: &remote.ConnectRequest_ServerConnection{ServerConnection: &remote.ServerConnection{SystemId: "held", Address: "127.0.0.1:9"}}}}})
	if errors.Is(err, io.EOF) { // the node ended the stream: its status says why
		_, err = st.Recv()
	}
	if err != nil {
		return nil, err
	}
	answered := make(chan error, 1)
	go func() {
		_, err := st.Recv()
		answered <- err
	}()
	select {
	case err := <-answered:
		if err != nil {
			return nil, err
		}
	case <-time.After(10 * time.Second):
		return nil, errors.New("no answer to the connect request")
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for {
			if _, err := st.Recv(); err != nil {
				return
			}
		}
	}()
	return ended, nil
}

// holdStreams holds count streams from src, or skips the test when src
// cannot connect. With untilFull, it stops at the first stream the node
// refuses for its connection limit.
func holdStreams(t *testing.T, addr, src string, count int, untilFull bool, creds credentials.TransportCredentials) []<-chan struct{} {
	t.Helper()
	var all []<-chan struct{}
	for i := range count {
		ended, err := holdStream(t, addr, src, creds)
		if err != nil {
			if untilFull && strings.Contains(err.Error(), "connection limit") {
				break
			}
			if i == 0 && src != "127.0.0.1" {
				t.Skipf("cannot connect from %s: %v", src, err)
			}
			t.Fatalf("held stream %d from %s: %v", i, src, err)
		}
		all = append(all, ended)
	}
	return all
}

// waitEnded waits for the node to end every stream.
func waitEnded(t *testing.T, streams []<-chan struct{}) {
	t.Helper()
	for _, ended := range streams {
		select {
		case <-ended:
		case <-time.After(time.Minute):
			t.Fatal("the node did not end a held stream")
		}
	}
}

// A subscription whose topic pauses for longer than the idle time stays:
// its connections, quiet both ways, serve a live subscription, while
// streams held silent beside them are closed. When the topic resumes the
// subscriber gets the next packets, without losing the publisher and
// without a replay.
func TestQuietSubscriptionOutlivesTheIdleTime(t *testing.T) {
	t.Setenv(timingEnv, "1s,100ms")
	pub := startChild(t, "quietpub", childArgs{})
	sub := startChild(t, "quietsub", childArgs{Addr: pub.addr, Topic: "/cam"})
	before := sub.packets(20)
	pub.togglePause("paused")
	// Two rounds of held streams, each closed after the idle time: by the
	// end of the second, the subscription's connections have been quiet
	// for longer than it.
	for range 2 {
		waitEnded(t, append(holdStreams(t, pub.addr, "127.0.0.1", 1, false, nil), holdStreams(t, sub.addr, "127.0.0.1", 1, false, nil)...))
	}
	pub.togglePause("resumed")
	last := before[len(before)-1]
	for got := 0; got < 20; {
		r := sub.next(15 * time.Second)
		switch {
		case r == nil:
			t.Fatalf("%d packets after the pause, want 20", got)
		case r.Event != "":
			t.Fatalf("the subscriber was told %s", r.Event)
		case !r.Packet:
		case r.Replayed || r.Seq != last.Seq+1:
			t.Fatalf("after seq %d the subscriber got seq %d (replayed %v)", last.Seq, r.Seq, r.Replayed)
		default:
			last = *r
			got++
		}
	}
	if !pub.stderr.Await("without a message the node acts on", logWait) {
		t.Errorf("the node did not log the idle connections it closed:\n%s", pub.stderr.String())
	}
	for _, l := range strings.Split(pub.stderr.String(), "\n") {
		if strings.Contains(l, "without a message the node acts on") && !strings.Contains(l, "closed a peer's connection") &&
			!strings.Contains(l, "closed peers' connections") {
			t.Errorf("an idle connection closed is logged as a refusal: %s", l)
		}
	}
}

// Streams held silent on a host's places, then on all the node's places
// (from four other loopback addresses), keep no one out: a new peer's
// listing and subscription take the places of the quietest.
func TestHeldStreamsGiveWayToANewPeer(t *testing.T) {
	const giveWay = 200 * time.Millisecond
	t.Setenv(timingEnv, "1m,"+giveWay.String()) // nothing closes for being idle
	pub := startChild(t, "quietpub", childArgs{})
	held := holdStreams(t, pub.addr, "127.0.0.1", maxPendingPerPeer, false, nil)
	// Quiet time only grows: after giveWay, every held stream may give way.
	time.Sleep(giveWay)
	lister := startChild(t, "quietlist", childArgs{Addr: pub.addr})
	if r := lister.next(30 * time.Second); r == nil || r.Subs == nil || *r.Subs != 1 {
		t.Fatalf("the listing from the host with held streams: %+v", r)
	}
	gaveWay := 0
	for _, ended := range held {
		select {
		case <-ended:
			gaveWay++
		default:
		}
	}
	t.Logf("%d of the host's held streams gave way", gaveWay)

	// The listing's connection may still hold a place: the last held
	// streams may find the node full.
	others := 0
	for ip := 2; ip < 2+maxPending/maxPendingPerPeer; ip++ {
		others += len(holdStreams(t, pub.addr, fmt.Sprintf("127.0.0.%d", ip), maxPendingPerPeer, true, nil))
	}
	t.Logf("%d streams held from other hosts", others)
	if others < maxPending-2 {
		t.Fatalf("%d streams held from other hosts, want the node's %d places but the listing's", others, maxPending)
	}
	time.Sleep(giveWay)
	sub := startChild(t, "quietsub", childArgs{Addr: pub.addr, Topic: "/cam"})
	sub.packets(20)
	lister = startChild(t, "quietlist", childArgs{Addr: pub.addr})
	if r := lister.next(30 * time.Second); r == nil || r.Subs == nil || *r.Subs != 1 {
		t.Fatalf("the listing with the node's places held: %+v", r)
	}
	if !pub.stderr.Await("to admit a connection from 127.0.0.1", logWait) {
		t.Errorf("the node did not log the connections that gave way:\n%s", pub.stderr.String())
	}
}

// A node at its connection limit, with no connection quiet enough to give
// way, tells a new peer so, in plaintext and over TLS: the probe reads it.
func TestAtTheLimitThePeerIsToldWhy(t *testing.T) {
	t.Setenv(timingEnv, "1m,1m")
	files := testPKIFor(t, t.TempDir(), "fleet", "robot", "viewer")
	_, client, err := LoadTLS(files[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		tls   *TLSFiles
		creds credentials.TransportCredentials
	}{
		{"plaintext", nil, insecure.NewCredentials()},
		{"TLS", &files[0], credentials.NewTLS(client)},
	} {
		pub := startChild(t, "quietpub", childArgs{TLS: c.tls})
		holdStreams(t, pub.addr, "127.0.0.1", maxPendingPerPeer, false, c.creds)
		err := probe(pub.addr, []grpc.DialOption{grpc.WithTransportCredentials(c.creds)}, 5*time.Second)
		t.Logf("%s: probe: %v", c.name, err)
		if err == nil || errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "the node is at its connection limit for 127.0.0.1") {
			t.Fatalf("%s: the probe of a node at its limit: %v", c.name, err)
		}
		if !pub.stderr.Await("connection limit", logWait) {
			t.Errorf("%s: the node did not log the refusal:\n%s", c.name, pub.stderr.String())
		}
	}
}

// A quiet subscription's connection that gives its place to a new one
// (closed by the publisher's node, or by the subscriber's) comes back by
// itself: protoactor's end of the connection fails, the link is told its
// publisher's end is gone and subscribes again, and when the topic
// resumes the subscriber gets packets again.
func TestQuietSubscriptionCutComesBack(t *testing.T) {
	pub := startChild(t, "quietpub", childArgs{})
	sub := startChild(t, "quietsub", childArgs{Addr: pub.addr, Topic: "/cam"})
	sub.packets(20)
	for _, c := range []struct {
		name string
		n    *node
	}{{"publisher's", pub}, {"subscriber's", sub}} {
		cut := c.n
		before := strings.Count(cut.stderr.String(), "for the test")
		pub.togglePause("paused")
		if err := cut.cmd.Process.Signal(syscall.SIGUSR2); err != nil {
			t.Fatal(err)
		}
		// The cut is seen: the node logs the connections it closed.
		for deadline := time.Now().Add(15 * time.Second); strings.Count(cut.stderr.String(), "for the test") == before; {
			if time.Now().After(deadline) {
				t.Fatal("the node did not close its connections")
			}
			time.Sleep(10 * time.Millisecond)
		}
		pub.togglePause("resumed")
		resumed := time.Now()
		// The link saw the cut (it was told it lost the publisher, and
		// regained it) and packets captured after the resume arrive.
		regained := false
		for got := 0; got < 20 || !regained; {
			r := sub.next(20 * time.Second)
			if r == nil {
				t.Fatalf("cut at the %s node: %d packets after the resume (regained %v), want 20", c.name, got, regained)
			}
			regained = regained || r.Event == transport.EventLivelinessRegained.String()
			if r.Packet && !r.Replayed {
				got++
			}
		}
		t.Logf("cut at the %s node: 20 packets %v after the resume", c.name, time.Since(resumed).Round(time.Millisecond))
	}
}

// togglePause pauses or resumes a quietpub node's topic and waits until the
// node says it did, want ("paused" or "resumed").
func (n *node) togglePause(want string) {
	n.t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		n.t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; {
		r := n.next(time.Until(deadline))
		if r == nil {
			n.t.Fatalf("the publisher did not say %s", want)
		}
		if r.Event == want {
			return
		}
	}
}
