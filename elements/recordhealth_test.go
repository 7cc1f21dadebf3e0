package elements

import (
	"testing"
	"time"
)

// writeHealth's judgement, step by step, on what a recording answers:
// a failure is told at once, then at most every interval while it lasts,
// and its end only once a commit has succeeded.
func TestWriteHealthEndsAFailureOnlyAtACommitThatSucceeded(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const iv = 5 * time.Second
	type step struct {
		what string
		at   time.Duration
		do   func(h *writeHealth, now time.Time) healthNote
		want healthNote
	}
	accepted := func(h *writeHealth, _ time.Time) healthNote { return h.accepted() }
	flushed := func(h *writeHealth, _ time.Time) healthNote { return h.flushed() }
	created := func(h *writeHealth, _ time.Time) healthNote { return h.created() }
	first := func(h *writeHealth, now time.Time) healthNote { return h.dropped(now, true) }
	dropped := func(h *writeHealth, now time.Time) healthNote { return h.dropped(now, false) }
	notCreated := func(h *writeHealth, now time.Time) healthNote { return h.notCreated(now) }
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"a commit fails after its appends were taken", []step{
			{"append taken in memory", 0, accepted, healthQuiet},
			{"a flush commits it", 0, flushed, healthQuiet},
			{"append taken in memory", 0, accepted, healthQuiet},
			{"its commit fails", 0, first, healthFailed},
			{"a flush with nothing pending", 0, flushed, healthQuiet},
			{"dropped while waiting", time.Second, dropped, healthQuiet},
			{"a flush with nothing pending", 2 * time.Second, flushed, healthQuiet},
			{"a retry fails", iv - time.Millisecond, dropped, healthQuiet},
			{"still failing, an interval on", iv, dropped, healthFailing},
			{"held back", iv + time.Second, dropped, healthQuiet},
			{"told again", 2 * iv, dropped, healthFailing},
			{"the retry's keyframe is committed at once", 2*iv + time.Second, accepted, healthResumed},
			{"append taken in memory", 2*iv + time.Second, accepted, healthQuiet},
			{"a flush commits it", 2*iv + time.Second, flushed, healthQuiet},
		}},
		{"a failure after a resume is a new failure, told at once", []step{
			{"a commit fails", 0, first, healthFailed},
			{"the retry's keyframe is committed", time.Second, accepted, healthResumed},
			{"append taken in memory", time.Second, accepted, healthQuiet},
			{"its commit fails, not marked first", time.Second, dropped, healthFailed},
			{"held back", 2 * time.Second, dropped, healthQuiet},
		}},
		{"a split recording's packets go on in a new file while the old one's writes fail", []step{
			{"a commit fails", 0, first, healthFailed},
			{"the new file takes the retry's keyframe in memory", time.Second, func(h *writeHealth, _ time.Time) healthNote {
				h.newFile()
				return h.accepted()
			}, healthQuiet},
			{"its commit succeeds", time.Second, flushed, healthResumed},
		}},
		{"the recording marks a new failure while one is told", []step{
			{"a commit fails", 0, first, healthFailed},
			{"a new failure begins", time.Second, first, healthFailed},
		}},
		{"a clock that stepped back does not silence a failure", []step{
			{"a commit fails", 0, first, healthFailed},
			{"dropped, the clock back an hour", -time.Hour, dropped, healthFailing},
			{"held back", -time.Hour + time.Second, dropped, healthQuiet},
		}},
		{"a stream that cannot be created", []step{
			{"append of another stream taken in memory", 0, accepted, healthQuiet},
			{"the new stream's creation fails", 0, notCreated, healthFailed},
			{"again", time.Second, notCreated, healthQuiet},
			{"the other stream's packets are committed", time.Second, flushed, healthResumed},
			{"the creation fails again", 2 * time.Second, notCreated, healthFailed},
			{"it succeeds: a commit", 3 * time.Second, created, healthResumed},
		}},
		{"a stream created while the recording waits to retry", []step{
			{"a commit fails", 0, first, healthFailed},
			{"a new stream is created", time.Second, created, healthQuiet},
			{"its packet is dropped until the retry", time.Second, dropped, healthQuiet},
			{"the retry's keyframe is committed", 2 * time.Second, accepted, healthResumed},
		}},
	} {
		h := writeHealth{interval: iv}
		for i, s := range tc.steps {
			if got := s.do(&h, t0.Add(s.at)); got != s.want {
				t.Fatalf("%s: step %d (%s): %v, want %v", tc.name, i, s.what, got, s.want)
			}
		}
	}
}
