package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// A viewer's join is traced once, its steps in order, under the session's
// id; gopline answers as the DTLS server.
func TestJoinTraceIsGivenOnceWithItsStepsInOrder(t *testing.T) {
	traces := make(chan JoinTrace, 4)
	n := newLiveNode(t, Config{Trace: func(tr JoinTrace) { traces <- tr }})
	pc, tracks := newReceiver(t)
	offer, _ := pc.CreateOffer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	_ = pc.SetLocalDescription(offer)
	<-gathered
	status, answer, hdr := post(t, n, "POST", "/whep/cam", pc.LocalDescription().SDP, sdpType)
	if status != http.StatusCreated {
		t.Fatalf("offer: %d %q", status, answer)
	}
	if !strings.Contains(answer, "a=setup:passive") {
		t.Errorf("the answer does not make gopline the DTLS server (a=setup:passive):\n%s", answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	select {
	case tr := <-tracks:
		go func() {
			for {
				if _, _, err := tr.ReadRTP(); err != nil {
					return
				}
			}
		}()
	case <-time.After(20 * time.Second):
		t.Fatal("no track within 20 s")
	}
	var tr JoinTrace
	select {
	case tr = <-traces:
	case <-time.After(20 * time.Second):
		t.Fatal("no join trace within 20 s")
	}
	if want := strings.TrimPrefix(hdr.Get("Location"), sessionPrefix); tr.Session != want {
		t.Errorf("trace of session %q, want %q", tr.Session, want)
	}
	steps := []time.Time{tr.Offer, tr.Answered, tr.ICEConnected, tr.Connected, tr.FirstPicture}
	for i, at := range steps {
		if at.IsZero() || (i > 0 && at.Before(steps[i-1])) {
			t.Fatalf("trace %+v: step %d missing or out of order", tr, i)
		}
	}
	waitFor(t, 5*time.Second, "more pictures sent", func() bool {
		st, err := n.bus.Stats("/cam")
		return err == nil && st.Delivered > 10
	})
	select {
	case again := <-traces:
		t.Errorf("a second trace for one viewer: %+v", again)
	default:
	}
}
