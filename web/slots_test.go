package web

import (
	"errors"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPendingWebRTCViewersHaveASmallPoolOfTheirOwn(t *testing.T) {
	p := newViewerPool(viewerLimits(32, true))
	now := time.Unix(1000, 0)
	attacker, viewer := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	var pending []*viewerSlot
	for i := 0; ; i++ {
		s, err := p.admit(attacker, now, true)
		if err != nil {
			if !errors.Is(err, errPendingFull) || i != maxPendingPerAddress {
				t.Fatalf("offer %d refused with %v, want %v after %d", i, err, errPendingFull, maxPendingPerAddress)
			}
			break
		}
		pending = append(pending, s)
	}
	for i := 0; i < 32/pendingShare-maxPendingPerAddress; i++ {
		if _, err := p.admit(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), now, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.admit(viewer, now, true); !errors.Is(err, errPendingFull) {
		t.Fatalf("offer beyond the pending pool: %v, want %v", err, errPendingFull)
	}
	// A session that connects leaves the pending pool.
	pending[0].pending = false
	if _, err := p.admit(viewer, now, true); err != nil {
		t.Fatalf("offer once a pending session connected: %v", err)
	}
	if p.len() != 32/pendingShare+1 {
		t.Errorf("%d places taken, want %d", p.len(), 32/pendingShare+1)
	}
}

func TestAddressSharesHoldAnIndexPageAndTwoViews(t *testing.T) {
	for _, c := range []struct{ places, perAddress, perLoopback int }{
		{32, 16, 24}, {64, 32, 48}, {16, 11, 12}, {11, 11, 11}, {4, 4, 4},
	} {
		a, l := addressShares(c.places)
		if a != c.perAddress || l != c.perLoopback {
			t.Errorf("%d places: %d per address, %d on loopback; want %d, %d", c.places, a, l, c.perAddress, c.perLoopback)
		}
	}
}

func TestTheIndexPageShowsAsManyTilesAsAnAddressIsGiven(t *testing.T) {
	js, err := os.ReadFile("static/index.js")
	if err != nil {
		t.Fatal(err)
	}
	if want := "const maxTiles = " + strconv.Itoa(indexTiles) + ";"; !strings.Contains(string(js), want) {
		t.Errorf("static/index.js has no %q", want)
	}
}

func TestOneAddressOrIPv6NetworkHoldsAShareOfThePool(t *testing.T) {
	perAddress, perLoopback := addressShares(32)
	for _, c := range []struct {
		addr  string
		share int
	}{{"192.0.2.1", perAddress}, {"::ffff:192.0.2.1", perAddress}, {"127.0.0.1", perLoopback}, {"::1", perLoopback}} {
		p := newViewerPool(viewerLimits(32, false))
		addr := clientAddr(c.addr + ":1234")
		if c.addr[0] == ':' {
			addr = clientAddr("[" + c.addr + "]:1234")
		}
		now := time.Unix(1000, 0)
		for i := 0; i < c.share; i++ {
			s, err := p.admit(addr, now, false)
			if err != nil {
				t.Fatalf("%s: client %d refused: %v", c.addr, i, err)
			}
			s.idleSince = time.Time{} // subscribed
		}
		if _, err := p.admit(addr, now, false); !errors.Is(err, errAddressFull) {
			t.Errorf("%s: client %d: %v, want %v", c.addr, c.share+1, err, errAddressFull)
		}
		if _, err := p.admit(netip.MustParseAddr("203.0.113.9"), now, false); err != nil {
			t.Errorf("%s: another address refused: %v", c.addr, err)
		}
	}
	// An IPv6 /64 is one address.
	p := newViewerPool(viewerLimits(32, false))
	for i := 0; i < perAddress; i++ {
		if _, err := p.admit(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i)}), time.Unix(1000, 0), false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.admit(netip.MustParseAddr("2001:db8::ffff:1"), time.Unix(1000, 0), false); !errors.Is(err, errAddressFull) {
		t.Errorf("another address of the same /64: %v, want %v", err, errAddressFull)
	}
	if _, err := p.admit(netip.MustParseAddr("2001:db8:0:1::1"), time.Unix(1000, 0), false); err != nil {
		t.Errorf("an address of another /64: %v", err)
	}
}
