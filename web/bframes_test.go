package web

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// topicInfo reads path (/api/topics or /api/topics/NAME) from n.
func topicInfos(t *testing.T, n *liveNode, path string) []TopicInfo {
	t.Helper()
	status, body, _ := post(t, n, "GET", path, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %q", path, status, body)
	}
	var list []TopicInfo
	if strings.HasPrefix(strings.TrimSpace(body), "{") {
		var one TopicInfo
		if err := json.Unmarshal([]byte(body), &one); err != nil {
			t.Fatal(err)
		}
		list = append(list, one)
	} else if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	return list
}

// A topic whose H.264 has B-frames is listed as reordered from the first
// request, which probes it, and WHEP refuses it, saying why and how to
// watch it; a topic without them is not.
func TestWHEPRefusesATopicWithBFramesAndSaysWhy(t *testing.T) {
	n := newBFrameNode(t, Config{})
	list := topicInfos(t, n, "/api/topics")
	if len(list) != 1 || list[0].Name != "/hbf" || list[0].Codec != "h264" || !list[0].Reordered {
		t.Errorf("/api/topics says %+v, want /hbf, H.264, reordered", list)
	}
	if one := topicInfos(t, n, "/api/topics/hbf"); !one[0].Reordered {
		t.Errorf("/api/topics/hbf says %+v, want reordered", one[0])
	}
	status, body, _ := post(t, n, "POST", "/whep/hbf", offerSDP(t), sdpType)
	if status != http.StatusUnsupportedMediaType || !strings.Contains(body, "B-frames") || !strings.Contains(body, "WebSocket") {
		t.Errorf("an offer for /hbf: %d %q, want 415 saying B-frames and how to watch it", status, body)
	}
	n.handler.mu.Lock()
	sessions := len(n.handler.sessions)
	n.handler.mu.Unlock()
	if sessions != 0 {
		t.Errorf("%d WebRTC sessions after the refusal, want none", sessions)
	}

	cam := newLiveNode(t, Config{})
	if one := topicInfos(t, cam, "/api/topics/cam"); one[0].Reordered {
		t.Errorf("/api/topics/cam says %+v, want not reordered", one[0])
	}
	if status, body, _ := post(t, cam, "GET", "/api/topics/nope", ""); status != http.StatusNotFound {
		t.Errorf("/api/topics/nope: %d %q, want 404", status, body)
	}
}

// A WebRTC viewer that joined before the node knew the topic has B-frames
// (WHEP refuses it afterwards) is ended at the first packet out of display
// order, and the topic is known to have them.
func TestWHEPSessionEndsAtTheFirstBFrame(t *testing.T) {
	n := newBFrameNode(t, Config{})
	pc, _ := newReceiver(t)
	offer, _ := pc.CreateOffer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	_ = pc.SetLocalDescription(offer)
	<-gathered
	s, _, err := n.handler.startSession("/hbf", pc.LocalDescription().SDP, netip.IPv6Loopback()) // past checkTopic, as if the order were unknown
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: s.Answer()}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the session ended", func() bool {
		n.handler.mu.Lock()
		defer n.handler.mu.Unlock()
		return n.handler.sessions[s.id] == nil
	})
	if got := n.handler.order.order("/hbf"); got != orderReordered {
		t.Errorf("the order of /hbf is %v after the session saw it, want reordered", got)
	}
	waitFor(t, 10*time.Second, "the session's subscription gone", func() bool {
		st, err := n.bus.Stats("/hbf")
		return err == nil && len(st.Subscribers) == 0
	})
}

// The page plays a topic with B-frames over the WebSocket, never asking
// for a WebRTC session, says why in its tile, and shows the newest picture
// at the stream's rate: the frame number painted keeps up with the
// stream's clock, and the page paints most of the stream's frames (over
// WebRTC, Chromium paints about 3 of its 25 a second).
func TestBrowserPlaysATopicWithBFramesOverTheWebSocket(t *testing.T) {
	n := newBFrameNode(t, Config{})
	p := chromiumPage{newTab(t)}
	st := firstPicture(t, p, n.server.URL+"/view?topic=/hbf")
	if st.Transport != "websocket" {
		t.Errorf("the page plays /hbf over %q, want the WebSocket", st.Transport)
	}
	waitFor(t, 10*time.Second, "the tile's word of B-frames and the WebSocket", func() bool {
		caption := tileCaption(t, p)
		return strings.Contains(caption, "B-frames") && strings.Contains(caption, "WebSocket") && strings.Contains(caption, "fps")
	})
	first := checkPaintedFrame(t, n, p)
	painted, due := readStats(t, p).FramesPainted, n.frameDue(time.Now())
	waitFor(t, 30*time.Second, "2 s of the stream", func() bool { return n.frameDue(time.Now()) >= due+2*int64(n.rate) })
	painted, due = readStats(t, p).FramesPainted-painted, n.frameDue(time.Now())-due
	t.Logf("the page painted %d of the stream's %d frames", painted, due)
	if 3*int64(painted) < due {
		t.Errorf("the page painted %d of the stream's %d frames, want most of them", painted, due)
	}
	if then := checkPaintedFrame(t, n, p); then <= first {
		t.Errorf("the painted picture was frame %d, then %d: want the live picture", first, then)
	}
	n.handler.mu.Lock()
	sessions := len(n.handler.sessions)
	n.handler.mu.Unlock()
	if sessions != 0 {
		t.Errorf("%d WebRTC sessions for the page, want none", sessions)
	}

	// The node's page gives it a tile over the WebSocket too.
	if err := p.navigate(n.server.URL + "/"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "painted tile", func() bool { return readStats(t, p).FramesPainted > 0 })
	if st := readStats(t, p); st.Transport != "websocket" {
		t.Errorf("the tile of /hbf plays over %q, want the WebSocket", st.Transport)
	}
}

// The page's choice of transport for each kind of topic, in Chromium
// (whose WebRTC receives H.264).
func TestPageChoosesTheTransportForEachTopic(t *testing.T) {
	n := newLiveNode(t, Config{})
	p := chromiumPage{newTab(t)}
	if err := p.navigate(n.server.URL + "/view?topic=/none"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		info, transport, note string
	}{
		{`{codec: "h264", reordered: false}`, "webrtc", ""},
		{`{codec: "h264", reordered: true}`, "websocket", "B-frames"},
		{`{codec: "jpeg", reordered: false}`, "websocket", "JPEG"},
		{`{}`, "webrtc", ""}, // not known yet
		{`{codec: "h264", width: 4096, height: 2304}`, "webrtc", ""},
		{`{codec: "h264", width: 4112, height: 2304}`, "websocket", "4112×2304"},
		{`{codec: "h264", width: 8192, height: 4320}`, "websocket", "larger than this browser's WebRTC decodes"},
	}
	for _, c := range cases {
		var got struct {
			Transport string  `json:"transport"`
			Note      *string `json:"note"`
		}
		if err := p.eval(`gopline.choose(`+c.info+`)`, &got); err != nil {
			t.Fatal(err)
		}
		note := ""
		if got.Note != nil {
			note = *got.Note
		}
		if got.Transport != c.transport || (c.note == "") != (note == "") || !strings.Contains(note, c.note) {
			t.Errorf("%s: %s (%q), want %s saying %q", c.info, got.Transport, note, c.transport, c.note)
		}
	}
}

// A JPEG topic (MJPEG passed through) gets a tile on the node's page that
// shows its live pictures, drawn from the WebSocket.
func TestTopicPageShowsAJPEGTopic(t *testing.T) {
	n := newMJPEGNode(t, Config{})
	p := chromiumPage{newTab(t)}
	if err := p.navigate(n.server.URL + "/"); err != nil {
		t.Fatal(err)
	}
	paintsOverWebSocket(t, p, "/mj", "JPEG")
	first := checkPaintedFrame(t, n, p)
	before := readStats(t, p).FramesPainted
	waitFor(t, 30*time.Second, "30 more painted frames", func() bool { return readStats(t, p).FramesPainted >= before+30 })
	if then := checkPaintedFrame(t, n, p); then <= first {
		t.Errorf("the painted picture was frame %d, then %d: want the live picture", first, then)
	}
}

// paintsOverWebSocket waits for p's tile of topic to paint, and checks
// that it plays over the WebSocket and says why under the tile, in words
// holding word.
func paintsOverWebSocket(t *testing.T, p page, topic, word string) {
	t.Helper()
	var st pageStats
	waitFor(t, 20*time.Second, "painted tile", func() bool {
		st = readStats(t, p)
		if st.Error != nil {
			t.Fatalf("the tile says: %s", *st.Error)
		}
		return st.FramesPainted > 0
	})
	if st.Transport != "websocket" {
		t.Errorf("the tile of %s plays over %q, want the WebSocket", topic, st.Transport)
	}
	waitFor(t, 10*time.Second, "the tile's word of its topic", func() bool {
		caption := tileCaption(t, p)
		return strings.Contains(caption, topic) && strings.Contains(caption, word) && strings.Contains(caption, "fps")
	})
}

// A Foxglove client that subscribes to a topic with B-frames is told, in a
// warning, that Foxglove does not play them and what to do; the node's own
// page, which plays them, is not.
func TestFoxgloveIsToldATopicHasBFrames(t *testing.T) {
	n := newBFrameNode(t, Config{})
	for _, c := range []struct {
		query string
		told  bool
	}{{"", true}, {"?replay=marked", false}} {
		fox := dialFoxglove(t, n, c.query)
		channels := fox.greeting()
		if len(channels) != 1 {
			t.Fatalf("channels %+v", channels)
		}
		fox.send(`{"op":"subscribe","subscriptions":[{"id":0,"channelId":` + jsonNumber(channels[0].ID) + `}]}`)
		told := false
		for range 30 { // the status, if any, comes before the pictures it speaks of end
			op, data := fox.next()
			if op == "status" {
				told = strings.Contains(string(data), "B-frames") && strings.Contains(string(data), `"level":1`) &&
					strings.Contains(string(data), "does not play")
				break
			}
		}
		if told != c.told {
			t.Errorf("a client of /foxglove%s told of the B-frames: %v, want %v", c.query, told, c.told)
		}
	}
}
