package transport

import (
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// cache is the policy of a topic's durability: it keeps the topic's GOPs in
// its Retainer while the offer is durable, replays them to a subscriber
// that joins (keyframe first, before any live packet: the broker delivers
// them in the same turn), and answers a keyframe request by replaying the
// newest GOP when that repairs the subscriber's chain. When a replay does
// not reach up to the live stream, it asks the publishers for a keyframe.
type cache struct {
	t        *topicState
	retainer Retainer
	// lastPublished is the newest packet published, to tell whether a
	// replay reaches up to the live stream.
	lastPublished *media.Packet

	replayed, replayedStale, repaired uint64
}

func newCache(t *topicState) *cache { return &cache{t: t, retainer: Volatile{}} }

func (c *cache) handle(_ time.Time, in input, do []action) []action {
	switch in.kind {
	case inPublished:
		c.lastPublished = in.packet
		c.retainer.Retain(in.packet)
	case inSubscribed:
		if c.t.durable(in.sub) {
			do = c.replay(in.sub, c.retainer.Replay(), do)
		}
	case inOfferSet:
		c.open(*c.t.offer)
		// A durable cache may hold GOPs from an earlier run (Persistent):
		// the subscribers that are waiting for a first keyframe get them
		// now.
		for _, s := range c.t.subs {
			if c.t.durable(s) && s.last == nil {
				do = c.replay(s, c.retainer.Replay(), do)
			}
		}
	case inOfferCleared:
		c.close(true)
	case inStopping:
		c.close(false)
	case inKeyframeRequest:
		if in.sub == nil || !c.t.durable(in.sub) {
			break
		}
		if n := len(do); c.repairable(in.sub) {
			gop := c.retainer.(Repairer).Current()
			if do = c.replay(in.sub, gop, do); len(do) > n {
				c.repaired++
				in.sub.repaired = &gopStart{epoch: gop[0].Epoch, seq: gop[0].Seq}
				do = append(do, action{kind: doAnswered})
			}
		}
	}
	return do
}

// open sets up the Retainer that offer asks for.
func (c *cache) open(offer qos.Profile) {
	c.retainer = Volatile{}
	if offer.Durability != qos.Volatile {
		r, err := c.t.cfg.retainer(c.t.topic, offer)
		if err != nil {
			c.t.log.Error().Err(err).Str("qos", offer.String()).Msg("no GOP cache for the topic: it runs volatile")
		} else {
			c.retainer = r
		}
	}
	if _, inMemory := c.retainer.(*qos.GOPCache); inMemory && offer.Durability == qos.Persistent {
		c.t.log.Warn().Msg("the topic offers persistent durability but the node keeps no state file: its GOP cache is in memory only and will not survive a restart")
	}
}

// close lets go of the Retainer: closed if it can be, else reset when
// reset is asked for (the stream ended; a stopping broker leaves it).
func (c *cache) close(reset bool) {
	if r, ok := c.retainer.(closer); ok {
		if err := r.Close(); err != nil {
			c.t.log.Warn().Err(err).Msg("closing the topic's cache")
		}
	} else if r, ok := c.retainer.(resetter); ok && reset {
		r.Reset()
	}
	if reset {
		c.retainer, c.lastPublished = Volatile{}, nil
	}
}

// repairable reports whether replaying the newest cached GOP brings s back
// to the live stream. A subscriber that has not acknowledged an earlier
// replay gets none: a replay takes no credit, and requests must not stack
// them up (its request goes to the encoder, rate-limited, instead). Nor
// does one that was replayed that GOP for a request before: asking again
// within it, its decoder could not decode the GOP (a damaged packet, which
// every replay would hand it again), and only a new keyframe helps.
func (c *cache) repairable(s *subscriber) bool {
	r, ok := c.retainer.(Repairer)
	if !ok || s.window.Replaying() > 0 {
		return false
	}
	var epoch, seq uint64
	if s.last != nil {
		epoch, seq = s.last.Epoch, s.last.Seq
	}
	if !r.CanRepair(epoch, seq) {
		return false
	}
	gop := r.Current()
	return len(gop) > 0 && (s.repaired == nil || *s.repaired != gopStart{epoch: gop[0].Epoch, seq: gop[0].Seq})
}

// gopStart names a GOP by its keyframe's Epoch and Seq.
type gopStart struct{ epoch, seq uint64 }

// replay delivers the packets of gop that s's window admits, each marked
// on s's own copy of its header. When the replay does not reach up to the
// newest published packet (the cache stopped at a hole or a bound, or holds
// a stale GOP from an earlier run), s waits for the next live keyframe
// after it, and the publishers are asked for one.
func (c *cache) replay(s *subscriber, gop []*media.Packet, do []action) []action {
	sent := 0
	for i, p := range gop {
		if !s.window.Replay(p) {
			continue
		}
		c.replayed++
		if p.Replay.Stale {
			c.replayedStale++
		}
		marked := p.Replayed(media.Replay{Last: i == len(gop)-1, Stale: p.Replay.Stale})
		do = append(do, action{kind: doDeliver, sub: s, packet: marked})
		sent++
	}
	if sent == 0 {
		return do
	}
	if last, pub := gop[len(gop)-1], c.lastPublished; pub == nil || last.Epoch != pub.Epoch || last.Seq < pub.Seq {
		// What was replayed does not continue into the next live packet.
		s.window.Resync()
		do = append(do, action{kind: doAskKeyframe})
	}
	return do
}

func (c *cache) due() time.Time { return time.Time{} }

func (c *cache) report(_ time.Time, st *TopicStats) {
	st.Replayed, st.ReplayedStale = c.replayed, c.replayedStale
	st.KeyframeRequestsFromCache = c.repaired
	if r, ok := c.retainer.(interface{ Stats() qos.CacheStats }); ok {
		cs := r.Stats()
		st.Cache = &cs
	}
}
