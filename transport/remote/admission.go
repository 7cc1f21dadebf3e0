package remote

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc/credentials"
)

// errTooManyConns is why a connection over the limits is refused.
var errTooManyConns = errors.New("too many connections")

// admission counts a node's connections per peer host and in all, in two
// pools: connections not authenticated (yet), and connections whose stream
// brought the node's token or an allowed certificate. A connection over
// its pool's limits is refused. It is a plain type: the connections are
// told by their remote address.
type admission struct {
	// auth is set when the node authenticates its peers (a token or client
	// certificates); without it, every peer stays in the pending pool.
	auth bool

	mu      sync.Mutex
	pending pool
	authed  pool
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

func (p *pool) take(host string) error {
	if p.total >= p.maxTotal {
		return fmt.Errorf("%w: the node has %d %s connections", errTooManyConns, p.total, p.description)
	}
	if p.perHost[host] >= p.maxPerHost {
		return fmt.Errorf("%w: %d %s connections from %s", errTooManyConns, p.perHost[host], p.description, host)
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
	host   string
	authed bool
	closed bool
	// close closes the connection; the admission calls it for a
	// connection that stays unauthenticated past authTimeout.
	close func() error
	timer *time.Timer
}

func newAdmission(auth bool) *admission {
	return &admission{auth: auth, conns: map[string]*admitted{},
		pending: pool{perHost: map[string]int{}, maxPerHost: maxPendingPerPeer, maxTotal: maxPending, description: "unauthenticated"},
		authed:  pool{perHost: map[string]int{}, maxPerHost: maxConnsPerPeer, maxTotal: maxConns, description: "authenticated"}}
}

// admit admits a new connection from remote (host:port) into the pending
// pool, or refuses it. On a node that authenticates, a connection that
// brings no authenticated stream within authTimeout is closed by close.
func (a *admission) admit(remote string, close func() error) (*admitted, error) {
	host := hostOf(remote)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.pending.take(host); err != nil {
		return nil, err
	}
	c := &admitted{host: host, close: close}
	a.conns[remote] = c
	if a.auth {
		c.timer = time.AfterFunc(authTimeout, func() { a.expire(c) })
	}
	return c, nil
}

// expire closes a connection still unauthenticated.
func (a *admission) expire(c *admitted) {
	a.mu.Lock()
	stale := !c.authed && !c.closed
	a.mu.Unlock()
	if stale {
		_ = c.close()
	}
}

// authenticated moves the connection from remote into the authenticated
// pool, when the node authenticates, or refuses it when that pool is full.
func (a *admission) authenticated(remote string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.conns[remote]
	if !a.auth || c == nil || c.authed || c.closed {
		return nil
	}
	if err := a.authed.take(c.host); err != nil {
		return err
	}
	a.pending.give(c.host)
	c.authed = true
	c.timer.Stop()
	return nil
}

// release forgets a closed connection.
func (a *admission) release(remote string, c *admitted) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.authed {
		a.authed.give(c.host)
	} else {
		a.pending.give(c.host)
	}
	if a.conns[remote] == c {
		delete(a.conns, remote)
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

// admittingCreds wraps a server's transport credentials (TLS, or none) to
// admit each connection before its handshake, to release it when it
// closes, and to report a failed handshake. (protoactor's remote opens its
// listener itself at the pinned version, so a limiting net.Listener cannot
// be given; gRPC calls the credentials for every connection it accepts.)
type admittingCreds struct {
	credentials.TransportCredentials
	a       *admission
	refused func(peer, what string, err error)
}

func (c *admittingCreds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	remote := raw.RemoteAddr().String()
	ad, err := c.a.admit(remote, raw.Close)
	if err != nil {
		c.refused(remote, "connection", err)
		return nil, nil, err
	}
	conn, info, err := c.TransportCredentials.ServerHandshake(raw)
	if err != nil {
		c.a.release(remote, ad)
		if !errors.Is(err, io.EOF) { // a port check that connects and leaves
			c.refused(remote, "handshake", err)
		}
		return nil, nil, err
	}
	return &admittedConn{Conn: conn, a: c.a, remote: remote, ad: ad}, info, nil
}

func (c *admittingCreds) Clone() credentials.TransportCredentials {
	return &admittingCreds{TransportCredentials: c.TransportCredentials.Clone(), a: c.a, refused: c.refused}
}

// admittedConn releases its admission when it closes.
type admittedConn struct {
	net.Conn
	a      *admission
	remote string
	ad     *admitted
}

func (c *admittedConn) Close() error {
	c.a.release(c.remote, c.ad)
	return c.Conn.Close()
}
