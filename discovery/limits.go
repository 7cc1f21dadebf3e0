package discovery

import "time"

// Limits on what a peer's announcement can make a node spend.
const (
	// maxPeers bounds the nodes one browse takes, from the host's files
	// and from multicast DNS together: a lab network has a handful, and a
	// peer flooding answers cannot make a node list thousands.
	maxPeers = 64
	// maxTXTFields and maxTXTField bound a TXT record: gopline writes
	// three short fields; DNS allows 255 bytes a string.
	maxTXTFields = 8
	maxTXTField  = 255
	// maxName bounds a node's name: a DNS label's 63 bytes.
	maxName = 63
	// maxAddr bounds an address, host:port: an IPv6 address with a zone
	// and a port fits.
	maxAddr = 128
	// maxHostFiles and maxHostFile bound what a browse reads of the host's
	// directory: its files are written by the user's own processes, but a
	// stale directory must not make a browse slow.
	maxHostFiles = 256
	maxHostFile  = 4096
	// DefaultBrowseTimeout is how long a browse waits for multicast DNS
	// answers: nodes on a local network answer within milliseconds.
	DefaultBrowseTimeout = 500 * time.Millisecond
	// DefaultListTimeout is how long a Directory waits for one node's
	// topic listing.
	DefaultListTimeout = 2 * time.Second
	// listConcurrency bounds the listings asked at once.
	listConcurrency = 8
)
