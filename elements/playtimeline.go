package elements

import (
	"fmt"
	"sync"
	"time"

	"github.com/gopline/gopline/pipeline"
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

// PlayGroup is the play elements of streams played together
// (PlayTogether), one time line for them all.
type PlayGroup struct {
	// Elements are the players, one for each config, in their order.
	Elements []pipeline.Element
	clock    *playClock
}

// PlayTogether makes play elements of cfgs, streams of one recording (or
// set of files) played together, that keep the streams' recorded timing
// relative to each other, as ros2 bag play keeps its topics': every packet
// of every stream goes out at the play's start plus its recorded time after
// Origin, divided by the rate, on every pass (Loop); and every stream's
// next pass begins when the longest stream's pass is over. Each stream
// still begins at its keyframe at or before its Start, so one whose
// keyframe comes later goes out that much later. The configs take one
// Rate. A stream that holds no packet plays (and fails) as it would alone.
//
// The play starts (Origin goes out) when the first of the elements
// starts, unless Begin says when.
func PlayTogether(cfgs []PlayConfig) (*PlayGroup, error) {
	g := &PlayGroup{clock: &playClock{}}
	var extents []playExtent
	var rate float64
	for i, cfg := range cfgs {
		cfg, err := playSpec.Resolve(cfg)
		if err != nil {
			return nil, err
		}
		if cfg, _, err = resolvePlay(cfg); err != nil {
			return nil, err
		}
		if i > 0 && cfg.Rate != rate {
			return nil, fmt.Errorf("play: the streams played together take one rate, not %g and %g", rate, cfg.Rate)
		}
		rate = cfg.Rate
		// One that would fail alone fails as it would when it starts.
		if ext, err := playExtentOf(cfg); err == nil {
			extents = append(extents, ext)
		}
		cfg.clock = g.clock
		el, err := Play(cfg)
		if err != nil {
			return nil, err
		}
		g.Elements = append(g.Elements, el)
	}
	g.clock.timeline = alignPlay(extents, rate)
	return g, nil
}

// Origin is the recorded time the play begins at: the earliest of the
// streams' first packets, which goes out when the play starts (zero when
// no stream holds a packet to play).
func (g *PlayGroup) Origin() time.Time { return g.clock.timeline.origin }

// Begin says when the play starts: Origin goes out at wall. Called before
// the elements start, it lines the play up with a time the caller told
// its user; otherwise the play starts when the first element does.
func (g *PlayGroup) Begin(wall time.Time) { g.clock.begin(wall) }
