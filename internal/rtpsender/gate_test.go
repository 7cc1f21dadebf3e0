package rtpsender

import (
	"fmt"
	"net/netip"
	"testing"
)

func TestGateTakesTheFirstSenderAndNamesEachOtherOnce(t *testing.T) {
	a := netip.MustParseAddrPort("10.0.0.5:5004")
	b := netip.MustParseAddrPort("10.0.0.9:41000")
	sameHost := netip.MustParseAddrPort("10.0.0.5:5006")
	mapped := netip.AddrPortFrom(netip.AddrFrom16(a.Addr().As16()), a.Port()) // a, as a dual-stack socket gives it
	var g Gate
	for i, c := range []struct {
		from       netip.AddrPort
		take, name bool
	}{
		{a, true, false},
		{b, false, true},
		{a, true, false},
		{b, false, false},
		{sameHost, false, true},
		{mapped, true, false},
	} {
		if take, name := g.Take(c.from); take != c.take || name != c.name {
			t.Errorf("datagram %d from %v: take %v name %v, want %v %v", i, c.from, take, name, c.take, c.name)
		}
	}
	if g.Sender() != a || g.Others != 3 {
		t.Fatalf("sender %v, %d others; want %v, 3", g.Sender(), g.Others, a)
	}
}

// A host that sends from ever new ports is named maxNamed times, not
// once a port for ever.
func TestGateNamesAtMostMaxNamedOthers(t *testing.T) {
	var g Gate
	g.Take(netip.MustParseAddrPort("10.0.0.5:5004"))
	named := 0
	for port := range 1000 {
		if _, name := g.Take(netip.MustParseAddrPort(fmt.Sprintf("10.0.0.66:%d", 20000+port))); name {
			named++
		}
	}
	if named != maxNamed || g.Others != 1000 {
		t.Fatalf("named %d of 1000 others (counted %d), want %d", named, g.Others, maxNamed)
	}
}
