package qos

import (
	"fmt"

	"github.com/gopline/gopline/media"
)

// ReplayView says which pictures of a replayed GOP a decoder shows. A late
// subscriber of a durable topic is replayed the cached GOP, keyframe first;
// its decoder must decode every packet of it to reach the newest picture,
// but a viewer should show that newest picture at once, not the old GOP
// played fast as if it were live.
type ReplayView uint8

const (
	// ReplayLatest shows only the newest picture of a replay (the packet
	// marked Replay.Last), then live pictures: what a viewer wants.
	ReplayLatest ReplayView = iota
	// ReplayAll shows every replayed picture: what a recorder or an
	// analysis that needs every frame wants.
	ReplayAll
)

// Shows reports whether the picture of p is to be shown (emitted) under v:
// live packets always are.
func (v ReplayView) Shows(p *media.Packet) bool {
	return v == ReplayAll || !p.Replay.Replayed || p.Replay.Last
}

func (v ReplayView) String() string {
	switch v {
	case ReplayLatest:
		return "latest"
	case ReplayAll:
		return "all"
	}
	return fmt.Sprintf("ReplayView(%d)", uint8(v))
}

// ParseReplayView parses "latest" or "all".
func ParseReplayView(s string) (ReplayView, error) {
	switch s {
	case "latest":
		return ReplayLatest, nil
	case "all":
		return ReplayAll, nil
	}
	return 0, fmt.Errorf("%w: replay view %q (want latest or all)", ErrBadProfile, s)
}
