package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/gopline/gopline/transport"
)

// camGOP is the pictures in a GOP of newLiveNode's /cam: the most one
// replay of its cache sends.
const camGOP = 30

// A viewer that sends picture loss reports as fast as it can (a browser
// on a link that loses its repairs too) gets a bounded answer: at most one
// keyframe request a second reaches the topic, at most one GOP replay per
// replayInterval, so the node replays it at most a GOP's pictures for
// them, not a GOP per report; the other answers ask the encoder.
func TestAViewersStormOfPictureLossReportsIsAnsweredBoundedly(t *testing.T) {
	n := newLiveNode(t, Config{})
	pc, tr := joinWithPion(t, n)
	keepReading(tr)
	// The join's replay is the late joiner's first picture; the reports
	// go once the viewer's feed has taken it.
	waitReplayTaken(t, n)
	before, err := n.bus.Stats("/cam")
	if err != nil {
		t.Fatal(err)
	}

	pli := []rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(tr.SSRC())}}
	const reports = 300
	start := time.Now()
	for i := 0; i < reports; i++ {
		if err := pc.WriteRTCP(pli); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Then one a second, as a browser whose picture stays broken, until
	// one is answered from the cache (the storm's first should be).
	sent := time.Now()
	waitFor(t, 20*time.Second, "a report answered from the cache", func() bool {
		if time.Since(sent) >= time.Second {
			if err := pc.WriteRTCP(pli); err != nil {
				t.Fatal(err)
			}
			sent = time.Now()
		}
		st, err := n.bus.Stats("/cam")
		return err == nil && st.KeyframeRequestsFromCache > before.KeyframeRequestsFromCache
	})
	time.Sleep(500 * time.Millisecond) // the last reports' requests, if any, reach the topic
	elapsed := time.Since(start)
	after, err := n.bus.Stats("/cam")
	if err != nil {
		t.Fatal(err)
	}
	checkPLIAnswers(t, before, after, elapsed)
}

// checkPLIAnswers checks what the topic did for one viewer's reports over
// elapsed, from its stats before and after.
func checkPLIAnswers(t *testing.T, before, after transport.TopicStats, elapsed time.Duration) {
	t.Helper()
	requests := after.KeyframeRequests - before.KeyframeRequests
	fromCache := after.KeyframeRequestsFromCache - before.KeyframeRequestsFromCache
	replayed := after.Replayed - before.Replayed
	t.Logf("in %v: %d keyframe requests reached the topic, %d answered from the cache (%d pictures replayed), %d forwarded to the encoder",
		elapsed.Round(time.Millisecond), requests, fromCache, replayed, after.KeyframeRequestsForwarded-before.KeyframeRequestsForwarded)
	if most := 1 + uint64(elapsed/pliInterval); requests > most {
		t.Errorf("%d keyframe requests reached the topic in %v, want at most %d (one a second)", requests, elapsed, most)
	}
	mostReplays := 1 + uint64(elapsed/replayInterval)
	if fromCache > mostReplays {
		t.Errorf("%d replays of the cache in %v, want at most %d", fromCache, elapsed, mostReplays)
	}
	if most := mostReplays * camGOP; replayed > most {
		t.Errorf("%d pictures replayed in %v, want at most %d (a GOP per replay)", replayed, elapsed, most)
	}
	if requests > fromCache && after.KeyframeRequestsForwarded+after.KeyframeRequestsSuppressed == before.KeyframeRequestsForwarded+before.KeyframeRequestsSuppressed {
		t.Errorf("%d requests not answered from the cache, none of them went towards the encoder", requests-fromCache)
	}
}

// joinWithPion makes a pion peer a WebRTC viewer of n's /cam and returns
// it with its track.
func joinWithPion(t *testing.T, n *liveNode) (*webrtc.PeerConnection, *webrtc.TrackRemote) {
	t.Helper()
	pc, tracks := newReceiver(t)
	return joinWith(t, n, pc, tracks)
}

// joinWith makes pc, whose tracks arrive on tracks, a WebRTC viewer of n's
// /cam and returns it with its track.
func joinWith(t testing.TB, n *liveNode, pc *webrtc.PeerConnection, tracks chan *webrtc.TrackRemote) (*webrtc.PeerConnection, *webrtc.TrackRemote) {
	t.Helper()
	status, answer, _ := post(t, n, "POST", "/whep/cam", gatheredOffer(t, pc), sdpType)
	if status != http.StatusCreated {
		t.Fatalf("offer: %d %q", status, answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	select {
	case tr := <-tracks:
		return pc, tr
	case <-time.After(20 * time.Second):
		t.Fatal("no track within 20 s")
	}
	return nil, nil
}

// keepReading reads tr's packets until its connection ends, as a browser
// does.
func keepReading(tr *webrtc.TrackRemote) {
	go func() {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
		}
	}()
}

// waitReplayTaken waits until n's one viewer of /cam has acknowledged the
// join's replay: the topic replays to a subscriber one replay at a time.
func waitReplayTaken(t *testing.T, n *liveNode) {
	t.Helper()
	waitFor(t, 20*time.Second, "the viewer's replay acknowledged", func() bool {
		st, err := n.bus.Stats("/cam")
		if err != nil || len(st.Subscribers) != 1 {
			return false
		}
		sub := st.Subscribers[0]
		return st.Replayed > 0 && sub.Delivered-uint64(sub.InFlight) >= st.Replayed
	})
}
