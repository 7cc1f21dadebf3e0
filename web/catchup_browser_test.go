package web

import (
	"encoding/json"
	"testing"
	"time"
)

// The page over the WebSocket takes the node's word that its subscription
// fell behind (fellBehind's message) as waiting for the newest keyframe,
// and is live again at the first picture painted that arrived after the
// word, not at the next picture painted, which may have arrived before it
// and waited in the decoder. Other warnings of the node are not that
// word. The logic is checked as plain code in the page.
func TestPageIsLiveAgainAtThePictureAfterTheNodeSaysItFellBehind(t *testing.T) {
	n := newBusNode(t, Config{}, "127.0.0.1:0")
	p := chromiumPage{newTab(t)}
	if err := p.navigate(n.server.URL + "/view?topic=/none"); err != nil {
		t.Fatal(err)
	}
	word := func(step catchUpStep) string {
		b, err := json.Marshal(fellBehind(1, "/cam", step))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	script := `(() => {
		const c = goplineWebSocket.newCatchUp(), out = {};
		out.paintedWithoutWord = c.painted(5);
		out.otherWarning = c.said("unsubscribe: no subscription 3", 6);
		out.skippedTime = c.said(` + word(catchUpStep{Skipped: 15, Behind: 8 * time.Second}) + `, 10);
		out.paintedOlder = c.painted(9.5);
		out.paintedNewer = c.painted(10.25);
		out.paintedAgain = c.painted(11);
		out.skippedPictures = c.said(` + word(catchUpStep{Skipped: 4}) + `, 20);
		c.reset();
		out.paintedAfterReset = c.painted(21);
		return out;
	})()`
	var got map[string]bool
	if err := p.eval(script, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"paintedWithoutWord": false, "otherWarning": false, "skippedTime": true, "paintedOlder": false,
		"paintedNewer": true, "paintedAgain": false, "skippedPictures": true, "paintedAfterReset": false}
	for k, w := range want {
		if v, ok := got[k]; !ok || v != w {
			t.Errorf("%s: %v (present %v), want %v", k, v, ok, w)
		}
	}
}
