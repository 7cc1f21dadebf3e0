package rtpsender

import (
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// ListenGroup receives at a multicast group's port on ifi (nil: the
// interface the system chooses), joined for the hosts f allows, as
// FFmpeg's udp protocol joins it for its sources= and block=: for f's
// Sources alone (a source-specific join), else for every host but those f
// blocks. The socket is bound to the group's address, as FFmpeg binds it,
// not to every address as net.ListenMulticastUDP binds: it takes no
// datagram of another group that a process of the host joined on the same
// port, nor one sent to the port's unicast address. The system then hands
// the socket no other host's datagrams, and a network whose switches
// follow IGMPv3 or MLDv2 does not even carry them to this host; a Gate
// still leaves out any that come. The zero Filter joins the group for
// every host. Other sockets may receive at the same group and port
// (SO_REUSEADDR), as other readers of the group.
func ListenGroup(ifi *net.Interface, group *net.UDPAddr, f Filter) (*net.UDPConn, error) {
	c, err := bindGroup(group)
	if err != nil {
		return nil, err
	}
	if err := joinFiltered(c, ifi, &net.UDPAddr{IP: group.IP}, f); err != nil {
		c.Close()
		if f.IsZero() {
			return nil, fmt.Errorf("joining the group %v: %w", group.IP, err)
		}
		return nil, fmt.Errorf("joining the group %v for %s alone: %w", group.IP, f, err)
	}
	return c, nil
}

// bindGroup returns a UDP socket bound to group's address and port, with
// SO_REUSEADDR for other readers of the group. net.ListenUDP binds a
// multicast address's port on every address instead, so the socket is
// made here.
func bindGroup(group *net.UDPAddr) (*net.UDPConn, error) {
	family, sa := syscall.AF_INET6, syscall.Sockaddr(nil)
	if ip4 := group.IP.To4(); ip4 != nil {
		a := &syscall.SockaddrInet4{Port: group.Port}
		copy(a.Addr[:], ip4)
		family, sa = syscall.AF_INET, a
	} else {
		a := &syscall.SockaddrInet6{Port: group.Port}
		copy(a.Addr[:], group.IP.To16())
		if group.Zone != "" {
			ifi, err := net.InterfaceByName(group.Zone)
			if err != nil {
				return nil, err
			}
			a.ZoneId = uint32(ifi.Index)
		}
		sa = a
	}
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_UDP)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		syscall.Close(fd)
		return nil, os.NewSyscallError("setsockopt", err)
	}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("binding %v: %w", group, os.NewSyscallError("bind", err))
	}
	f := os.NewFile(uintptr(fd), "udp:"+group.String())
	defer f.Close() // FilePacketConn holds a copy of the descriptor
	pc, err := net.FilePacketConn(f)
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

// groupMember is what ipv4.PacketConn and ipv6.PacketConn have to join a
// group for some hosts.
type groupMember interface {
	JoinGroup(ifi *net.Interface, group net.Addr) error
	JoinSourceSpecificGroup(ifi *net.Interface, group, source net.Addr) error
	ExcludeSourceSpecificGroup(ifi *net.Interface, group, source net.Addr) error
}

// joinFiltered joins c to group for the hosts f allows.
func joinFiltered(c *net.UDPConn, ifi *net.Interface, group *net.UDPAddr, f Filter) error {
	var m groupMember = ipv6.NewPacketConn(c)
	if group.IP.To4() != nil {
		m = ipv4.NewPacketConn(c)
	}
	if len(f.Sources) == 0 {
		if err := m.JoinGroup(ifi, group); err != nil {
			return err
		}
		for _, host := range f.Block {
			if err := m.ExcludeSourceSpecificGroup(ifi, group, &net.UDPAddr{IP: host.AsSlice()}); err != nil {
				return fmt.Errorf("block=%v: %w", host, err)
			}
		}
		return nil
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
