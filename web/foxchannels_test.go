package web

import (
	"testing"
	"time"

	"github.com/gopline/gopline/internal/foxglove"
)

func TestChannelTableEndsTopicsWithoutPublisherAndRenamesThoseThatComeBack(t *testing.T) {
	const linger = 2 * time.Second
	tab := newChannelTable(linger)
	t0 := time.Unix(1000, 0)
	video, image := foxglove.CompressedVideo, foxglove.CompressedImage
	ids := func(at time.Duration, topics ...topicSeen) map[string]uint32 {
		out := map[string]uint32{}
		for id, ch := range tab.update(t0.Add(at), topics) {
			if _, dup := out[ch.topic]; dup || ch.id != id {
				t.Fatalf("at %v: %v twice or under another id", at, ch)
			}
			out[ch.topic] = id
		}
		return out
	}
	live := topicSeen{topic: "/a", schema: video, publishers: 1}
	quiet := topicSeen{topic: "/a", schema: video}
	first := ids(0, live, topicSeen{topic: "/audio", publishers: 1})
	if len(first) != 1 || first["/a"] == 0 {
		t.Fatalf("advertised %v, want /a alone", first)
	}
	steps := []struct {
		at    time.Duration
		topic topicSeen
		want  string // "same", "new" id, or "none"
	}{
		{time.Second, quiet, "same"},                                                    // no publisher: within the linger
		{2 * time.Second, live, "same"},                                                 // a publisher again: the same channel
		{3 * time.Second, quiet, "same"},                                                // quiet again: the linger starts again
		{3*time.Second + linger, quiet, "none"},                                         // the linger passed: ended
		{10 * time.Second, quiet, "none"},                                               // and stays ended
		{11 * time.Second, live, "new"},                                                 // it came back
		{12 * time.Second, topicSeen{topic: "/a", schema: image, publishers: 1}, "new"}, // another codec
		{13 * time.Second, topicSeen{topic: "/a", schema: image}, "same"},
	}
	last := first["/a"]
	for _, s := range steps {
		got := ids(s.at, s.topic)["/a"]
		switch {
		case s.want == "none" && got != 0, s.want == "same" && got != last, s.want == "new" && (got == 0 || got == last):
			t.Fatalf("at %v (%+v): channel %d after %d, want %s", s.at, s.topic, got, last, s.want)
		}
		if got != 0 {
			last = got
		}
	}
	// A topic the Bus retired is gone at once; it comes back under a new id.
	if got := ids(14 * time.Second); len(got) != 0 {
		t.Fatalf("no topics: advertised %v", got)
	}
	if got := ids(15*time.Second, quiet)["/a"]; got == 0 || got == last {
		t.Fatalf("a topic made again: channel %d after %d, want a new one", got, last)
	}
}

func TestChannelTableTellsAnAnonymousPublisherFromPacketsOfOneThatLeft(t *testing.T) {
	const linger = 2 * time.Second
	tab := newChannelTable(linger)
	t0 := time.Unix(1000, 0)
	advertised := func(at time.Duration, s topicSeen) bool {
		return len(tab.update(t0.Add(at), []topicSeen{s})) == 1
	}
	cam := func(publishers int, published uint64) topicSeen {
		return topicSeen{topic: "/cam", schema: foxglove.CompressedVideo, publishers: publishers, published: published}
	}
	// A publisher that leaves: its last packets, counted after the look
	// before, start no new life; the linger runs from the first look
	// without it.
	steps := []struct {
		at   time.Duration
		seen topicSeen
		want bool
	}{
		{0, cam(1, 10), true},
		{time.Second, cam(0, 40), true},
		{time.Second + linger, cam(0, 40), false},
		// An anonymous publisher: no publisher, but packets between looks.
		{10 * time.Second, cam(0, 50), true},
		{11 * time.Second, cam(0, 80), true},
		{11*time.Second + linger, cam(0, 140), true},
		{12*time.Second + linger, cam(0, 140), true}, // it stopped: the linger starts
		{12*time.Second + 2*linger, cam(0, 140), false},
	}
	for _, s := range steps {
		if got := advertised(s.at, s.seen); got != s.want {
			t.Fatalf("at %v (%+v): advertised %v, want %v", s.at, s.seen, got, s.want)
		}
	}
}
