package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/pipeline"
)

// fromAddr is an HTTP client whose connections come from the loopback
// address local: another client address than the tests' 127.0.0.1.
func fromAddr(local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func TestWHEPOffersThatNeverConnectCannotTakeTheViewersPlaces(t *testing.T) {
	n := newLiveNode(t, Config{})
	// Offers posted and abandoned (their ICE never completes) hold a few
	// places at most, not the node's 32.
	for i := 0; i < DefaultMaxViewers; i++ {
		status, body, hdr := post(t, n, "POST", "/whep/cam", offerSDP(t), sdpType)
		if status == http.StatusCreated {
			continue
		}
		if status != http.StatusTooManyRequests || !strings.Contains(body, "still connecting") || i != maxPendingPerAddress {
			t.Fatalf("offer %d: %d %q, want 429 (still connecting) after %d", i, status, body, maxPendingPerAddress)
		}
		if hdr.Get("Retry-After") == "" {
			t.Errorf("offer %d refused without a Retry-After", i)
		}
		break
	}
	// A viewer at another address joins and plays.
	pc, tracks := newReceiver(t)
	offer, _ := pc.CreateOffer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	_ = pc.SetLocalDescription(offer)
	<-gathered
	res, err := fromAddr("127.0.0.2").Post(n.server.URL+"/whep/cam", "application/sdp", strings.NewReader(pc.LocalDescription().SDP))
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("a viewer from another address: %d %q", res.StatusCode, answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		t.Fatal(err)
	}
	select {
	case tr := <-tracks:
		if _, _, err := tr.ReadRTP(); err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no track within 20 s")
	}
}

// syncBuffer is a log's writer the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestFoxgloveClientsThatSubscribeToNothingGiveTheirPlaceWhenFull(t *testing.T) {
	var logged syncBuffer
	n := newLiveNode(t, Config{MaxViewers: 2, Log: zerolog.New(&logged)})
	idle := dialFoxglove(t, n, "") // never subscribes nor reads
	busy := dialFoxglove(t, n, "") // subscribes
	id := jsonNumber(busy.greeting()[0].ID)
	busy.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + id + `}]}`)
	if op, _ := busy.next(); op != "binary" {
		t.Fatalf("the subscribed client got %s, want message data", op)
	}
	url := "ws" + strings.TrimPrefix(n.server.URL, "http") + "/foxglove"
	var late *websocket.Conn
	refused := 0
	waitFor(t, 30*time.Second, "place for a new client", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}})
		if err != nil {
			t.Fatalf("a new client: %v, want a place or a refusal it can read", err)
		}
		if _, err := untilClosed(t, ws); !errors.Is(err, errGreeted) { // an admitted client's first message is the node's greeting
			if websocket.CloseStatus(err) != websocket.StatusTryAgainLater || !strings.Contains(err.Error(), "serves all the viewers it can") {
				t.Fatalf("a new client: %v, want a place or closed with %d and why", err, websocket.StatusTryAgainLater)
			}
			refused++
			time.Sleep(100 * time.Millisecond) // the idle one's grace is seconds
			return false
		}
		late = ws
		return true
	})
	defer late.CloseNow()
	// A new client takes the idle one's place once it subscribes.
	if err := late.Write(context.Background(), websocket.MessageText,
		[]byte(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":`+id+`}]}`)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var err error
	for err == nil {
		_, _, err = idle.ws.Read(ctx)
	}
	if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
		t.Errorf("the idle client: %v, want closed with status %d", err, websocket.StatusTryAgainLater)
	}
	if op, _ := busy.next(); op != "binary" {
		t.Errorf("the subscribed client got %s, want message data", op)
	}
	wants := []string{"Foxglove client evicted"}
	if refused > 0 {
		wants = append(wants, "Foxglove client refused")
	}
	for _, want := range wants { // the eviction is logged on a goroutine of its own
		waitFor(t, 10*time.Second, "log line "+strconv.Quote(want)+" in "+logged.String(), func() bool { return strings.Contains(logged.String(), want) })
	}
}

// A refused client is told why in a close frame a browser's page can read
// (it cannot read a refused upgrade's status), up to maxTelling at once;
// beyond them it gets the HTTP status.
func TestARefusedFoxgloveClientIsToldWhy(t *testing.T) {
	n := newLiveNode(t, Config{MaxViewers: 2})
	url := "ws" + strings.TrimPrefix(n.server.URL, "http") + "/foxglove"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	held := 0
	for held < 2 { // loopback's share of 2 places is both
		ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		if _, _, err := ws.Read(ctx); err != nil {
			t.Fatalf("client %d: %v, want the greeting", held, err)
		}
		held++
	}
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}})
	if err != nil {
		t.Fatalf("a third client: %v, want the upgrade and a close", err)
	}
	_, err = untilClosed(t, ws)
	if websocket.CloseStatus(err) != websocket.StatusTryAgainLater || !strings.Contains(err.Error(), "gopline: ") {
		t.Fatalf("a third client: %v, want closed with %d and why", err, websocket.StatusTryAgainLater)
	}
	for range maxTelling {
		n.handler.telling <- struct{}{}
	}
	defer func() {
		for range maxTelling {
			<-n.handler.telling
		}
	}()
	_, res, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}})
	if err == nil || res == nil || (res.StatusCode != http.StatusTooManyRequests && res.StatusCode != http.StatusServiceUnavailable) {
		t.Fatalf("while %d refusals are being told: %v, want 429 or 503", maxTelling, err)
	}
}

func TestFoxgloveUnadvertisesATopicThatEnded(t *testing.T) {
	n := newNode(t, Config{}, "testsrc is-live=true num-frames=150 size=160x120 ! h264enc ! publish topic=/short "+
		"testsrc is-live=true size=160x120 ! h264enc ! publish topic=/long", "/long")
	c := dialFoxglove(t, n, "")
	channels := map[string]uint32{}
	for _, ch := range c.greeting() {
		channels[ch.Topic] = ch.ID
	}
	for channels["/short"] == 0 {
		op, data := c.nextOp()
		var adv advertise
		if err := json.Unmarshal(data, &adv); op != "advertise" || err != nil {
			t.Fatalf("%s %s, want advertise", op, data)
		}
		for _, ch := range adv.Channels {
			channels[ch.Topic] = ch.ID
		}
	}
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(channels["/short"]) +
		`},{"id":2,"channelId":` + jsonNumber(channels["/long"]) + `}]}`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("/short, ended, not unadvertised within 30 s")
		}
		op, data := c.next()
		if op != "unadvertise" {
			if op == "status" {
				t.Fatalf("subscribing: %s", data)
			}
			continue
		}
		var un unadvertise
		if err := json.Unmarshal(data, &un); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(un.ChannelIDs, channels["/long"]) {
			t.Fatalf("/long, still published, unadvertised: %s", data)
		}
		if slices.Contains(un.ChannelIDs, channels["/short"]) {
			break
		}
	}
	// The subscription ended with its channel: the topic, with nobody on
	// it, retires.
	waitFor(t, 20*time.Second, "/short without subscribers", func() bool {
		st, err := n.bus.Stats("/short")
		return err != nil || len(st.Subscribers) == 0
	})
	// A client that unsubscribes it all the same (as clients do at an
	// unadvertise) is not told off for it; an id it never had still is.
	c.send(`{"op":"unsubscribe","subscriptionIds":[1]}`)
	c.send(`{"op":"unsubscribe","subscriptionIds":[9]}`)
	for {
		op, data := c.next()
		if op != "status" {
			continue
		}
		if !strings.Contains(string(data), "unsubscribe: no subscription 9") {
			t.Fatalf("after unsubscribing what the unadvertise ended: %s", data)
		}
		break
	}
}

func TestFoxgloveAdvertisesATopicThatCameBackWithAnotherCodecAsANewChannel(t *testing.T) {
	n := newNode(t, Config{}, "testsrc is-live=true num-frames=60 size=160x120 ! h264enc ! publish topic=/x "+
		"testsrc is-live=true size=160x120 ! h264enc ! publish topic=/cam", "/cam")
	c := dialFoxglove(t, n, "")
	var h264 channel
	for _, ch := range c.greeting() {
		if ch.Topic == "/x" {
			h264 = ch
		}
	}
	for h264.ID == 0 {
		op, data := c.nextOp()
		var adv advertise
		if err := json.Unmarshal(data, &adv); op != "advertise" || err != nil {
			t.Fatalf("%s %s, want advertise", op, data)
		}
		for _, ch := range adv.Channels {
			if ch.Topic == "/x" {
				h264 = ch
			}
		}
	}
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(h264.ID) + `}]}`)
	waitFor(t, 20*time.Second, "the end of /x's H.264", func() bool {
		st, err := n.bus.Stats("/x")
		return err == nil && st.Published > 0 && st.Publishers == 0
	})
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.Parse("testsrc is-live=true size=160x120 ! jpegenc ! publish topic=/x", reg,
		pipeline.WithSystem(n.system), pipeline.WithBus(n.bus))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	unadvertised := false
	deadline := time.Now().Add(30 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("/x in JPEG not advertised within 30 s (its H.264 channel unadvertised: %v)", unadvertised)
		}
		op, data := c.nextOp()
		switch op {
		case "unadvertise":
			var un unadvertise
			_ = json.Unmarshal(data, &un)
			unadvertised = unadvertised || slices.Contains(un.ChannelIDs, h264.ID)
		case "advertise":
			var adv advertise
			_ = json.Unmarshal(data, &adv)
			for _, ch := range adv.Channels {
				if ch.Topic != "/x" {
					continue
				}
				if ch.SchemaName != foxglove.CompressedImage || ch.ID == h264.ID || !unadvertised {
					t.Fatalf("/x advertised again as %s, channel %d (was %d; unadvertised first: %v)", ch.SchemaName, ch.ID, h264.ID, unadvertised)
				}
				return
			}
		}
	}
}
