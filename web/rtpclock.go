package web

import "time"

// videoClockRate is H.264's RTP clock (RFC 6184): 90 kHz.
const videoClockRate = 90000

// rtpClock gives each picture sent to a WebRTC viewer its RTP timestamp:
// the time it is sent, on the 90 kHz clock, and at least one tick after
// the picture before it. A replayed GOP goes out as a burst, so its
// pictures get timestamps a few ticks apart, all "now": the receiver sees
// no old pictures to pace out, decodes them as they come and shows the
// newest at once; the live pictures after it are stamped as they are sent,
// which is as the camera made them. The zero value is not ready: use
// newRTPClock.
type rtpClock struct {
	start time.Time
	base  uint32 // the timestamp at start, random per stream (RFC 3550)
	last  uint32
	used  bool
}

func newRTPClock(start time.Time, base uint32) *rtpClock {
	return &rtpClock{start: start, base: base}
}

// stamp returns the timestamp of a picture sent at now.
func (c *rtpClock) stamp(now time.Time) uint32 {
	elapsed := max(now.Sub(c.start), 0)
	ts := c.base + uint32(elapsed.Nanoseconds()*videoClockRate/int64(time.Second))
	if c.used && int32(ts-c.last) <= 0 { // at least one tick after the last, across the wrap
		ts = c.last + 1
	}
	c.last, c.used = ts, true
	return ts
}
