package remote

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/rs/zerolog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
)

// The tests run every node in a child process of its own (the test binary
// again, with roleEnv set), as gopline runs them: one node per process.
// protoactor's remote keeps process-wide state (gRPC's logger, which every
// Start replaces) and has unsynchronized fields in its shutdown path, which
// the race detector would report against a second node, or a closed one, in
// the test's own process. A child reports what it sees as JSON lines on
// stdout; the test reads them.
const (
	roleEnv = "GOPLINE_REMOTE_ROLE"
	argsEnv = "GOPLINE_REMOTE_ARGS"
)

// childArgs configure a child node.
type childArgs struct {
	Listen string `json:"listen"`
	Token  string `json:"token,omitempty"`
	// Name: Config.Name.
	Name string `json:"name,omitempty"`
	// Sub: the node and topic to subscribe to.
	Addr  string `json:"addr,omitempty"`
	Topic string `json:"topic,omitempty"`
	// TLS: PEM files (see LoadTLS).
	TLS *TLSFiles `json:"tls,omitempty"`
	// Allow: Config.AllowedClients.
	Allow []string `json:"allow,omitempty"`
	// Keepalive: Config.Keepalive.
	Keepalive time.Duration `json:"keepalive,omitempty"`
	// Lifetime: how long the child runs (default a minute).
	Lifetime time.Duration `json:"lifetime,omitempty"`
	// EndAfter: a "pub" child's stream ends after this many packets, once
	// it has a subscriber (0: it does not end); with Leave, because the
	// node stops, as gopline serve does on SIGTERM (see endStream).
	EndAfter uint64 `json:"end_after,omitempty"`
	Leave    bool   `json:"leave,omitempty"`
	// AckDelay: a "sub" child reads slowly, taking this long over each
	// packet before it acknowledges it.
	AckDelay time.Duration `json:"ack_delay,omitempty"`
}

// report is one line a child prints.
type report struct {
	Addr     string `json:"addr,omitempty"`
	Seq      uint64 `json:"seq,omitempty"`
	Epoch    uint64 `json:"epoch,omitempty"`
	Key      bool   `json:"key,omitempty"`
	Replayed bool   `json:"replayed,omitempty"`
	Last     bool   `json:"last,omitempty"`
	Event    string `json:"event,omitempty"`
	Packet   bool   `json:"packet,omitempty"`
	Gorout   int    `json:"goroutines,omitempty"`
	Heap     uint64 `json:"heap,omitempty"` // bytes in use after a GC
	// Capture: the packet's capture time, Unix nanoseconds; Received:
	// when the subscriber got it.
	Capture  int64 `json:"capture,omitempty"`
	Received int64 `json:"received,omitempty"`
	// Dropped: the packets dropped before this one (Delivery.Dropped).
	Dropped uint64 `json:"dropped,omitempty"`
	// Link numbers the subscription of a "sub2" child.
	Link int `json:"link,omitempty"`
	// Subs: the subscribers of a "pub" child's topic, reported each
	// second.
	Subs *int `json:"subs,omitempty"`
	// Node: the node a "topics" child's listing names.
	Node string `json:"node,omitempty"`
	// TopicDropped: the packets the topic's stats count as dropped, in
	// the same report as Subs.
	TopicDropped *uint64 `json:"topic_dropped,omitempty"`
	// SubNames and SubDropped: each subscriber of a "pub" child's topic,
	// as its stats name it (SubscriberStats.Who), and what the topic
	// dropped for it.
	SubNames   []string `json:"sub_names,omitempty"`
	SubDropped []uint64 `json:"sub_dropped,omitempty"`
}

func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		var a childArgs
		if err := json.Unmarshal([]byte(os.Getenv(argsEnv)), &a); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(runChild(role, a))
	}
	os.Exit(m.Run())
}

func quietSystem() *actor.ActorSystem {
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
}

// source makes H.264-like packets: a keyframe every gop.
type source struct {
	epoch, seq uint64
	gop        uint64
}

func (s *source) next() *media.Packet {
	key := s.seq%s.gop == 0
	p := &media.Packet{Codec: media.H264, Data: []byte{0, 0, 0, 1, 0x65, byte(s.seq)}, Key: key, Seq: s.seq,
		GOP: s.seq - s.seq%s.gop, Epoch: s.epoch, CaptureTime: time.Now(), Width: 64, Height: 48}
	s.seq++
	return p
}

func runChild(role string, a childArgs) int {
	out := json.NewEncoder(os.Stdout)
	var mu sync.Mutex
	say := func(r report) {
		mu.Lock()
		defer mu.Unlock()
		out.Encode(r)
	}
	sys := quietSystem()
	bus := transport.NewBus(sys)
	cfg := Config{Listen: a.Listen, Name: a.Name, Token: a.Token, AllowedClients: a.Allow, Keepalive: a.Keepalive, GiveUpAfter: -1, Log: zerolog.New(os.Stderr).Level(zerolog.InfoLevel)}
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
	say(report{Addr: n.Addr()})
	if a.Lifetime == 0 {
		a.Lifetime = time.Minute
	}
	stop := time.After(a.Lifetime) // in case the parent is gone
	switch role {
	case "pub":
		topic, _ := bus.Topic("/cam")
		src := &source{epoch: uint64(time.Now().UnixNano()) | 1, gop: 10}
		tick := time.NewTicker(10 * time.Millisecond)
		stats := time.NewTicker(time.Second)
		subscribed := false // a stream that ends (EndAfter) waits for a subscriber
		for {
			select {
			case <-tick.C:
				if a.EndAfter > 0 && src.seq >= a.EndAfter && subscribed {
					return endStream(n, topic, a.Leave, stop)
				}
				sys.Root.Send(topic, &transport.Publish{Packet: src.next()})
			case <-stats.C:
				if st, err := bus.Stats("/cam"); err == nil {
					r := report{Subs: &[]int{len(st.Subscribers)}[0], TopicDropped: &st.Dropped}
					for _, s := range st.Subscribers {
						r.SubNames, r.SubDropped = append(r.SubNames, s.Who()), append(r.SubDropped, s.Dropped)
					}
					say(r)
					subscribed = subscribed || len(st.Subscribers) > 0
				}
			case <-stop:
				return 0
			}
		}
	case "topics":
		// Concurrent listings of a node's topics: each reports how many
		// it got, or its error.
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				list, err := n.Topics(a.Addr, 5*time.Second)
				if err != nil {
					say(report{Event: "error: " + err.Error()})
					return
				}
				r := report{Subs: &[]int{len(list)}[0]}
				if len(list) > 0 {
					r.Node = list[0].Node
				}
				say(r)
			}()
		}
		wg.Wait()
		<-stop
		return 0
	case "sub2":
		// Two subscriptions to one node's topic; the first ends at its
		// first packet, while the rest of its replay is in flight.
		for i := 1; i <= 2; i++ {
			link, err := n.Dial(a.Addr, a.Topic)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			got := 0
			pid := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
				switch m := ctx.Message().(type) {
				case *transport.Delivery:
					got++
					say(report{Link: i, Packet: true, Seq: m.Packet.Seq, Epoch: m.Packet.Epoch, Key: m.Packet.Key})
					ctx.Send(link, &transport.Ack{})
					if i == 1 && got == 1 {
						ctx.Send(link, &transport.Unsubscribe{})
					}
				case *transport.Event:
					say(report{Link: i, Event: m.Kind.String()})
				}
			}))
			sys.Root.Send(link, &transport.Subscribe{Subscriber: pid})
		}
		<-stop
		return 0
	case "sub":
		link, err := n.Dial(a.Addr, a.Topic)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		pid := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			switch m := ctx.Message().(type) {
			case *transport.Delivery:
				p := m.Packet
				say(report{Packet: true, Seq: p.Seq, Epoch: p.Epoch, Key: p.Key, Replayed: p.Replay.Replayed, Last: p.Replay.Last,
					Capture: p.CaptureTime.UnixNano(), Received: time.Now().UnixNano(), Dropped: m.Dropped})
				time.Sleep(a.AckDelay)
				ctx.Send(link, &transport.Ack{})
			case *transport.Event:
				say(report{Event: m.Kind.String()})
			case *transport.EndOfStream:
				say(report{Event: endOfStream})
			}
		}))
		sys.Root.Send(link, &transport.Subscribe{Subscriber: pid})
		tick := time.NewTicker(time.Second)
		for {
			select {
			case <-tick.C:
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				say(report{Gorout: runtime.NumGoroutine(), Heap: ms.HeapAlloc})
			case <-stop:
				return 0
			}
		}
	}
	return 2
}

// logWait bounds the wait for a line a child logs after the deed the test
// saw: the child writes its log on its own time.
const logWait = 10 * time.Second

// endOfStream is the event a "sub" child reports for its EndOfStream.
const endOfStream = "end-of-stream"

// endStream ends a "pub" child's stream: its publisher leaves. With leave,
// because the node stops, as gopline serve does on SIGTERM: it says it is
// leaving first. The node serves on until stop (or the test kills it, as
// the end of a stopping process).
func endStream(n *Node, topic *actor.PID, leave bool, stop <-chan time.Time) int {
	if leave {
		n.Leave()
	}
	n.system.Root.Send(topic, &transport.PublisherLeft{})
	<-stop
	return 0
}

// node is a child node as the test sees it.
type node struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	lines  chan report
	stderr *testlog.Buffer
}

func startChild(t *testing.T, role string, a childArgs) *node {
	t.Helper()
	if a.Listen == "" {
		a.Listen = "127.0.0.1:0"
	}
	return startChildWith(t, nil, role, a)
}

// startChildWith starts the child by the command prefix, then the test
// binary (prefix nil: the binary itself).
func startChildWith(t *testing.T, prefix []string, role string, a childArgs) *node {
	t.Helper()
	args, _ := json.Marshal(a)
	argv := append(append([]string(nil), prefix...), os.Args[0], "-test.run=^$")
	cmd := exec.Command(argv[0], argv[1:]...)
	// A data race in the child ends it at once: the test then fails on
	// what it did not get, and prints the child's report.
	cmd.Env = append(os.Environ(), roleEnv+"="+role, argsEnv+"="+string(args), "GORACE=halt_on_error=1")
	n := &node{t: t, cmd: cmd, lines: make(chan report, 1<<16), stderr: &testlog.Buffer{}}
	cmd.Stderr = n.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("%s node's log (%v):\n%s", role, prefix, n.stderr.String())
		}
	})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var r report
			if json.Unmarshal(sc.Bytes(), &r) == nil {
				n.lines <- r
			}
		}
		close(n.lines)
	}()
	first := n.next(time.Minute)
	if first == nil || first.Addr == "" {
		t.Fatalf("the %s node did not start (%v)", role, prefix)
	}
	n.addr = first.Addr
	return n
}

func (n *node) kill() {
	if n.cmd.ProcessState == nil {
		n.cmd.Process.Kill()
		n.cmd.Wait()
	}
}

// next returns the child's next line, or nil after d or at its end.
func (n *node) next(d time.Duration) *report {
	select {
	case r, ok := <-n.lines:
		if !ok {
			return nil
		}
		return &r
	case <-time.After(d):
		return nil
	}
}

// packets returns the next count packets the child reports.
func (n *node) packets(count int) []report {
	n.t.Helper()
	var out []report
	deadline := time.Now().Add(15 * time.Second)
	for len(out) < count {
		r := n.next(time.Until(deadline))
		if r == nil {
			n.t.Fatalf("got %d of %d packets", len(out), count)
		}
		if r.Packet {
			out = append(out, *r)
		}
	}
	return out
}

// waitEvent waits for an event of the given kind.
func (n *node) waitEvent(kind transport.EventKind) {
	n.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := n.next(time.Until(deadline))
		if r == nil {
			n.t.Fatalf("no %v event", kind)
		}
		if r.Event == kind.String() {
			return
		}
	}
}

func checkContinuous(t *testing.T, ps []report) {
	t.Helper()
	if !ps[0].Key {
		t.Fatalf("the first packet (seq %d) is not a keyframe", ps[0].Seq)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i].Seq != ps[i-1].Seq+1 || ps[i].Epoch != ps[i-1].Epoch {
			t.Fatalf("packet %d: seq %d after %d", i, ps[i].Seq, ps[i-1].Seq)
		}
	}
}

func TestTwoProcessesLateJoinerAndInOrder(t *testing.T) {
	pub := startChild(t, "pub", childArgs{})
	time.Sleep(300 * time.Millisecond) // the topic runs: the subscriber joins late
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam"})
	got := sub.packets(60)
	if !got[0].Replayed {
		t.Fatal("the late remote joiner's first packet is not replayed from the cache")
	}
	checkContinuous(t, got)
}

func TestSubscriberResumesAfterThePublisherRestarts(t *testing.T) {
	pub := startChild(t, "pub", childArgs{})
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam"})
	before := sub.packets(20)
	pub.kill()
	sub.waitEvent(transport.EventLivelinessLost)
	startChild(t, "pub", childArgs{Listen: pub.addr}) // back on the same address
	sub.waitEvent(transport.EventLivelinessRegained)
	first := sub.packets(1)[0]
	for first.Epoch == before[0].Epoch { // what was in flight at the kill
		first = sub.packets(1)[0]
	}
	checkContinuous(t, append([]report{first}, sub.packets(30)...))
}

// A node that stops (gopline serve on SIGTERM) ends its streams, but its
// remote subscribers take that for the node's farewell, not the streams'
// end: they are told their publisher is lost, reconnect, and resume at the
// keyframe of the node's next run.
func TestSubscriberResumesAfterThePublisherStopsAndStartsAgain(t *testing.T) {
	pub := startChild(t, "pub", childArgs{EndAfter: 30, Leave: true})
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam"})
	before := sub.packets(1)[0]
	for {
		r := sub.next(20 * time.Second)
		if r == nil {
			t.Fatal("no liveliness-lost event after the publisher's node stopped")
		}
		if r.Event == endOfStream {
			t.Fatal("the node's stop ended the remote subscriber's stream")
		}
		if r.Event == transport.EventLivelinessLost.String() {
			break
		}
	}
	pub.kill() // the stopping process's end
	startChild(t, "pub", childArgs{Listen: pub.addr})
	sub.waitEvent(transport.EventLivelinessRegained)
	first := sub.packets(1)[0]
	for first.Epoch == before.Epoch { // the first run's packets still in flight
		first = sub.packets(1)[0]
	}
	checkContinuous(t, append([]report{first}, sub.packets(30)...))
}

// A stream that ends while its node runs (a file's end) ends its remote
// subscribers' streams too.
func TestStreamsEndReachesRemoteSubscribers(t *testing.T) {
	pub := startChild(t, "pub", childArgs{EndAfter: 30})
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam"})
	for {
		r := sub.next(20 * time.Second)
		if r == nil {
			t.Fatal("no end of stream after the publisher's stream ended")
		}
		if r.Event == transport.EventLivelinessLost.String() {
			t.Fatal("a stream's end was taken for a lost publisher")
		}
		if r.Event == endOfStream {
			return
		}
	}
}

// A node that a peer cannot reach keeps trying without piling up
// goroutines.
func TestPeerDownLeavesNoGrowingGoroutines(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 30 s")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens there now
	sub := startChild(t, "sub", childArgs{Addr: addr, Topic: "/cam"})
	usage := func() report {
		for {
			r := sub.next(5 * time.Second)
			if r == nil {
				t.Fatal("the subscriber stopped reporting")
			}
			if r.Gorout > 0 {
				return *r
			}
		}
	}
	time.Sleep(5 * time.Second) // the link reaches its longest backoff
	for sub.next(0) != nil {    // skip to now
	}
	before := usage()
	time.Sleep(25 * time.Second)
	for sub.next(0) != nil {
	}
	after := usage()
	if after.Gorout > before.Gorout+5 {
		t.Fatalf("%d goroutines after 5 s of a peer down, %d after 30 s", before.Gorout, after.Gorout)
	}
	// Six more attempts at the longest backoff must not leave anything
	// behind: allow the heap some noise, not a connection per attempt.
	if after.Heap > before.Heap+1<<20 {
		t.Fatalf("heap grew from %d to %d bytes while the peer was down", before.Heap, after.Heap)
	}
	t.Logf("peer down: %d goroutines, heap %d KiB after 5 s; %d, %d KiB after 30 s",
		before.Gorout, before.Heap>>10, after.Gorout, after.Heap>>10)
}

// sendRaw opens protoactor's gRPC stream to addr and sends one batch; it
// returns how the node ended the stream.
func sendRaw(t *testing.T, addr string, batch *remote.MessageBatch) error {
	t.Helper()
	conn, err := grpc.Dial(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := remote.NewRemotingClient(conn).Receive(ctx)
	if err != nil {
		return err
	}
	if err := stream.Send(&remote.RemoteMessage{MessageType: &remote.RemoteMessage_ConnectRequest{
		ConnectRequest: &remote.ConnectRequest{ConnectionType: &remote.ConnectRequest_ClientConnection{
			ClientConnection: &remote.ClientConnection{SystemId: "stranger"}}}}}); err != nil {
		return err
	}
	if err := stream.Send(&remote.RemoteMessage{MessageType: &remote.RemoteMessage_MessageBatch{MessageBatch: batch}}); err != nil {
		return err
	}
	for {
		if _, err := stream.Recv(); err != nil {
			return err
		}
	}
}

// Unknown message types, messages to actors a peer may not address, bad
// indexes and random bytes on the port are refused and leave the node
// serving.
func TestBadPeersLeaveTheNodeRunning(t *testing.T) {
	pub := startChild(t, "pub", childArgs{})
	target := func(id string) []*actor.PID { return []*actor.PID{actor.NewPID(pub.addr, id)} }
	bad := map[string]*remote.MessageBatch{
		"unknown type": {TypeNames: []string{"evil.Unknown"}, Targets: target(gatewayName),
			Envelopes: []*remote.MessageEnvelope{{MessageData: []byte{1, 2, 3}}}},
		"stop a topic": {TypeNames: []string{"actor.Stop"}, Targets: target("topic/cam"),
			Envelopes: []*remote.MessageEnvelope{{}}},
		"bad indexes": {TypeNames: []string{"gopline.wire.v1.Subscribe"}, Targets: target(gatewayName),
			Envelopes: []*remote.MessageEnvelope{{TypeId: 5, Target: 9, SerializerId: 3}}},
		"bad payload": {TypeNames: []string{"gopline.wire.v1.Subscribe"}, Targets: target(gatewayName),
			Envelopes: []*remote.MessageEnvelope{{MessageData: []byte{0xff, 0xff, 0xff}}}},
	}
	for name, batch := range bad {
		if err := sendRaw(t, pub.addr, batch); err == nil || !strings.Contains(err.Error(), "") {
			t.Errorf("%s: the stream ended with %v", name, err)
		}
		// Refusals are logged at most once an interval, the rest
		// counted: one interval each, so that each is named.
		time.Sleep(refusalInterval + 100*time.Millisecond)
	}
	for range 3 {
		conn, err := net.Dial("tcp", pub.addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte("GET / HTTP/1.1\r\n\r\n\x00\xff random bytes \x17\x03"))
		conn.Close()
	}
	// The node still serves, and still has its topic.
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam"})
	checkContinuous(t, sub.packets(20))
	if pub.cmd.ProcessState != nil {
		t.Fatal("the node exited")
	}
	for _, want := range []string{"evil.Unknown", "actor.Stop"} {
		if !pub.stderr.Await(want, logWait) {
			t.Errorf("the node's log does not name the refused %s", want)
		}
	}
}

func TestTokenIsRequired(t *testing.T) {
	pub := startChild(t, "pub", childArgs{Token: "s3cret"})
	for _, token := range []string{"", "wrong"} {
		sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam", Token: token})
		deadline := time.Now().Add(1500 * time.Millisecond)
		for r := sub.next(time.Until(deadline)); r != nil; r = sub.next(time.Until(deadline)) {
			if r.Packet {
				t.Fatalf("token %q: got packet %d", token, r.Seq)
			}
		}
		sub.kill()
	}
	if !pub.stderr.Await("refused a peer", logWait) {
		t.Error("the node does not log the refused connections")
	}
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam", Token: "s3cret"})
	checkContinuous(t, sub.packets(10))
}

// Ending one subscription, with packets still in flight to it, leaves the
// node's other subscriptions to the same peer alone.
func TestEndingOneSubscriptionLeavesTheOthers(t *testing.T) {
	pub := startChild(t, "pub", childArgs{})
	time.Sleep(180 * time.Millisecond) // a cached GOP of several packets to replay
	sub := startChild(t, "sub2", childArgs{Addr: pub.addr, Topic: "/cam"})
	var second []report
	deadline := time.Now().Add(15 * time.Second)
	for len(second) < 100 {
		r := sub.next(time.Until(deadline))
		if r == nil {
			t.Fatalf("the second subscription got %d packets", len(second))
		}
		if r.Event != "" {
			t.Fatalf("subscription %d: event %s", r.Link, r.Event)
		}
		if r.Link == 2 && r.Packet {
			second = append(second, *r)
		}
	}
	checkContinuous(t, second)
	if strings.Contains(pub.stderr.String(), "refused") {
		t.Fatalf("the node refused the peer's messages:\n%s", pub.stderr.String())
	}
}

// A subscriber slower than the stream (it reads 25 packets a second of
// the publisher's 100) falls behind by about its window, not by the
// remote subscription's larger one: once the link lags, the node's end
// has only the subscriber's window in flight and drops to the newest GOP,
// so what it gets stays decodable and a fraction of a second old.
func TestSlowRemoteSubscriberStaysNearLive(t *testing.T) {
	const ackDelay = 40 * time.Millisecond
	pub := startChild(t, "pub", childArgs{})
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam", AckDelay: ackDelay})
	sub.packets(100) // the link was seen to lag, and what went before drained
	got := sub.packets(75)
	lags := make([]time.Duration, len(got))
	for i, r := range got {
		lags[i] = time.Duration(r.Received - r.Capture)
		if i > 0 && r.Seq != got[i-1].Seq+1 && r.Seq%10 != 0 {
			t.Fatalf("after packet %d came %d: a gap that does not resume at a keyframe", got[i-1].Seq, r.Seq)
		}
	}
	if got[len(got)-1].Seq-got[0].Seq < uint64(len(got)) {
		t.Fatalf("no packet dropped for a subscriber that reads a quarter of them: seq %d to %d", got[0].Seq, got[len(got)-1].Seq)
	}
	// How many packets the subscriber is behind: its lag over the time it
	// takes for each (measured, as a loaded machine makes it longer).
	each := time.Duration(got[len(got)-1].Received-got[0].Received) / time.Duration(len(got)-1)
	slices.Sort(lags)
	behind := float64(lags[len(lags)/2]) / float64(each)
	if behind > 40 { // the subscriber's window is 16; the subscription's 64
		t.Fatalf("the slow subscriber is %.0f packets behind (lag p50 %v, %v a packet), want about its window of %d",
			behind, lags[len(lags)/2], each, transport.DefaultWindow)
	}
	t.Logf("lag p50 %v, %.1f packets of %v", lags[len(lags)/2], behind, each)
}

// topicDropped returns what a "pub" child's next report of its topic's
// stats with a subscriber says it dropped.
func (n *node) topicDropped() uint64 { return n.topicStats().TopicDropped }

// pubStats is what a "pub" child reports of its topic.
type pubStats struct {
	TopicDropped uint64
	SubNames     []string
	SubDropped   []uint64
}

// topicStats returns the next stats a "pub" child reports of its topic
// with a subscriber.
func (n *node) topicStats() (st pubStats) {
	n.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := n.next(time.Until(deadline))
		if r == nil {
			n.t.Fatal("the publisher reported no stats with a subscriber")
		}
		if r.Subs != nil && *r.Subs > 0 && r.TopicDropped != nil {
			st.TopicDropped, st.SubNames, st.SubDropped = *r.TopicDropped, r.SubNames, r.SubDropped
			return st
		}
	}
}

// What a remote subscriber's link drops is dropped at the publishing node
// (the node's end of the subscription), and that node's topic stats count
// it, as they count a local subscriber's drops, for the subscriber named
// after its node's link; its log names the topic and the subscriber's
// node. A subscriber that keeps up shows none.
func TestPublishersStatsCountARemoteSubscribersDrops(t *testing.T) {
	pub := startChild(t, "pub", childArgs{})
	slow := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam", AckDelay: 40 * time.Millisecond})
	slow.packets(100) // the link was seen to lag, and what went before drained
	got := slow.packets(75)
	if got[len(got)-1].Seq-got[0].Seq < uint64(len(got)) {
		t.Fatalf("no packet dropped for a subscriber that reads a quarter of them: seq %d to %d", got[0].Seq, got[len(got)-1].Seq)
	}
	var dropped uint64
	var st pubStats
	for deadline := time.Now().Add(10 * time.Second); dropped == 0 && time.Now().Before(deadline); {
		st = pub.topicStats()
		dropped = st.TopicDropped
	}
	if dropped == 0 {
		t.Fatal("the publishing node's topic stats count no drop for a remote subscriber that lost packets")
	}
	if len(st.SubNames) != 1 || !strings.HasPrefix(st.SubNames[0], slow.addr+"/gopline-link-") || st.SubDropped[0] != dropped {
		t.Fatalf("the publishing node's topic lists the subscribers %q with drops %v, want the one of %s's link, with the topic's %d",
			st.SubNames, st.SubDropped, slow.addr, dropped)
	}
	// The warning came with the first drop; its line crosses a pipe.
	warned := func() bool {
		for _, line := range strings.Split(pub.stderr.String(), "\n") {
			if strings.Contains(line, "does not keep up") && strings.Contains(line, `"topic":"/cam"`) &&
				strings.Contains(line, `"node":"`+slow.addr+`"`) && strings.Contains(line, `"level":"warn"`) {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(5 * time.Second); !warned(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no warning naming the topic and the subscriber's node %s:\n%s", slow.addr, pub.stderr.String())
		}
	}
	t.Logf("the publisher counted %d drops", dropped)
}

func TestPublishersStatsCountNoDropsForARemoteSubscriberThatKeepsUp(t *testing.T) {
	pub := startChild(t, "pub", childArgs{})
	sub := startChild(t, "sub", childArgs{Addr: pub.addr, Topic: "/cam"})
	checkContinuous(t, sub.packets(150))
	if dropped := pub.topicDropped(); dropped != 0 {
		t.Fatalf("the publishing node's topic stats count %d drops for a remote subscriber that keeps up", dropped)
	}
	if strings.Contains(pub.stderr.String(), "does not keep up") {
		t.Fatalf("the publishing node warned of a subscriber that keeps up:\n%s", pub.stderr.String())
	}
}
