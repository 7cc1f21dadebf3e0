package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/gopline/gopline/transport"
)

// post sends body to path with the headers given as "Key: value" strings.
func post(t testing.TB, n *liveNode, method, path, body string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, n.server.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range header {
		k, v, ok := strings.Cut(h, ": ")
		if !ok {
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

const sdpType = "Content-Type: application/sdp"

func TestWHEPRefusesWhatItCannotAnswer(t *testing.T) {
	n := newLiveNode(t, Config{MaxViewers: 1})
	audioOnly := "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n"
	cases := []struct {
		name, path, body, ctype string
		status                  int
		says                    string
	}{
		{"not SDP", "/whep/cam", "hello", "Content-Type: text/plain", http.StatusUnsupportedMediaType, "application/sdp"},
		{"malformed SDP", "/whep/cam", "v=0\r\nnonsense", sdpType, http.StatusBadRequest, "bad SDP offer"},
		{"no video", "/whep/cam", audioOnly, sdpType, http.StatusBadRequest, "no video"},
		{"oversized", "/whep/cam", "v=0\r\n" + strings.Repeat("a=x\r\n", maxOfferBytes/4), sdpType, http.StatusRequestEntityTooLarge, "over"},
		{"unknown topic", "/whep/nope", offerSDP(t), sdpType, http.StatusNotFound, "no topic /nope"},
		{"H.264 of packetization mode 0 alone", "/whep/cam", withMode0Only(offerSDP(t)), sdpType, http.StatusBadRequest, "packetization-mode=1"},
		{"a video section that only sends", "/whep/cam", withDirection(offerSDP(t), "sendonly"), sdpType, http.StatusBadRequest, "to receive"},
		{"an inactive video section", "/whep/cam", withDirection(offerSDP(t), "inactive"), sdpType, http.StatusBadRequest, "to receive"},
	}
	// A topic the bus knows that nobody publishes (a subscriber asked for
	// it, or its publisher ended): a session would only keep it alive.
	if _, err := n.bus.Topic("/idle"); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, struct {
		name, path, body, ctype string
		status                  int
		says                    string
	}{"no publisher", "/whep/idle", offerSDP(t), sdpType, http.StatusNotFound, "has no publisher now"})
	for _, c := range cases {
		status, body, _ := post(t, n, "POST", c.path, c.body, c.ctype)
		if status != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d %q, want %d saying %q", c.name, status, body, c.status, c.says)
		}
	}
	// The node still serves a good offer, up to its cap.
	status, body, hdr := post(t, n, "POST", "/whep/cam", offerSDP(t), sdpType)
	if status != http.StatusCreated || !strings.HasPrefix(hdr.Get("Location"), sessionPrefix) {
		t.Fatalf("a good offer: %d %q, Location %q", status, body, hdr.Get("Location"))
	}
	if status, body, hdr := post(t, n, "POST", "/whep/cam", offerSDP(t), sdpType); status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Errorf("an offer beyond the cap of 1: %d %q, Retry-After %q, want 503 with a Retry-After", status, body, hdr.Get("Retry-After"))
	}
	if status, _, _ := post(t, n, "DELETE", hdr.Get("Location"), ""); status != http.StatusOK {
		t.Errorf("DELETE of the session: %d", status)
	}
	if status, _, _ := post(t, n, "DELETE", hdr.Get("Location"), ""); status != http.StatusNotFound {
		t.Errorf("second DELETE: %d, want 404", status)
	}
	if status, body, _ := post(t, n, "POST", "/whep/cam", offerSDP(t), sdpType); status != http.StatusCreated {
		t.Errorf("an offer after the DELETE freed the place: %d %q", status, body)
	}
}

func TestTokenIsRequiredWhenSet(t *testing.T) {
	n := newLiveNode(t, Config{Token: "s3cret"})
	for _, h := range []string{"", "Authorization: Bearer wrong", "Authorization: Basic s3cret"} {
		if status, _, _ := post(t, n, "GET", "/api/topics", "", h); status != http.StatusUnauthorized {
			t.Errorf("topics with %q: %d, want 401", h, status)
		}
		if status, _, _ := post(t, n, "POST", "/whep/cam", offerSDP(t), sdpType, h); status != http.StatusUnauthorized {
			t.Errorf("WHEP with %q: %d, want 401", h, status)
		}
	}
	status, body, _ := post(t, n, "GET", "/api/topics", "", "Authorization: Bearer s3cret")
	var topics []TopicInfo
	if err := json.Unmarshal([]byte(body), &topics); status != http.StatusOK || err != nil {
		t.Fatalf("topics with the token: %d %q %v", status, body, err)
	}
	if len(topics) != 1 || topics[0].Name != "/cam" || topics[0].Codec != "h264" || topics[0].Width != 320 || topics[0].CachedFrames == 0 {
		t.Errorf("topics = %+v, want /cam, h264 320x240 with a cached GOP", topics)
	}
	if status, _, _ := post(t, n, "GET", "/", ""); status != http.StatusOK {
		t.Errorf("the page itself needs no token (its script sends it): %d", status)
	}
}

// offerSDP is the offer of a pion peer that receives one video track.
func offerSDP(t *testing.T) string {
	t.Helper()
	pc, _ := newReceiver(t)
	return gatheredOffer(t, pc)
}

// gatheredOffer sets pc's offer, with all its candidates, as its local
// description and returns it.
func gatheredOffer(t testing.TB, pc *webrtc.PeerConnection) string {
	t.Helper()
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return pc.LocalDescription().SDP
}

// newReceiver is a pion peer that receives video; its track comes on the
// channel.
func newReceiver(t testing.TB) (*webrtc.PeerConnection, chan *webrtc.TrackRemote) {
	t.Helper()
	api, err := newWebRTCAPI(LoopbackOnly)
	if err != nil {
		t.Fatal(err)
	}
	return receiverOf(t, api)
}

// receiverOf is a receive-only video peer of api, whose tracks arrive on
// the channel.
func receiverOf(t testing.TB, api *webrtc.API) (*webrtc.PeerConnection, chan *webrtc.TrackRemote) {
	t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	tracks := make(chan *webrtc.TrackRemote, 1)
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { tracks <- tr })
	return pc, tracks
}

func TestWHEPViewerGetsParameterSetsFirstAndItsPLIAnsweredFromTheCache(t *testing.T) {
	n := newLiveNode(t, Config{})
	pc, tracks := newReceiver(t)
	offer, _ := pc.CreateOffer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	_ = pc.SetLocalDescription(offer)
	<-gathered
	status, answer, hdr := post(t, n, "POST", "/whep/cam", pc.LocalDescription().SDP, sdpType)
	loc := hdr.Get("Location")
	if status != http.StatusCreated {
		t.Fatalf("offer: %d %q", status, answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	var tr *webrtc.TrackRemote
	select {
	case tr = <-tracks:
	case <-time.After(20 * time.Second):
		t.Fatal("no track within 20 s")
	}
	first, _, err := tr.ReadRTP()
	if err != nil {
		t.Fatal(err)
	}
	if got := nalTypes(t, first); len(got) < 2 || got[0] != 7 || got[1] != 8 {
		t.Fatalf("first RTP packet carries NAL units %v, want SPS (7) and PPS (8) first", got)
	}
	keepReading(tr)
	// /api/topics names the viewer's subscription after its address and
	// session's tag, which it lists the viewer's link under: the part of
	// the session's id before the dot. The secret after it, which ending
	// the session takes, is nowhere in what others read.
	id := loc[strings.LastIndex(loc, "/")+1:]
	session, secret, ok := strings.Cut(id, ".")
	if !ok || len(secret) < 32 {
		t.Fatalf("session id %q: want a tag, a dot and a secret", id)
	}
	info := topicInfos(t, n, "/api/topics/cam")[0]
	if subs := info.SubscriberStats; len(subs) != 1 || subs[0].Name != "WebRTC viewer ::1 session "+session &&
		subs[0].Name != "WebRTC viewer 127.0.0.1 session "+session {
		t.Errorf("/api/topics/cam lists the subscribers %+v, want the viewer's, of session %s", subs, session)
	}
	if _, listed, _ := post(t, n, "GET", "/api/topics", ""); strings.Contains(listed, secret) {
		t.Errorf("/api/topics shows the session's secret: %s", listed)
	}
	if status, _, _ := post(t, n, "DELETE", sessionPrefix+session, ""); status != http.StatusNotFound {
		t.Errorf("DELETE of the session by its tag: %d, want 404", status)
	}

	// A picture loss report is answered from the topic's cache: no
	// keyframe is asked of the encoder. The topic replays to a subscriber
	// that has acknowledged its last replay (one replay at a time), so the
	// report goes once the viewer's feed has taken the join's.
	waitReplayTaken(t, n)
	// The report goes again every second until it is answered, as a
	// browser's does while its picture stays broken: RTCP is UDP.
	pli := []rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(tr.SSRC())}}
	var sent time.Time
	waitFor(t, 10*time.Second, "PLI answered from the cache", func() bool {
		if time.Since(sent) >= time.Second {
			if err := pc.WriteRTCP(pli); err != nil {
				t.Fatal(err)
			}
			sent = time.Now()
		}
		st, err := n.bus.Stats("/cam")
		return err == nil && st.KeyframeRequestsFromCache > 0
	})
	if st, _ := n.bus.Stats("/cam"); st.KeyframeRequestsForwarded != 0 {
		t.Errorf("%d keyframe requests reached the encoder; the cache could repair the viewer", st.KeyframeRequestsForwarded)
	}

	// DELETE ends the session and its subscription.
	if status, _, _ := post(t, n, "DELETE", loc, ""); status != http.StatusOK {
		t.Fatalf("DELETE: %d", status)
	}
	waitFor(t, 10*time.Second, "subscription gone after DELETE", func() bool {
		st, err := n.bus.Stats("/cam")
		return err == nil && len(st.Subscribers) == 0
	})
}

// nalTypes lists the NAL unit types in an RTP packet's payload (the units
// of a STAP-A, or the one unit).
func nalTypes(t testing.TB, p *rtp.Packet) []int {
	t.Helper()
	if len(p.Payload) == 0 {
		return nil
	}
	if typ := int(p.Payload[0] & 0x1f); typ != 24 {
		return []int{typ}
	}
	var types []int
	for b := p.Payload[1:]; len(b) > 2; {
		size := int(b[0])<<8 | int(b[1])
		if size == 0 || len(b) < 2+size {
			break
		}
		types = append(types, int(b[2]&0x1f))
		b = b[2+size:]
	}
	return types
}

// subscribeStalled subscribes to n's /cam, under name, a subscriber with a
// window of one packet that never acknowledges it.
func subscribeStalled(t *testing.T, n *liveNode, name string) {
	t.Helper()
	broker, err := n.bus.Topic("/cam")
	if err != nil {
		t.Fatal(err)
	}
	stalled := n.system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	t.Cleanup(func() { n.system.Root.Stop(stalled) })
	n.system.Root.Send(broker, &transport.Subscribe{Subscriber: stalled, Window: 1, Name: name})
}

// /api/topics counts what a topic dropped for its subscribers: here one
// that takes a packet and never acknowledges it.
func TestTopicsCountTheDropsOfAStalledSubscriber(t *testing.T) {
	n := newLiveNode(t, Config{})
	subscribeStalled(t, n, "")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, body, _ := post(t, n, "GET", "/api/topics", "")
		var topics []TopicInfo
		if err := json.Unmarshal([]byte(body), &topics); err != nil || len(topics) != 1 {
			t.Fatalf("topics %q: %v", body, err)
		}
		if topics[0].Dropped > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/api/topics counts no drop for a subscriber that acknowledges nothing: %s", body)
		}
	}
}

// withMode0Only is offer with its H.264 formats of packetization mode 1
// said to be of mode 0, as a player of mode 0 alone offers them.
func withMode0Only(offer string) string {
	return strings.ReplaceAll(offer, "packetization-mode=1", "packetization-mode=0")
}

// withDirection is offer with its video section's direction set to dir.
func withDirection(offer, dir string) string {
	for _, d := range []string{"sendrecv", "recvonly"} {
		offer = strings.ReplaceAll(offer, "a="+d+"\r\n", "a="+dir+"\r\n")
	}
	return offer
}
