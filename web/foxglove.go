package web

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
)

const (
	// foxgloveWriteTimeout ends a connection whose client read nothing
	// for this long: it took no message, or left a ping unanswered while
	// pictures waited for it (maxUnread). A client that stops for less
	// (a process stopped for tens of seconds) goes on at the newest GOP
	// (catchUp).
	foxgloveWriteTimeout = time.Minute
	// advertiseEvery is how often a connection looks for topics that came
	// or went.
	advertiseEvery = time.Second
)

// errEvicted ends a Foxglove connection that held no subscription when
// the pool was full and a new client came.
var errEvicted = errors.New("the node serves all the Foxglove clients it can, and this one subscribed to nothing")

// serveFoxglove serves one Foxglove client over a WebSocket.
func (h *Handler) serveFoxglove(w http.ResponseWriter, r *http.Request) {
	tokenErr := h.tokenRefusal(r)
	if !asksFor(r, foxgloveSubprotocols...) {
		if tokenErr != nil {
			h.warnToken(r)
			http.Error(w, tokenErr.Error(), http.StatusUnauthorized)
			return
		}
		http.Error(w, "gopline speaks the "+foxgloveSubprotocol+" WebSocket subprotocol (or "+foxgloveSDKSubprotocol+", the same) only",
			http.StatusBadRequest)
		return
	}
	if tokenErr != nil {
		h.warnToken(r)
		h.refuseFoxglove(w, r, websocket.StatusPolicyViolation, tokenErr)
		return
	}
	addr := clientAddr(r.RemoteAddr)
	ctx, slot, release, err := h.admitFoxglove(addr)
	if err != nil {
		h.warnClient(&h.foxRefused, addr, "Foxglove client refused", err)
		h.refuseFoxglove(w, r, websocket.StatusTryAgainLater, err)
		return
	}
	defer release()
	// Any origin: Foxglove runs from its own; the token is what guards.
	tap := &connTap{ResponseWriter: w}
	ws, err := websocket.Accept(tap, r, &websocket.AcceptOptions{Subprotocols: foxgloveSubprotocols, InsecureSkipVerify: true})
	if err != nil {
		return // Accept wrote the HTTP error
	}
	ws.SetReadLimit(maxClientMessage)
	c := &foxgloveConn{h: h, ws: ws, conn: tap.conn, addr: addr, peer: r.RemoteAddr, slot: slot, subs: map[uint32]foxSub{}, channels: map[uint32]advertised{},
		unadvertised: map[uint32]bool{},
		markReplay:   r.URL.Query().Get("replay") == "marked", read: make(chan struct{}), wrote: make(chan struct{}, 1),
		gone: make(chan struct{})}
	// An evicted client is told why, in a status and the close handshake,
	// and so is one of a closing node (1001, going away, as a server that
	// shuts down says), which waits for it at most closingHandshake.
	// The handler returns once the handshake is over.
	runCtx, stopRun := context.WithCancel(context.Background())
	defer stopRun()
	ended := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(ended)
		switch cause := context.Cause(ctx); {
		case errors.Is(cause, errEvicted):
			c.stopFeeds()
			tellAndClose(ws, tap.conn, websocket.StatusTryAgainLater, errEvicted, closingHandshake)
		case errors.Is(cause, errNoSubscription) || errors.Is(cause, errNotSeated):
			c.stopFeeds()
			h.warnClient(&h.foxRefused, addr, "Foxglove client refused", cause)
			tellAndClose(ws, tap.conn, websocket.StatusTryAgainLater, cause, closingHandshake)
		case errors.Is(cause, errClosing):
			c.stopFeeds()
			tellAndClose(ws, tap.conn, websocket.StatusGoingAway, errClosing, closingHandshake)
		}
		stopRun()
	})
	defer func() {
		if !stop() {
			<-ended
		}
	}()
	_ = c.run(runCtx) // the client left, broke the protocol or stopped reading, or the node closes or evicts it
	c.stopAll()
}

// foxgloveConn is one Foxglove client: the channels advertised to it (a
// channel per topic, with the handler's ids) and its subscriptions, each a
// feed of its topic.
type foxgloveConn struct {
	h        *Handler
	ws       *websocket.Conn
	conn     net.Conn // under ws, to cut it off (closeWithin)
	addr     netip.Addr
	peer     string // the client's address and port, naming its subscriptions
	slot     *viewerSlot
	mu       sync.Mutex
	subs     map[uint32]foxSub     // by the client's subscription id
	channels map[uint32]advertised // what the client was told of, by id
	// unadvertised are the subscriptions their channel's unadvertise
	// ended (at most maxUnadvertised): a client's unsubscribe of one
	// after it is no mistake of the client's.
	unadvertised map[uint32]bool
	// markReplay: the client asked for replayed pictures to be marked
	// (replayedField).
	markReplay bool
	// pace is how far the client has read, under mu; read is closed and
	// replaced when the client answers a ping. wrote tells the ping loop
	// that a picture was written. gone is closed when the connection
	// ends, which ends the writers' wait for the client.
	pace  readPace
	read  chan struct{}
	wrote chan struct{}
	gone  chan struct{}
	// raised are the status ids the client was told of and not told the
	// end of, with when (foxstatus.go), under mu.
	raised map[string]time.Time
	// replays is what is left of the client's replays, by channel
	// (foxreplay.go), under mu.
	replays replayBudget
}

// foxSub is one of a client's subscriptions: a feed of its channel's
// topic. stopping is closed when it ends, which ends its writer's wait for
// the client: the connection's reader, which reads the client's answer,
// is the one that ends it, and must not wait for the writer.
type foxSub struct {
	feed     *feed
	channel  uint32
	stopping chan struct{}
}

// errUnsubscribed ends the write of a subscription that ended.
var errUnsubscribed = errors.New("unsubscribed")

// run greets the client, then serves its messages and advertises topics
// as they come and go, until the client leaves or ctx ends.
func (c *foxgloveConn) run(ctx context.Context) error {
	info := serverInfo{Op: "serverInfo", Name: "gopline", Capabilities: []string{}, SupportedEncodings: []string{},
		Metadata: map[string]string{}, SessionID: strconv.FormatInt(time.Now().UnixNano(), 10)}
	if err := c.sendJSON(ctx, info); err != nil {
		return err
	}
	if err := c.advertise(ctx); err != nil {
		return err
	}
	pinging := make(chan struct{})
	defer func() { <-pinging }()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(pinging)
		c.pingLoop(ctx)
	}()
	go func() {
		t := time.NewTicker(advertiseEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if c.advertise(ctx) != nil || c.watchStale(ctx) != nil {
					cancel()
				}
			}
		}
	}()
	for {
		typ, data, err := c.readMessage(ctx)
		if errors.Is(err, errClientMessageTooBig) {
			tellAndClose(c.ws, c.conn, websocket.StatusMessageTooBig, err, closingHandshake)
			return err
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if typ == websocket.MessageBinary {
			err = c.status(ctx, statusError, "gopline takes no binary messages: it serves topics and takes no client publishing")
		} else {
			err = c.handle(ctx, data)
		}
		if err != nil {
			return err
		}
	}
}

// handle serves one text message; what it refuses is answered with a
// status message.
func (c *foxgloveConn) handle(ctx context.Context, data []byte) error {
	m, err := parseClientMessage(data)
	if err != nil {
		return c.status(ctx, statusError, err.Error())
	}
	if m.Op == "unsubscribe" {
		for _, id := range m.SubscriptionIDs {
			var err error
			switch {
			case c.unsubscribe(id):
				err = c.clear(ctx, id, statusKinds...)
			case !c.endedByUnadvertise(id):
				err = c.status(ctx, statusWarning, fmt.Sprintf("unsubscribe: no subscription %d", id))
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	for _, s := range m.Subscriptions {
		var err error
		if msg := c.subscribe(s); msg != "" {
			err = c.status(ctx, statusWarning, msg)
		} else if msg := c.undecodable(s); msg != "" {
			err = c.raise(ctx, statusFormat, s.ID, statusWarning, msg)
		}
		if err == nil {
			err = c.tellStale(ctx, s.ID, c.subscribed(s.ID))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// undecodable says why subscription s, made, shows nothing in Foxglove:
// its topic's H.264 is of a format Foxglove, decoding with the browser's
// decoder, does not decode (see formatWatch), or has B-frames, which
// Foxglove's CompressedVideo does not play (the node's own page, which
// asks for replay=marked, plays them); "" when it decodes or neither is
// known after probing the topic for probeWait.
func (c *foxgloveConn) undecodable(s subscription) string {
	c.mu.Lock()
	topic := c.channels[s.ChannelID].topic
	c.mu.Unlock()
	st, err := c.h.cfg.Bus.Stats(topic)
	if err != nil || st.Codec != media.H264 {
		return ""
	}
	c.h.learnOrder([]transport.TopicStats{st}, probeWait)
	if why := c.h.formats.undecodable(topic); why != "" {
		return fmt.Sprintf("subscription %d: topic %s: %s", s.ID, topic, why)
	}
	if !c.markReplay && c.h.order.order(topic) == orderReordered {
		return fmt.Sprintf("subscription %d: topic %s is H.264 with B-frames (pictures out of display order), which Foxglove's CompressedVideo does not play: "+
			"decode and encode it again with h264enc, which makes none, or watch it on the node's page (/view?topic=%s)", s.ID, topic, topic)
	}
	return ""
}

// subscribe starts a feed for s; it returns why it refused, "" if it did
// not. The feed lasts as long as its channel is advertised: a publisher
// that ends and another that starts on the topic within the linger go on
// in it, the new one from its first keyframe.
func (c *foxgloveConn) subscribe(s subscription) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.channels[s.ChannelID]
	topic := ch.topic
	switch {
	case !ok:
		return fmt.Sprintf("subscription %d: no channel %d", s.ID, s.ChannelID)
	case c.subs[s.ID].feed != nil:
		return fmt.Sprintf("subscription %d: the id is in use", s.ID)
	case len(c.subs) >= maxSubscriptions:
		return fmt.Sprintf("subscription %d: a connection holds at most %d", s.ID, maxSubscriptions)
	}
	for _, sub := range c.subs {
		if sub.channel == s.ChannelID {
			return fmt.Sprintf("subscription %d: channel %d is subscribed already", s.ID, s.ChannelID)
		}
	}
	if err := c.h.seatFoxglove(c.slot); err != nil {
		return fmt.Sprintf("subscription %d: %v", s.ID, err) // and the connection ends
	}
	stopping := make(chan struct{})
	var noReplay time.Time // the replay budget's: see foxreplay.go
	if now := time.Now(); !c.replays.take(s.ChannelID, now) {
		noReplay = c.replays.next(s.ChannelID, now)
	}
	f, err := startFeed(c.h.cfg.System, feedConfig{bus: c.h.cfg.Bus, topic: topic, qos: c.h.cfg.ViewerQoS, name: webSocketClientName(c.peer, s.ID),
		write: c.writer(s.ID, ch, stopping, noReplay), log: c.h.cfg.Log, outlivesStream: true, observe: func(p *media.Packet) { _ = c.h.observed(topic, p) },
		maxLag: maxViewerLag, caughtUp: func(step catchUpStep) { c.caughtUp(s.ID, topic, step) },
		ended: func(err error) { // a failed write alone: the feed outlives the stream
			switch {
			case errors.Is(err, errUnsubscribed) || isClosed(c.gone):
				return // the subscription or the connection ended first
			case errors.Is(err, context.DeadlineExceeded):
				c.h.warnClient(&c.h.slow, c.addr, "Foxglove client cut off: it read nothing for "+foxgloveWriteTimeout.String(), err)
			default: // the connection broke under the write: the client left
				c.h.cfg.Log.Debug().Err(err).Str("client", c.peer).Msg("web: a Foxglove client's connection ended")
			}
			go c.ws.CloseNow()
		}})
	if err != nil {
		return fmt.Sprintf("subscription %d: %v", s.ID, err)
	}
	c.subs[s.ID] = foxSub{feed: f, channel: s.ChannelID, stopping: stopping}
	delete(c.unadvertised, s.ID)
	c.h.holding(c.slot, true)
	return ""
}

// unsubscribe ends a subscription; it reports whether there was one.
func (c *foxgloveConn) unsubscribe(id uint32) bool {
	c.mu.Lock()
	sub, ok := c.subs[id]
	delete(c.subs, id)
	c.h.holding(c.slot, len(c.subs) > 0)
	c.mu.Unlock()
	if ok {
		close(sub.stopping)
		sub.feed.Stop()
	}
	return ok
}

// maxUnadvertised bounds the subscriptions a connection remembers that
// unadvertises ended.
const maxUnadvertised = 1024

// endedByUnadvertise reports whether subscription id was ended by its
// channel's unadvertise, and forgets it: the client may unsubscribe it
// once.
func (c *foxgloveConn) endedByUnadvertise(id uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ended := c.unadvertised[id]
	delete(c.unadvertised, id)
	return ended
}

// isClosed reports whether ch is closed.
func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// stopFeeds ends every subscription.
func (c *foxgloveConn) stopFeeds() {
	c.mu.Lock()
	subs := c.subs
	c.subs = map[uint32]foxSub{}
	c.mu.Unlock()
	for _, sub := range subs {
		close(sub.stopping)
		sub.feed.Stop()
	}
}

func (c *foxgloveConn) stopAll() {
	close(c.gone)
	c.ws.CloseNow() // unblocks writers before their feeds stop
	c.stopFeeds()
}

func (c *foxgloveConn) status(ctx context.Context, level int, msg string) error {
	return c.sendJSON(ctx, status{Op: "status", Level: level, Message: msg})
}

func (c *foxgloveConn) sendJSON(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, foxgloveWriteTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// advertise tells the client of the channels it has not been told of, and
// of those that ended, whose subscriptions end first.
func (c *foxgloveConn) advertise(ctx context.Context) error {
	now := c.h.foxgloveChannels()
	var added []channel
	var gone []uint32
	var ended []foxSub
	var endedIDs []uint32
	c.mu.Lock()
	for id := range c.channels {
		if _, ok := now[id]; !ok {
			gone = append(gone, id)
			delete(c.channels, id)
		}
	}
	for subID, sub := range c.subs {
		if _, ok := now[sub.channel]; !ok {
			ended = append(ended, sub)
			endedIDs = append(endedIDs, subID)
			delete(c.subs, subID)
			if len(c.unadvertised) >= maxUnadvertised {
				clear(c.unadvertised)
			}
			c.unadvertised[subID] = true
		}
	}
	for id, ch := range now {
		if _, ok := c.channels[id]; ok {
			continue
		}
		c.channels[id] = ch
		added = append(added, channel{ID: id, Topic: ch.topic, Encoding: foxglove.ProtoMessageEncoding, SchemaName: ch.schema,
			Schema: base64.StdEncoding.EncodeToString(foxglove.ProtoSchema(ch.schema)), SchemaEncoding: foxglove.ProtoSchemaEncoding})
	}
	if len(ended) > 0 {
		c.h.holding(c.slot, len(c.subs) > 0)
	}
	c.mu.Unlock()
	for _, sub := range ended {
		close(sub.stopping)
		sub.feed.Stop() // no message of a channel after its unadvertise
	}
	if len(gone) > 0 {
		slices.Sort(gone)
		if err := c.sendJSON(ctx, unadvertise{Op: "unadvertise", ChannelIDs: gone}); err != nil {
			return err
		}
	}
	for _, id := range endedIDs {
		if err := c.clear(ctx, id, statusKinds...); err != nil {
			return err
		}
	}
	if len(added) > 0 {
		slices.SortFunc(added, func(a, b channel) int { return cmp.Compare(a.ID, b.ID) })
		return c.sendJSON(ctx, advertise{Op: "advertise", Channels: added})
	}
	return nil
}
