package remote

import "github.com/gopline/gopline/media"

// rejoinGap counts the packets a remote subscriber missed between two
// subscriptions of its link. Within one subscription the node's end counts
// every packet it drops (Delivery.Dropped); but when the subscription ends
// and the link subscribes again (a subscriber process stopped long enough
// for the node to take its connection for dead, about the keepalive's
// timeout with data unacknowledged), what the topic published in between
// went to no subscription, and no window counted it. A stream of keyframes
// only (JPEG) fills a stopped subscriber's socket within seconds and loses
// its subscription so; a stream of small deltas does not.
//
// The gap is told by Seq, which a publisher numbers without holes: the
// first packet after a resubscription of the stream (Epoch) the subscriber
// last had, newer than the last one it had, is that many packets later.
// Packets replayed from the topic's cache that it had already are no gap.
// A packet of another stream ends the count (a restart, whose start is no
// drop). The zero value has seen nothing.
type rejoinGap struct {
	seen       bool
	epoch, seq uint64
	rejoined   bool
}

// rejoin notes that the link subscribed again.
func (g *rejoinGap) rejoin() { g.rejoined = g.seen }

// next takes a packet delivered to the subscriber and returns how many of
// the stream's packets were missed before it across a resubscription (0
// when none, or when p is not after one).
func (g *rejoinGap) next(p *media.Packet) (missed uint64) {
	switch {
	case !g.seen || p.Epoch != g.epoch:
		g.rejoined = false
	case p.Seq <= g.seq:
		return 0 // replayed, and delivered before
	case g.rejoined:
		missed = p.Seq - g.seq - 1
		g.rejoined = false
	}
	g.seen, g.epoch, g.seq = true, p.Epoch, p.Seq
	return missed
}
