package rtsp

import "time"

// maxLag is how far behind the moment its packet came a picture's capture
// time may fall before the stream's clock starts over from that moment: a
// camera whose RTP clock jumped back (it restarted its encoder), or whose
// timestamps run slower than real time. A network that holds packets back
// for a while and then lets them through at once stays under it.
const maxLag = 2 * time.Second

// liveClock gives a live stream's pictures their times: the moment of the
// stream's first packet plus each picture's RTP time since, so that the
// pictures keep their camera's spacing whatever the network's jitter. It
// is given decode times, which packets come in the order of (a B-frame's
// presentation is its offset later). No time is later than the moment its
// packet came: a packet that comes earlier than its time (the first one
// came late) moves the start earlier. A time more than maxLag behind its packet's coming, or ahead of
// it, starts the clock over from that moment, so an outage stays a gap.
//
// The zero value is ready to use.
type liveClock struct {
	start   time.Time // the capture time of RTP time 0
	started bool
	// jumps counts the times the clock started over after its first start.
	jumps int
}

// at returns the capture time of the picture at pts (90 kHz ticks since the
// stream's first packet), whose last packet came at now.
func (c *liveClock) at(pts int64, now time.Time) time.Time {
	t := c.start.Add(ticks(pts))
	switch {
	case !c.started:
		c.started = true
	case t.After(now) && t.Sub(now) <= maxLag:
		// Ahead of its coming by a little: the first packet was late.
	case t.After(now), now.Sub(t) > maxLag:
		c.jumps++
	default:
		return t
	}
	c.start = now.Add(-ticks(pts))
	return now
}

// rtpTime unwraps a stream's 32-bit RTP timestamps into ticks since its
// first packet: each one is taken as the nearest to the one before,
// forwards or back, so that the counter's wrap (every 13 hours at 90 kHz)
// goes unnoticed.
//
// The zero value is ready to use.
type rtpTime struct {
	prev    uint32
	ticks   int64
	started bool
}

func (t *rtpTime) unwrap(ts uint32) int64 {
	if !t.started {
		t.prev, t.started = ts, true
	}
	t.ticks += int64(int32(ts - t.prev))
	t.prev = ts
	return t.ticks
}
