package discovery

import (
	"errors"
	"fmt"
	"os"
)

// Announcer announces one node until Close.
type Announcer struct {
	peer     Peer
	hostFile string
	mdns     *mdnsServer
}

// Announce announces the node cfg names at cfg.Addr: in the host's
// directory, and with multicast DNS unless cfg.NoMDNS or the node listens
// on loopback. A multicast DNS that cannot start (no interface that
// multicasts) is logged and the node is announced on its host only; a host
// file that cannot be written fails.
func Announce(cfg Config) (*Announcer, error) {
	if cfg.Name == "" {
		cfg.Name = DefaultName()
	}
	p := Peer{Name: cfg.Name, Addr: cfg.Addr}
	if err := CheckName(p.Name); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	if err := checkAddr(p.Addr); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	path, err := writeHostFile(cfg.hostDir(), p)
	if err != nil {
		return nil, err
	}
	a := &Announcer{peer: p, hostFile: path}
	if !cfg.NoMDNS && !isLoopback(p.Addr) {
		if a.mdns, err = announceMDNS(p); err != nil {
			cfg.Log.Warn().Err(err).Msg("discovery: not announced on the network; nodes of this host still find this one")
		}
	}
	return a, nil
}

// Peer is what the announcer announces.
func (a *Announcer) Peer() Peer { return a.peer }

// Close ends the announcement: the host file is removed and multicast DNS
// stops answering.
func (a *Announcer) Close() error {
	err := os.Remove(a.hostFile)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	if a.mdns != nil {
		err = errors.Join(err, a.mdns.close())
	}
	return err
}
