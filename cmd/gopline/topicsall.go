package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/discovery"
	"github.com/gopline/gopline/transport/topictool"
)

// nodeListing is a node's topics as gopline topics --json prints them.
type nodeListing struct {
	discovery.NodeTopics
	Error string `json:"error,omitempty"`
}

// listAllTopics prints the topics of every node found.
func listAllTopics(peer *peerFlags, asJSON bool, stdout io.Writer) error {
	n, err := peer.client(zerolog.Nop())
	if err != nil {
		return err
	}
	nodes, err := listNodes(n, "")
	if err = closeNode(n, err); err != nil {
		return err
	}
	if asJSON {
		out := make([]nodeListing, len(nodes))
		for i, nt := range nodes {
			out[i].NodeTopics = nt
			if nt.Err != nil {
				out[i].Error = nt.Err.Error()
			}
		}
		return writeJSON(stdout, out)
	}
	if len(nodes) == 0 {
		_, err := fmt.Fprintln(stdout, "no node found (a node that serves announces itself: gopline serve --listen ...)")
		return err
	}
	return topictool.WriteTopics(stdout, nodes)
}

// listTimeout bounds a listing of every node found: a browse, then the
// nodes' listings, a few at a time.
const listTimeout = 10 * time.Second

// listNodes lists the topics of the node at addr, or of every node found
// when addr is "".
func listNodes(n *gopline.Node, addr string) ([]discovery.NodeTopics, error) {
	if addr != "" {
		topics, err := n.Remote().Topics(addr, discovery.DefaultListTimeout)
		if err != nil {
			return nil, err
		}
		return []discovery.NodeTopics{{Peer: discovery.Peer{Addr: addr}, Topics: topics}}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
	defer cancel()
	return n.Directory().Nodes(ctx)
}
