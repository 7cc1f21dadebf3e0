package web

import (
	"context"
	"fmt"
	"time"
)

// A topic whose publisher is gone without leaving (a relay's source node
// that died, a network camera being retried, a publisher past its
// liveliness lease) stays advertised: it comes back, and its
// subscriptions go on when it does. Its subscribers are told meanwhile,
// in a warning status (statusStale), that the picture they show is old,
// and the status is removed when the topic publishes again. A new
// subscriber of such a topic is told at once, with the replayed picture.
// The node sees the silence of the topic itself: a relay's publisher is a
// live element of this node, whose topic has no liveliness lost when the
// remote one does.

// topicSilence is channelTable.silence on the handler's table, as of its
// last look.
func (h *Handler) topicSilence(topic string) (heard time.Time, stale bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.channels.silence(topic, time.Now())
}

// watchStale tells the client of each of its subscriptions whose topic
// went stale, or came back (tellStale).
func (c *foxgloveConn) watchStale(ctx context.Context) error {
	c.mu.Lock()
	topics := make(map[uint32]string, len(c.subs))
	for id, sub := range c.subs {
		topics[id] = c.channels[sub.channel].topic
	}
	c.mu.Unlock()
	for id, topic := range topics {
		if err := c.tellStale(ctx, id, topic); err != nil {
			return err
		}
	}
	return nil
}

// tellStale raises the stale status of subscription subID of topic when
// the topic is stale and it is not raised, and clears it when the topic is
// not stale and it is.
func (c *foxgloveConn) tellStale(ctx context.Context, subID uint32, topic string) error {
	heard, stale := c.h.topicSilence(topic)
	_, raised := c.raisedAt(statusStale, subID)
	switch {
	case stale && !raised:
		return c.raise(ctx, statusStale, subID, statusWarning, staleMessage(topic, heard, time.Now()))
	case !stale && raised:
		return c.clear(ctx, subID, statusStale)
	}
	return nil
}

// staleMessage says that topic, last heard from at heard, has published
// nothing since, at now.
func staleMessage(topic string, heard, now time.Time) string {
	return fmt.Sprintf("topic %s has published no picture since %s UTC: its publisher is gone or stopped publishing; "+
		"the picture shown is its last, %.0f s old", topic, heard.UTC().Format("15:04:05"), now.Sub(heard).Seconds())
}
