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
	r.answered()
	if r.behind(at(time.Hour), maxUnread) {
		t.Fatal("behind with no ping out")
	}
	if r.read != 1 {
		t.Fatalf("%d messages confirmed read, want the 1 written before the ping", r.read)
	}
	if !r.ping(at(time.Hour)) {
		t.Fatal("no ping for the message written after the first ping")
	}
	r.answered()
	r.answered() // an answer with no ping out changes nothing
	if r.read != 2 || r.ping(at(2*time.Hour)) {
		t.Fatalf("%d read, want 2, and no ping with everything read", r.read)
	}
}
