// Package discovery lets gopline nodes find each other without addresses.
//
// Every node that listens announces itself: its name and the address of its
// remote port. On the host it writes a small file in a per-user directory
// (HostDir), removed at Close; a file whose process is gone is ignored and
// removed by the next reader. On the local network it answers DNS-SD over
// multicast DNS for the service _gopline._tcp, with TXT records naming the
// node and its address (multicast DNS does not work on the host's loopback,
// which cannot multicast: the host's files cover it).
//
// An announcement says only where a node is. What it publishes is asked over
// its remote port, with the topic listing every node serves
// (remote.Node.Topics): a Directory browses, lists each node's topics, and
// finds the node that publishes a topic by name (Resolve), or tells that two
// do.
//
// What a peer's announcement can make a node spend is bounded: the size and
// number of TXT fields, the names and addresses in them, the host files read
// and their size, the peers taken from one browse, the time a browse and a
// listing take (see limits.go).
package discovery
