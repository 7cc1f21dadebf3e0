package web

import "time"

// A WebRTC viewer that sends transport-wide congestion control feedback
// (TWCC: Chromium, Firefox and pion do) has its link's bandwidth
// estimated, by the send-side estimator of Google Congestion Control, from
// when each packet arrived, and its writes are paced to that estimate: on a
// link slower than the stream, pictures wait at the viewer's window, where
// the topic drops whole rests of GOPs, instead of being lost on the wire.
// An estimate that stays below the stream's bitrate sends the viewer
// keyframes only (lossPacer, fed an estimate a second), as receiver reports
// of loss do for a viewer without the feedback.
const (
	// initialEstimate is the estimate a viewer starts with, in bits per
	// second: above any camera's stream, so that a viewer's join (its
	// cached GOP, in a burst) is not paced; the estimator brings it down to
	// the link's bandwidth within a second or two of feedback that shows
	// the link's queue grow.
	initialEstimate = 25_000_000
	// minPaceRate is the slowest a viewer is paced, in bits per second: a
	// full RTP packet waits under 0.1 s, so a closing session's writer
	// returns promptly.
	minPaceRate = 100_000
	// paceBurst is how much of its rate a viewer may be sent at once, after
	// a pause: a picture's first packets go together, and the link's queue
	// takes no more than this in a burst.
	paceBurst = 20 * time.Millisecond
	// estimateEvery is how often a viewer's estimate is compared with the
	// stream's bitrate: lossPacer counts these samples as it counts
	// receiver reports, about one a second.
	estimateEvery = time.Second
	// burstPace is how many times its estimate a viewer whose estimate
	// carries the stream is paced at: a picture's packets, a keyframe's
	// above all, go out in a burst that fits 2.5 times the estimate (as
	// libwebrtc's pacer sends at 2.5 times its target rate), while what
	// the viewer is sent on average stays the stream's, below its
	// estimate. A viewer whose estimate falls short of the stream is paced
	// at its estimate: the pace, not the stream, is then what its link
	// is sent on average.
	burstPace = 2.5
	// resumeHeadroom is how far above the stream's bitrate a thinned
	// viewer's estimate must be for it to count as keeping up: an estimate
	// just at the stream's rate would thin it again at the first GOP.
	resumeHeadroom = 1.25
)

// sendBucket paces one viewer's writes to a rate: a token bucket of bytes
// that holds paceBurst of the rate (two full packets at least), and lets a
// packet go whenever it is not in debt. It is plain state for the
// session's writer.
type sendBucket struct {
	tokens float64 // bytes; below 0 while the last packet is still being paid for
	at     time.Time
	filled bool // tokens were set at least once
}

// take books n bytes to be sent at rate bits per second and returns how
// long after now they may go: 0 when the bucket holds tokens. A rate of 0
// or less paces nothing. A clock that steps back refills nothing.
func (b *sendBucket) take(now time.Time, n, rate int) time.Duration {
	wait := b.due(now, rate)
	if rate > 0 {
		b.tokens -= float64(n)
	}
	return wait
}

// due refills the bucket to now at rate bits per second and returns how
// long after now a packet may go, booking nothing: a resend that would
// wait too long is refused before it is booked (sendPace).
func (b *sendBucket) due(now time.Time, rate int) time.Duration {
	if rate <= 0 {
		return 0
	}
	perSecond := float64(rate) / 8
	burst := max(perSecond*paceBurst.Seconds(), 2*rtpMTU)
	switch {
	case !b.filled:
		b.tokens, b.filled = burst, true
	case now.After(b.at):
		b.tokens = min(burst, b.tokens+now.Sub(b.at).Seconds()*perSecond)
	}
	b.at = now
	if b.tokens < 0 {
		return time.Duration(-b.tokens / perSecond * float64(time.Second))
	}
	return 0
}

// paceRate is the rate, in bits per second, a viewer's writes are paced
// to once it sends transport-wide feedback: burstPace times its estimate
// while the estimate carries the stream (carries), its estimate otherwise,
// minPaceRate at least; 0 (unpaced) before the feedback, or without it.
func paceRate(estimate int, feedback, carries bool) int {
	if !feedback {
		return 0
	}
	if carries {
		return max(int(burstPace*float64(estimate)), minPaceRate)
	}
	return max(estimate, minPaceRate)
}

// estimateShort reports whether a viewer's estimate, in bits per second,
// falls short of the stream's bitrate: below it, or, while the viewer is
// sent keyframes only (thin), below resumeHeadroom times it. A stream of
// unknown rate (0) is never short.
func estimateShort(estimate int, stream float64, thin bool) bool {
	if stream <= 0 {
		return false
	}
	if thin {
		stream *= resumeHeadroom
	}
	return float64(estimate) < stream
}

// estimated takes a viewer's estimate, in bits per second, of a stream of
// stream bits per second, sampled at now (every estimateEvery), and returns
// what changes: a viewer short of the stream for lossyReportsToThin samples
// in a row is sent keyframes only, and one thinned gets the whole stream
// again after clearReportsToResume samples in a row with resumeHeadroom,
// once its hold has passed.
func (p *lossPacer) estimated(now time.Time, estimate int, stream float64) paceChange {
	return p.report(now, estimateShort(estimate, stream, p.thin))
}
