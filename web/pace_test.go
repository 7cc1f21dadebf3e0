package web

import (
	"testing"
	"time"
)

// A connection pings its client after what it wrote, one ping at a time,
// and counts the client behind once that ping is unanswered for longer
// than the limit; the answer confirms what was written before the ping,
// not what was written after it, which the next ping is for.
func TestReadPaceCountsAClientBehindWhileItsPingIsUnanswered(t *testing.T) {
	start := time.Unix(1700000000, 0)
	at := func(d time.Duration) time.Time { return start.Add(d) }
	var r readPace
	if r.ping(start) {
		t.Fatal("a ping with nothing written")
	}
	r.wrote()
	if !r.ping(start) {
		t.Fatal("no ping after a message written")
	}
	r.wrote()
	if r.ping(at(time.Millisecond)) {
		t.Fatal("a second ping while one is out")
	}
	if r.behind(at(maxUnread), maxUnread) {
		t.Fatal("behind at the limit")
	}
	if !r.behind(at(maxUnread+time.Millisecond), maxUnread) {
		t.Fatal("not behind past the limit with the ping unanswered")
	}
	r.answered(at(time.Hour))
	if r.behind(at(time.Hour), maxUnread) {
		t.Fatal("behind with no ping out")
	}
	if r.read != 1 {
		t.Fatalf("%d messages confirmed read, want the 1 written before the ping", r.read)
	}
	if !r.ping(at(time.Hour)) {
		t.Fatal("no ping for the message written after the first ping")
	}
	r.answered(at(time.Hour))
	r.answered(at(time.Hour)) // an answer with no ping out changes nothing
	if r.read != 2 || r.ping(at(2*time.Hour)) {
		t.Fatalf("%d read, want 2, and no ping with everything read", r.read)
	}
}

// The link's own round trip, measured by the first ping, is no wait: a
// long one neither holds the writers nor thins the connection; a ping
// that waits over maxQueued beyond it thins the connection at once, and
// answers that show the link keeping up end it after the hold.
func TestReadPaceThinsALinkOnWhichWhatIsWrittenWaits(t *testing.T) {
	start := time.Unix(1700000000, 0)
	at := func(d time.Duration) time.Time { return start.Add(d) }
	const rtt = 3 * time.Second
	var r readPace
	if !r.probe(start) || r.thinAt(at(rtt-time.Millisecond)) {
		t.Fatal("no probe, or thin before the first answer")
	}
	r.answered(at(rtt))
	now := rtt
	for range 5 { // pictures written, each ping answered a round trip later
		r.wrote()
		if !r.ping(at(now)) {
			t.Fatal("no ping after a picture")
		}
		if r.behind(at(now+rtt-time.Millisecond), maxUnread) || r.thinAt(at(now+rtt-time.Millisecond)) {
			t.Fatalf("behind or thin within the link's round trip %v", rtt)
		}
		now += rtt
		r.answered(at(now))
	}
	r.wrote()
	r.ping(at(now))
	if !r.thinAt(at(now+rtt+maxQueued+time.Millisecond)) || !r.busyAt(at(now+rtt+maxQueued+time.Millisecond)) {
		t.Fatal("not thin, or not busy, with a ping waiting over maxQueued beyond the round trip")
	}
	now += rtt + 3*maxQueued
	r.answered(at(now))
	for i := range 20 {
		r.wrote()
		r.ping(at(now))
		now += rtt
		r.answered(at(now))
		if !r.thinAt(at(now)) {
			if now < rtt+minThinHold {
				t.Fatalf("thin for %v only, want %v at least", now, minThinHold)
			}
			return
		}
		if i == 19 {
			t.Fatal("still thin after the link kept up for 20 round trips")
		}
	}
}
