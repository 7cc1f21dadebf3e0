package web

import (
	"testing"
	"time"
)

// A WebRTC view's latency is from a picture's arrival to its hand-over for
// display, at any rate: a camera of one picture a second, whose pictures
// are shown as they arrive, has a latency of milliseconds, not the second
// until the next picture (Chromium's expectedDisplayTime is that far ahead
// at such a rate). The computation, on requestVideoFrameCallback's
// metadata, is checked on its own first.
func TestWebRTCViewLatencyOfASlowCamera(t *testing.T) {
	n := newBusNode(t, Config{}, "127.0.0.1:0")
	n.publish(t, "testsrc size=320x240 rate=1 ! h264enc gop=2 rate=1 ! publish topic=/slow", "/slow")
	p := chromiumPage{newTab(t)}
	first := firstPicture(t, p, n.server.URL+"/view?topic=/slow")

	cases := []struct {
		meta string
		want *float64
	}{
		// What Chromium gave at one picture a second.
		{`{receiveTime: 4766, presentationTime: 4766.75, expectedDisplayTime: 5763.6}`, ptr(0.75)},
		{`{receiveTime: 1805.5, presentationTime: 1807.25, expectedDisplayTime: 1825.3}`, ptr(1.75)},
		{`{receiveTime: 200, presentationTime: 190}`, ptr(0)}, // never negative
		{`{presentationTime: 190, expectedDisplayTime: 200}`, nil},
		{`{receiveTime: 190, expectedDisplayTime: 200}`, nil},
		{`undefined`, nil},
	}
	for _, c := range cases {
		var got *float64
		if err := p.eval(`gopline.frameLatency(`+c.meta+`)`, &got); err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("frameLatency(%s) = %v, want %v", c.meta, show(got), show(c.want))
		}
	}

	// Three pictures after the first, each shown as it arrives: the
	// latency is far below the second between pictures.
	var st pageStats
	waitFor(t, 30*time.Second, "three more pictures", func() bool {
		st = readStats(t, p)
		if st.Error != nil {
			t.Fatalf("the page says: %s", *st.Error)
		}
		return st.FramesPainted >= first.FramesPainted+3
	})
	if st.Transport != "webrtc" || st.LatencyMs == nil || *st.LatencyMs > 500 {
		t.Fatalf("over %s at one picture a second, latency %v ms: want WebRTC and under 500 ms", st.Transport, show(st.LatencyMs))
	}
	t.Logf("latency %.1f ms at one picture a second", *st.LatencyMs)
}

func ptr(f float64) *float64 { return &f }

func show(f *float64) any {
	if f == nil {
		return "null"
	}
	return *f
}
