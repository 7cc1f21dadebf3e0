package web

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// foxClient is a bare Foxglove client for the tests.
type foxClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialFoxglove(t *testing.T, n *liveNode, query string) *foxClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(n.server.URL, "http") + "/foxglove" + query
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(16 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return &foxClient{t: t, ws: ws}
}

// next reads the next message: its op (or "binary") and bytes.
func (c *foxClient) next() (string, []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, data, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	if typ == websocket.MessageBinary {
		return "binary", data
	}
	var m struct{ Op string }
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatal(err)
	}
	return m.Op, data
}

// nextOp skips binary messages up to the next text message.
func (c *foxClient) nextOp() (string, []byte) {
	c.t.Helper()
	for {
		if op, data := c.next(); op != "binary" {
			return op, data
		}
	}
}

func (c *foxClient) send(msg string) {
	c.t.Helper()
	if err := c.ws.Write(context.Background(), websocket.MessageText, []byte(msg)); err != nil {
		c.t.Fatal(err)
	}
}

// greeting reads serverInfo and the first advertise, and returns the
// channels.
func (c *foxClient) greeting() []channel {
	c.t.Helper()
	if op, _ := c.next(); op != "serverInfo" {
		c.t.Fatalf("first message %q, want serverInfo", op)
	}
	op, data := c.next()
	var adv advertise
	if err := json.Unmarshal(data, &adv); op != "advertise" || err != nil {
		c.t.Fatalf("second message %q (%v), want advertise", op, err)
	}
	return adv.Channels
}

// decodeMessage reads a Message Data into the subscription id and its
// CompressedVideo or CompressedImage message (see decodeFields).
func decodeMessage(t *testing.T, ch channel, data []byte) (uint32, foxglove.Message) {
	t.Helper()
	sub, get := decodeFields(t, ch, data)
	ts := get("timestamp").Message()
	tsf := ts.Descriptor().Fields()
	m := foxglove.Message{FrameID: get("frame_id").String(), Data: get("data").Bytes(), Format: get("format").String(),
		Timestamp: foxglove.Time{Sec: ts.Get(tsf.ByName("seconds")).Int(), Nsec: ts.Get(tsf.ByName("nanos")).Int()}}
	return sub, m
}

// decodeFields reads a Message Data into the subscription id and its
// message's fields by name, decoded as a player does: with the schema the
// channel ch advertised, a base64 FileDescriptorSet, and its message found
// by name.
func decodeFields(t *testing.T, ch channel, data []byte) (uint32, func(name string) protoreflect.Value) {
	t.Helper()
	if len(data) < messageDataHeader || data[0] != opMessageData {
		t.Fatalf("binary message of %d bytes, opcode %#x", len(data), data[0])
	}
	set, err := base64.StdEncoding.DecodeString(ch.Schema)
	if err != nil {
		t.Fatalf("channel %d: schema: %v", ch.ID, err)
	}
	var fds descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(set, &fds); err != nil {
		t.Fatal(err)
	}
	files, err := protodesc.NewFiles(&fds)
	if err != nil {
		t.Fatal(err)
	}
	d, err := files.FindDescriptorByName(protoreflect.FullName(ch.SchemaName))
	if err != nil {
		t.Fatal(err)
	}
	md := d.(protoreflect.MessageDescriptor)
	msg := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(data[messageDataHeader:], msg); err != nil {
		t.Fatal(err)
	}
	get := func(name string) protoreflect.Value { return msg.Get(md.Fields().ByName(protoreflect.Name(name))) }
	return binary.LittleEndian.Uint32(data[1:]), get
}

func TestFoxgloveSendsTheCachedKeyframeFirstAndEveryMessageDecodes(t *testing.T) {
	n := newLiveNode(t, Config{})
	c := dialFoxglove(t, n, "")
	chans := c.greeting()
	if len(chans) != 1 || chans[0].Topic != "/cam" || chans[0].SchemaName != foxglove.CompressedVideo ||
		chans[0].Encoding != "protobuf" || chans[0].SchemaEncoding != "protobuf" {
		t.Fatalf("channels %+v, want /cam as a CompressedVideo in protobuf", chans)
	}
	c.send(`{"op":"subscribe","subscriptions":[{"id":7,"channelId":` + jsonNumber(chans[0].ID) + `}]}`)
	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var gop uint64
	var last time.Time
	for i := range 40 {
		op, data := c.next()
		if op != "binary" {
			t.Fatalf("message %d: %s, want message data", i, op)
		}
		sub, m := decodeMessage(t, chans[0], data)
		if sub != 7 || m.Format != "h264" || m.FrameID != "cam" {
			t.Fatalf("message %d: subscription %d, format %q, frame %q", i, sub, m.Format, m.FrameID)
		}
		// The capture times: this hour's, in order.
		at := time.Unix(m.Timestamp.Sec, m.Timestamp.Nsec)
		if time.Since(at).Abs() > time.Hour || at.Before(last) {
			t.Fatalf("message %d: captured at %v, after one captured at %v", i, at, last)
		}
		last = at
		nalus, err := h264.SplitAnnexB(m.Data)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		key := h264.IsRandomAccess(nalus)
		if i == 0 && (!key || !hasParameterSets(nalus)) {
			t.Fatalf("first message is not a keyframe with SPS and PPS: %d NAL units", len(nalus))
		}
		if key {
			gop = uint64(i)
		}
		p := &media.Packet{Codec: media.H264, Data: m.Data, Key: key, Width: 320, Height: 240, Seq: uint64(i), GOP: gop}
		if _, err := dec.Decode(p); err != nil {
			t.Fatalf("message %d does not decode: %v", i, err)
		}
	}
	c.send(`{"op":"unsubscribe","subscriptionIds":[7]}`)
}

// hasParameterSets reports whether nalus hold an SPS and a PPS.
func hasParameterSets(nalus [][]byte) bool {
	var sps, pps bool
	for _, n := range nalus {
		sps = sps || h264.TypeOf(n) == h264.NALUTypeSPS
		pps = pps || h264.TypeOf(n) == h264.NALUTypePPS
	}
	return sps && pps
}

func jsonNumber(id uint32) string { b, _ := json.Marshal(id); return string(b) }

func TestFoxgloveRefusesWithStatusAndKeepsServing(t *testing.T) {
	n := newLiveNode(t, Config{})
	c := dialFoxglove(t, n, "")
	id := jsonNumber(c.greeting()[0].ID)
	for _, msg := range []string{
		`not json`,
		`{"op":"subscribe","subscriptions":[{"id":-1,"channelId":1}]}`,
		`{"op":"subscribe","subscriptions":[]}`,
		`{"op":"getParameters","parameterNames":[]}`,
		`{"op":"subscribe","subscriptions":[{"id":1,"channelId":999}]}`,
		`{"op":"unsubscribe","subscriptionIds":[7]}`,
	} {
		c.send(msg)
		if op, data := c.nextOp(); op != "status" || !strings.Contains(string(data), `"level"`) {
			t.Errorf("%s: answered %s %s, want a status", msg, op, data)
		}
	}
	if err := c.ws.Write(context.Background(), websocket.MessageBinary, []byte{1, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if op, _ := c.nextOp(); op != "status" {
		t.Errorf("a binary message: answered %s, want a status", op)
	}
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + id + `}]}`)
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + id + `}]}`)
	if op, data := c.nextOp(); op != "status" || !strings.Contains(string(data), "in use") {
		t.Errorf("a reused subscription id: %s %s", op, data)
	}
	if op, _ := c.next(); op != "binary" {
		t.Errorf("after the refusals the subscription gets %s, want message data", op)
	}
}

func TestFoxgloveNeedsTokenAndSubprotocol(t *testing.T) {
	n := newLiveNode(t, Config{Token: "s3cret"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(n.server.URL, "http") + "/foxglove"
	// Without the token (or with a wrong one), a client of the protocol is
	// told why in the close of its upgrade, which a browser's page and
	// Foxglove can read where they cannot read a 401: policy violation,
	// not a refusal to try again later.
	for _, query := range []string{"", "?token=wrong"} {
		ws, _, err := websocket.Dial(ctx, url+query, &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}})
		if err != nil {
			t.Fatalf("without the token: %v, want the upgrade closed saying why", err)
		}
		_, err = untilClosed(t, ws)
		if websocket.CloseStatus(err) != websocket.StatusPolicyViolation || !strings.Contains(err.Error(), "token") {
			t.Errorf("without the token (%q): %v, want closed with 1008 and the reason", query, err)
		}
		ws.CloseNow()
	}
	for _, protocols := range [][]string{nil, {"foxglove.websocket.v2"}} {
		_, res, err := websocket.Dial(ctx, url+"?token=s3cret", &websocket.DialOptions{Subprotocols: protocols})
		if err == nil || res == nil || res.StatusCode != http.StatusBadRequest {
			t.Errorf("subprotocols %q: %v, want 400 before the upgrade", protocols, err)
		}
	}
	c := dialFoxglove(t, n, "?token=s3cret")
	if len(c.greeting()) != 1 {
		t.Error("with the token: no channel")
	}

	// At the root too, where foxglove_bridge serves (ws://robot:8765).
	root := "ws" + strings.TrimPrefix(n.server.URL, "http") + "/"
	if _, res, err := websocket.Dial(ctx, root, nil); err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("at the root without the token or the subprotocol: %v, want 401", err)
	}
	ws, _, err := websocket.Dial(ctx, root+"?token=s3cret", &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}})
	if err != nil {
		t.Fatalf("at the root: %v", err)
	}
	ws.SetReadLimit(16 << 20)
	defer ws.CloseNow()
	if c := (&foxClient{t: t, ws: ws}); len(c.greeting()) != 1 {
		t.Error("at the root: no channel")
	}
	if _, res, err := websocket.Dial(ctx, root+"?token=s3cret", &websocket.DialOptions{Subprotocols: []string{"foxglove.websocket.v2"}}); err == nil ||
		res == nil || res.StatusCode != http.StatusBadRequest {
		t.Errorf("at the root with another subprotocol: %v, want 400 saying which gopline speaks", err)
	}
	page, err := http.Get(n.server.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Errorf("the root's page: %s, %s", page.Status, page.Header.Get("Content-Type"))
	}
}

// A publisher that stops and a new one on the same topic soon after (the
// channel still advertised): the subscription goes on, from the new
// stream's keyframe.
func TestFoxgloveSubscriptionOutlivesAPublisherRestart(t *testing.T) {
	const desc = "testsrc size=160x120 rate=30 ! h264enc gop=30 rate=30 ! publish topic=/flap"
	system := pipeline.NewSystem(zerolog.Nop())
	bus := transport.NewBus(system)
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	start := func() *pipeline.Pipeline {
		p, err := pipeline.Parse(desc, reg, pipeline.WithSystem(system), pipeline.WithBus(bus))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := start()
	h, err := New(Config{Bus: bus, System: system, KeepIP: LoopbackOnly})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	var second *pipeline.Pipeline
	t.Cleanup(func() {
		srv.Close()
		_ = h.Close()
		_ = first.Stop()
		if second != nil {
			_ = second.Stop()
		}
		_ = bus.Close()
		system.Shutdown()
	})
	waitFor(t, 10*time.Second, "a keyframe cached on /flap", func() bool {
		st, err := bus.Stats("/flap")
		return err == nil && st.Cache != nil && st.Cache.Frames > 0
	})
	c := dialFoxglove(t, &liveNode{server: srv}, "")
	chans := c.greeting()
	if len(chans) != 1 {
		t.Fatalf("channels %+v, want /flap", chans)
	}
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(chans[0].ID) + `}]}`)
	for range 5 {
		if op, data := c.next(); op != "binary" {
			t.Fatalf("%s %s, want message data", op, data)
		}
	}
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	second = start()
	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	got, old := 0, 0
	for got < 20 {
		op, data := c.next()
		if op != "binary" {
			t.Fatalf("after the restart: %s %s, want message data", op, data)
		}
		_, m := decodeMessage(t, chans[0], data)
		if time.Unix(m.Timestamp.Sec, m.Timestamp.Nsec).Before(restarted) {
			old++ // the first stream's last packets
			continue
		}
		nalus, err := h264.SplitAnnexB(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		key := h264.IsRandomAccess(nalus)
		if got == 0 && (!key || !hasParameterSets(nalus)) {
			t.Fatal("the new stream's first message is not a keyframe with SPS and PPS")
		}
		p := &media.Packet{Codec: media.H264, Data: m.Data, Key: key, Width: 160, Height: 120, Seq: uint64(got)}
		if _, err := dec.Decode(p); err != nil {
			t.Fatalf("message %d of the new stream does not decode: %v", got, err)
		}
		got++
	}
	t.Logf("%d messages of the first stream after it stopped, then %d of the second", old, got)
}

// replayMark reads replayedField from a Message Data's picture message:
// 1 when the node marked it replayed, 0 when it did not.
func replayMark(t *testing.T, data []byte) uint64 {
	t.Helper()
	var mark uint64
	for b := data[messageDataHeader:]; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		if num == replayedField && typ == protowire.VarintType {
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				t.Fatalf("bad mark: %v", protowire.ParseError(m))
			}
			mark = v
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			t.Fatalf("bad field %d: %v", num, protowire.ParseError(m))
		}
		b = b[m:]
	}
	return mark
}

// A client that asks (the node's page) finds the pictures of the cached
// GOP its subscription starts with marked replayed, and the live ones
// after them not; the messages still decode with the channel's schema. A
// client that does not ask (Foxglove) gets the schema's fields alone.
func TestFoxgloveMarksTheReplayedPicturesForAClientThatAsks(t *testing.T) {
	n := newLiveNode(t, Config{})
	marked := dialFoxglove(t, n, "?replay=marked")
	chans := marked.greeting()
	marked.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(chans[0].ID) + `}]}`)
	replayed, live := 0, 0
	for i := 0; live < 10; i++ {
		op, data := marked.next()
		if op != "binary" {
			t.Fatalf("message %d: %s, want message data", i, op)
		}
		if _, m := decodeMessage(t, chans[0], data); m.Format != "h264" || len(m.Data) == 0 {
			t.Fatalf("message %d: format %q, %d bytes", i, m.Format, len(m.Data))
		}
		switch mark := replayMark(t, data); {
		case mark == 1 && live == 0:
			replayed++
		case mark == 0 && replayed > 0:
			live++
		default:
			t.Fatalf("message %d marked %d after %d replayed and %d live: want the replay first, then live pictures", i, mark, replayed, live)
		}
	}
	t.Logf("%d pictures replayed, then live ones", replayed)

	plain := dialFoxglove(t, n, "")
	chans = plain.greeting()
	plain.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(chans[0].ID) + `}]}`)
	for i := range 10 {
		if _, data := plain.next(); replayMark(t, data) != 0 {
			t.Fatalf("message %d of a client that did not ask is marked replayed", i)
		}
	}
}

// A node that stops tells its Foxglove clients so in the close handshake
// (1001, going away, with the reason), as a server that shuts down does,
// not by cutting them off (1006); a client that never answers the close
// does not hold the stop up for more than closingHandshake.
func TestFoxgloveClientsAreToldTheNodeStops(t *testing.T) {
	n := newLiveNode(t, Config{})
	answering := dialFoxglove(t, n, "")
	answering.greeting()
	dialFoxglove(t, n, "") // never reads: never answers the close
	waitFor(t, 10*time.Second, "two Foxglove clients", func() bool {
		n.handler.mu.Lock()
		defer n.handler.mu.Unlock()
		return len(n.handler.foxglove) == 2
	})
	closed := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		_ = n.handler.Close()
		closed <- time.Since(start)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	for err == nil {
		_, _, err = answering.ws.Read(ctx)
	}
	if code, reason := websocket.CloseStatus(err), closeReason(err); code != websocket.StatusGoingAway || !strings.Contains(reason, "shutting down") {
		t.Errorf("the client read %v (close status %d, reason %q); want 1001 saying the node is shutting down", err, code, reason)
	}
	select {
	case took := <-closed:
		if took > 5*closingHandshake {
			t.Errorf("the handler took %v to close", took)
		}
	case <-time.After(10 * closingHandshake):
		t.Fatal("the handler did not close: a client that never answers holds it up")
	}
}

// closeReason is the reason of the close frame that ended a connection
// with err, or "".
func closeReason(err error) string {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return ""
}
