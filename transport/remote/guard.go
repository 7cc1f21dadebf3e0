package remote

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/rs/zerolog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/gopline/gopline/internal/lograte"
)

// tokenHeader is the gRPC metadata key that carries a node's token.
const tokenHeader = "gopline-token"

// allowedTypes are the message types a node accepts from a peer: gopline's
// wire messages, the system messages of protoactor's watching (which every
// gopline node sends, and the guard then drops, see dropWatching), and the
// answer protoactor gives for a message with a sender that reached a
// stopped actor.
// Any other type (one the node does not know, which would crash
// protoactor's reader, or one that could stop an actor, such as actor.Stop)
// is refused.
var allowedTypes = map[string]bool{
	"actor.Watch": true, "actor.Unwatch": true, "actor.Terminated": true, "actor.DeadLetterResponse": true,
}

func init() {
	for _, name := range wireTypeNames() {
		allowedTypes[name] = true
	}
}

// allowedTarget reports whether a peer may address the local actor id: the
// gateway, the ends of subscriptions, and futures awaiting a reply.
func allowedTarget(id string) bool {
	return id == gatewayName || strings.HasPrefix(id, gatewayName+"/"+proxyPrefix) || strings.HasPrefix(id, linkPrefix) ||
		strings.HasPrefix(id, "future$")
}

// watchTarget reports whether a peer may send actor.Terminated to the
// local actor id: the actors that watch actors of other nodes, the ends of
// subscriptions.
func watchTarget(id string) bool {
	return strings.HasPrefix(id, gatewayName+"/"+proxyPrefix) || strings.HasPrefix(id, linkPrefix)
}

// checkBatch checks a batch of messages from a peer before protoactor's
// reader deserializes it: every type on the allow list, the default
// serializer, every index in range, every target one a peer may address.
func checkBatch(b *remote.MessageBatch) error {
	for _, name := range b.TypeNames {
		if !allowedTypes[name] {
			return fmt.Errorf("message type %q is not accepted", name)
		}
	}
	for _, t := range b.Targets {
		if t == nil || !allowedTarget(t.Id) {
			return fmt.Errorf("target %v may not be addressed", t)
		}
	}
	for i, e := range b.Envelopes {
		switch {
		case e == nil:
			return fmt.Errorf("envelope %d is empty", i)
		case e.SerializerId != 0:
			return fmt.Errorf("envelope %d: serializer %d", i, e.SerializerId)
		case e.TypeId < 0 || int(e.TypeId) >= len(b.TypeNames):
			return fmt.Errorf("envelope %d: type index %d of %d", i, e.TypeId, len(b.TypeNames))
		case e.Target < 0 || int(e.Target) >= len(b.Targets):
			return fmt.Errorf("envelope %d: target index %d of %d", i, e.Target, len(b.Targets))
		case e.Sender < 0 || int(e.Sender) > len(b.Senders):
			return fmt.Errorf("envelope %d: sender index %d of %d", i, e.Sender, len(b.Senders))
		}
	}
	for i, s := range b.Senders {
		if s == nil {
			return fmt.Errorf("sender %d is empty", i)
		}
	}
	return nil
}

// checkOrigin checks that a batch speaks for the node that sent it only:
// the peer claimed its address, from (a node's own address), when it
// opened the stream, and every actor of that node's a message names (its
// sender, the watcher of a Watch or Unwatch, the actor a Terminated says
// stopped) must be at that address, and a Terminated may go only to an
// actor that watches other nodes'. It runs after checkBatch. The claimed
// address is the peer's own word too: this keeps a peer from naming
// another node on a stream of its own, or this node (whose actors'
// Terminated would then be taken as the node's own), and from making
// the node connect to an address of its choosing (protoactor connects to
// the node a Terminated names); the subscriptions' keys do the rest (see
// subscriptionKey).
func checkOrigin(b *remote.MessageBatch, from string) error {
	if from == "" {
		return errors.New("messages before the stream named its node (ConnectRequest)")
	}
	for i, s := range b.Senders {
		if s.Address != from {
			return fmt.Errorf("sender %d is at %q, not at the stream's node %q", i, s.Address, from)
		}
	}
	for i, e := range b.Envelopes {
		var named *actor.PID
		switch b.TypeNames[e.TypeId] {
		case "actor.Terminated":
			var m actor.Terminated
			if err := proto.Unmarshal(e.MessageData, &m); err != nil {
				return fmt.Errorf("envelope %d: %w", i, err)
			}
			if t := b.Targets[e.Target]; !watchTarget(t.Id) {
				return fmt.Errorf("envelope %d: actor.Terminated to %v, which watches no other node", i, t)
			}
			named = m.Who
		case "actor.Watch":
			var m actor.Watch
			if err := proto.Unmarshal(e.MessageData, &m); err != nil {
				return fmt.Errorf("envelope %d: %w", i, err)
			}
			named = m.Watcher
		case "actor.Unwatch":
			var m actor.Unwatch
			if err := proto.Unmarshal(e.MessageData, &m); err != nil {
				return fmt.Errorf("envelope %d: %w", i, err)
			}
			named = m.Watcher
		default:
			continue
		}
		if named.GetAddress() != from {
			return fmt.Errorf("envelope %d: %s names %v, not an actor of the stream's node %q", i, b.TypeNames[e.TypeId], named, from)
		}
	}
	return nil
}

// guard holds what the server's interceptors check, and the node's
// admission of connections.
type guard struct {
	log       zerolog.Logger
	refusals  *refusalLog
	admission *admission
	// token, when set, must come with every stream.
	token string
	// allowedNames, when set, lists the client certificate names (common
	// name or a DNS name) that may connect.
	allowedNames []string
	// forgeries counts the messages the ends of subscriptions refused for
	// not carrying their subscription's key (see forged).
	forgeries atomic.Uint64
	// watching counts the actor.Watch, actor.Unwatch and actor.Terminated
	// that peers sent and the guard dropped (see dropWatching).
	watching atomic.Uint64
	// self is this node's address, once it listens: no peer's stream may
	// claim it.
	self atomic.Pointer[string]
	// streams counts the open streams by the node each came from.
	streams claimedStreams
}

// claimedStreams counts a node's open inbound streams by the address of the
// node each claimed to come from (its ConnectRequest). It tells whether a
// peer still has its way to this node open when this node's way to the
// peer broke.
type claimedStreams struct {
	mu     sync.Mutex
	byNode map[string]int
}

func (c *claimedStreams) opened(node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byNode == nil {
		c.byNode = map[string]int{}
	}
	c.byNode[node]++
}

func (c *claimedStreams) closed(node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byNode[node]--; c.byNode[node] <= 0 {
		delete(c.byNode, node)
	}
}

// from reports whether a stream from node is open.
func (c *claimedStreams) from(node string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byNode[node] > 0
}

// forged counts and logs (rate-limited, with the node's other refusals) a
// message, what, that from sent to the end of a subscription, to, without
// the subscription's key: a peer posing as another. It is dropped.
func (g *guard) forged(from *actor.PID, what string, to *actor.PID) {
	g.forgeries.Add(1)
	peer := "?"
	if from != nil {
		peer = from.String()
	}
	g.refusals.refused(peer, "a forged message", fmt.Errorf("%s to %s without the subscription's key", what, to.GetId()))
}

// ForgedMessages returns how many messages the node's ends of
// subscriptions (its links and the ends of its subscribers'
// subscriptions) refused since it started for not carrying their
// subscription's key: messages of a peer posing as another node.
func (n *Node) ForgedMessages() uint64 { return n.guard.forgeries.Load() }

// DroppedWatching returns how many actor.Watch, actor.Unwatch and
// actor.Terminated messages peers sent the node since it started: the node
// drops them all (see dropWatching).
func (n *Node) DroppedWatching() uint64 { return n.guard.watching.Load() }

func newGuard(cfg Config) *guard {
	auth := cfg.Token != "" || cfg.ServerTLS != nil && cfg.ServerTLS.ClientAuth >= tls.VerifyClientCertIfGiven
	return &guard{log: cfg.Log, refusals: newRefusalLog(cfg.Log), admission: newAdmission(auth),
		token: cfg.Token, allowedNames: cfg.AllowedClients}
}

// authorize checks a stream's token and client certificate.
func (g *guard) authorize(ctx context.Context) error {
	if g.token != "" {
		md, _ := metadata.FromIncomingContext(ctx)
		got := md.Get(tokenHeader)
		if len(got) != 1 || subtle.ConstantTimeCompare([]byte(got[0]), []byte(g.token)) != 1 {
			return status.Error(codes.Unauthenticated, "gopline: the node refused the token: missing or wrong token")
		}
	}
	if len(g.allowedNames) > 0 {
		p, _ := peer.FromContext(ctx)
		var chains [][]*x509.Certificate
		if p != nil {
			if info, ok := p.AuthInfo.(credentials.TLSInfo); ok {
				chains = info.State.VerifiedChains
			}
		}
		if len(chains) == 0 || len(chains[0]) == 0 || !g.nameAllowed(chains[0][0]) {
			return status.Error(codes.PermissionDenied, "gopline: the node refused the client certificate: client certificate not allowed")
		}
	}
	return nil
}

func (g *guard) nameAllowed(c *x509.Certificate) bool {
	if c.Subject.CommonName != "" && slices.Contains(g.allowedNames, c.Subject.CommonName) {
		return true
	}
	for _, n := range c.DNSNames {
		if slices.Contains(g.allowedNames, n) {
			return true
		}
	}
	return false
}

// stream authorizes a stream, checks every batch it brings, and turns a
// panic in protoactor's handling of it into an error: a peer can close its
// own connection, never bring the node down.
func (g *guard) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	defer func() {
		if v := recover(); v != nil {
			g.log.Error().Str("method", info.FullMethod).Interface("panic", v).Bytes("stack", debug.Stack()).
				Msg("remote: a peer's message made the node panic; its stream is closed")
			err = status.Error(codes.Internal, "gopline: message refused")
		}
	}()
	if err := g.admit(ss.Context()); err != nil {
		return err
	}
	cs := &checkedStream{ServerStream: ss, g: g, dropped: lograte.Limiter{Interval: time.Second}}
	defer func() {
		if cs.from != "" {
			g.streams.closed(cs.from)
		}
	}()
	return handler(srv, cs)
}

// admit authorizes a stream, and moves its connection to the
// authenticated pool; it logs a refusal.
func (g *guard) admit(ctx context.Context) error {
	err := g.authorize(ctx)
	if err == nil {
		if err = g.admission.authenticated(peerAddr(ctx)); err != nil {
			err = status.Error(codes.ResourceExhausted, "gopline: "+err.Error())
		}
	}
	if err != nil {
		g.refusals.refused(peerAddr(ctx), "stream", err)
	}
	return err
}

// unary answers protoactor's unary calls, which are not served (they are
// not implemented at the pinned version and panic), with the refusal of
// a peer that the node would refuse: a node's probe calls one to learn
// whether, and why, the node refuses it (see probe).
func (g *guard) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	if err := g.admit(ctx); err != nil {
		return nil, err
	}
	return nil, status.Errorf(codes.Unimplemented, "gopline: %s is not served", info.FullMethod)
}

// checkedStream checks each message a peer sends before protoactor sees it.
type checkedStream struct {
	grpc.ServerStream
	g *guard
	// from is the address of the node the stream claimed to come from
	// (its ConnectRequest), "" until it did.
	from string
	// dropped rate-limits the log of the watching messages dropped.
	dropped lograte.Limiter
}

func (s *checkedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	rm, ok := m.(*remote.RemoteMessage)
	if !ok {
		return nil
	}
	var err error
	if c := rm.GetConnectRequest().GetServerConnection(); c != nil {
		switch {
		case s.from == "" && s.g.isSelf(c.Address):
			err = fmt.Errorf("the stream named this node, %q, as its own", c.Address)
		case s.from == "":
			s.from = c.Address
			s.g.streams.opened(s.from)
		case c.Address != s.from:
			err = fmt.Errorf("the stream named node %q, then %q", s.from, c.Address)
		}
	}
	if b := rm.GetMessageBatch(); b != nil {
		if err = checkBatch(b); err == nil {
			err = checkOrigin(b, s.from)
		}
		if err == nil {
			if n := dropWatching(b); n > 0 {
				s.g.watching.Add(uint64(n))
				if ok, count := s.dropped.Allow(time.Now()); ok {
					s.g.log.Debug().Str("peer", peerAddr(s.Context())).Uint64("count", count).
						Msg("remote: dropped a peer's watching messages (Watch, Unwatch, Terminated)")
				}
			}
		}
	}
	if err != nil {
		s.g.refusals.refused(peerAddr(s.Context()), "messages", err)
		return status.Error(codes.InvalidArgument, "gopline: "+err.Error())
	}
	return nil
}

// isSelf reports whether addr is this node's own address.
func (g *guard) isSelf(addr string) bool {
	self := g.self.Load()
	return self != nil && *self == addr
}

// watching are the system messages of protoactor's remote watching, which
// the guard drops from every peer (see dropWatching).
var watching = map[string]bool{"actor.Watch": true, "actor.Unwatch": true, "actor.Terminated": true}

// dropWatching removes from a checked batch the messages of protoactor's
// remote watching, and returns how many it removed. A node does not use
// them: a Watch a peer sends adds a watcher to a local actor that lives as
// long as the node (a flood of them would grow it without end), and a
// Terminated, which no key can guard, makes protoactor forget the watch
// its target made before the target even sees it (a forged one would
// leave a subscription unwatched). The ends of a subscription know that
// the other went by its keyed Unsubscribe, by this node's own word that
// the connection ended (protoactor's endpoint watcher tells the local
// watchers of a remote actor, whether or not the peer got their Watch),
// and by a keyed Confirm while the other end is quiet (see confirmation).
func dropWatching(b *remote.MessageBatch) int {
	kept := b.Envelopes[:0]
	for _, e := range b.Envelopes {
		if !watching[b.TypeNames[e.TypeId]] {
			kept = append(kept, e)
		}
	}
	n := len(b.Envelopes) - len(kept)
	clear(b.Envelopes[len(kept):])
	b.Envelopes = kept
	return n
}

func peerAddr(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		return p.Addr.String()
	}
	return "?"
}

// tokenCredentials sends the token with every stream.
type tokenCredentials struct {
	token  string
	secure bool
}

func (t tokenCredentials) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{tokenHeader: t.token}, nil
}

func (t tokenCredentials) RequireTransportSecurity() bool { return t.secure }
