package web

import (
	"encoding/binary"
	"testing"
	"time"
)

// A Message Data's timestamp, which Foxglove takes as the message's log
// time, is the picture's capture time, the one its message holds, for the
// replayed GOP (written in a burst) and the live pictures after it alike,
// and never goes back.
func TestFoxgloveMessageDataIsStampedWithTheCaptureTime(t *testing.T) {
	n := newLiveNode(t, Config{})
	c := dialFoxglove(t, n, "")
	ch := c.greeting()[0]
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(ch.ID) + `}]}`)
	var first, last uint64
	const messages = 45 // the replayed GOP of 30 and live ones
	for i := range messages {
		op, data := c.next()
		if op != "binary" {
			t.Fatalf("message %d: %s, want message data", i, op)
		}
		_, m := decodeMessage(t, ch, data)
		captured := time.Unix(m.Timestamp.Sec, m.Timestamp.Nsec)
		stamp := binary.LittleEndian.Uint64(data[5:])
		if stamp != uint64(captured.UnixNano()) {
			t.Fatalf("message %d: stamped %v, captured at %v", i, time.Unix(0, int64(stamp)).UTC(), captured.UTC())
		}
		if stamp < last {
			t.Fatalf("message %d: stamped %v, before the message before it (%v)", i, time.Unix(0, int64(stamp)).UTC(), time.Unix(0, int64(last)).UTC())
		}
		if i == 0 {
			first = stamp
		}
		last = stamp
	}
	// The stream's own spacing: 30 fps.
	if rate := float64(messages-1) / time.Duration(last-first).Seconds(); rate < 25 || rate > 35 {
		t.Errorf("%d messages over %v: %.1f a second, want the stream's 30", messages, time.Duration(last-first), rate)
	}
}

func TestLogClockStampsTheCaptureTimeAndNeverGoesBack(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	now := t0.Add(time.Hour)
	var l logClock
	for i, c := range []struct {
		capture time.Time
		want    time.Time
	}{
		{t0, t0},
		{t0.Add(66 * time.Millisecond), t0.Add(66 * time.Millisecond)},
		{t0.Add(66 * time.Millisecond), t0.Add(66*time.Millisecond + 1)}, // the same capture time
		{t0.Add(-time.Minute), t0.Add(66*time.Millisecond + 2)},          // a clock that stepped back
		{t0.Add(100 * time.Millisecond), t0.Add(100 * time.Millisecond)},
		{time.Time{}, now}, // no capture time: the time it is written
	} {
		if got := l.stamp(c.capture, now); got != uint64(c.want.UnixNano()) {
			t.Errorf("picture %d captured at %v: stamped %v, want %v", i, c.capture, time.Unix(0, int64(got)).UTC(), c.want)
		}
	}
}
