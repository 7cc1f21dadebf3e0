package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

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
