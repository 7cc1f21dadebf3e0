package rtpsender

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParseFilterReadsSourcesAndBlockAsFFmpegsURLsTakeThem(t *testing.T) {
	for _, c := range []struct {
		query, want string // want: the filter as a query, or the error's words
		bad         bool
	}{
		{"", "", false},
		{"sources=10.0.0.5", "sources=10.0.0.5", false},
		{"sources=10.0.0.5,10.0.0.6&block=10.0.0.9", "sources=10.0.0.5,10.0.0.6&block=10.0.0.9", false},
		{"block=fd00::9", "block=fd00::9", false},
		{"sources=10.0.0.5%2C10.0.0.6", "sources=10.0.0.5,10.0.0.6", false}, // escaped, as a URL may be
		{"sources=robot1", `sources=: "robot1" is not an IP address`, true},
		{"sources=", "sources= names no address", true},
		{"block=10.0.0.5,", `block=: "" is not an IP address`, true},
		{"localaddr=10.0.0.2", `"localaddr=10.0.0.2": an RTP location is rtp://IP:PORT, whose options are sources=`, true},
		{"sources=0.0.0.0", "sources=: 0.0.0.0 is no sender's address", true},
		{"block=239.1.1.1", "block=: 239.1.1.1 is no sender's address", true},
		{"sources=fe80::5%eth0", "sources=fe80::5%eth0", false},
	} {
		f, err := ParseFilter(c.query)
		switch {
		case c.bad && (!errors.Is(err, ErrBadFilter) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: %v, want ErrBadFilter saying %q", c.query, err, c.want)
		case !c.bad && (err != nil || f.String() != c.want):
			t.Errorf("%q: %q, %v; want %q", c.query, f, err, c.want)
		}
	}
}

func TestFilterAllowsTheSourcesAloneAndNeverABlockedHost(t *testing.T) {
	a, b, c := netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("10.0.0.6"), netip.MustParseAddr("10.0.0.9")
	mapped := netip.AddrFrom16(a.As16())
	linkLocal := netip.MustParseAddr("fe80::5")
	for _, tc := range []struct {
		f       Filter
		allowed []netip.Addr
		left    []netip.Addr
	}{
		{Filter{}, []netip.Addr{a, b, c}, nil},
		{Filter{Sources: []netip.Addr{a}}, []netip.Addr{a, mapped}, []netip.Addr{b, c}},
		{Filter{Block: []netip.Addr{c}}, []netip.Addr{a, b}, []netip.Addr{c}},
		{Filter{Sources: []netip.Addr{a, c}, Block: []netip.Addr{c}}, []netip.Addr{a}, []netip.Addr{b, c}},
		// A link-local IPv6 sender comes with the zone of the interface it
		// came in on; a filter that names none takes it on any.
		{Filter{Block: []netip.Addr{linkLocal}}, []netip.Addr{a}, []netip.Addr{linkLocal, linkLocal.WithZone("eth0")}},
		{Filter{Sources: []netip.Addr{linkLocal}}, []netip.Addr{linkLocal.WithZone("eth0")}, []netip.Addr{a}},
		{Filter{Sources: []netip.Addr{linkLocal.WithZone("eth1")}}, []netip.Addr{linkLocal.WithZone("eth1")}, []netip.Addr{linkLocal.WithZone("eth0")}},
	} {
		for _, h := range tc.allowed {
			if !tc.f.Allows(h) {
				t.Errorf("%q leaves out %v", tc.f, h)
			}
		}
		for _, h := range tc.left {
			if tc.f.Allows(h) {
				t.Errorf("%q allows %v", tc.f, h)
			}
		}
	}
}

// With sources=, the first sender of those listed is the stream's, though
// another's packet came first; that other is named once, saying sources=
// left it out. A host block= names is counted but not named: the user
// knows of it.
func TestGateOfAFilterTakesTheFirstAllowedSender(t *testing.T) {
	stray := netip.MustParseAddrPort("10.0.0.9:41000")
	blocked := netip.MustParseAddrPort("10.0.0.7:5004")
	robot := netip.MustParseAddrPort("10.0.0.5:5004")
	g := Gate{Filter: Filter{Sources: []netip.Addr{robot.Addr(), blocked.Addr()}, Block: []netip.Addr{blocked.Addr()}}}
	for i, c := range []struct {
		from       netip.AddrPort
		take, name bool
	}{
		{stray, false, true},
		{blocked, false, false},
		{robot, true, false},
		{stray, false, false},
		{robot, true, false},
	} {
		if take, name := g.Take(c.from); take != c.take || name != c.name {
			t.Errorf("datagram %d from %v: take %v name %v, want %v %v", i, c.from, take, name, c.take, c.name)
		}
	}
	if g.Sender() != robot || g.Others != 3 {
		t.Fatalf("sender %v, %d others; want %v, 3", g.Sender(), g.Others, robot)
	}
	if why := g.LeftOut(stray); !strings.Contains(why, "10.0.0.9:41000") || !strings.Contains(why, "sources=10.0.0.5,10.0.0.7") {
		t.Errorf("the stray sender is left out saying %q, want its address and sources=", why)
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, q := range []string{"", "sources=10.0.0.5,10.0.0.6&block=10.0.0.9", "block=fd00::9", "sources=%zz", "a=b&&c", "sources=::ffff:10.0.0.1"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, query string) {
		filter, err := ParseFilter(query)
		if err != nil {
			if !errors.Is(err, ErrBadFilter) {
				t.Fatalf("%q: %v, not ErrBadFilter", query, err)
			}
			return
		}
		again, err := ParseFilter(filter.String())
		if err != nil || again.String() != filter.String() {
			t.Fatalf("%q read as %q, which reads as %q, %v", query, filter, again, err)
		}
	})
}
