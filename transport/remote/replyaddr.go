package remote

import (
	"fmt"
	"net"
)

// ReplyAddr is the address a node that reaches the nodes at peers
// (host:port each) should listen on when it was given none: answers come
// back by a connection of their own, to the address the node listens on,
// so that address must be one the peers reach. It is a free port on the
// local address of this host's route to the peers, or 127.0.0.1:0 when
// every peer is on this host (or none is given). A peer whose route is not
// known (a name that does not resolve, no route) is left out: its link
// says why it cannot reach it. Peers reached from two addresses of this
// host give an error: the node has one address, and the caller must name
// one they all reach. No packet is sent.
func ReplyAddr(peers ...string) (string, error) {
	return replyAddr(peers, localAddrTo)
}

// replyAddr is ReplyAddr with the route's local address of each peer
// given by route.
func replyAddr(peers []string, route func(peer string) (net.IP, error)) (string, error) {
	var local net.IP
	var via string
	for _, peer := range peers {
		ip, err := route(peer)
		if err != nil || ip.IsLoopback() || ip.IsUnspecified() {
			continue
		}
		switch {
		case local == nil:
			local, via = ip, peer
		case !local.Equal(ip):
			return "", fmt.Errorf("remote: the nodes at %s and %s are reached from two addresses of this host, %s and %s, "+
				"and answers come back to one: listen at an address of this host that both reach", via, peer, local, ip)
		}
	}
	if local == nil {
		return "127.0.0.1:0", nil
	}
	return net.JoinHostPort(local.String(), "0"), nil
}

// localAddrTo is the local address of this host's route to peer
// (host:port): the address a peer sees this host's connections come from.
// A UDP socket is connected, which chooses the route and sends nothing.
func localAddrTo(peer string) (net.IP, error) {
	c, err := net.Dial("udp", peer)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP, nil
}
