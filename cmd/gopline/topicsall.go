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

// listAllTopics prints the topics of every node found; it fails when
// nodes were found and none of them answered (each one's line says why).
func listAllTopics(peer *peerFlags, asJSON bool, stdout io.Writer) error {
	nodes, err := writeAllTopics(peer, asJSON, stdout)
	if err != nil || len(nodes) == 0 {
		return err
	}
	for _, nt := range nodes {
		if nt.Err == nil {
			return nil
		}
	}
	if refused := peer.refusedNodes(nodes); refused != "" {
		return fmt.Errorf("none of the %s found answered: %s", plural(uint64(len(nodes)), "node"), refused)
	}
	return fmt.Errorf("none of the %s found answered (a node that stopped may still be announced for a while)",
		plural(uint64(len(nodes)), "node"))
}

// writeAllTopics prints the topics of every node found, and returns the
// nodes.
func writeAllTopics(peer *peerFlags, asJSON bool, stdout io.Writer) ([]discovery.NodeTopics, error) {
	n, err := peer.client(zerolog.Nop())
	if err != nil {
		return nil, err
	}
	nodes, err := listNodes(n, "")
	if err = closeNode(n, err); err != nil {
		return nil, err
	}
	if asJSON {
		out := make([]nodeListing, len(nodes))
		for i, nt := range nodes {
			out[i].NodeTopics = nt
			if nt.Err != nil {
				out[i].Error = nt.Err.Error()
			}
		}
		return nodes, writeJSON(stdout, out)
	}
	if len(nodes) == 0 {
		_, err := fmt.Fprintln(stdout, "no node found (a node that serves announces itself: gopline serve --listen ...)")
		return nil, err
	}
	return nodes, topictool.WriteTopics(stdout, nodes)
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
		// The node's listing names it (remote.TopicInfo.Node).
		peer := discovery.Peer{Addr: addr}
		if len(topics) > 0 {
			peer.Name = topics[0].Node
		}
		return []discovery.NodeTopics{{Peer: peer, Topics: topics}}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
	defer cancel()
	return n.Directory().Nodes(ctx)
}
