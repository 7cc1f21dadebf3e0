package web

import "time"

// A WebRTC viewer's browser sends a picture loss report (PLI or FIR) when
// it cannot decode, and repeats it every few hundred milliseconds until a
// keyframe repairs its picture. On a link that drops what it is sent, the
// repair is lost too, and the reports keep coming. As a WebRTC SFU does
// with the reports it forwards to a publisher (one per second a track),
// the node answers a viewer's reports at most once per pliInterval, and
// answers with its cached GOP, which is a burst of up to a GOP's bytes, at
// most once per replayInterval: between, it asks the encoder for a
// keyframe, which comes in the live stream at the cost of one picture.
const (
	// pliInterval is the shortest time between two answers to one
	// viewer's picture loss reports: a browser repeats its report every
	// 200 ms or so while it waits, and a keyframe takes a round trip and
	// a decode to repair its picture.
	pliInterval = time.Second
	// replayInterval is the shortest time between two answers that replay
	// the cached GOP to one viewer: at most one GOP in this time on top of
	// the live stream, for a viewer whose link already loses packets.
	replayInterval = 5 * time.Second
)

// pliAnswer is what the node does for one of a viewer's picture loss
// reports.
type pliAnswer int

const (
	// pliHeld: nothing; the node answered a report less than pliInterval
	// ago, and that keyframe is on its way.
	pliHeld pliAnswer = iota
	// pliFromTopic: a keyframe request to the topic, which replays its
	// cached GOP to this viewer when that repairs its picture, and asks
	// the encoder otherwise.
	pliFromTopic
	// pliFromEncoder: a keyframe request to the encoder alone (rate-limited
	// per topic); a report was answered from the topic less than
	// replayInterval ago.
	pliFromEncoder
)

func (a pliAnswer) String() string {
	switch a {
	case pliFromTopic:
		return "from the topic"
	case pliFromEncoder:
		return "from the encoder"
	}
	return "held"
}

// pliRule decides the answer to each of one viewer's picture loss reports.
// It is plain state for the session's RTCP reader; the zero value answers
// the first report from the topic.
type pliRule struct {
	answered, fromTopic time.Time // the last answer, and the last from the topic
	// counts is how many reports got each answer, by pliAnswer.
	counts [3]uint64
}

// answer returns what to do for a report received at now, and counts it.
// A clock that steps back restarts the intervals at the earlier time: the
// rule then holds reports for one interval at most, and never bursts.
func (r *pliRule) answer(now time.Time) pliAnswer {
	a := r.decide(now)
	r.counts[a]++
	return a
}

func (r *pliRule) decide(now time.Time) pliAnswer {
	r.answered, r.fromTopic = earliest(r.answered, now), earliest(r.fromTopic, now)
	if !r.answered.IsZero() && now.Sub(r.answered) < pliInterval {
		return pliHeld
	}
	r.answered = now
	if !r.fromTopic.IsZero() && now.Sub(r.fromTopic) < replayInterval {
		return pliFromEncoder
	}
	r.fromTopic = now
	return pliFromTopic
}

// count returns how many reports got the answer a.
func (r *pliRule) count(a pliAnswer) uint64 { return r.counts[a] }

// earliest returns t, or now when now is before it.
func earliest(t, now time.Time) time.Time {
	if !t.IsZero() && now.Before(t) {
		return now
	}
	return t
}
