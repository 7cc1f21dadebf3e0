// Package remote carries gopline's topics across processes and hosts over
// protoactor remote (gRPC).
//
// A Node is one process's presence on the network: it listens on an
// address, serves the topics of its transport.Bus to subscribers of other
// nodes (its gateway), and subscribes to other nodes' topics for its own
// pipelines (Dial). Subscriptions keep the same guarantees as in one
// process: a window of credits per subscriber, acknowledged across the link,
// so the publisher's memory stays bounded whatever the link does and a slow
// link drops whole GOPs at the topic; the durable topic's cached GOP
// replayed to a subscriber that joins late, and again after it reconnects.
//
// The wire messages are the protobuf messages of transport/wire, converted
// to and from gopline's types at this boundary only, and every packet that
// arrives is validated. A node refuses any other message type, any message
// to an actor a peer has no business addressing, and, when so configured,
// any peer without the node's token or an allowed client certificate, with
// a log line; none of it can stop the node. See docs/remote.md.
package remote

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/rs/zerolog"
	"golang.org/x/sync/singleflight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"

	"github.com/gopline/gopline/internal/backoff"
	"github.com/gopline/gopline/transport"
)

// DefaultAddr is the address `gopline serve` listens on: loopback only.
const DefaultAddr = "127.0.0.1:7400"

// Config configures a Node.
type Config struct {
	// Listen is the address to listen on, host:port; port 0 picks a free
	// one (Node.Addr tells which). Default 127.0.0.1:0: a node that only
	// subscribes still listens, because replies come back by connection.
	Listen string
	// ServerTLS, when set, makes the node speak TLS on its port; set
	// ClientCAs and ClientAuth in it for mutual TLS. ClientTLS is used
	// when connecting to other nodes; a node with ServerTLS needs it too.
	// LoadTLS builds both from PEM files.
	ServerTLS, ClientTLS *tls.Config
	// Token, when set, is sent to every node this one connects to and
	// required from every peer that connects to it.
	Token string
	// AllowedClients, when set, lists the names (certificate common name
	// or DNS name) of the client certificates that may connect; it needs
	// mutual TLS.
	AllowedClients []string
	// Keepalive is how long a connection may be silent before the node
	// pings its peer; a ping unanswered for half that again ends the
	// connection, and the subscriptions over it are lost and taken up
	// again when the peer answers (default DefaultKeepalive; at least
	// minKeepalive). gRPC pings at most every 10 s on the connections a
	// node makes, whatever this says; the node's server pings as told.
	Keepalive time.Duration
	// GiveUpAfter is how long a link tries to reach a node it has not
	// subscribed at yet before it gives up: its subscriber is told why
	// (connection refused, no answer, ...) and its stream ends (default
	// DefaultGiveUpAfter; negative: it tries for ever). A link that
	// subscribed once reconnects for ever: a robot's link comes back.
	GiveUpAfter time.Duration
	// Name is the node's name in the topic listings it answers
	// (Node.Topics), which say so which node the topics are on; default
	// the node's address.
	Name string
	// Log receives the node's log lines.
	Log zerolog.Logger
}

// Node is a process's presence on the network; see the package doc.
type Node struct {
	system *actor.ActorSystem
	// probes shares a probe of a node among the callers that ask at once.
	probes singleflight.Group
	remote *remote.Remote
	bus    *transport.Bus
	log    zerolog.Logger
	addr   string
	// name is Config.Name, or addr when that is empty.
	name string
	// giveUpAfter is Config.GiveUpAfter with its default.
	giveUpAfter time.Duration

	gateway *actor.PID
	guard   *guard
	// dialOpts are the options of the node's connections to peers, for
	// its probes.
	dialOpts []grpc.DialOption

	// owned counts the goroutines the node started (probes, listings):
	// Close waits for them.
	owned sync.WaitGroup

	// leaving is set when the node is stopping (Leave).
	leaving atomic.Bool

	mu       sync.Mutex
	links    int
	linkPIDs []*actor.PID
	closed   bool
}

// ErrNodeOpen means a remote node was started while another of the same
// process is open: protoactor's remote keeps process-wide state (its gRPC
// logger), and two at once race. Run the second node in a process of its
// own.
var ErrNodeOpen = errors.New("remote: another remote node of this process is open")

// open is set while a remote node of the process is open (ErrNodeOpen).
var open atomic.Bool

// Start starts remote on system and serves bus's topics. The system must
// not have remote started yet, and is the one the bus runs on. While a node
// Start returned is open, another Start fails with ErrNodeOpen.
func Start(system *actor.ActorSystem, bus *transport.Bus, cfg Config) (_ *Node, err error) {
	if !open.CompareAndSwap(false, true) {
		return nil, fmt.Errorf("%w: a process serves one node at a time (protoactor's remote keeps state for the whole process); "+
			"close the other first, or start this one in a process of its own, as a robot's camera and its operator run", ErrNodeOpen)
	}
	defer func() {
		if err != nil {
			open.Store(false)
		}
	}()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	host, port, err := checkConfig(cfg)
	if err != nil {
		return nil, err
	}
	// protoactor's Start panics when it cannot listen: find out first.
	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("remote: %w", err)
	}
	if port == 0 {
		port = lis.Addr().(*net.TCPAddr).Port
	}
	lis.Close()

	g := newGuard(cfg)
	g.admission.watch(func(id string) bool {
		_, ok := system.ProcessRegistry.GetLocal(id)
		return ok
	}, g.refusals.closed)
	serverOpts, dialOpts := grpcOptions(cfg, g)
	rc := remote.Configure(host, port,
		remote.WithServerOptions(serverOpts...),
		remote.WithDialOptions(dialOpts...),
		remote.WithEndpointWriterBatchSize(writerBatch),
		remote.WithEndpointWriterQueueSize(4096),
	)
	// One attempt per connection: protoactor's retries leak a connection
	// each (see docs/remote.md); links retry themselves, with backoff.
	rc.MaxRetryCount = 1
	r := remote.NewRemote(system, rc)
	if err := startRemote(r); err != nil {
		return nil, err
	}
	self := system.Address()
	g.self.Store(&self)
	n := &Node{system: system, remote: r, bus: bus, log: cfg.Log, addr: system.Address(), guard: g, dialOpts: dialOpts,
		giveUpAfter: cfg.GiveUpAfter}
	if n.giveUpAfter == 0 {
		n.giveUpAfter = DefaultGiveUpAfter
	}
	if n.name = cfg.Name; n.name == "" {
		n.name = n.addr
	}
	n.gateway, err = system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return newGateway(n) }), gatewayName)
	if err != nil {
		r.Shutdown(false)
		return nil, fmt.Errorf("remote: starting the gateway: %w", err)
	}
	bus.SetRemote(n.Dial)
	level := zerolog.InfoLevel
	if strings.HasSuffix(cfg.Listen, ":0") {
		level = zerolog.DebugLevel // a node that only subscribes
	}
	n.log.WithLevel(level).Str("address", n.addr).Bool("tls", cfg.ServerTLS != nil).Bool("token", cfg.Token != "").Msg("remote: node listening")
	if warning := exposure(host, cfg); warning != "" {
		n.log.Warn().Str("address", n.addr).Msg("remote: INSECURE: " + warning)
	}
	if warning := unnamedHost(host, cfg.ServerTLS); warning != "" {
		n.log.Warn().Str("address", n.addr).Msg("remote: " + warning)
	}
	return n, nil
}

// checkConfig checks what Start is given before anything starts, and
// returns the host and port to listen on.
func checkConfig(cfg Config) (host string, port int, err error) {
	host, portText, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return "", 0, fmt.Errorf("remote: listen address %q: %w", cfg.Listen, err)
	}
	port, err = strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("remote: listen address %q: bad port", cfg.Listen)
	}
	if host == "" {
		return "", 0, fmt.Errorf("remote: listen address %q: name the host (127.0.0.1 for loopback, 0.0.0.0 for every interface)", cfg.Listen)
	}
	if cfg.ServerTLS != nil && cfg.ClientTLS == nil {
		return "", 0, errors.New("remote: a node with TLS on its port needs ClientTLS too: replies come back by connection")
	}
	if len(cfg.AllowedClients) > 0 && (cfg.ServerTLS == nil || cfg.ServerTLS.ClientAuth < tls.VerifyClientCertIfGiven) {
		return "", 0, errors.New("remote: allowed clients need mutual TLS (client certificates verified)")
	}
	if slices.Contains(cfg.AllowedClients, "") {
		return "", 0, errors.New("remote: an allowed client name is empty")
	}
	return host, port, nil
}

// exposure says what is open to the network about a node listening on
// host, or "" when nothing is: a node on loopback, or one that
// authenticates its peers over TLS.
func exposure(host string, cfg Config) string {
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return ""
	}
	mutualTLS := cfg.ServerTLS != nil && cfg.ServerTLS.ClientAuth >= tls.VerifyClientCertIfGiven
	switch {
	case cfg.Token == "" && !mutualTLS:
		return "the node listens beyond loopback without a token or client certificates: any host that reaches " +
			"it can list and subscribe to every topic. Set a token (--token) or mutual TLS (--tls-require-client-cert); see docs/remote.md"
	case cfg.ServerTLS == nil:
		return "the node's token travels in clear text: anyone on the network path can read it and the streams. Use TLS; see docs/remote.md"
	}
	return ""
}

// grpcOptions returns the gRPC options of a node's server (its limits and
// guard) and of its connections to other nodes.
func grpcOptions(cfg Config, g *guard) ([]grpc.ServerOption, []grpc.DialOption) {
	ka := cfg.Keepalive
	if ka == 0 {
		ka = DefaultKeepalive
	}
	ka = max(ka, minKeepalive)
	serverCreds := insecure.NewCredentials()
	if cfg.ServerTLS != nil {
		serverCreds = credentials.NewTLS(cfg.ServerTLS)
	}
	serverOpts := []grpc.ServerOption{
		grpc.Creds(&admittingCreds{TransportCredentials: serverCreds, a: g.admission, refused: g.refusals.refused}),
		grpc.MaxRecvMsgSize(maxMessageBytes),
		grpc.MaxConcurrentStreams(maxStreamsPerConn),
		grpc.MaxHeaderListSize(maxHeaderBytes),
		grpc.InitialWindowSize(streamWindowBytes),
		grpc.InitialConnWindowSize(connWindowBytes),
		grpc.ConnectionTimeout(handshakeTimeout),
		// A connection over the limits is told so before the guard sees
		// its call; the messages the guard let through keep a
		// connection in use.
		grpc.ChainStreamInterceptor(g.admission.refuseStream, g.stream, g.admission.countStream),
		grpc.ChainUnaryInterceptor(g.admission.refuseUnary, g.unary),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: maxIdle, Time: ka, Timeout: ka / 2}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: minKeepalive, PermitWithoutStream: true}),
	}
	dialOpts := []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageBytes), grpc.MaxCallSendMsgSize(maxMessageBytes)),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: ka, Timeout: ka / 2, PermitWithoutStream: true}),
	}
	if cfg.ClientTLS != nil {
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(credentials.NewTLS(cfg.ClientTLS)))
	} else {
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if cfg.Token != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(tokenCredentials{token: cfg.Token, secure: cfg.ClientTLS != nil}))
	}
	return serverOpts, dialOpts
}

// startRemote starts r, turning protoactor's panic on a failed listen (the
// port taken between our check and its listen) into an error.
func startRemote(r *remote.Remote) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("remote: %v", v)
		}
	}()
	r.Start()
	return nil
}

// Addr returns the address the node listens on and other nodes reach it by.
func (n *Node) Addr() string { return n.addr }

// Dial returns a local actor that stands for topic on the node at addr: it
// speaks the broker's protocol (transport.Subscribe, Ack, KeyframeRequest,
// Unsubscribe; Delivery, Event, EndOfStream back), so a subscriber treats a
// remote topic as a local one. It connects when subscribed to, and
// reconnects with backoff whenever the link breaks, subscribing again (and
// so receiving the durable topic's cached GOP again). One link serves one
// subscriber.
func (n *Node) Dial(addr, topic string) (*actor.PID, error) {
	if err := transport.ValidateTopicName(topic); err != nil {
		return nil, err
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("remote: address %q: %w", addr, err)
	}
	retry, err := backoff.New(reconnectPolicy, nil)
	if err != nil {
		return nil, fmt.Errorf("remote: %w", err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, errors.New("remote: node closed")
	}
	n.links++
	name := fmt.Sprintf("%s%d", linkPrefix, n.links)
	pid, err := n.system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return newLink(n, addr, topic, retry) }), name)
	if err != nil {
		return nil, err
	}
	n.linkPIDs = append(n.linkPIDs, pid)
	return pid, nil
}

// renewEndpoint ends protoactor's endpoint to addr, its connection and
// the watches of the actors there (they are told AddressTerminated): the
// next message to addr connects anew. At the pinned version an endpoint
// whose writer stopped without telling (its stream ended while the
// connection looked well) stays in place and swallows every message to
// its address, so a node that answers probes but not its subscriptions is
// reached over a new connection, not that one for ever.
func (n *Node) renewEndpoint(addr string) {
	n.log.Warn().Str("node", addr).Msg("remote: the node did not answer over its connection; connecting anew")
	n.system.EventStream.Publish(&remote.EndpointTerminatedEvent{Address: addr})
}

// goOwned runs f in a goroutine that Close waits for.
func (n *Node) goOwned(f func()) {
	n.owned.Add(1)
	go func() {
		defer n.owned.Done()
		f()
	}()
}

// forget drops a stopped link from the node's list.
func (n *Node) forget(link *actor.PID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.linkPIDs = slices.DeleteFunc(n.linkPIDs, func(p *actor.PID) bool { return p.Equal(link) })
}

// Leave says that the node is stopping (its process got a signal, or it
// is being closed), before its pipelines stop and its topics end: an end of
// stream at one of its topics from then on is not the end of the stream for
// remote subscribers but the node's farewell. Each remote subscription is
// ended with wire.Unsubscribe instead of wire.EndOfStream, and its
// subscriber is told that its publisher is lost and reconnects with
// backoff, as after a crash; a subscription asked for meanwhile is refused
// for now (Again). A stream that ends while the node runs (a file's end)
// still ends its remote subscribers. Leave cannot be undone; Close calls
// it.
func (n *Node) Leave() {
	if !n.leaving.Swap(true) {
		n.log.Debug().Msg("remote: the node is leaving; its remote subscribers will reconnect")
	}
}

// Close stops the gateway (ending every remote subscription to this node)
// and the node's links (ending its subscriptions to other nodes), and waits
// for them. The gRPC listener and the connections stay open until the
// process exits: protoactor's remote shutdown at the pinned version races
// with its own connection handling while peers are still connected (see
// docs/remote.md), and a node lives as long as its process.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.Leave()
	links := n.linkPIDs
	n.linkPIDs = nil
	n.mu.Unlock()
	errs := []error{n.system.Root.StopFuture(n.gateway).Wait()}
	for _, l := range links {
		errs = append(errs, n.system.Root.StopFuture(l).Wait())
	}
	n.owned.Wait()
	n.guard.refusals.close()
	open.Store(false)
	return errors.Join(errs...)
}
