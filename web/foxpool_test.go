package web

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

// A full Foxglove pool takes a new client as a guest while a connection
// has held no subscription for the grace, and gives the guest that
// connection's place once it subscribes (seat), not before.
func TestAFullFoxglovePoolSeatsASubscribingGuestInThePlaceIdleTheLongest(t *testing.T) {
	p := newViewerPool(viewerLimits(3, false))
	t0 := time.Unix(1000, 0)
	busy, _ := p.admit(netip.MustParseAddr("192.0.2.1"), t0, false)
	busy.idleSince = time.Time{}
	older, _ := p.admit(netip.MustParseAddr("192.0.2.2"), t0, false)
	newer, _ := p.admit(netip.MustParseAddr("192.0.2.3"), t0.Add(time.Second), false)
	late := netip.MustParseAddr("192.0.2.4")
	if s, err := p.admit(late, t0.Add(foxgloveIdleGrace/2), false); !errors.Is(err, errPoolFull) || s != nil {
		t.Fatalf("before the grace: %v, %v; want %v", s, err, errPoolFull)
	}
	guest, err := p.admit(late, t0.Add(foxgloveIdleGrace+time.Second), false)
	if err != nil || !guest.guest || p.len() != 3 {
		t.Fatalf("after the grace: %+v, %v, %d places; want a guest beside the 3", guest, err, p.len())
	}
	evicted, err := p.seat(guest, t0.Add(foxgloveIdleGrace+2*time.Second))
	if err != nil || evicted != older || guest.guest {
		t.Fatalf("the guest subscribes: evicted %p (%v), want the older idle one %p", evicted, err, older)
	}
	p.release(older) // its handler lets go once it ended: nothing more
	if p.len() != 3 {
		t.Errorf("%d places, want 3", p.len())
	}
	guest.idleSince = time.Time{} // it subscribed
	// A guest that subscribes when no connection is idle for the grace
	// stays a guest, told why.
	newer.idleSince = time.Time{}
	other, _ := p.admit(netip.MustParseAddr("192.0.2.5"), t0.Add(time.Hour), false)
	if other != nil {
		t.Fatal("a guest admitted with no connection idle")
	}
	newer.idleSince = t0.Add(time.Hour)
	other, _ = p.admit(netip.MustParseAddr("192.0.2.5"), t0.Add(time.Hour+foxgloveIdleGrace), false)
	newer.idleSince = time.Time{} // it subscribed meanwhile
	if ev, err := p.seat(other, t0.Add(time.Hour+foxgloveIdleGrace)); !errors.Is(err, errPoolFull) || ev != nil || !other.guest {
		t.Errorf("a guest subscribes with no connection idle: evicted %v, %v; want %v", ev, err, errPoolFull)
	}
	p.release(other)
	// No pool of WebRTC sessions evicts, nor takes guests.
	w := newViewerPool(viewerLimits(1, true))
	_, _ = w.admit(netip.MustParseAddr("192.0.2.1"), t0, false)
	if s, err := w.admit(netip.MustParseAddr("192.0.2.2"), t0.Add(time.Hour), false); !errors.Is(err, errPoolFull) || s != nil {
		t.Errorf("WebRTC pool: %v, %v; want %v", s, err, errPoolFull)
	}
}

// An address whose share is full of connections that subscribe to nothing
// (idle Foxglove windows behind one proxy) gives the one idle the longest
// to its new client that subscribes, past the grace, as a full pool does;
// one of another address is never taken for it.
func TestAFullAddressShareGivesItsOwnConnectionIdleTheLongest(t *testing.T) {
	p := newViewerPool(viewerLimits(32, false))
	perAddress, _ := addressShares(32)
	proxy, other := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	t0 := time.Unix(1000, 0)
	otherIdle, _ := p.admit(other, t0.Add(-time.Hour), false)
	var first *viewerSlot
	for i := range perAddress {
		s, err := p.admit(proxy, t0.Add(time.Duration(i)*time.Millisecond), false)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = s
		}
	}
	if s, err := p.admit(proxy, t0.Add(foxgloveIdleGrace/2), false); !errors.Is(err, errAddressFull) || s != nil {
		t.Fatalf("before the grace: %v, %v; want %v", s, err, errAddressFull)
	}
	s, err := p.admit(proxy, t0.Add(foxgloveIdleGrace+time.Second), false)
	if err != nil || !s.guest {
		t.Fatalf("after the grace: %+v, %v; want a guest", s, err)
	}
	if ev, err := p.seat(s, t0.Add(foxgloveIdleGrace+time.Second)); err != nil || ev != first {
		t.Fatalf("the guest subscribes: evicted %p (%v), want the address's own idle the longest %p (not %p)", ev, err, first, otherIdle)
	}
	// Busy connections of the address keep their places.
	busy := newViewerPool(viewerLimits(32, false))
	for range perAddress {
		s, _ := busy.admit(proxy, t0, false)
		s.idleSince = time.Time{}
	}
	if s, err := busy.admit(proxy, t0.Add(time.Hour), false); !errors.Is(err, errAddressFull) || s != nil {
		t.Errorf("a share of busy connections: %v, %v; want %v", s, err, errAddressFull)
	}
}

func TestAFullFoxglovePoolTakesAQuarterMoreAsGuestsAtMost(t *testing.T) {
	p := newViewerPool(viewerLimits(32, false))
	t0 := time.Unix(1000, 0)
	for i := range 32 {
		if _, err := p.admit(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), t0, false); err != nil {
			t.Fatal(err)
		}
	}
	later := t0.Add(time.Hour)
	for i := range 32/guestShare + 1 {
		s, err := p.admit(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), later, false)
		if i < 32/guestShare && (err != nil || !s.guest) {
			t.Fatalf("guest %d: %v", i+1, err)
		}
		if i == 32/guestShare && !errors.Is(err, errPoolFull) {
			t.Fatalf("guest %d: %v, want %v", i+1, err, errPoolFull)
		}
	}
	if p.len() != 32 {
		t.Errorf("%d places, want 32: guests hold none", p.len())
	}
}

// One host that keeps connecting clients that subscribe to nothing holds
// half the guests' places at most, three quarters on loopback, so that
// other new clients still get one, and can take an idle one's place by
// subscribing.
func TestOneAddressHoldsAShareOfAFullFoxglovePoolsGuests(t *testing.T) {
	t0 := time.Unix(1000, 0)
	later := t0.Add(time.Hour)
	guests := 32 / guestShare
	for _, c := range []struct {
		addr  netip.Addr
		share int
	}{
		{netip.MustParseAddr("198.51.100.1"), guests / 2},
		{netip.MustParseAddr("2001:db8::1"), guests / 2}, // its /64
		{netip.MustParseAddr("127.0.0.1"), guests * 3 / 4},
	} {
		p := newViewerPool(viewerLimits(32, false))
		for i := range 32 {
			if _, err := p.admit(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), t0, false); err != nil {
				t.Fatal(err)
			}
		}
		for i := range c.share {
			addr := c.addr
			if addr.Is6() && !addr.IsLoopback() {
				addr = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i + 1)})
			}
			if s, err := p.admit(addr, later, false); err != nil || !s.guest {
				t.Fatalf("%v: guest %d: %v", c.addr, i+1, err)
			}
		}
		if s, err := p.admit(c.addr, later, false); !errors.Is(err, errGuestsAddressFull) || !errors.Is(err, errPoolFull) || s != nil {
			t.Fatalf("%v: guest %d: %v, %v; want %v and %v", c.addr, c.share+1, s, err, errPoolFull, errGuestsAddressFull)
		}
		for i := c.share; i < guests; i++ {
			if s, err := p.admit(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), later, false); err != nil || !s.guest {
				t.Fatalf("%v: another address's guest %d: %v", c.addr, i+1, err)
			}
		}
	}
	// A pool of one guest gives it to any address.
	if per, loop := guestShares(1); per != 1 || loop != 1 {
		t.Errorf("1 guest: %d per address, %d on loopback; want 1, 1", per, loop)
	}
}

// Idle Foxglove windows, more than the node's places, each of which
// reconnects 3 s after its connection ends (as Studio does): the windows
// that hold the places keep them, and no window takes another's place.
func TestIdleFoxgloveClientsThatReconnectDoNotEvictEachOther(t *testing.T) {
	const clients, places, reconnect = 40, 32, 3 * time.Second
	for _, loopback := range []bool{false, true} {
		p := newViewerPool(viewerLimits(places, false))
		type window struct {
			addr     netip.Addr
			slot     *viewerSlot
			since    time.Time // when slot was admitted
			retry    time.Time
			replaced int
		}
		ws := make([]*window, clients)
		for i := range ws {
			ws[i] = &window{addr: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})}
			if loopback {
				ws[i].addr = netip.MustParseAddr("127.0.0.1")
			}
		}
		t0 := time.Unix(1000, 0)
		seated := map[*window]bool{}
		const step = 100 * time.Millisecond
		for now := t0; now.Before(t0.Add(5 * time.Minute)); now = now.Add(step) {
			for _, w := range ws {
				if w.slot != nil && w.slot.guest && now.Sub(w.since) >= foxgloveIdleGrace { // ended, as admitFoxglove ends it
					p.release(w.slot)
					w.slot, w.retry = nil, now.Add(reconnect)
				}
				if w.slot == nil && !now.Before(w.retry) {
					s, err := p.admit(w.addr, now, false)
					if err != nil {
						w.retry = now.Add(reconnect)
						continue
					}
					w.slot, w.since = s, now
				}
			}
			for _, w := range ws {
				if _, ok := p.slots[w.slot]; w.slot != nil && !w.slot.guest && !ok {
					t.Fatalf("loopback %v: a window lost its place at %v", loopback, now.Sub(t0))
				}
			}
			if now == t0 {
				for _, w := range ws {
					if w.slot != nil {
						seated[w] = true
					}
				}
			}
		}
		for _, w := range ws {
			if seated[w] != (w.slot != nil && !w.slot.guest) {
				t.Errorf("loopback %v: window %p seated at first %v, at last %v", loopback, w, seated[w], w.slot != nil)
			}
		}
		if n := p.len(); n != len(seated) {
			t.Errorf("loopback %v: %d places at last, %d at first", loopback, n, len(seated))
		}
	}
}
