package remote

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errTooManyConns is why a connection over the limits is refused.
var errTooManyConns = errors.New("the node is at its connection limit")

// admission counts a node's connections per peer host and in all, in two
// pools: connections not authenticated (yet), and connections whose stream
// brought the node's token or an allowed certificate. A connection must
// keep doing something to keep its place: one that carries no message the
// node acts on for idleTimeout, and serves no live subscription, is closed;
// and when the unauthenticated pool is full, a new connection takes the
// place of the one quiet for longest, if any has been quiet for
// quietToGiveWay. A connection refused for the limits is let through its
// handshake, a few at a time, to be told why on its first call. It is a
// plain type: the connections are told by their remote address.
type admission struct {
	// auth is set when the node authenticates its peers (a token or client
	// certificates); without it, every peer stays in the pending pool.
	auth bool
	// idle and giveWay are idleTimeout and quietToGiveWay (tests shorten
	// them).
	idle, giveWay time.Duration
	now           func() time.Time
	// after runs f after d (time.AfterFunc, or a test's).
	after func(d time.Duration, f func()) (stop func() bool)
	// alive reports whether a local actor runs (nil: none does); report
	// logs what the node closed or refused, rate-limited. The node sets
	// both before it serves.
	alive  func(id string) bool
	report func(peer, what string, err error)

	mu       sync.Mutex
	pending  pool
	authed   pool
	refusing pool
	// conns holds the open connections by remote address.
	conns map[string]*admitted
}

// pool counts connections per host and in all, against limits.
type pool struct {
	perHost     map[string]int
	total       int
	maxPerHost  int
	maxTotal    int
	description string
}

// full reports whether a new connection from host is over the pool's
// limits, and whether the limit is the host's.
func (p *pool) full(host string) (over, ofHost bool) {
	switch {
	case p.perHost[host] >= p.maxPerHost:
		return true, true
	case p.total >= p.maxTotal:
		return true, false
	}
	return false, false
}

// fullError says why the pool refuses a connection from host.
func (p *pool) fullError(host string, ofHost bool) error {
	if ofHost {
		return fmt.Errorf("%w for %s: %d %s connections from it", errTooManyConns, host, p.perHost[host], p.description)
	}
	return fmt.Errorf("%w: %d %s connections", errTooManyConns, p.total, p.description)
}

func (p *pool) take(host string) error {
	if over, ofHost := p.full(host); over {
		return p.fullError(host, ofHost)
	}
	p.perHost[host]++
	p.total++
	return nil
}

func (p *pool) give(host string) {
	p.total--
	if p.perHost[host]--; p.perHost[host] <= 0 {
		delete(p.perHost, host)
	}
}

// admitted is one admitted connection.
type admitted struct {
	remote string
	host   string
	authed bool
	closed bool
	// refusal, when set, is why the connection is over the limits: it is
	// in the refusing pool, and its calls are answered with it; told is
	// set once one was.
	refusal error
	told    bool
	// close closes the connection.
	close func() error
	// authStop and idleStop stop the connection's timers: the
	// authentication's (closing a connection still unauthenticated after
	// authTimeout) and the idle check's.
	authStop, idleStop func() bool
	// last is when the connection was admitted or last carried a message
	// the node acts on.
	last time.Time
	// ends are the subscription ends (a gateway's proxy, a link) its
	// messages went to: while one of them runs, the connection serves a
	// live subscription, however quiet.
	ends map[string]bool
}

// maxEndsPerConn bounds the subscription ends a connection is known to
// serve: a node's remote subscriptions.
const maxEndsPerConn = maxSubscriptions

func newAdmission(auth bool) *admission {
	return &admission{auth: auth, conns: map[string]*admitted{}, idle: idleTimeout, giveWay: quietToGiveWay,
		now:      time.Now,
		after:    func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop },
		report:   func(string, string, error) {},
		pending:  pool{perHost: map[string]int{}, maxPerHost: maxPendingPerPeer, maxTotal: maxPending, description: "unauthenticated"},
		authed:   pool{perHost: map[string]int{}, maxPerHost: maxConnsPerPeer, maxTotal: maxConns, description: "authenticated"},
		refusing: pool{perHost: map[string]int{}, maxPerHost: maxRefusingPerPeer, maxTotal: maxRefusing, description: "refused"}}
}

// watch gives the admission what tells a live subscription (alive: does
// the local actor run) and where to log what it closes. Call it before the
// node serves.
func (a *admission) watch(alive func(id string) bool, report func(peer, what string, err error)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.alive, a.report = alive, report
}

// admit admits a new connection from remote (host:port) into the pending
// pool, taking the place of the connection quiet for longest when the pool
// is full, or refuses it. A connection refused with room in the refusing
// pool is admitted too, to be told why (its refusal): admit then returns
// both. On a node that authenticates, a connection that brings no
// authenticated stream within authTimeout is closed by close.
func (a *admission) admit(remote string, close func() error) (*admitted, error) {
	host := hostOf(remote)
	var gone []*admitted
	defer func() { a.closeAll(gone, "idle connection", "to admit a connection from "+host) }()
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	c := &admitted{remote: remote, host: host, close: close, last: now}
	for {
		over, ofHost := a.pending.full(host)
		if !over {
			break
		}
		among := ""
		if ofHost {
			among = host
		}
		v := a.quietest(among, now)
		if v == nil {
			err := fmt.Errorf("%w, none quiet for %v", a.pending.fullError(host, ofHost), a.giveWay)
			if a.refusing.take(host) != nil {
				return nil, err
			}
			c.refusal = err
			a.conns[remote] = c
			c.idleStop = a.after(handshakeTimeout, func() { a.closeIdle(c) })
			return c, err
		}
		a.forget(v)
		gone = append(gone, v)
	}
	_ = a.pending.take(host)
	a.conns[remote] = c
	if a.auth {
		c.authStop = a.after(authTimeout, func() { a.expire(c) })
	}
	c.idleStop = a.after(a.idle, func() { a.closeIdle(c) })
	return c, nil
}

// quietest returns the unauthenticated connection (of host, unless "")
// that may give its place to a new one: the one quiet for longest of those
// quiet for giveWay, a connection that serves a live subscription only
// once quiet for the idle time. It returns nil when none may.
func (a *admission) quietest(host string, now time.Time) *admitted {
	var best *admitted
	bestServes := false
	for _, c := range a.conns {
		if c.authed || c.refusal != nil || host != "" && c.host != host {
			continue
		}
		quiet := now.Sub(c.last)
		if quiet < a.giveWay {
			continue
		}
		serves := a.servesLive(c)
		if serves && quiet < a.idle {
			continue
		}
		// A connection that serves no subscription gives way first.
		if best == nil || bestServes && !serves || bestServes == serves && c.last.Before(best.last) {
			best, bestServes = c, serves
		}
	}
	return best
}

// servesLive reports whether a subscription end the connection served
// still runs, and forgets the ends that stopped.
func (a *admission) servesLive(c *admitted) bool {
	for id := range c.ends {
		if a.alive != nil && a.alive(id) {
			return true
		}
		delete(c.ends, id)
	}
	return false
}

// forget takes c out of its pool and of the open connections; its caller
// closes it. a.mu is held.
func (a *admission) forget(c *admitted) {
	c.closed = true
	for _, stop := range []func() bool{c.authStop, c.idleStop} {
		if stop != nil {
			stop()
		}
	}
	switch {
	case c.refusal != nil:
		a.refusing.give(c.host)
	case c.authed:
		a.authed.give(c.host)
	default:
		a.pending.give(c.host)
	}
	if a.conns[c.remote] == c {
		delete(a.conns, c.remote)
	}
}

// closeAll closes connections the admission forgot, and logs each.
func (a *admission) closeAll(cs []*admitted, what, why string) {
	for _, c := range cs {
		if c.close != nil {
			_ = c.close()
		}
		a.report(c.remote, what, fmt.Errorf("closed after %v without a message the node acts on, %s",
			a.now().Sub(c.last).Round(time.Millisecond), why))
	}
}

// closeIdle closes c when it has been quiet for the idle time and serves
// no live subscription, or checks again when it may be. A connection
// admitted to be told its refusal is closed at once.
func (a *admission) closeIdle(c *admitted) {
	a.mu.Lock()
	if c.closed {
		a.mu.Unlock()
		return
	}
	if c.refusal == nil {
		quiet := a.now().Sub(c.last)
		next := a.idle - quiet
		if next <= 0 && a.servesLive(c) {
			next = a.idle
		}
		if next > 0 {
			c.idleStop = a.after(next, func() { a.closeIdle(c) })
			a.mu.Unlock()
			return
		}
	}
	a.forget(c)
	a.mu.Unlock()
	if c.refusal != nil {
		if c.close != nil {
			_ = c.close()
		}
		return
	}
	a.closeAll([]*admitted{c}, "idle connection", "and serving no subscription")
}

// expire closes a connection still unauthenticated.
func (a *admission) expire(c *admitted) {
	a.mu.Lock()
	stale := !c.authed && !c.closed
	a.mu.Unlock()
	if stale && c.close != nil {
		_ = c.close()
	}
}

// authenticated moves the connection from remote into the authenticated
// pool, when the node authenticates, or refuses it when that pool is full.
func (a *admission) authenticated(remote string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.conns[remote]
	if !a.auth || c == nil || c.authed || c.closed || c.refusal != nil {
		return nil
	}
	if err := a.authed.take(c.host); err != nil {
		return err
	}
	a.pending.give(c.host)
	c.authed = true
	if c.authStop != nil {
		c.authStop()
	}
	return nil
}

// active notes that the connection from remote carried a message the node
// acts on, and the subscription ends among its targets.
func (a *admission) active(remote string, ends []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.conns[remote]
	if c == nil || c.closed {
		return
	}
	c.last = a.now()
	for _, id := range ends {
		if c.ends == nil {
			c.ends = map[string]bool{}
		}
		if len(c.ends) >= maxEndsPerConn && !c.ends[id] {
			a.servesLive(c) // forget the stopped ones
			if len(c.ends) >= maxEndsPerConn {
				return
			}
		}
		c.ends[id] = true
	}
}

// refused returns the status a connection admitted only to be told why it
// is over the limits answers its calls with, or nil.
func (a *admission) refused(remote string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.conns[remote]
	if c == nil || c.refusal == nil {
		return nil
	}
	if !c.told {
		// Told once: the connection has nothing more to do here.
		c.told = true
		c.idleStop()
		c.idleStop = a.after(refusedLinger, func() { a.closeIdle(c) })
	}
	return status.Error(codes.ResourceExhausted, "gopline: "+c.refusal.Error())
}

// release forgets a closed connection.
func (a *admission) release(remote string, c *admitted) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !c.closed {
		a.forget(c)
	}
}

// counts returns the open connections, pending and authenticated.
func (a *admission) counts() (pending, authed int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pending.total, a.authed.total
}

func hostOf(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

// actsOn lists the message types a peer keeps its connection in use with:
// gopline's wire messages (a subscription, a listing, acks, deliveries).
// Watching (actor.Watch, ...) does not, unless it addresses a
// subscription's end.
var actsOn = func() map[string]bool {
	m := map[string]bool{}
	for _, name := range wireTypeNames() {
		m[name] = true
	}
	return m
}()

// subscriptionEnd reports whether id names an end of a subscription: the
// gateway's proxy for a peer, or a link.
func subscriptionEnd(id string) bool {
	return strings.HasPrefix(id, gatewayName+"/"+proxyPrefix) || strings.HasPrefix(id, linkPrefix)
}

// inBatch returns whether a batch carries a message the node acts on (a
// wire message to a local actor that runs, or any message to a running
// subscription end), and the subscription ends it addresses.
func (a *admission) inBatch(b *remote.MessageBatch) (acts bool, ends []string) {
	for _, e := range b.Envelopes {
		if e == nil || e.Target < 0 || int(e.Target) >= len(b.Targets) || e.TypeId < 0 || int(e.TypeId) >= len(b.TypeNames) {
			continue
		}
		t := b.Targets[e.Target]
		if t == nil || a.alive == nil || !a.alive(t.Id) {
			continue
		}
		end := subscriptionEnd(t.Id)
		if end {
			ends = append(ends, t.Id)
		}
		acts = acts || end || actsOn[b.TypeNames[e.TypeId]]
	}
	return acts, ends
}
