package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gopline/gopline/discovery"
	"github.com/gopline/gopline/transport/remote"
)

// withTokenHint adds to err, when a node refused this one for its token,
// how to give the token: a user who reads only "refused" does not know
// that the command takes --token.
func (p *peerFlags) withTokenHint(err error) error {
	if !errors.Is(err, remote.ErrTokenRefused) {
		return err
	}
	return fmt.Errorf("%w (%s)", err, p.tokenHint())
}

// tokenHint says what to do of a refusal for the token.
func (p *peerFlags) tokenHint() string {
	if p.token == nil || *p.token == "" {
		return "refused: token required: pass the node's token with --token SECRET"
	}
	return "refused: the --token given is not the node's"
}

// refusedNodes says which of nodes refused this one, and why; "" when
// none did. What they publish is not in the listing, so a command that
// did not find a topic says they refused rather than only "no publisher".
func (p *peerFlags) refusedNodes(nodes []discovery.NodeTopics) string {
	var why []string
	token := false
	for _, n := range nodes {
		if errors.Is(n.Err, remote.ErrRefused) {
			why = append(why, n.Err.Error())
			token = token || errors.Is(n.Err, remote.ErrTokenRefused)
		}
	}
	if len(why) == 0 {
		return ""
	}
	msg := fmt.Sprintf("%s found refused this one: %s", plural(uint64(len(why)), "node"), strings.Join(why, "; "))
	if token {
		msg += " (" + p.tokenHint() + ")"
	}
	return msg
}
