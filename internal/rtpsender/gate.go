// Package rtpsender keeps the RTP stream received at a port to one
// sender. A UDP port takes datagrams from anyone: a second sender on the
// same port (another robot sent to the wrong port, a host that should
// not send there) would have its packets interleaved with the first
// one's, which no depacketizer or decoder can tell apart (their sequence
// numbers and times are unrelated). Gate takes the sender whose packet
// came first and leaves out the others, naming each once. A Filter, from
// the location's sources= and block=, pins the senders a user allows.
package rtpsender

import (
	"fmt"
	"net/netip"
)

// maxNamed bounds the other senders a Gate remembers having named: a
// host that sends from ever new ports must not make it grow without end.
const maxNamed = 16

// Gate decides which datagrams of a port are its stream's: those of the
// sender taken, the first one seen that Filter allows. The zero value
// takes the first sender that comes.
//
// A Gate is not safe for concurrent use: it belongs to the goroutine that
// reads the port.
type Gate struct {
	// Filter is the hosts the port takes datagrams of (sources=, block=).
	Filter Filter

	sender netip.AddrPort
	named  map[netip.AddrPort]struct{}
	// Others counts the datagrams of other senders left out.
	Others uint64
}

// Take reports whether a datagram from from is the stream's, taking from
// as the stream's sender when none is yet and Filter allows it; and, for
// one that is not, whether from is to be named (its first datagram, while
// fewer than maxNamed others were named; never a host block= names, which
// the user knows of). LeftOut says why.
func (g *Gate) Take(from netip.AddrPort) (take, name bool) {
	from = Unmapped(from)
	allowed := g.Filter.Allows(from.Addr())
	if !g.sender.IsValid() && allowed {
		g.sender = from
	}
	if allowed && from == g.sender {
		return true, false
	}
	g.Others++
	if g.Filter.Blocks(from.Addr()) {
		return false, false
	}
	if _, ok := g.named[from]; ok || len(g.named) >= maxNamed {
		return false, false
	}
	if g.named == nil {
		g.named = map[netip.AddrPort]struct{}{}
	}
	g.named[from] = struct{}{}
	return false, true
}

// Sender is the sender taken; not valid before the first datagram.
func (g *Gate) Sender() netip.AddrPort { return g.sender }

// LeftOut is the warning that names other, a sender whose datagrams Take
// left out, saying why.
func (g *Gate) LeftOut(other netip.AddrPort) string {
	other = Unmapped(other)
	if !g.Filter.Allows(other.Addr()) {
		given := "the location's " + g.Filter.String()
		if g.Filter.Origin != "" {
			given = g.Filter.Origin + " (" + g.Filter.String() + ")"
		}
		return fmt.Sprintf("packets from %v are left out: %s names the port's senders, and not this one "+
			"(is that the sender's address? add it, or drop the filter to take the first sender)", other, given)
	}
	return fmt.Sprintf("packets from %v are left out: the port's stream is the sender's whose packet came first, %v's "+
		"(a second sender on the same port: another robot sending to the wrong port, or a host that should not send here; "+
		"sources=IP on the location pins the sender)", other, g.sender)
}

// Unmapped is an IPv4 sender's address as IPv4, as a socket of every
// interface gives it mapped into IPv6 ([::ffff:10.0.0.5]:5004).
func Unmapped(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}
