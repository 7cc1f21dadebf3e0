package discovery

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// Service is the DNS-SD service type gopline nodes announce.
const Service = "_gopline._tcp"

// txtVersion is the version of the TXT fields below.
const txtVersion = "1"

// Peer is a node found by a browse: its name and the address of its remote
// port.
type Peer struct {
	Name string `json:"node"`
	Addr string `json:"addr"`
}

// ErrBadAnnouncement is wrapped by the errors of announcements that do not
// parse: a peer's TXT record or a host file.
var ErrBadAnnouncement = errors.New("discovery: bad announcement")

// DefaultName is a node's name when it is given none: the host's name and
// the process id, which tell two nodes of one host apart.
func DefaultName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "gopline"
	}
	host, _, _ = strings.Cut(host, ".")
	name := fmt.Sprintf("%s-%d", host, os.Getpid())
	if CheckName(name) != nil {
		return fmt.Sprintf("gopline-%d", os.Getpid())
	}
	return name
}

// CheckName checks a node's name: 1 to 63 letters, digits, '-' and '_', a
// DNS label that reads well in a listing.
func CheckName(name string) error {
	if name == "" || len(name) > maxName {
		return fmt.Errorf("node name %q: want 1 to %d characters", name, maxName)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("node name %q: only letters, digits, '-' and '_'", name)
		}
	}
	return nil
}

// checkAddr checks a peer's address: host:port with a port of 1..65535.
func checkAddr(addr string) error {
	if len(addr) > maxAddr {
		return fmt.Errorf("address of %d bytes", len(addr))
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || host == "" {
		return fmt.Errorf("address %q: want host:port", addr)
	}
	return nil
}

// txtFields are the TXT record of a node's announcement.
func txtFields(p Peer) []string {
	return []string{"v=" + txtVersion, "node=" + p.Name, "addr=" + p.Addr}
}

// parseTXT reads a peer's TXT record. Fields it does not know are skipped,
// so later versions can add some.
func parseTXT(fields []string) (Peer, error) {
	if len(fields) > maxTXTFields {
		return Peer{}, fmt.Errorf("%w: %d TXT fields", ErrBadAnnouncement, len(fields))
	}
	var p Peer
	version := ""
	for _, f := range fields {
		if len(f) > maxTXTField {
			return Peer{}, fmt.Errorf("%w: a TXT field of %d bytes", ErrBadAnnouncement, len(f))
		}
		key, value, _ := strings.Cut(f, "=")
		switch key {
		case "v":
			version = value
		case "node":
			p.Name = value
		case "addr":
			p.Addr = value
		}
	}
	if version != txtVersion {
		return Peer{}, fmt.Errorf("%w: TXT version %q, want %s", ErrBadAnnouncement, version, txtVersion)
	}
	return p, checkPeer(p)
}

// checkPeer checks a peer's name and address.
func checkPeer(p Peer) error {
	if err := CheckName(p.Name); err != nil {
		return fmt.Errorf("%w: %v", ErrBadAnnouncement, err)
	}
	if err := checkAddr(p.Addr); err != nil {
		return fmt.Errorf("%w: %v", ErrBadAnnouncement, err)
	}
	return nil
}
