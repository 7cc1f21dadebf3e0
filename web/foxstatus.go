package web

import (
	"context"
	"strconv"
	"time"
)

// A Foxglove client is told of a condition of one of its subscriptions
// (it fell behind, its topic's publisher is gone, its topic does not
// decode in Foxglove) in a status message with an id of the condition and
// the subscription, so that a newer message of the same condition
// replaces the older one in the client, and by a removeStatus of that id
// once the condition clears or the subscription ends (the spec's status
// id and removeStatus).

// Status ids: the condition's name and the client's subscription id.
const (
	statusBehind = "gopline.behind."
	statusStale  = "gopline.stale."
	statusFormat = "gopline.format."
	statusSlow   = "gopline.slow."
	// statusNoReplay: the subscription starts without its topic's
	// cached pictures (foxreplay.go).
	statusNoReplay = "gopline.noreplay."
)

// statusKinds are the conditions a subscription's statuses tell of.
var statusKinds = []string{statusBehind, statusStale, statusFormat, statusSlow, statusNoReplay}

// liveAgainAfter is how long a subscription that fell behind must be
// written to, with no skip since, before its client is told it is live
// again: the status stays long enough to be read, and is not cleared by
// the replayed keyframe alone.
const liveAgainAfter = maxViewerLag

// statusID is the id of condition kind of subscription subID.
func statusID(kind string, subID uint32) string { return kind + strconv.FormatUint(uint64(subID), 10) }

// raise tells the client of condition kind of subscription subID in a
// status message of level with msg, and notes it out until cleared; it
// does nothing when the subscription has ended.
func (c *foxgloveConn) raise(ctx context.Context, kind string, subID uint32, level int, msg string) error {
	id := statusID(kind, subID)
	c.mu.Lock()
	if c.subs[subID].feed == nil {
		c.mu.Unlock()
		return nil
	}
	if c.raised == nil {
		c.raised = map[string]time.Time{}
	}
	c.raised[id] = time.Now()
	c.mu.Unlock()
	return c.sendJSON(ctx, status{Op: "status", Level: level, Message: msg, ID: id})
}

// raisedAt returns when condition kind of subscription subID was last
// raised, and whether it is out.
func (c *foxgloveConn) raisedAt(kind string, subID uint32) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.raised[statusID(kind, subID)]
	return at, ok
}

// clear tells the client that the conditions kinds of subscription subID,
// those of them that are out, are over (removeStatus).
func (c *foxgloveConn) clear(ctx context.Context, subID uint32, kinds ...string) error {
	var ids []string
	c.mu.Lock()
	for _, kind := range kinds {
		id := statusID(kind, subID)
		if _, ok := c.raised[id]; ok {
			delete(c.raised, id)
			ids = append(ids, id)
		}
	}
	c.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	return c.sendJSON(ctx, removeStatus{Op: "removeStatus", StatusIDs: ids})
}

// liveAgain clears the behind status of subscription subID once it has
// been written to for liveAgainAfter since it was raised. It runs on the
// subscription's writer, after a picture is written: a skip raises the
// status again before the next picture.
func (c *foxgloveConn) liveAgain(subID uint32) {
	if at, ok := c.raisedAt(statusBehind, subID); ok && time.Since(at) >= liveAgainAfter {
		_ = c.clear(context.Background(), subID, statusBehind)
	}
}

// subscribed returns the topic of subscription subID, "" when there is
// none.
func (c *foxgloveConn) subscribed(subID uint32) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	sub, ok := c.subs[subID]
	if !ok {
		return ""
	}
	return c.channels[sub.channel].topic
}
