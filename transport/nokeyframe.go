package transport

import (
	"time"

	"github.com/rs/zerolog"
)

// noKeyframeWarnAfter is how long a topic's stream may go from its start
// without a keyframe before the topic says so: longer than a camera takes
// to connect and longer than a slow camera's GOP (a keyframe every few
// seconds), short enough that whoever wonders why a viewer stays black
// finds the reason in the log.
const noKeyframeWarnAfter = 10 * time.Second

// noKeyframe is the policy that says when a topic's stream has had no
// keyframe for noKeyframeWarnAfter from its start: no subscriber, cache or
// recorder gets a picture it can decode. A camera passed through that
// sends neither IDRs nor recovery points does this; its source hands on
// nothing before a keyframe (and says so, naming the camera), so the topic
// may see no packet at all. The topic says it once per stream, naming
// itself (the broker's logger) and what it had.
type noKeyframe struct {
	log zerolog.Logger
	// since is when the stream started; zero once it had a keyframe, or
	// while no stream runs.
	since time.Time
	// packets counts the packets published since then.
	packets uint64
	said    bool
}

func (k *noKeyframe) handle(now time.Time, in input, do []action) []action {
	switch in.kind {
	case inStreamStarted:
		k.since, k.packets, k.said = now, 0, false
	case inStreamEnded:
		k.since = time.Time{}
	case inPublished:
		if in.packet.Key {
			k.since = time.Time{}
		} else {
			k.packets++
		}
	case inTick:
		if !k.since.IsZero() && !k.said && !now.Before(k.since.Add(noKeyframeWarnAfter)) {
			k.said = true
			k.say(now)
		}
	}
	return do
}

// say warns that the stream has had no keyframe since k.since.
func (k *noKeyframe) say(now time.Time) {
	d := now.Sub(k.since).Round(time.Second)
	ev := k.log.Warn().Uint64("packets", k.packets).Stringer("since_start", d)
	if k.packets == 0 {
		ev.Msgf("nothing published in the topic's first %v: subscribers, the cache and recorders get no picture. "+
			"A camera still connecting publishes nothing (its source's log says when it opens), "+
			"and a camera passed through (videosrc passthrough=true) nothing until its first keyframe, "+
			"an IDR or a recovery point: if its source's log says it sends neither, set the camera's keyframe "+
			"(I-frame) interval, or decode and encode it (passthrough=false ! h264enc)", d)
		return
	}
	ev.Msgf("no keyframe in the topic's first %v (%d packets): neither an IDR nor a recovery point, "+
		"so subscribers, the cache and recorders get no picture they can decode; "+
		"set the camera's keyframe (I-frame) interval, or decode and encode it (passthrough=false ! h264enc)", d, k.packets)
}

func (k *noKeyframe) due() time.Time {
	if k.since.IsZero() || k.said {
		return time.Time{}
	}
	return k.since.Add(noKeyframeWarnAfter)
}

func (k *noKeyframe) report(time.Time, *TopicStats) {}
