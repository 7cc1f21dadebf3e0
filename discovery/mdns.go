package discovery

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"

	"github.com/hashicorp/mdns"
)

// quietLog takes hashicorp/mdns's own log lines: a malformed packet from a
// peer is no concern of the node's log.
var quietLog = log.New(io.Discard, "", 0)

// mdnsServer answers multicast DNS for one node.
type mdnsServer struct{ srv *mdns.Server }

// announceMDNS answers DNS-SD queries for p on the network. The addresses
// announced are the host's of addr, or every IPv4 address of the host's
// interfaces that are up and multicast when addr's host is unspecified
// (0.0.0.0, ::).
func announceMDNS(p Peer) (*mdnsServer, error) {
	host, portText, err := net.SplitHostPort(p.Addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, err
	}
	ips, err := announcedIPs(host)
	if err != nil {
		return nil, err
	}
	svc, err := mdns.NewMDNSService(p.Name, Service, "", p.Name+".local.", port, ips, txtFields(p))
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	srv, err := mdns.NewServer(&mdns.Config{Zone: svc, Logger: quietLog})
	if err != nil {
		return nil, fmt.Errorf("discovery: multicast DNS: %w", err)
	}
	return &mdnsServer{srv: srv}, nil
}

func (s *mdnsServer) close() error { return s.srv.Shutdown() }

// announcedIPs returns the addresses a node listening on host is reached
// by.
func announcedIPs(host string) ([]net.IP, error) {
	ip := net.ParseIP(host)
	if ip != nil && !ip.IsUnspecified() {
		return []net.IP{ip}, nil
	}
	if ip == nil {
		return nil, fmt.Errorf("discovery: listen host %q: multicast DNS announces IP addresses", host)
	}
	var ips []net.IP
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagMulticast == 0 || iface.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
				ips = append(ips, n.IP)
			}
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("discovery: no interface that is up and multicast has an IPv4 address")
	}
	return ips, nil
}

// browseMDNS asks the network for gopline nodes and returns those that
// answer before ctx is done, at most maxPeers. Answers that do not parse are
// skipped.
func browseMDNS(ctx context.Context) ([]Peer, error) {
	entries := make(chan *mdns.ServiceEntry, maxPeers)
	timeout := DefaultBrowseTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = max(min(timeout, timeUntil(d)), 1)
	}
	params := &mdns.QueryParam{Service: Service, Domain: "local", Timeout: timeout, Entries: entries,
		DisableIPv6: true, Logger: quietLog}
	// The query sends into entries without blocking: what does not fit is
	// lost, which bounds the peers taken.
	err := mdns.QueryContext(ctx, params)
	close(entries)
	var peers []Peer
	for e := range entries {
		p, perr := peerOfEntry(e)
		if perr == nil {
			peers = append(peers, p)
		}
	}
	if err != nil {
		return peers, fmt.Errorf("discovery: multicast DNS: %w", err)
	}
	return peers, nil
}

// peerOfEntry reads a DNS-SD answer. An address announced on an
// unspecified host (0.0.0.0) is reached at the answer's own IPv4 address.
func peerOfEntry(e *mdns.ServiceEntry) (Peer, error) {
	p, err := parseTXT(e.InfoFields)
	if err != nil {
		return Peer{}, err
	}
	host, port, _ := net.SplitHostPort(p.Addr)
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if e.AddrV4 == nil {
			return Peer{}, fmt.Errorf("%w: %s announces no IPv4 address", ErrBadAnnouncement, p.Name)
		}
		p.Addr = net.JoinHostPort(e.AddrV4.String(), port)
	}
	return p, nil
}
