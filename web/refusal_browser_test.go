package web

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// A view refused for its address's offers still connecting (429 with a
// Retry-After) says so, tries again when the node said to, and plays once
// the places are free: a page of many tiles offers them all at once.
func TestWebRTCViewRefusedWithRetryAfterTriesAgainAndPlays(t *testing.T) {
	n := newLiveNode(t, Config{})
	var sessions []string
	for len(sessions) < maxPendingPerAddress {
		status, body, hdr := post(t, n, "POST", "/whep/cam", offerSDP(t), sdpType)
		if status != http.StatusCreated {
			t.Fatalf("offer %d: %d %q", len(sessions), status, body)
		}
		sessions = append(sessions, hdr.Get("Location"))
	}
	p := chromiumPage{newTab(t)}
	if err := p.navigate(n.server.URL + "/view?topic=/cam"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the refusal said", func() bool {
		st := readStats(t, p)
		return st.Error != nil && strings.Contains(*st.Error, "429") && strings.Contains(*st.Error, "reconnecting")
	})
	// Offers still connecting are what refused it, not views that play:
	// the view does not tell its user to close one.
	if st := readStats(t, p); st.Error == nil || strings.Contains(*st.Error, "close another view") ||
		!strings.Contains(*st.Error, "views closed or reloaded a moment ago keep their places") {
		t.Errorf("the refusal says %q", deref2(st.Error))
	}
	for _, s := range sessions {
		if status, _, _ := post(t, n, "DELETE", s, ""); status != http.StatusOK {
			t.Fatalf("DELETE %s: %d", s, status)
		}
	}
	waitFor(t, 20*time.Second, "the picture, without an error", func() bool {
		st := readStats(t, p)
		return st.Error == nil && st.FramesPainted > 0
	})
}
