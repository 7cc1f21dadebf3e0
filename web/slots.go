package web

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// One client address's share of a pool of viewers (WebRTC sessions,
// Foxglove connections), so that one client cannot take a whole pool: half
// the pool, three quarters on loopback (one host's tabs and panels, or a
// reverse proxy that passes every client on), and hostViewers at least
// (the whole pool when it is smaller). A browser tab or a Foxglove panel
// holds one place, an index page one a tile: a host shows a node's index
// page and a couple of topics of their own.
const (
	perAddressShare = 2 // of the pool: a half
	hostViewers     = indexTiles + 2
	// indexTiles is how many tiles the index page shows at most (maxTiles
	// in static/index.js).
	indexTiles = 9
)

// addressShares returns one address's share of a pool of places, and a
// loopback address's.
func addressShares(places int) (perAddress, perLoopback int) {
	perAddress = min(places, max(hostViewers, places/perAddressShare))
	perLoopback = min(places, max(perAddress, places*3/4))
	return perAddress, perLoopback
}

// WebRTC sessions that have not connected yet (ICE and DTLS not done):
// a small pool of their own within MaxViewers, shared by every address
// with a small share each, so that offers posted and abandoned cannot
// take the places of viewers that connect.
const (
	// pendingShare: the pending pool is MaxViewers/pendingShare (8 of
	// 32), at least 1.
	pendingShare = 4
	// maxPendingPerAddress: a page that reloads, or a few tabs opened at
	// once, each post one offer.
	maxPendingPerAddress = 4
)

// foxgloveIdleGrace is how long a Foxglove connection may hold no
// subscription before it is the first to give its place to a new client
// when the pool is full: the time a client takes to subscribe once it is
// told of the channels. While there is room, an idle connection stays
// (Foxglove stays connected with no panel open).
const foxgloveIdleGrace = 5 * time.Second

// Refusals of a pool; the HTTP status of each is refusal's.
var (
	errPoolFull    = errors.New("the node serves all the viewers it can")
	errAddressFull = errors.New("this client address holds all the places it may")
	errPendingFull = errors.New("too many WebRTC viewers are still connecting")
	// errPendingAddressFull is errPendingFull for one address's share of
	// the pending places.
	errPendingAddressFull = fmt.Errorf("%w from this client address", errPendingFull)
)

// poolLimits are a pool's bounds.
type poolLimits struct {
	max         int // places in the pool
	perAddress  int // places one address may hold; perLoopback for a loopback address
	perLoopback int
	// maxPending and pendingPerAddress bound the places of clients that
	// have not connected (0: the pool has no such state).
	maxPending, pendingPerAddress int
	// idleGrace, when not 0, lets a new client take the place of the
	// client idle the longest, if idle for idleGrace at least, when the
	// pool is full.
	idleGrace time.Duration
}

// viewerLimits are the limits of a pool of places viewers: the WebRTC pool
// has pending places, the Foxglove pool evicts idle connections.
func viewerLimits(places int, webrtc bool) poolLimits {
	l := poolLimits{max: places}
	l.perAddress, l.perLoopback = addressShares(places)
	if webrtc {
		l.maxPending = max(1, places/pendingShare)
		l.pendingPerAddress = min(maxPendingPerAddress, l.maxPending)
	} else {
		l.idleGrace = foxgloveIdleGrace
	}
	return l
}

// viewerSlot is one client's place in a pool.
type viewerSlot struct {
	addr netip.Addr
	// pending: the client has not connected yet.
	pending bool
	// idleSince is when the client last held nothing (a Foxglove
	// connection without subscriptions); zero while it holds something.
	idleSince time.Time
}

// viewerPool counts places by client address. It is not safe for
// concurrent use: its Handler's mutex guards it.
type viewerPool struct {
	limits poolLimits
	slots  map[*viewerSlot]struct{}
}

func newViewerPool(l poolLimits) *viewerPool {
	return &viewerPool{limits: l, slots: map[*viewerSlot]struct{}{}}
}

// admit gives addr a place at now, pending (not connected yet) or not, or
// returns why not. When the pool is full and evicts, it returns the place
// it took back too: its client's to end, the pool has forgotten it.
func (p *viewerPool) admit(addr netip.Addr, now time.Time, pending bool) (s, evicted *viewerSlot, err error) {
	var ofAddr, pendingAll, pendingOfAddr int
	group := addressGroup(addr)
	for o := range p.slots {
		same := addressGroup(o.addr) == group
		if same {
			ofAddr++
		}
		if o.pending {
			pendingAll++
			if same {
				pendingOfAddr++
			}
		}
	}
	share := p.limits.perAddress
	if addr.IsLoopback() {
		share = p.limits.perLoopback
	}
	addressFull := ofAddr >= share && share < p.limits.max // a share of the whole pool is the pool's bound
	switch {
	case addressFull && p.idlest(now, &group) == nil:
		return nil, nil, fmt.Errorf("%w (%d)", errAddressFull, share)
	case pending && pendingOfAddr >= p.limits.pendingPerAddress && p.limits.pendingPerAddress < p.limits.maxPending: // likewise
		return nil, nil, fmt.Errorf("%w: %d", errPendingAddressFull, pendingOfAddr)
	case pending && pendingAll >= p.limits.maxPending:
		return nil, nil, fmt.Errorf("%w: %d", errPendingFull, pendingAll)
	case addressFull:
		// The address's own place idle the longest makes room, as the
		// pool's does when the pool is full: idle Foxglove windows
		// behind one proxy must not keep its other users out.
		evicted = p.idlest(now, &group)
		delete(p.slots, evicted)
	}
	if len(p.slots) >= p.limits.max && evicted == nil {
		evicted = p.idlest(now, nil)
		if evicted == nil {
			return nil, nil, fmt.Errorf("%w: %d", errPoolFull, p.limits.max)
		}
		delete(p.slots, evicted)
	}
	s = &viewerSlot{addr: addr, pending: pending, idleSince: now}
	p.slots[s] = struct{}{}
	return s, evicted, nil
}

// idlest returns the place idle the longest, if for idleGrace at least,
// of the address group group (of any, when group is nil); nil if none is,
// or the pool does not evict.
func (p *viewerPool) idlest(now time.Time, group *netip.Addr) *viewerSlot {
	if p.limits.idleGrace <= 0 {
		return nil
	}
	var idlest *viewerSlot
	for s := range p.slots {
		if s.idleSince.IsZero() || now.Sub(s.idleSince) < p.limits.idleGrace ||
			group != nil && addressGroup(s.addr) != *group {
			continue
		}
		if idlest == nil || s.idleSince.Before(idlest.idleSince) {
			idlest = s
		}
	}
	return idlest
}

// release gives a place back; releasing one the pool no longer holds (it
// was evicted) does nothing.
func (p *viewerPool) release(s *viewerSlot) { delete(p.slots, s) }

// len is how many places are taken.
func (p *viewerPool) len() int { return len(p.slots) }

// addressGroup is what counts as one client address: an IPv6 address's
// /64, which one host or site holds whole, and any other address itself.
func addressGroup(a netip.Addr) netip.Addr {
	if a.Is6() && !a.IsLoopback() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// clientAddr is the address of a request's client (its RemoteAddr),
// without the port; the zero Addr when it does not parse. A proxy's
// forwarding headers are not trusted: a client could set them.
func clientAddr(remoteAddr string) netip.Addr {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}
