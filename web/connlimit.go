package web

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/lograte"
)

// Bounds of the connections the viewer port holds open: a client that
// opens connections and leaves them idle (kept alive between requests)
// must not use up the process's file descriptors, which the remote port,
// the cameras and the recordings need too.
const (
	// MaxConnections bounds the viewer port's open connections, WebSockets
	// among them. At the bound, a new connection closes the one that has
	// waited the longest without a request under way (idle between two
	// requests, or yet to send its first), if any, else is refused.
	MaxConnections = 1024
	// MaxConnectionsPerAddress bounds one client address's (an IPv6
	// /64's); a loopback address, a reverse proxy's or one host's, holds
	// MaxConnectionsPerLoopback.
	MaxConnectionsPerAddress  = 64
	MaxConnectionsPerLoopback = 256
)

// connLimit holds the count of a listener's open connections, in all and
// by client address, and those waiting without a request under way
// (http.Server's ConnState: new, or idle between requests), the one
// waiting the longest first to close.
type connLimit struct {
	total, perAddress, perLoopback int
	log                            zerolog.Logger
	mu                             sync.Mutex
	open                           int
	byAddr                         map[netip.Addr]int
	waiting                        map[net.Conn]time.Time
	refused, evicted               lograte.Limiter
}

func newConnLimit(log zerolog.Logger) *connLimit {
	return &connLimit{total: MaxConnections, perAddress: MaxConnectionsPerAddress, perLoopback: MaxConnectionsPerLoopback, log: log,
		byAddr: map[netip.Addr]int{}, waiting: map[net.Conn]time.Time{},
		refused: lograte.Limiter{Interval: clientWarnEvery}, evicted: lograte.Limiter{Interval: clientWarnEvery}}
}

// limitedListener is a listener whose connections a connLimit bounds.
type limitedListener struct {
	net.Listener
	limit *connLimit
}

func (ln limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := addressGroup(clientAddr(c.RemoteAddr().String()))
		if ln.limit.admit(addr) {
			return &limitedConn{Conn: c, limit: ln.limit, addr: addr}, nil
		}
		c.Close()
	}
}

// admit takes a place for a connection from addr, closing the connection
// waiting the longest when the listener holds all it may; it reports
// whether it took one.
func (l *connLimit) admit(addr netip.Addr) bool {
	share := l.perAddress
	if addr.IsLoopback() {
		share = l.perLoopback
	}
	l.mu.Lock()
	var oldest net.Conn
	if l.open >= l.total {
		var since time.Time
		for c, at := range l.waiting {
			if oldest == nil || at.Before(since) {
				oldest, since = c, at
			}
		}
	}
	ok := l.byAddr[addr] < share && (l.open < l.total || oldest != nil)
	if ok {
		l.open++
		l.byAddr[addr]++
		if oldest != nil {
			delete(l.waiting, oldest)
		}
	}
	l.mu.Unlock()
	now := time.Now()
	switch {
	case !ok:
		if allow, n := l.refused.Allow(now); allow {
			l.log.Warn().Str("client", addr.String()).Uint64("count", n).Int("max", l.total).Int("max_per_address", share).
				Msg("web: connections refused: the viewer port holds all the connections it may, in all or from the address")
		}
	case oldest != nil:
		oldest.Close() // its place was taken over: the count falls at its close, by one
		if allow, n := l.evicted.Allow(now); allow {
			l.log.Warn().Uint64("count", n).Int("max", l.total).
				Msg("web: the viewer port holds all the connections it may: closing the one waiting the longest without a request for a new one")
		}
	}
	return ok
}

// release gives back the place of a connection from addr.
func (l *connLimit) release(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
}

// connState notes which connections wait without a request under way
// (new, or idle between requests): the http.Server's ConnState (its
// connections are the TLS ones over a limitedConn, with TLS).
func (l *connLimit) connState(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if state == http.StateNew || state == http.StateIdle {
		l.waiting[c] = time.Now()
	} else {
		delete(l.waiting, c)
	}
}

// limitedConn is a connection that gives back its place when it closes.
type limitedConn struct {
	net.Conn
	limit *connLimit
	addr  netip.Addr
	once  sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.limit.release(c.addr) })
	return err
}
