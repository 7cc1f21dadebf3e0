package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/media"
)

const (
	// foxgloveWriteTimeout ends a connection whose client took no message
	// for this long; shorter stalls cost it whole GOPs, not the connection.
	foxgloveWriteTimeout = 10 * time.Second
	// advertiseEvery is how often a connection looks for topics that came
	// or went.
	advertiseEvery = 2 * time.Second
)

// serveFoxglove serves one Foxglove client over a WebSocket.
func (h *Handler) serveFoxglove(w http.ResponseWriter, r *http.Request) {
	if !h.tokenMatches(r.URL.Query().Get("token")) {
		http.Error(w, "this node needs its token: /foxglove?token=TOKEN", http.StatusUnauthorized)
		return
	}
	ctx, release, err := h.admitFoxglove()
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer release()
	// Any origin: Foxglove runs from its own; the token is what guards.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{foxgloveSubprotocol}, InsecureSkipVerify: true})
	if err != nil {
		return // Accept wrote the HTTP error
	}
	if ws.Subprotocol() != foxgloveSubprotocol {
		_ = ws.Close(websocket.StatusPolicyViolation, "gopline speaks the "+foxgloveSubprotocol+" subprotocol only")
		return
	}
	ws.SetReadLimit(maxClientMessage)
	c := &foxgloveConn{h: h, ws: ws, subs: map[uint32]*feed{}, channels: map[uint32]string{}}
	_ = c.run(ctx) // the client left, broke the protocol or stopped reading, or the node closes
	c.stopAll()
}

// admitFoxglove counts a connection within the cap; the context ends when
// the handler closes.
func (h *Handler) admitFoxglove() (context.Context, func(), error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, errors.New("the node is shutting down")
	}
	if len(h.foxglove) >= h.cfg.MaxViewers {
		return nil, nil, fmt.Errorf("this node serves %d Foxglove clients already, its most", h.cfg.MaxViewers)
	}
	ctx, cancel := context.WithCancel(context.Background())
	id := new(int)
	h.foxglove[id] = cancel
	h.foxWG.Add(1)
	return ctx, func() {
		cancel()
		h.mu.Lock()
		delete(h.foxglove, id)
		h.mu.Unlock()
		h.foxWG.Done()
	}, nil
}

// foxgloveConn is one Foxglove client: the channels advertised to it (a
// channel per topic, with the handler's ids) and its subscriptions, each a
// feed of its topic.
type foxgloveConn struct {
	h        *Handler
	ws       *websocket.Conn
	mu       sync.Mutex
	subs     map[uint32]*feed  // by the client's subscription id
	channels map[uint32]string // advertised channel id -> topic
}

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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		t := time.NewTicker(advertiseEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if c.advertise(ctx) != nil {
					cancel()
				}
			}
		}
	}()
	for {
		typ, data, err := c.ws.Read(ctx)
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
			c.unsubscribe(id)
		}
		return nil
	}
	for _, s := range m.Subscriptions {
		if msg := c.subscribe(s); msg != "" {
			if err := c.status(ctx, statusWarning, msg); err != nil {
				return err
			}
		}
	}
	return nil
}

// subscribe starts a feed for s; it returns why it refused, "" if it did
// not.
func (c *foxgloveConn) subscribe(s subscription) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	topic, ok := c.channels[s.ChannelID]
	switch {
	case !ok:
		return fmt.Sprintf("subscription %d: no channel %d", s.ID, s.ChannelID)
	case c.subs[s.ID] != nil:
		return fmt.Sprintf("subscription %d: the id is in use", s.ID)
	case len(c.subs) >= maxSubscriptions:
		return fmt.Sprintf("subscription %d: a connection holds at most %d", s.ID, maxSubscriptions)
	}
	for _, f := range c.subs {
		if f.topic == topic {
			return fmt.Sprintf("subscription %d: channel %d is subscribed already", s.ID, s.ChannelID)
		}
	}
	f, err := startFeed(c.h.cfg.System, feedConfig{bus: c.h.cfg.Bus, topic: topic, qos: c.h.cfg.ViewerQoS,
		write: c.writer(s.ID, topic), log: c.h.cfg.Log, observe: func(p *media.Packet) { _ = c.h.observed(topic, p) },
		ended: func(err error) {
			if err != nil {
				go c.ws.CloseNow() // the client stopped taking messages
			}
		}})
	if err != nil {
		return fmt.Sprintf("subscription %d: %v", s.ID, err)
	}
	c.subs[s.ID] = f
	return ""
}

// writer sends each packet of a subscription as a CompressedVideo (H.264)
// or CompressedImage (JPEG) message in protobuf: the picture's bytes as
// they are (the MCAP export writes the same messages in JSON).
func (c *foxgloveConn) writer(subID uint32, topic string) func(*media.Packet) error {
	msg := foxglove.Message{FrameID: foxglove.FrameID(topic)}
	return func(p *media.Packet) error {
		schema, format := schemaOf(p.Codec)
		if format == "" {
			return nil // not a picture Foxglove shows
		}
		msg.Format, msg.Data, msg.Timestamp = format, p.Data, foxglove.TimeOf(p.CaptureTime)
		b := make([]byte, messageDataHeader, messageDataHeader+len(p.Data)+len(msg.FrameID)+maxProtoFraming)
		b = msg.AppendProto(b, schema)
		ctx, cancel := context.WithTimeout(context.Background(), foxgloveWriteTimeout)
		defer cancel()
		return c.ws.Write(ctx, websocket.MessageBinary, messageData(b, subID, uint64(time.Now().UnixNano())))
	}
}

// maxProtoFraming bounds what a picture's protobuf message holds beside its
// data and frame id: tags, lengths, the time and the format.
const maxProtoFraming = 64

func (c *foxgloveConn) unsubscribe(id uint32) {
	c.mu.Lock()
	f := c.subs[id]
	delete(c.subs, id)
	c.mu.Unlock()
	if f != nil {
		f.Stop()
	}
}

func (c *foxgloveConn) stopAll() {
	c.mu.Lock()
	subs := c.subs
	c.subs = map[uint32]*feed{}
	c.mu.Unlock()
	c.ws.CloseNow() // unblocks writers before their feeds stop
	for _, f := range subs {
		f.Stop()
	}
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

// schemaOf returns the Foxglove schema and format of a codec's packets,
// "" for a codec Foxglove shows no picture of.
func schemaOf(c media.Codec) (schema, format string) {
	switch c {
	case media.H264:
		return foxglove.CompressedVideo, "h264"
	case media.JPEG:
		return foxglove.CompressedImage, "jpeg"
	}
	return "", ""
}

// advertise tells the client of the topics it has not been told of, and
// of those that are gone.
func (c *foxgloveConn) advertise(ctx context.Context) error {
	now := map[string]media.Codec{}
	for _, st := range c.h.topicStats() {
		now[st.Topic] = st.Codec
	}
	var added []channel
	var gone []uint32
	c.mu.Lock()
	known := map[string]bool{}
	for id, topic := range c.channels {
		if _, ok := now[topic]; ok {
			known[topic] = true
		} else {
			gone = append(gone, id)
			delete(c.channels, id)
		}
	}
	for topic, codec := range now {
		schema, _ := schemaOf(codec)
		if known[topic] || schema == "" {
			continue
		}
		id := c.h.channelID(topic)
		c.channels[id] = topic
		added = append(added, channel{ID: id, Topic: topic, Encoding: foxglove.ProtoMessageEncoding, SchemaName: schema,
			Schema: base64.StdEncoding.EncodeToString(foxglove.ProtoSchema(schema)), SchemaEncoding: foxglove.ProtoSchemaEncoding})
	}
	c.mu.Unlock()
	if len(gone) > 0 {
		if err := c.sendJSON(ctx, unadvertise{Op: "unadvertise", ChannelIDs: gone}); err != nil {
			return err
		}
	}
	if len(added) > 0 {
		return c.sendJSON(ctx, advertise{Op: "advertise", Channels: added})
	}
	return nil
}
