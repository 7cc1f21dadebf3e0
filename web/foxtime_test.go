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

// logClockCase is a picture a logClock stamps: captured at capture,
// written at written, to be stamped want.
type logClockCase struct{ capture, written, want time.Time }

func checkLogClock(t *testing.T, cases []logClockCase) {
	t.Helper()
	var l logClock
	for i, c := range cases {
		if got := l.stamp(c.capture, c.written); got != uint64(c.want.UnixNano()) {
			t.Errorf("picture %d captured at %v: stamped %v, want %v", i, c.capture, time.Unix(0, int64(got)).UTC(), c.want)
		}
	}
}

func TestLogClockStampsTheCaptureTimeAndNeverGoesBack(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	now := at(time.Hour) // the replayed pictures are written in a burst
	checkLogClock(t, []logClockCase{
		{t0, now, t0},
		{at(66 * time.Millisecond), now, at(66 * time.Millisecond)},
		{at(66 * time.Millisecond), now, at(66*time.Millisecond + 1)}, // the same capture time
		{at(33 * time.Millisecond), now, at(66*time.Millisecond + 2)}, // a picture sent out of order
		{at(100 * time.Millisecond), now, at(100 * time.Millisecond)},
		{at(900 * time.Millisecond), now, at(900 * time.Millisecond)}, // a second's spacing in a burst
		// A live stream that stopped for a minute and came back.
		{at(time.Minute), now.Add(time.Minute), at(time.Minute)},
	})
	// No capture time: the time it is written.
	checkLogClock(t, []logClockCase{{time.Time{}, now, now}, {time.Time{}, now.Add(time.Second), now.Add(time.Second)}})
}

// A capture clock that steps back (an NTP step, a publisher that
// restarted with an earlier clock) by more than logClockStep is followed
// from the step on: the pictures after it keep their spacing, stamped
// after the last one before it, rather than a nanosecond apart until the
// capture times catch up.
func TestLogClockKeepsTheSpacingAfterTheCaptureClockStepsBack(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	cases := []logClockCase{{t0, t0, t0}}
	for i := range 5 { // a picture a second, by a clock a minute earlier
		d := time.Duration(i+1) * time.Second
		cases = append(cases, logClockCase{t0.Add(-time.Minute + d), t0.Add(d), t0.Add(d)})
	}
	checkLogClock(t, cases)
}

// One capture time an hour ahead (a camera's clock read wrong once) among
// pictures 40 ms apart: it is stamped 40 ms after the one before, and so
// are the pictures after it, their stamps their capture times again.
func TestLogClockKeepsTheSpacingAfterABogusFutureCaptureTime(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	const spacing = 40 * time.Millisecond
	var cases []logClockCase
	for i := range 8 {
		at := t0.Add(time.Duration(i) * spacing)
		capture := at
		if i == 3 {
			capture = at.Add(time.Hour)
		}
		cases = append(cases, logClockCase{capture, at, at})
	}
	checkLogClock(t, cases)
	// A clock set a minute forward from picture 3 on is followed likewise.
	cases = cases[:0]
	for i := range 8 {
		at := t0.Add(time.Duration(i) * spacing)
		capture := at
		if i >= 3 {
			capture = at.Add(time.Minute)
		}
		cases = append(cases, logClockCase{capture, at, at})
	}
	checkLogClock(t, cases)
}

// A slow camera's replayed GOP (a picture every 5 s, written in a burst
// long after) keeps its capture times: times far apart in the past are no
// step. A first picture from a clock an hour ahead is stamped when it is
// written, and the pictures after it keep their spacing from there.
func TestLogClockKeepsASlowCamerasTimesAndTakesNoFutureOne(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	burst := t0.Add(25 * time.Second)
	var cases []logClockCase
	for i := range 5 {
		at := t0.Add(time.Duration(i) * 5 * time.Second)
		cases = append(cases, logClockCase{at, burst.Add(time.Duration(i) * time.Microsecond), at})
	}
	cases = append(cases, logClockCase{t0.Add(25 * time.Second), t0.Add(25 * time.Second), t0.Add(25 * time.Second)})
	checkLogClock(t, cases)
	cases = cases[:0]
	for i := range 4 {
		at := t0.Add(time.Duration(i) * 40 * time.Millisecond)
		cases = append(cases, logClockCase{at.Add(time.Hour), at, at})
	}
	checkLogClock(t, cases)
}
