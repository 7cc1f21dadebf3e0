package elements

import (
	"sync"
	"time"
)

// loopGap is the recorded time a loop leaves between the last packet of a
// pass and the next pass: one frame at 30 fps (scaled by the rate, as all
// recorded time is).
const loopGap = time.Second / 30

// playExtent is one stream's part of a pass, in recorded time: begin is the
// decode time of its first packet played (its keyframe at or before the
// start), end the time its pass is over (its end, or a loop gap after its
// last packet, whichever comes first).
type playExtent struct{ begin, end time.Time }

// playTimeline maps the recorded time of streams played together onto the
// wall clock: one origin for all of them, so that they keep their recorded
// timing relative to each other, as ros2 bag play keeps its topics'.
//
// Each stream must begin at a keyframe at or before the start, so a pass
// begins at the earliest of those keyframes (origin), and every packet of
// every stream goes out at the pass's wall-clock start plus its recorded
// time after origin, divided by the rate. A pass lasts from origin to the
// latest of the streams' ends, so every stream's next pass (a loop) begins
// at the same moment, whatever its own part of the pass.
type playTimeline struct {
	origin, end time.Time
	rate        float64
}

// alignPlay is the timeline of streams whose parts of a pass are extents,
// played at rate; none gives the zero timeline (no origin).
func alignPlay(extents []playExtent, rate float64) playTimeline {
	var l playTimeline
	for i, e := range extents {
		if i == 0 || e.begin.Before(l.origin) {
			l.origin = e.begin
		}
		if i == 0 || e.end.After(l.end) {
			l.end = e.end
		}
	}
	l.rate = rate
	return l
}

// due is when the packet decoded at recorded time t goes out in pass (0
// for the first) of a play whose first pass began at wall.
func (l playTimeline) due(wall time.Time, pass int, t time.Time) time.Time {
	recorded := time.Duration(pass)*l.end.Sub(l.origin) + t.Sub(l.origin)
	return wall.Add(time.Duration(float64(recorded) / l.rate))
}

// playClock is a timeline and the wall-clock time its first pass begins:
// shared by the players of the streams played together (PlayTogether), so
// that the first to start, or the caller (Begin), sets it for all. It is
// safe for concurrent use.
type playClock struct {
	timeline playTimeline
	mu       sync.Mutex
	wall     time.Time
}

// begin returns when the first pass began, which is now if nobody said
// before.
func (c *playClock) begin(now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wall.IsZero() {
		c.wall = now
	}
	return c.wall
}
