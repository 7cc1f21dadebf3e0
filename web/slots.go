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
// that subscribes when the pool is full, and how long a new client is
// given to subscribe then: the time a client takes to subscribe once it is
// told of the channels. While there is room, an idle connection stays
// (Foxglove stays connected with no panel open).
const foxgloveIdleGrace = 5 * time.Second

// guestShare: a full Foxglove pool takes a quarter of its places more as
// guests, at least 1 (8 of 32), new clients that may take an idle one's
// place once they subscribe.
const guestShare = 4

// guestShares returns one address's share of a pool's guests, and a
// loopback address's: half of them, three quarters on loopback, as
// addressShares, and 1 at least, so that one host that keeps connecting
// clients that subscribe to nothing cannot hold every guest's place, each
// for the grace, and keep other new clients out.
func guestShares(guests int) (perAddress, perLoopback int) {
	perAddress = max(1, guests/perAddressShare)
	perLoopback = max(perAddress, guests*3/4)
	return perAddress, perLoopback
}

// Refusals of a pool; the HTTP status of each is refusal's.
var (
	errPoolFull    = errors.New("the node serves all the viewers it can")
	errAddressFull = errors.New("this client address holds all the places it may")
	errPendingFull = errors.New("too many WebRTC viewers are still connecting")
	// errPendingAddressFull is errPendingFull for one address's share of
	// the pending places.
	errPendingAddressFull = fmt.Errorf("%w from this client address", errPendingFull)
	// errGuestsAddressFull is errAddressFull for one address's share of a
	// full pool's guests.
	errGuestsAddressFull = fmt.Errorf("%w as guests", errAddressFull)
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
	// pool is full: as a guest first, maxGuests at most, seated once
	// it holds something (admit, seat).
	idleGrace time.Duration
	maxGuests int
	// guestsPerAddress are the guests one address may have;
	// guestsPerLoopback for a loopback address.
	guestsPerAddress, guestsPerLoopback int
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
		l.idleGrace, l.maxGuests = foxgloveIdleGrace, max(1, places/guestShare)
		l.guestsPerAddress, l.guestsPerLoopback = guestShares(l.maxGuests)
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
	// guest: the place is beyond the pool's bounds until seated (admit).
	guest bool
}

// viewerPool counts places by client address. It is not safe for
// concurrent use: its Handler's mutex guards it.
type viewerPool struct {
	limits poolLimits
	slots  map[*viewerSlot]struct{}
	guests map[*viewerSlot]struct{} // beyond the bounds (admit)
}

func newViewerPool(l poolLimits) *viewerPool {
	return &viewerPool{limits: l, slots: map[*viewerSlot]struct{}{}, guests: map[*viewerSlot]struct{}{}}
}

// admit gives addr a place at now, pending (not connected yet) or not, or
// returns why not. A pool that evicts idle places (idleGrace) and is full,
// or addr's share of it, while a place is idle for idleGrace, gives addr
// a guest's place instead, beyond its bound (maxGuests at most, and
// addr's share of them): the client takes the idle one's place once it
// holds something (seat), and its guest's place ends otherwise (its owner
// ends it after idleGrace). A client that only connects never takes
// another's place, so that idle clients that reconnect when they are
// refused (Foxglove Studio's windows with no panel) do not evict each
// other in turn.
func (p *viewerPool) admit(addr netip.Addr, now time.Time, pending bool) (*viewerSlot, error) {
	if err := p.room(addr, pending); err != nil {
		if pending || p.evictable(addr, now, err) == nil || len(p.guests) >= p.limits.maxGuests {
			return nil, err
		}
		if gerr := p.guestRoom(addr); gerr != nil {
			return nil, fmt.Errorf("%w, and %w", err, gerr)
		}
		s := &viewerSlot{addr: addr, idleSince: now, guest: true}
		p.guests[s] = struct{}{}
		return s, nil
	}
	s := &viewerSlot{addr: addr, pending: pending, idleSince: now}
	p.slots[s] = struct{}{}
	return s, nil
}

// room returns why addr may have no new place now, nil when it may.
func (p *viewerPool) room(addr netip.Addr, pending bool) error {
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
	switch {
	case ofAddr >= share && share < p.limits.max: // a share of the whole pool is the pool's bound
		return fmt.Errorf("%w (%d)", errAddressFull, share)
	case pending && pendingOfAddr >= p.limits.pendingPerAddress && p.limits.pendingPerAddress < p.limits.maxPending: // likewise
		return fmt.Errorf("%w: %d", errPendingAddressFull, pendingOfAddr)
	case pending && pendingAll >= p.limits.maxPending:
		return fmt.Errorf("%w: %d", errPendingFull, pendingAll)
	case len(p.slots) >= p.limits.max:
		return fmt.Errorf("%w: %d", errPoolFull, p.limits.max)
	}
	return nil
}

// guestRoom returns why addr may have no more guests, nil when it may.
func (p *viewerPool) guestRoom(addr netip.Addr) error {
	share := p.limits.guestsPerAddress
	if addr.IsLoopback() {
		share = p.limits.guestsPerLoopback
	}
	group, ofAddr := addressGroup(addr), 0
	for g := range p.guests {
		if addressGroup(g.addr) == group {
			ofAddr++
		}
	}
	if ofAddr >= share && share < p.limits.maxGuests { // a share of all the guests is their bound
		return fmt.Errorf("%w (%d)", errGuestsAddressFull, share)
	}
	return nil
}

// evictable returns the place whose eviction makes room for addr, which
// room refused for err: the one idle the longest, for idleGrace at least,
// of addr's own address group when its share is full (idle Foxglove
// windows behind one proxy must not keep its other users out), of the
// pool when the pool is full; nil when there is none.
func (p *viewerPool) evictable(addr netip.Addr, now time.Time, err error) *viewerSlot {
	switch {
	case errors.Is(err, errAddressFull):
		group := addressGroup(addr)
		return p.idlest(now, &group)
	case errors.Is(err, errPoolFull):
		return p.idlest(now, nil)
	}
	return nil
}

// seat gives guest s a place at now, when it comes to hold something: a
// place that came free, or the place of the one idle the longest, for
// idleGrace at least, which it returns: its client's to end, the pool has
// forgotten it. When no place is that idle, it returns why s has none,
// and s stays a guest. A place that is no guest's is seated already.
func (p *viewerPool) seat(s *viewerSlot, now time.Time) (evicted *viewerSlot, err error) {
	if !s.guest {
		return nil, nil
	}
	if err := p.room(s.addr, false); err != nil {
		if evicted = p.evictable(s.addr, now, err); evicted == nil {
			return nil, err
		}
		delete(p.slots, evicted)
	}
	delete(p.guests, s)
	s.guest, s.idleSince = false, now // its owner says when it holds something: till then it is new
	p.slots[s] = struct{}{}
	return evicted, nil
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

// release gives a place back, a guest's too; releasing one the pool no
// longer holds (it was evicted) does nothing.
func (p *viewerPool) release(s *viewerSlot) {
	delete(p.slots, s)
	delete(p.guests, s)
}

// len is how many places are taken, guests' aside.
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
