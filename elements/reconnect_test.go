package elements

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/backoff"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// droppingStream gives n frames, numbered from 0 as a reader's are, then
// fails as a camera that went away, or with end when set.
type droppingStream struct {
	n, sent int
	stopped *int
	end     error
}

func (s *droppingStream) Start(*pipeline.Env) error { return nil }
func (s *droppingStream) Stop() error               { *s.stopped++; return nil }
func (s *droppingStream) Next() (*media.Frame, time.Time, error) {
	if s.sent == s.n && s.end != nil {
		return nil, time.Time{}, s.end
	}
	if s.sent == s.n {
		return nil, time.Time{}, errors.New("connection reset")
	}
	s.sent++
	return &media.Frame{Seq: uint64(s.sent - 1)}, time.Time{}, nil
}

// fakeCamera opens droppingStreams of n frames; the openings listed in down
// fail.
type fakeCamera struct {
	n       int
	down    map[int]bool
	opened  int
	stopped int
	end     error // the streams' error after their frames, if not a reset
	failure error // the openings' in down, if not a refusal
}

func (c *fakeCamera) open(<-chan struct{}) (pipeline.Source[*media.Frame], error) {
	c.opened++
	if c.down[c.opened] && c.failure != nil {
		return nil, c.failure
	}
	if c.down[c.opened] {
		return nil, errors.New("connection refused")
	}
	return &droppingStream{n: c.n, stopped: &c.stopped, end: c.end}, nil
}

// reconnectingTo returns a reconnecting source over cam whose waits pass at
// once, logging into log, and the channel that stops it.
func reconnectingTo(t *testing.T, cam *fakeCamera, retries int, log *testlog.Buffer) (*reconnecting[*media.Frame], chan struct{}) {
	t.Helper()
	policy := backoff.DefaultPolicy()
	policy.Retries = retries
	s, err := newReconnecting("rtsp://cam/live", policy, cam.open)
	if err != nil {
		t.Fatal(err)
	}
	fired := make(chan time.Time)
	close(fired)
	s.after = func(time.Duration) <-chan time.Time { return fired }
	stop := make(chan struct{})
	env := &pipeline.Env{Log: zerolog.New(log), Now: time.Now, Stopping: stop}
	if err := s.Start(env); err != nil {
		t.Fatal(err)
	}
	return s, stop
}

func TestReconnectingSourceGoesOnAcrossDropsAndOutages(t *testing.T) {
	cam := &fakeCamera{n: 3, down: map[int]bool{1: true, 3: true, 4: true}}
	var log testlog.Buffer
	s, _ := reconnectingTo(t, cam, backoff.Forever, &log)
	for want := range uint64(9) {
		f, _, err := s.Next()
		if err != nil {
			t.Fatalf("frame %d: %v", want, err)
		}
		if f.Seq != want {
			t.Fatalf("frame %d has Seq %d: a source's frames go on counting across reconnections", want, f.Seq)
		}
	}
	if cam.opened != 6 || cam.stopped != 2 {
		t.Fatalf("opened %d times, closed %d streams; want 6 and 2", cam.opened, cam.stopped)
	}
	for _, msg := range []string{"stream is down at start; retrying", "stream lost; reconnecting", "stream is back", "connection reset"} {
		if !strings.Contains(log.String(), msg) {
			t.Errorf("log lacks %q:\n%s", msg, log.String())
		}
	}
}

func TestReconnectingSourceGivesUpAfterItsRetries(t *testing.T) {
	cam := &fakeCamera{n: 2, down: map[int]bool{2: true, 3: true, 4: true}}
	var log testlog.Buffer
	s, _ := reconnectingTo(t, cam, 2, &log)
	for range 2 {
		if _, _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := s.Next()
	if !errors.Is(err, ErrStreamLost) || !strings.Contains(err.Error(), "rtsp://cam/live") || !strings.Contains(err.Error(), "connection refused") ||
		!strings.Contains(err.Error(), "after 2 attempts to reopen it") {
		t.Fatalf("after the retries: %v; want ErrStreamLost naming the stream, the attempts and the last failure", err)
	}
	if cam.opened != 3 {
		t.Fatalf("opened %d times with retries=2, want 3", cam.opened)
	}
	one := &fakeCamera{n: 1, down: map[int]bool{2: true}}
	s, _ = reconnectingTo(t, one, 1, &log)
	if _, _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Next(); err == nil || !strings.Contains(err.Error(), "after 1 attempt to reopen it: connection refused") {
		t.Fatalf("after retries=1: %v", err)
	}
}

// A stream that drops with retries=0 says it is not retried, instead of
// counting no attempts, and does not warn that it is reconnecting.
func TestReconnectingSourceWithoutRetriesSaysSoWhenTheStreamDrops(t *testing.T) {
	cam := &fakeCamera{n: 2}
	var log testlog.Buffer
	s, _ := reconnectingTo(t, cam, 0, &log)
	for range 2 {
		if _, _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := s.Next()
	if want := `stream lost: "rtsp://cam/live" dropped, and retries=0: not retrying: connection reset`; !errors.Is(err, ErrStreamLost) || err.Error() != want {
		t.Fatalf("the stream dropped with retries=0: %v; want %q", err, want)
	}
	if cam.opened != 1 || strings.Contains(log.String(), "reconnecting") {
		t.Fatalf("opened %d times, log:\n%s", cam.opened, log.String())
	}
}

// A stream that fails with what reopening cannot cure (an RTP sender that
// leaves the parameter sets out) fails the source at once, with retries
// for ever.
func TestReconnectingSourceDoesNotReopenAStreamWithoutParameterSets(t *testing.T) {
	cam := &fakeCamera{n: 1, end: fmt.Errorf("%w at rtp://127.0.0.1:5000: set config-interval=-1", ffmpeg.ErrNoParameterSets)}
	var log testlog.Buffer
	s, _ := reconnectingTo(t, cam, backoff.Forever, &log)
	if _, _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Next()
	if !errors.Is(err, ffmpeg.ErrNoParameterSets) || !errors.Is(err, ErrStreamLost) || !strings.Contains(err.Error(), "config-interval=-1") {
		t.Fatalf("Next = %v, want the stream lost for its missing parameter sets", err)
	}
	if cam.opened != 1 || strings.Contains(log.String(), "reconnecting") {
		t.Fatalf("opened %d times, log:\n%s", cam.opened, log.String())
	}
}

func TestReconnectingSourceWithoutRetriesFailsAtStart(t *testing.T) {
	cam := &fakeCamera{n: 2, down: map[int]bool{1: true}}
	s, err := newReconnecting("rtsp://cam/live", backoff.Policy{Initial: time.Second, Max: time.Second}, cam.open)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Start(&pipeline.Env{Log: zerolog.Nop(), Now: time.Now})
	if want := `stream lost: "rtsp://cam/live" is down at start, and retries=0: not retrying: connection refused`; !errors.Is(err, ErrStreamLost) || err.Error() != want {
		t.Fatalf("Start with retries=0 and the camera down: %v; want %q", err, want)
	}
}

func TestReconnectingSourceEndsCleanlyWhenStoppedWhileWaiting(t *testing.T) {
	cam := &fakeCamera{n: 1, down: map[int]bool{2: true, 3: true}}
	var log testlog.Buffer
	s, stop := reconnectingTo(t, cam, backoff.Forever, &log)
	s.after = func(time.Duration) <-chan time.Time { return nil } // waits for ever
	if _, _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	if _, _, err := s.Next(); err != io.EOF {
		t.Fatalf("Next while stopping = %v, want io.EOF", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

// A stream down from the start until the pipeline stops has given nothing
// because it never opened: its source fails, naming it and why it did not
// open, instead of ending as a stream that ran.
func TestReconnectingSourceThatNeverOpenedFailsWhenStopped(t *testing.T) {
	cam := &fakeCamera{n: 1, down: map[int]bool{1: true, 2: true, 3: true}}
	var log testlog.Buffer
	s, stop := reconnectingTo(t, cam, backoff.Forever, &log)
	close(stop)
	_, _, err := s.Next()
	if !errors.Is(err, ErrNeverOpened) || !strings.Contains(err.Error(), `"rtsp://cam/live" did not open in the `) ||
		!strings.Contains(err.Error(), "until the pipeline stopped; the last failure: connection refused") {
		t.Fatalf("Next of a stream stopped before it ever opened = %v; want ErrNeverOpened naming it and its last failure", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

// A stream that opened but delivered nothing until the pipeline stopped
// has given nothing as much as one that never opened: its source fails,
// naming it and how long it gave nothing, whether the stop came while it
// read or while it waited to reopen after a drop.
func TestReconnectingSourceThatDeliveredNothingFailsWhenStopped(t *testing.T) {
	var log testlog.Buffer
	s, stop := reconnectingTo(t, &fakeCamera{n: 0}, backoff.Forever, &log)
	close(stop)
	_, _, err := s.Next()
	if !errors.Is(err, ErrNothingDelivered) || !strings.Contains(err.Error(), `"rtsp://cam/live" opened but delivered no frame in the `) ||
		!strings.Contains(err.Error(), "until the pipeline stopped") {
		t.Fatalf("Next of a stream stopped before its first frame = %v; want ErrNothingDelivered naming it", err)
	}

	s, stop = reconnectingTo(t, &fakeCamera{n: 0}, backoff.Forever, &log)
	s.after = func(time.Duration) <-chan time.Time { // the stop comes during the wait
		close(stop)
		return nil
	}
	_, _, err = s.Next()
	if !errors.Is(err, ErrNothingDelivered) || !strings.Contains(err.Error(), "the last failure: connection reset") {
		t.Fatalf("Next of a stream that dropped before its first frame, stopped while it waits = %v; want ErrNothingDelivered and why it dropped", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

// Options FFmpeg refuses stay refused: a stream opened with them fails at
// once, at start or on reconnecting, however many retries it has.
func TestReconnectingSourceDoesNotRetryABadOption(t *testing.T) {
	bad := fmt.Errorf("%w %q: %w: the rtsp input has no option rtsp_transprt", ffmpeg.ErrOpen, "rtsp://cam/live", ffmpeg.ErrBadOption)
	opened := 0
	open := func(<-chan struct{}) (pipeline.Source[*media.Frame], error) {
		opened++
		if opened == 1 {
			return &droppingStream{n: 1, stopped: new(int)}, nil
		}
		return nil, bad
	}
	s, err := newReconnecting("rtsp://cam/live", backoff.DefaultPolicy(), open)
	if err != nil {
		t.Fatal(err)
	}
	fired := make(chan time.Time)
	close(fired)
	s.after = func(time.Duration) <-chan time.Time { return fired }
	if err := s.Start(&pipeline.Env{Log: zerolog.Nop(), Now: time.Now}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Next(); !errors.Is(err, ErrStreamLost) || !errors.Is(err, ffmpeg.ErrBadOption) || opened != 2 {
		t.Fatalf("after a bad option on reconnecting: %v, %d opens; want ErrStreamLost at the first", err, opened)
	}

	s, err = newReconnecting("rtsp://cam/live", backoff.DefaultPolicy(), open)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(&pipeline.Env{Log: zerolog.Nop(), Now: time.Now}); !errors.Is(err, ffmpeg.ErrBadOption) {
		t.Fatalf("Start with a bad option and retries for ever: %v, want the error at once", err)
	}
}

// servedRecording is a droppingStream of a known length: its end, or its
// failure, ends the source.
type servedRecording struct {
	droppingStream
	end error // what comes after the frames
}

func (r *servedRecording) Finite() bool { return true }
func (r *servedRecording) Next() (*media.Frame, time.Time, error) {
	if r.sent == r.n {
		return nil, time.Time{}, r.end
	}
	return r.droppingStream.Next()
}

// A recording over the network is read once, however many retries the
// source has: its end ends the source, and a failure part-way is an error,
// since opening it again would repeat its frames from the first.
func TestReconnectingSourceReadsARecordingOnce(t *testing.T) {
	for _, end := range []error{io.EOF, errors.New("Input/output error")} {
		opened := 0
		open := func(<-chan struct{}) (pipeline.Source[*media.Frame], error) {
			opened++
			return &servedRecording{droppingStream: droppingStream{n: 3, stopped: new(int)}, end: end}, nil
		}
		s, err := newReconnecting("http://host/clip.ts", backoff.DefaultPolicy(), open)
		if err != nil {
			t.Fatal(err)
		}
		var log testlog.Buffer
		if err := s.Start(&pipeline.Env{Log: zerolog.New(&log), Now: time.Now}); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, _, err := s.Next(); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err = s.Next()
		if end == io.EOF && err != io.EOF {
			t.Fatalf("at the recording's end: %v, want io.EOF", err)
		}
		if end != io.EOF && (!errors.Is(err, end) || !strings.Contains(err.Error(), "failed part-way")) {
			t.Fatalf("after a failure part-way: %v, want it, saying the recording is not reopened", err)
		}
		if opened != 1 || strings.Contains(log.String(), "reconnecting") {
			t.Fatalf("a recording ending with %v was opened %d times, log:\n%s", end, opened, log.String())
		}
	}
}

// A stream whose codec passthrough cannot hand on (HEVC) fails at once,
// with retries for ever: reopening it gives the same codec.
func TestReconnectingSourceDoesNotRetryPassthroughOfAnotherCodec(t *testing.T) {
	hevc := fmt.Errorf("%w: %q has hevc video", ffmpeg.ErrNotH264, "udp://cam:5000")
	opened := 0
	open := func(<-chan struct{}) (pipeline.Source[*media.Frame], error) {
		opened++
		return nil, hevc
	}
	for _, retries := range []int{backoff.Forever, 0} {
		policy := backoff.DefaultPolicy()
		policy.Retries = retries
		s, err := newReconnecting("udp://cam:5000", policy, open)
		if err != nil {
			t.Fatal(err)
		}
		opened = 0
		err = s.Start(&pipeline.Env{Log: zerolog.Nop(), Now: time.Now})
		if !errors.Is(err, ffmpeg.ErrNotH264) || opened != 1 || strings.Contains(err.Error(), "down at start") {
			t.Errorf("retries=%d: Start: %v after %d opens; want the codec's error at the first, not \"down at start\"", retries, err, opened)
		}
	}
}

// An .sdp file that cannot be read fails the source at start, with
// retries for ever; once its stream opened, it is tried again, as a sender
// that restarts writes it again and may be caught in the middle.
func TestReconnectingSourceRetriesASessionFileOnlyOnceItOpened(t *testing.T) {
	missing := fmt.Errorf("%w %q: no such file or directory", ffmpeg.ErrSessionFile, "cam.sdp")
	atStart := &fakeCamera{n: 1, down: map[int]bool{1: true}, failure: missing}
	s, err := newReconnecting("cam.sdp", backoff.DefaultPolicy(), atStart.open)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(&pipeline.Env{Log: zerolog.Nop(), Now: time.Now}); !errors.Is(err, ffmpeg.ErrSessionFile) || atStart.opened != 1 {
		t.Fatalf("Start = %v after %d openings, want the file's error at once", err, atStart.opened)
	}

	rewritten := &fakeCamera{n: 1, down: map[int]bool{2: true, 3: true}, failure: missing}
	var log testlog.Buffer
	s, _ = reconnectingTo(t, rewritten, backoff.Forever, &log)
	for range 2 {
		if _, _, err := s.Next(); err != nil {
			t.Fatalf("%v after %d openings; log:\n%s", err, rewritten.opened, log.String())
		}
	}
	if rewritten.opened != 4 {
		t.Fatalf("opened %d times, want 4", rewritten.opened)
	}
}

// A camera that is not there at start, or a server that refuses the
// URL's credentials, fails the source at once, with retries for ever: it
// is the user's to fix. Once it streamed, a camera that drops (unplugged,
// a USB reset, a network camera that reboots and refuses its accounts
// until they are loaded) is waited for through the openings that fail so,
// and goes on.
func TestReconnectingSourceWaitsForACameraOnlyOnceItStreamed(t *testing.T) {
	for _, failure := range []error{
		fmt.Errorf("%w %q: %w", ffmpeg.ErrOpen, "/dev/video0", ffmpeg.ErrCameraUnavailable),
		fmt.Errorf("%w %q: %w", ffmpeg.ErrOpen, "rtsp://admin:***@cam/stream", ffmpeg.ErrUnauthorized),
	} {
		atStart := &fakeCamera{n: 1, down: map[int]bool{1: true}, failure: failure}
		s, err := newReconnecting("/dev/video0", backoff.DefaultPolicy(), atStart.open)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(&pipeline.Env{Log: zerolog.Nop(), Now: time.Now}); !errors.Is(err, failure) || atStart.opened != 1 {
			t.Fatalf("Start = %v after %d openings, want %v at once", err, atStart.opened, failure)
		}

		dropped := &fakeCamera{n: 2, down: map[int]bool{2: true, 3: true, 4: true}, failure: failure}
		var log testlog.Buffer
		s, _ = reconnectingTo(t, dropped, backoff.Forever, &log)
		for want := range uint64(4) {
			f, _, err := s.Next()
			if err != nil {
				t.Fatalf("%v: frame %d: %v after %d openings; log:\n%s", failure, want, err, dropped.opened, log.String())
			}
			if f.Seq != want {
				t.Fatalf("frame %d has Seq %d", want, f.Seq)
			}
		}
		if dropped.opened != 5 {
			t.Fatalf("%v: opened %d times, want 5 (the 2nd to 4th failed)", failure, dropped.opened)
		}
	}
}
