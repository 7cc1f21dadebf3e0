package transport

import (
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// A topic whose stream goes noKeyframeWarnAfter from its start without a
// keyframe says so once, naming itself and what it had: packets that are
// all deltas, or nothing at all (a camera passed through publishes nothing
// before a keyframe). A stream with a keyframe says nothing.
func TestTopicSaysOnceWhenItsStreamHasNoKeyframe(t *testing.T) {
	for _, c := range []struct {
		name         string
		deltas, keys int
		want         string
	}{
		{"deltas only", 5, 0, "no keyframe in the topic's first 10s (5 packets)"},
		{"nothing", 0, 0, "nothing published in the topic's first 10s: subscribers, the cache and recorders get no picture. A camera still connecting publishes nothing"},
		{"a keyframe", 5, 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs lockedBuffer
			clock := &fakeClock{}
			f := newFixture(t, WithClock(clock), WithLogger(zerolog.New(&logs)))
			pub := f.newSink(true)
			f.send(&PublisherJoined{Publisher: pub.pid})
			for i := range c.deltas + c.keys {
				p := f.src.next(i >= c.deltas)
				p.Key = i >= c.deltas // the source makes its first packet a keyframe
				f.send(&Publish{Packet: p, Publisher: pub.pid})
			}
			f.flush()
			clock.Advance(noKeyframeWarnAfter - time.Millisecond)
			f.flush()
			if said := logs.String(); strings.Contains(said, "first 10s") {
				t.Fatalf("said before %v: %s", noKeyframeWarnAfter, said)
			}
			clock.Advance(time.Millisecond)
			f.flush()
			for range 3 {
				clock.Advance(noKeyframeWarnAfter)
				f.flush()
			}
			said := logs.String()
			n := strings.Count(said, "in the topic's first")
			switch {
			case c.want == "" && n != 0:
				t.Fatalf("a stream with a keyframe said: %s", said)
			case c.want != "" && (n != 1 || !strings.Contains(said, c.want) || !strings.Contains(said, `"topic":"/test/camera"`)):
				t.Fatalf("said %d times, want once %q with the topic: %s", n, c.want, said)
			}
		})
	}
}
