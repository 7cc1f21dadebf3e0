package web

import (
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/h264"
)

// The first probe follows the node's greeting, which a slow link takes
// seconds to carry: a second probe, with nothing before it, measures the
// link's own round trip, so that the waits of what is written after are
// not taken for the link's.
func TestReadPaceProbesTheRoundTripAgainAfterTheGreeting(t *testing.T) {
	start := time.Unix(1700000000, 0)
	at := func(d time.Duration) time.Time { return start.Add(d) }
	var r readPace
	if !r.probe(start) {
		t.Fatal("no first probe")
	}
	r.answered(at(1800 * time.Millisecond)) // behind the greeting
	if !r.probe(at(1800 * time.Millisecond)) {
		t.Fatal("no second probe")
	}
	r.answered(at(1850 * time.Millisecond))
	if r.minRTT != 50*time.Millisecond {
		t.Errorf("round trip %v, want the second probe's 50ms", r.minRTT)
	}
	if r.probe(at(time.Hour)) {
		t.Error("a third probe")
	}
	// A picture written before the second probe: the ping that follows it
	// is no probe.
	var w readPace
	w.probe(start)
	w.answered(at(time.Second))
	w.wrote()
	if w.probe(at(time.Second)) || !w.ping(at(time.Second)) {
		t.Error("a probe with a picture unconfirmed, or no ping for it")
	}
}

// A client whose link is slower than the stream, and whose greeting (a
// few kB of schemas) took it more than a second, is thinned soon after it
// subscribes, and told so, where the greeting's time used to be taken for
// the link's round trip and the connection went on with the whole stream,
// its pictures later and later (8.6 s late 12 s after it subscribed).
func TestFoxgloveClientOnALinkSlowAtTheGreetingIsThinned(t *testing.T) {
	n := newLiveNode(t, Config{})
	direct := dialFoxglove(t, n, "") // a client that sees the keyframes
	ch := direct.greeting()[0]
	direct.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(ch.ID) + `}]}`)
	for start := time.Now(); time.Since(start) < 3*time.Second; {
		direct.next()
	}
	const link = 8000 // bytes a second: a third of the stream
	c := dialThrough(t, linkProxy(t, strings.TrimPrefix(n.server.URL, "http://"), 0, link))
	c.greeting()
	for { // a keyframe, then most of its GOP: the cache holds nearly a GOP
		op, data := direct.next()
		if op != "binary" {
			continue
		}
		_, m := decodeMessage(t, ch, data)
		if nalus, err := h264.SplitAnnexB(m.Data); err == nil && h264.IsRandomAccess(nalus) {
			break
		}
	}
	direct.ws.CloseNow()
	time.Sleep(900 * time.Millisecond)
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(ch.ID) + `}]}`)
	const within = 10 * time.Second
	for start := time.Now(); ; {
		if time.Since(start) > within {
			t.Fatalf("not told it is sent keyframes alone within %v of subscribing on a link of %d B/s", within, link)
		}
		if op, data := c.next(); op == "status" && strings.Contains(string(data), `"gopline.slow.1"`) {
			t.Logf("%v: %s", time.Since(start).Round(100*time.Millisecond), data)
			break
		}
	}
}
