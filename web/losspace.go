package web

import (
	"cmp"
	"time"
)

// A WebRTC viewer's link that does not carry the stream is found out by
// its estimate (congestion.go), or, for a viewer that sends no
// transport-wide feedback, by what its receiver reports say it lost. A
// viewer whose samples (an estimate a second, or a report) keep saying so
// is sent keyframes only, each a whole picture that decodes alone, a
// fraction of the stream's bytes, until its samples show it keeps up
// again; then it goes on with the whole stream at the next keyframe. The
// counts below are of either kind of sample.
const (
	// lossyReportsToThin is how many lossy reports in a row (a browser
	// sends about one a second) make the viewer's stream keyframes only:
	// loss that lasts, not one burst that NACK repairs.
	lossyReportsToThin = 3
	// clearReportsToResume is how many reports in a row without much loss
	// give the viewer the whole stream again, once minThinHold has passed.
	clearReportsToResume = 3
	// minThinHold is the shortest time a viewer is sent keyframes only. A
	// viewer thinned again within maxThinHold of being given the whole
	// stream is held twice as long as the time before, up to maxThinHold:
	// a link that carries keyframes but not the stream would otherwise
	// flap between the two.
	minThinHold = 5 * time.Second
	maxThinHold = time.Minute
)

// paceChange is what a receiver report changes in how a viewer is sent.
type paceChange int

const (
	paceSame paceChange = iota
	// paceThin: send the viewer keyframes only.
	paceThin
	// paceFull: send it the whole stream again, from the next keyframe.
	paceFull
)

// lossPacer decides from one viewer's samples (its receiver reports, or
// its estimate against the stream's bitrate) whether it is sent the whole
// stream or keyframes only. It is plain state, guarded by the session's
// paceMu; the zero value sends the whole stream.
type lossPacer struct {
	// toThin and toResume, when not 0, are the samples in a row that
	// thin the viewer and give it the whole stream again, in place of
	// lossyReportsToThin and clearReportsToResume: a Foxglove
	// connection's samples are its pings' answers, seconds apart on the
	// links that need them (readPace).
	toThin, toResume int
	lossy, clear     int // reports in a row that said so
	thin             bool
	thinAt           time.Time     // when the viewer was last thinned
	hold             time.Duration // how long it stays thinned at least
	fullAt           time.Time     // when it was last given the whole stream again
	thinned          uint64        // how many times it was thinned
}

// report takes a receiver report received at now, lossy when it says the
// viewer lost lossyFraction of the stream or more, and returns what
// changes. A clock that steps back restarts the hold at the earlier time.
func (p *lossPacer) report(now time.Time, lossy bool) paceChange {
	if now.Before(p.thinAt) { // a clock that steps back: hold from now
		p.thinAt = now
	}
	if lossy {
		p.lossy, p.clear = p.lossy+1, 0
	} else {
		p.lossy, p.clear = 0, p.clear+1
	}
	switch {
	case !p.thin && p.lossy >= cmp.Or(p.toThin, lossyReportsToThin):
		if p.thinned > 0 && now.Sub(p.fullAt) < maxThinHold {
			p.hold = min(2*p.hold, maxThinHold)
		} else {
			p.hold = minThinHold
		}
		p.thin, p.thinAt = true, now
		p.thinned++
		return paceThin
	case p.thin && p.clear >= cmp.Or(p.toResume, clearReportsToResume) && now.Sub(p.thinAt) >= p.hold:
		p.thin, p.fullAt = false, now
		return paceFull
	}
	return paceSame
}

// deltaSkip is the writer's side of a viewer sent keyframes only: it
// skips every picture but keyframes while the viewer is thinned, and
// after, until the next keyframe, which the pictures after it need.
type deltaSkip struct {
	skipping bool
}

// skip reports whether to leave out a picture, a keyframe or not, when the
// viewer is sent keyframes only or not.
func (d *deltaSkip) skip(keyframe, keyframesOnly bool) bool {
	if keyframe {
		d.skipping = false
		return false
	}
	d.skipping = d.skipping || keyframesOnly
	return d.skipping
}
