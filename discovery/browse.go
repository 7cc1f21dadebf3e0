package discovery

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Config says how a node announces itself (Announce) and how a Directory
// browses.
type Config struct {
	// Name is the node's name (CheckName); default DefaultName.
	Name string
	// Addr is the address of the node's remote port, host:port.
	Addr string
	// HostDir is the directory of the host's announcements; default
	// HostDir().
	HostDir string
	// NoMDNS switches multicast DNS off: the node is found on its host
	// only.
	NoMDNS bool
	// BrowseTimeout bounds a browse's wait for multicast DNS answers;
	// default DefaultBrowseTimeout.
	BrowseTimeout time.Duration
	// Log receives what fails to announce.
	Log zerolog.Logger
}

func (c Config) hostDir() string {
	if c.HostDir != "" {
		return c.HostDir
	}
	return HostDir()
}

// Browse returns the nodes announced on this host and, unless cfg.NoMDNS,
// on the local network, at most maxPeers, each address once (the host's
// announcement first). It fails only when it can find nothing at all.
func Browse(ctx context.Context, cfg Config) ([]Peer, error) {
	peers, hostErr := readHostFiles(cfg.hostDir())
	var found []Peer
	var netErr error
	if !cfg.NoMDNS {
		found, netErr = browseNetwork(ctx, cfg)
	}
	return joinPeers(peers, hostErr, found, netErr)
}

// browseNetwork asks the local network for nodes over multicast DNS,
// waiting at most cfg's browse timeout.
func browseNetwork(ctx context.Context, cfg Config) ([]Peer, error) {
	timeout := cfg.BrowseTimeout
	if timeout <= 0 {
		timeout = DefaultBrowseTimeout
	}
	mctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return browseMDNS(mctx)
}

// joinPeers is a browse's result: the host's peers, then the network's,
// each once (dedupe); an error only when neither found any and one
// failed.
func joinPeers(host []Peer, hostErr error, network []Peer, netErr error) ([]Peer, error) {
	peers := dedupe(append(slices.Clone(host), network...))
	if len(peers) == 0 && (hostErr != nil || netErr != nil) {
		return nil, errors.Join(hostErr, netErr)
	}
	return peers, nil
}

// dedupe keeps each address once, the first of it, and at most maxPeers;
// a node found on the host and on the network keeps its host address.
func dedupe(peers []Peer) []Peer {
	var out []Peer
	seen := make(map[string]bool)
	for _, p := range peers {
		if seen[p.Addr] || seen[p.Name+"\x00"] {
			continue
		}
		seen[p.Addr], seen[p.Name+"\x00"] = true, true
		out = append(out, p)
		if len(out) == maxPeers {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b Peer) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// timeUntil is the time left to d, at least nothing.
func timeUntil(d time.Time) time.Duration { return max(time.Until(d), 0) }

// isLoopback reports whether addr's host is a loopback address or
// localhost: multicast DNS does not reach it.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}
