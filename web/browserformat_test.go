package web

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// A topic of H.264 that browsers do not decode (High 4:4:4 Predictive,
// passed through from a file) is listed with why viewers see nothing, and
// WHEP refuses it saying the same, in place of a session that would show a
// black picture; a High 4:2:0 8-bit topic gets neither.
func TestViewersAreToldOfAStreamBrowsersDoNotDecode(t *testing.T) {
	clip := makeClip(t, "444.h264", 25, 20, "-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-g", "25", "-pix_fmt", "yuv444p")
	n := newNode(t, Config{}, "videosrc location="+clip+" passthrough=true is-live=true ! publish topic=/h444", "/h444")
	n.rate, n.lead = 25, 1
	const want = "the stream is High 4:4:4 Predictive (4:4:4, 8 bit); browsers decode only 4:2:0 8-bit H.264"

	status, body, _ := post(t, n, "POST", "/whep/h444", offerSDP(t), sdpType)
	if status != http.StatusUnsupportedMediaType || !strings.Contains(body, want) || !strings.Contains(body, "h264enc") {
		t.Errorf("an offer for /h444: %d %q, want 415 saying %q and what to do", status, body, want)
	}
	n.handler.mu.Lock()
	sessions := len(n.handler.sessions)
	n.handler.mu.Unlock()
	if sessions != 0 {
		t.Errorf("%d WebRTC sessions after the refusal, want none", sessions)
	}
	if list := topicInfos(t, n, "/api/topics"); len(list) != 1 || !strings.Contains(list[0].Undecodable, want) {
		t.Errorf("/api/topics says %+v, want undecodable: %q", list, want)
	}
	if one := topicInfos(t, n, "/api/topics/h444"); !strings.Contains(one[0].Undecodable, want) {
		t.Errorf("/api/topics/h444 says %+v, want undecodable: %q", one[0], want)
	}

	cam := newLiveNode(t, Config{})
	if status, body, _ := post(t, cam, "POST", "/whep/cam", offerSDP(t), sdpType); status != http.StatusCreated {
		t.Errorf("an offer for /cam (High 4:2:0): %d %q, want 201", status, body)
	}
	if one := topicInfos(t, cam, "/api/topics/cam"); one[0].Undecodable != "" {
		t.Errorf("/api/topics/cam says %+v, want nothing undecodable", one[0])
	}
}

// The viewer page's tile of a topic no browser decodes says why, instead
// of playing a black picture, and asks for no WebRTC session.
func TestViewerPageSaysWhyAStreamDoesNotPlay(t *testing.T) {
	clip := makeClip(t, "444.h264", 25, 20, "-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-g", "25", "-pix_fmt", "yuv444p")
	n := newNode(t, Config{}, "videosrc location="+clip+" passthrough=true is-live=true ! publish topic=/h444", "/h444")
	n.rate, n.lead = 25, 1
	p := chromiumPage{newTab(t)}
	if err := p.navigate(n.server.URL + "/view?topic=/h444"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the tile's word of High 4:4:4", func() bool {
		caption := tileCaption(t, p)
		return strings.Contains(caption, "/h444") && strings.Contains(caption, "High 4:4:4 Predictive") &&
			strings.Contains(caption, "browsers decode only 4:2:0 8-bit H.264")
	})
	// Said from the topic's description, not from a refused offer retried.
	if caption := tileCaption(t, p); strings.Contains(caption, "415") || strings.Contains(caption, "reconnecting") {
		t.Errorf("the tile says %q, want the reason alone", caption)
	}

	// The node's page, which refreshes its tiles every 2 s, says the same
	// and keeps saying it.
	if err := p.navigate(n.server.URL + "/"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the node page's tile of /h444 saying why", func() bool {
		return strings.Contains(tileCaption(t, p), "High 4:4:4 Predictive")
	})
	time.Sleep(3 * time.Second) // past a refresh of the tiles
	if caption := tileCaption(t, p); !strings.Contains(caption, "browsers decode only 4:2:0 8-bit H.264") {
		t.Errorf("after a refresh the tile says %q, want the reason", caption)
	}
	n.handler.mu.Lock()
	sessions := len(n.handler.sessions)
	n.handler.mu.Unlock()
	if sessions != 0 {
		t.Errorf("%d WebRTC sessions for the pages, want none", sessions)
	}
}

// The format watch keeps each topic's latest keyframe's format, says when
// a topic turns to one browsers do not decode (once per format), and
// forgets topics gone.
func TestFormatWatchFollowsEachTopicsKeyframes(t *testing.T) {
	keyframe := func(spsHex string) *media.Packet {
		sps, err := hex.DecodeString(spsHex)
		if err != nil {
			t.Fatal(err)
		}
		data := append(append([]byte{0, 0, 0, 1}, sps...), 0, 0, 0, 1, 0x68, 0xce, 0x38, 0x80, 0, 0, 0, 1, 0x65, 0x88, 0x84)
		return &media.Packet{Codec: media.H264, Key: true, Data: data}
	}
	high := keyframe("6764000dacd94141fb0110000003001000000303c0f1429960")
	high444 := keyframe("67f4000d919b282833dc7e0220000003002000000781e28532c0")
	delta := &media.Packet{Codec: media.H264, Data: []byte{0, 0, 0, 1, 0x41, 0x9a}}

	w := newFormatWatch()
	steps := []struct {
		p          *media.Packet
		newly      bool
		undecoding bool
	}{
		{delta, false, false},
		{high, false, false},
		{high444, true, true},
		{delta, false, true},
		{high444, false, true},
		{high, false, false},
		{high444, true, true},
	}
	for i, s := range steps {
		if got := w.observe("/cam", s.p); got != s.newly {
			t.Errorf("step %d: observe = %v, want %v", i, got, s.newly)
		}
		if why := w.undecodable("/cam"); (why != "") != s.undecoding || (why != "" && !strings.Contains(why, "High 4:4:4 Predictive")) {
			t.Errorf("step %d: undecodable = %q, want it said: %v", i, why, s.undecoding)
		}
	}
	if why := w.undecodable("/other"); why != "" {
		t.Errorf("an unseen topic is undecodable: %q", why)
	}
	w.keepOnly(func(string) bool { return false })
	if why := w.undecodable("/cam"); why != "" {
		t.Errorf("a forgotten topic is undecodable: %q", why)
	}
}

// A Foxglove client that subscribes to a topic no browser decodes is
// served it all the same, with a status warning that says why Foxglove
// shows nothing of it; one of a High 4:2:0 topic gets no such warning.
func TestFoxgloveIsToldOfAStreamBrowsersDoNotDecode(t *testing.T) {
	clip := makeClip(t, "444.h264", 25, 20, "-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-g", "25", "-pix_fmt", "yuv444p")
	n := newNode(t, Config{}, "videosrc location="+clip+" passthrough=true is-live=true ! publish topic=/h444", "/h444")
	n.rate, n.lead = 25, 1
	c := dialFoxglove(t, n, "")
	id := jsonNumber(c.greeting()[0].ID)
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + id + `}]}`)
	if op, data := c.nextOp(); op != "status" || !strings.Contains(string(data), "High 4:4:4 Predictive") ||
		!strings.Contains(string(data), "browsers decode only 4:2:0 8-bit H.264") {
		t.Errorf("a subscription to /h444: answered %s %s, want a status naming the profile", op, data)
	}
	if op, _ := c.next(); op != "binary" {
		t.Errorf("after the warning the subscription gets %s, want message data", op)
	}

	cam := newLiveNode(t, Config{})
	fc := dialFoxglove(t, cam, "")
	fc.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(fc.greeting()[0].ID) + `}]}`)
	for range 10 {
		if op, data := fc.next(); op != "binary" {
			t.Fatalf("a subscription to /cam (High 4:2:0) gets %s %s, want message data alone", op, data)
		}
	}
}
