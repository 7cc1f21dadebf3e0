package web

import (
	"time"

	"github.com/gopline/gopline/media"
)

// maxViewerLag is how long a live packet may wait in a Foxglove
// subscription's queue before its client counts as behind: a client that
// stopped reading (a process stopped, a laptop asleep) and came back, or
// one too slow for the stream. It then skips to the newest GOP instead of
// being sent everything it missed.
const maxViewerLag = 2 * time.Second

// catchUp is a feed writer's skip policy: it skips the packets that waited
// too long in the feed's queue, and what follows them up to the next
// keyframe that did not, so that a viewer who fell behind starts again at
// the newest GOP instead of working through a backlog.
//
// A replayed packet never counts as late: the topic replays the GOP that
// is newest when the feed asks for it, which is where a viewer that fell
// behind is to start again. A catchUp is plain state for one goroutine
// (the feed's writer); the zero catchUp with a maxLag of 0 skips nothing.
type catchUp struct {
	maxLag time.Duration
	// skipping: a run of skipped packets has begun and no keyframe on
	// time ended it. skipped counts the run's packets.
	skipping bool
	skipped  int
	// lastWritten is the capture time of the last packet written.
	lastWritten time.Time
}

// catchUpStep is what catchUp decides of one packet.
type catchUpStep struct {
	// Write: send the packet to the viewer; else skip it.
	Write bool
	// Began: this packet begins a run of skipped packets; the feed should
	// ask its topic for the newest GOP.
	Began bool
	// Skipped, set on the keyframe that ends a run, is how many packets
	// the run skipped; Behind how much of the stream, by capture time,
	// lies between the last packet written before the run and this
	// keyframe (0 when that time is unknown).
	Skipped int
	Behind  time.Duration
}

// next decides whether to write p, which the feed queued at queuedAt, at
// now.
func (c *catchUp) next(p *media.Packet, queuedAt, now time.Time) catchUpStep {
	late := c.maxLag > 0 && !p.Replay.Replayed && now.Sub(queuedAt) > c.maxLag
	switch {
	case late:
		began := !c.skipping
		c.skipping = true
		c.skipped++
		return catchUpStep{Began: began}
	case c.skipping && !p.Key:
		c.skipped++
		return catchUpStep{}
	case c.skipping:
		step := catchUpStep{Write: true, Skipped: c.skipped}
		if !c.lastWritten.IsZero() && p.CaptureTime.After(c.lastWritten) {
			step.Behind = p.CaptureTime.Sub(c.lastWritten)
		}
		c.skipping, c.skipped = false, 0
		c.lastWritten = p.CaptureTime
		return step
	}
	c.lastWritten = p.CaptureTime
	return catchUpStep{Write: true}
}
