package rtpsender

import (
	"fmt"
	"net"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// ListenGroup receives at a multicast group's port as
// net.ListenMulticastUDP does, on ifi (nil: the interface the system
// chooses), joined for the hosts f allows, as FFmpeg's udp protocol joins
// it for its sources= and block=: for f's Sources alone (a
// source-specific join), else for every host but those f blocks. The
// system then hands the socket no other host's datagrams, and a network
// whose switches follow IGMPv3 or MLDv2 does not even carry them to this
// host; a Gate still leaves out any that come. The zero Filter joins the
// group for every host.
func ListenGroup(ifi *net.Interface, group *net.UDPAddr, f Filter) (*net.UDPConn, error) {
	c, err := net.ListenMulticastUDP("udp", ifi, group)
	if err != nil || f.IsZero() {
		return c, err
	}
	if err := joinFiltered(c, ifi, &net.UDPAddr{IP: group.IP}, f); err != nil {
		c.Close()
		return nil, fmt.Errorf("joining the group %v for %s alone: %w", group.IP, f, err)
	}
	return c, nil
}

// groupMember is what ipv4.PacketConn and ipv6.PacketConn have to join a
// group for some hosts.
type groupMember interface {
	LeaveGroup(ifi *net.Interface, group net.Addr) error
	JoinSourceSpecificGroup(ifi *net.Interface, group, source net.Addr) error
	ExcludeSourceSpecificGroup(ifi *net.Interface, group, source net.Addr) error
}

// joinFiltered turns c's join of group, for every host, into a join for
// the hosts f allows.
func joinFiltered(c *net.UDPConn, ifi *net.Interface, group *net.UDPAddr, f Filter) error {
	var m groupMember = ipv6.NewPacketConn(c)
	if group.IP.To4() != nil {
		m = ipv4.NewPacketConn(c)
	}
	if len(f.Sources) == 0 {
		for _, host := range f.Block {
			if err := m.ExcludeSourceSpecificGroup(ifi, group, &net.UDPAddr{IP: host.AsSlice()}); err != nil {
				return fmt.Errorf("block=%v: %w", host, err)
			}
		}
		return nil
	}
	if err := m.LeaveGroup(ifi, group); err != nil {
		return err
	}
	for _, host := range f.Sources {
		if f.Blocks(host) {
			continue
		}
		if err := m.JoinSourceSpecificGroup(ifi, group, &net.UDPAddr{IP: host.AsSlice()}); err != nil {
			return fmt.Errorf("sources=%v: %w", host, err)
		}
	}
	return nil
}
