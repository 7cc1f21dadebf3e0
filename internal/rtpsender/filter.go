package rtpsender

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// ErrBadFilter is the error of a location's sources= or block= that is
// not a list of IP addresses.
var ErrBadFilter = errors.New("bad sender filter")

// Filter names the hosts whose datagrams a port takes, as the sources=
// and block= options of FFmpeg's udp and rtp protocols do: with Sources,
// those of the hosts listed alone; never those of a host in Block. The
// zero value takes every host's.
type Filter struct {
	Sources []netip.Addr
	Block   []netip.Addr
	// Origin says where the filter was given, in the warnings of the
	// senders it leaves out: "" for a location's sources= and block=.
	Origin string
}

// Allows reports whether a datagram of host is the port's to take.
func (f Filter) Allows(host netip.Addr) bool {
	host = host.Unmap()
	if has(f.Block, host) {
		return false
	}
	return len(f.Sources) == 0 || has(f.Sources, host)
}

// Blocks reports whether host is one the user named in block=.
func (f Filter) Blocks(host netip.Addr) bool { return has(f.Block, host.Unmap()) }

// IsZero reports whether f takes every host's datagrams.
func (f Filter) IsZero() bool { return len(f.Sources) == 0 && len(f.Block) == 0 }

// has reports whether host is one of list's: a link-local IPv6 host's
// zone (the interface it came in on, fe80::1%eth0) is compared only with
// an address of list that names one.
func has(list []netip.Addr, host netip.Addr) bool {
	for _, a := range list {
		if a == host || (a.Zone() == "" && a == host.WithZone("")) {
			return true
		}
	}
	return false
}

// String is f as a location's query: sources=a,b&block=c.
func (f Filter) String() string {
	var parts []string
	for _, o := range []struct {
		name string
		list []netip.Addr
	}{{"sources", f.Sources}, {"block", f.Block}} {
		if len(o.list) == 0 {
			continue
		}
		hosts := make([]string, len(o.list))
		for i, a := range o.list {
			hosts[i] = a.String()
		}
		parts = append(parts, o.name+"="+strings.Join(hosts, ","))
	}
	return strings.Join(parts, "&")
}

// ParseFilter reads the query of an rtp:// location (what follows its
// '?'), sources=IP[,IP...] and block=IP[,IP...], as FFmpeg's rtp:// URLs
// take them. A name that is not an IP address, an address no sender
// sends from (0.0.0.0, a multicast group), an empty list or another
// option is an error wrapping ErrBadFilter that names it.
func ParseFilter(query string) (Filter, error) {
	var f Filter
	if query == "" {
		return f, nil
	}
	for _, kv := range strings.Split(query, "&") {
		key, value, _ := strings.Cut(kv, "=")
		var list *[]netip.Addr
		switch key {
		case "sources":
			list = &f.Sources
		case "block":
			list = &f.Block
		default:
			return Filter{}, fmt.Errorf("%w: %q: an RTP location is rtp://IP:PORT, whose options are sources=IP[,IP...] and block=IP[,IP...] alone", ErrBadFilter, kv)
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		if value == "" {
			return Filter{}, fmt.Errorf("%w: %s= names no address: give the senders' IP addresses, %s=10.0.0.5[,10.0.0.6...]", ErrBadFilter, key, key)
		}
		for _, host := range strings.Split(value, ",") {
			a, err := netip.ParseAddr(strings.TrimSpace(host))
			if err != nil {
				return Filter{}, fmt.Errorf("%w: %s=: %q is not an IP address: give the senders' IP addresses, %s=10.0.0.5[,10.0.0.6...]", ErrBadFilter, key, host, key)
			}
			if a = a.Unmap(); a.IsUnspecified() || a.IsMulticast() {
				return Filter{}, fmt.Errorf("%w: %s=: %v is no sender's address (a sender sends from its own unicast address): give the senders' IP addresses, %s=10.0.0.5[,10.0.0.6...]", ErrBadFilter, key, a, key)
			}
			*list = append(*list, a)
		}
	}
	return f, nil
}
