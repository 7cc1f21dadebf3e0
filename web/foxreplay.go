package web

import (
	"context"
	"fmt"
	"time"
)

// A subscription starts with its topic's cached GOP, replayed to it (the
// picture at once); a client that subscribes and unsubscribes a channel
// in a loop would have the node send it a GOP each time, the bytes and
// the CPU of seconds of the stream for a message of a few dozen bytes.
// So the GOP of a channel is replayed to one client replayBurst times in
// a row at most, then once every replayEvery; a subscription beyond that
// starts at the topic's next live keyframe, and its client is told in a
// status (statusNoReplay), removed at its first picture. Studio
// subscribes once per panel, and again when a layout changes: a user is
// never held to the bound.
const (
	replayBurst = 3
	replayEvery = 5 * time.Second
	// maxReplayBudgets bounds the channels a connection keeps a budget
	// of: past it, those whose budget is whole again are forgotten.
	maxReplayBudgets = 256
)

// replayBudget is one connection's budget of replays, by channel id: a
// token bucket of replayBurst replays that gains one every replayEvery,
// kept as the time it would be whole (GCRA's theoretical arrival time).
// It is plain state; its owner guards it.
type replayBudget struct {
	whole map[uint32]time.Time
}

// take reports whether channel ch may be replayed at now, and counts the
// replay when it may.
func (b *replayBudget) take(ch uint32, now time.Time) bool {
	if b.whole == nil {
		b.whole = map[uint32]time.Time{}
	}
	at := b.whole[ch]
	if at.Before(now) {
		at = now
	}
	if at.Sub(now) > (replayBurst-1)*replayEvery {
		return false
	}
	if len(b.whole) >= maxReplayBudgets {
		for id, t := range b.whole {
			if !t.After(now) {
				delete(b.whole, id)
			}
		}
	}
	b.whole[ch] = at.Add(replayEvery)
	return true
}

// next returns when channel ch may be replayed again, after now.
func (b *replayBudget) next(ch uint32, now time.Time) time.Time {
	return b.whole[ch].Add(-(replayBurst - 1) * replayEvery)
}

// replaySkip is the writer's side of a subscription that starts without
// its topic's replayed GOP: it leaves out every picture up to the first
// live keyframe.
type replaySkip struct {
	waiting bool
}

// skip reports whether to leave out a picture, replayed or not, keyframe
// or not.
func (r *replaySkip) skip(replayed, keyframe bool) bool {
	if r.waiting && !replayed && keyframe {
		r.waiting = false
	}
	return r.waiting
}

// noReplayMessage tells a client that subscription subID of topic starts
// without the topic's cached pictures, which a subscription of it may have
// again at next.
func noReplayMessage(subID uint32, topic string, next, now time.Time) string {
	return fmt.Sprintf("subscription %d (%s): this client subscribed to the topic again too soon: the node replays a topic's cached pictures "+
		"to a client %d times in a row at most, then once every %v, so this subscription starts at the topic's next keyframe "+
		"(one made %.0f s from now starts with the cached pictures again)",
		subID, topic, replayBurst, replayEvery, max(0, next.Sub(now).Seconds()))
}

// tellNoReplay tells the client, and the node's log, that subscription
// subID of topic starts without the replayed GOP, which it may have again
// at next. It runs on the subscription's writer, at the first replayed
// picture it leaves out.
func (c *foxgloveConn) tellNoReplay(subID uint32, topic string, next time.Time) {
	msg := noReplayMessage(subID, topic, next, time.Now())
	c.h.warnClient(&c.h.foxChurn, c.addr, "Foxglove client's subscription not replayed: "+msg, nil)
	_ = c.raise(context.Background(), statusNoReplay, subID, statusWarning, msg)
}
