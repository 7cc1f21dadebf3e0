package web

import (
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/h264"
)

// stallRun drives a readPace through a stream of rate bytes a second whose
// client stops reading for stop, then reads what was written meanwhile
// over a link that carries link bytes a second, and returns the pace and
// when the client answered the late ping.
func stallRun(t *testing.T, rate, link int, stop time.Duration) (*readPace, time.Time, uint64, time.Duration) {
	t.Helper()
	start := time.Unix(1700000000, 0)
	var r readPace
	r.probe(start)
	r.answered(start.Add(time.Millisecond)) // the link's round trip: 1 ms
	const fps = 30
	picture := rate / fps
	now := start.Add(time.Second)
	write := func() {
		r.wrote()
		r.wroteBytes(picture)
	}
	write()
	r.ping(now)
	// The writers go on for maxUnread, then wait for the client.
	for range int(maxUnread.Seconds() * fps) {
		now = now.Add(time.Second / fps)
		write()
	}
	if !r.thinAt(now.Add(stop)) {
		t.Fatal("not thin while the client reads nothing")
	}
	answered := now.Add(stop)
	r.answered(answered)
	// The next ping covers what was written after the late one.
	if !r.ping(answered) {
		t.Fatal("no ping for what was written after the late one")
	}
	covered := r.pingBytes - r.readBytes
	took := time.Millisecond + time.Duration(covered)*time.Second/time.Duration(link)
	r.answered(answered.Add(took))
	return &r, answered.Add(took), covered, took
}

// A client that stopped reading, on a link that carries the stream many
// times over, is given the whole stream again at its first answer after
// the late one; a client on a link slower than the stream is not, nor one
// whose link is thinned again within a minute of its last thinning.
func TestReadPaceGivesAClientThatStoppedReadingTheWholeStreamAtOnce(t *testing.T) {
	const rate = 20_000 // bytes a second: a small stream
	for _, c := range []struct {
		what   string
		link   int
		resume bool
	}{{"a LAN", 100 * rate, true}, {"a link of a third of the stream", rate / 3, false}, {"a link of twice the stream", 2 * rate, false}} {
		r, now, covered, took := stallRun(t, rate, c.link, 10*time.Second)
		bytes, rtt, ok := r.stallCheck()
		if ok && (bytes != covered || rtt != took) {
			t.Fatalf("%s: stall check %d bytes in %v, want %d in %v", c.what, bytes, rtt, covered, took)
		}
		if c.resume && !ok {
			t.Fatalf("%s: no stall check after the late answer", c.what)
		}
		if got := ok && r.resumeIfStalled(now, bytes, rtt, rate); got != c.resume || r.thinAt(now) == c.resume {
			t.Errorf("%s: resumed %v, thin %v; want resumed %v", c.what, got, r.thinAt(now), c.resume)
		}
		if _, _, again := r.stallCheck(); again {
			t.Errorf("%s: a second stall check for one answer", c.what)
		}
	}
	// A sample smaller than half a second of the stream tells nothing:
	// a link that shapes its rate passes a burst at once.
	r, now, _, _ := stallRun(t, rate, 100*rate, 10*time.Second)
	if bytes, rtt, _ := r.stallCheck(); r.resumeIfStalled(now, uint64(rate*stallSample/time.Second)-1, rtt, rate) || bytes == 0 {
		t.Error("resumed on a sample of less than half a second of the stream")
	}
	// Thinned again soon after its last thinning: held, as a link that
	// flaps is.
	r, now, _, _ = stallRun(t, rate, 100*rate, 10*time.Second)
	r.link.hold = 2 * minThinHold
	if bytes, rtt, ok := r.stallCheck(); !ok || r.resumeIfStalled(now, bytes, rtt, rate) {
		t.Error("resumed a connection thinned again within a minute")
	}
}

// A client that stops reading for a few seconds (a process stopped) is
// sent the whole stream again as soon as it reads again, its link being
// fast, where it used to be sent keyframes alone for 5 s more, taken for
// a slow link.
func TestFoxgloveClientThatStoppedReadingIsSentTheWholeStreamOnceItReads(t *testing.T) {
	n := newLiveNode(t, Config{}) // 30 pictures a second, a keyframe a second
	c := dialFoxglove(t, n, "")
	chans := c.greeting()
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(chans[0].ID) + `}]}`)
	for got := 0; got < 60; {
		if op, _ := c.next(); op == "binary" {
			got++
		}
	}
	time.Sleep(6 * time.Second) // the client reads nothing, nor answers the node's pings
	resumed := time.Now()
	for {
		op, data := c.next()
		if time.Since(resumed) > 10*time.Second {
			t.Fatal("no picture but keyframes for 10 s after the client read again")
		}
		if op != "binary" {
			t.Logf("%v: %.150s", time.Since(resumed).Round(10*time.Millisecond), data)
			continue
		}
		_, m := decodeMessage(t, chans[0], data)
		nalus, err := h264.SplitAnnexB(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if !h264.IsRandomAccess(nalus) && time.Unix(m.Timestamp.Sec, m.Timestamp.Nsec).After(resumed) {
			break // a picture of the whole stream, captured since
		}
	}
	took := time.Since(resumed)
	t.Logf("the whole stream again %v after the client read again", took.Round(10*time.Millisecond))
	if took > 3*time.Second {
		t.Errorf("the whole stream again %v after the client read again, want within a GOP or two (not the slow link's 5 s hold)", took.Round(10*time.Millisecond))
	}
}
