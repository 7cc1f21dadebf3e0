package web

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// A Foxglove connection writes a client no more pictures than it reads:
// each picture written is followed by a ping (one at a time), which the
// client answers once it has read what came before it, and the writers of
// its subscriptions wait while a ping is unanswered for longer than
// maxUnread beyond the link's round trip (readPace). A link on which what
// is written waits over maxQueued is sent keyframes alone (thin). A client that stops reading is therefore sent about
// maxUnread of its streams, not the megabytes its sockets' buffers hold;
// the pictures that come meanwhile wait in its feeds' queues, or are
// dropped by the topic as for any slow viewer, and once it reads again
// the feeds skip what waited too long and go on at the newest GOP
// (catchUp).

// pingLoop pings the client after pictures are written, one ping at a
// time, until ctx ends or the connection fails. It needs the connection's
// reader running: that is where the client's answer is read.
func (c *foxgloveConn) pingLoop(ctx context.Context) {
	for {
		c.mu.Lock()
		ping := c.pace.ping(time.Now()) || c.pace.probe(time.Now())
		c.mu.Unlock()
		if !ping {
			select {
			case <-ctx.Done():
				return
			case <-c.wrote:
			}
			continue
		}
		if c.ws.Ping(ctx) != nil {
			return // the connection ends, and with it its writers
		}
		c.mu.Lock()
		c.pace.answered(time.Now())
		read := c.read
		c.read = make(chan struct{})
		bytes, rtt, check := c.pace.stallCheck()
		c.mu.Unlock()
		if check { // the answer after a late one: a slow link, or a client that stopped reading?
			rate := c.streamRate()
			c.mu.Lock()
			c.pace.resumeIfStalled(time.Now(), bytes, rtt, rate)
			c.mu.Unlock()
		}
		close(read)
	}
}

// wroteOne counts a picture of n bytes written and wakes the ping loop.
func (c *foxgloveConn) wroteOne(n int) {
	c.mu.Lock()
	c.pace.wrote()
	c.pace.wroteBytes(n)
	c.mu.Unlock()
	select {
	case c.wrote <- struct{}{}:
	default: // the ping loop is woken already
	}
}

// waitForReader returns once the client is not behind (readPace.behind),
// or with an error when the connection ends, ctx does or stopping is
// closed (errUnsubscribed: the subscription ended).
func (c *foxgloveConn) waitForReader(ctx context.Context, stopping chan struct{}) error {
	for {
		c.mu.Lock()
		behind, read := c.pace.behind(time.Now(), maxUnread), c.read
		c.mu.Unlock()
		if isClosed(stopping) {
			return errUnsubscribed
		}
		if !behind {
			return nil
		}
		select {
		case <-stopping:
			return errUnsubscribed
		case <-read:
		case <-c.gone:
			return errors.New("the connection ended")
		case <-ctx.Done():
			return fmt.Errorf("the client read nothing for %v: %w", foxgloveWriteTimeout, ctx.Err())
		}
	}
}

// caughtUp tells the client, in a status message (which replaces the
// subscription's last one of the kind, and is cleared once it is live
// again: liveAgain), and the node's log that subscription subID of topic
// fell behind and skipped to the newest GOP.
// It runs on the subscription's writer, before the GOP's keyframe.
func (c *foxgloveConn) caughtUp(subID uint32, topic string, step catchUpStep) {
	msg := fellBehind(subID, topic, step)
	c.h.warnClient(&c.h.behind, c.addr, "Foxglove client fell behind: "+msg, nil)
	_ = c.raise(context.Background(), statusBehind, subID, statusWarning, msg)
}

// fellBehind is the status message that tells a client that subscription
// subID of topic fell behind and goes on at the newest keyframe. The
// node's page knows it by " fell behind and skips " (wsviewer.js's
// newCatchUp).
func fellBehind(subID uint32, topic string, step catchUpStep) string {
	msg := fmt.Sprintf("subscription %d (%s) fell behind and skips %d pictures that waited over %v for this client",
		subID, topic, step.Skipped, maxViewerLag)
	if step.Behind > 0 {
		msg = fmt.Sprintf("subscription %d (%s) fell behind and skips %.1f s of the stream (%d pictures waited over %v for this client)",
			subID, topic, step.Behind.Seconds(), step.Skipped, maxViewerLag)
	}
	return msg + "; it goes on at the newest keyframe"
}

// linkThin reports whether the connection is thin now (readPace.thinAt),
// whether the link is busy with what was written (readPace.busyAt), and
// how long what it wrote waits on its way.
func (c *foxgloveConn) linkThin() (thin, busy bool, queued time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	return c.pace.thinAt(now), c.pace.busyAt(now), c.pace.queuedAt(now)
}

// tellThin tells the client, and the node's log, that subscription subID
// of topic is sent its keyframes alone, the link being slower than the
// streams, when thin; that it is sent the whole stream again, when not.
func (c *foxgloveConn) tellThin(subID uint32, topic string, thin bool, queued time.Duration) {
	if !thin {
		_ = c.clear(context.Background(), subID, statusSlow)
		return
	}
	msg := fmt.Sprintf("subscription %d (%s): what the node sends this client waited %.1f s on its way (a link slower than the stream, "+
		"or a client that stopped reading), so it is sent the topic's keyframes alone until the link keeps up", subID, topic, queued.Seconds())
	c.h.warnClient(&c.h.behind, c.addr, "Foxglove client sent keyframes alone: "+msg, nil)
	_ = c.raise(context.Background(), statusSlow, subID, statusWarning, msg)
}

// streamRate is the bytes a second of the topics the client subscribes
// to, as they publish them.
func (c *foxgloveConn) streamRate() float64 {
	c.mu.Lock()
	topics := make([]string, 0, len(c.subs))
	for _, sub := range c.subs {
		topics = append(topics, c.channels[sub.channel].topic)
	}
	c.mu.Unlock()
	var rate float64
	for _, topic := range topics {
		if st, err := c.h.cfg.Bus.Stats(topic); err == nil {
			rate += st.ByteRate
		}
	}
	return rate
}
