package elements

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/backoff"
	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// ErrStreamLost means a network stream dropped, or was down at start, and
// did not come back within its retries. The error names the stream and
// wraps the last failure.
var ErrStreamLost = errors.New("stream lost")

// ErrNeverOpened means a network stream was down from the start until the
// pipeline stopped: the source gave nothing because its stream never
// opened (a camera URL that never answered). The error names the stream,
// how long it was down and the last failure.
var ErrNeverOpened = errors.New("stream never opened")

// ErrNothingDelivered means an input opened but delivered no frame (no
// packet, in passthrough) before the pipeline stopped it or it ended: a
// network camera that answered and then sent no picture, a device that
// gave none, a file without a picture it could read (empty, or audio
// only). The error names the input, and how long it gave nothing when
// the pipeline stopped it.
var ErrNothingDelivered = errors.New("stream delivered nothing")

// retryWarnInterval spaces the warnings of a camera that stays down: the
// first failure is logged, then one line per interval saying how many
// attempts it stands for.
const retryWarnInterval = 30 * time.Second

// finite is a stream that may end: a recording (over HTTP, a file with a
// length) ends at its end instead of being opened again, and a failure
// part-way through it is an error, since opening it again would start it
// again from its beginning and repeat what was already read.
type finite interface{ Finite() bool }

// reconnecting is a source over a network stream that opens the stream
// again, with the waits of a backoff policy, when it drops or ends (a camera
// that rebooted), or when it is down at start. A stream that says it is
// finite (a recording) is only waited for at start: it ends at its end, and
// a failure part-way through it is an error. Every opening is a new stream, with a new
// Epoch: downstream waits for its first keyframe (its frames go on
// counting, as Frame.Seq numbers a source's frames), and each opening
// after the stream dropped counts in the node's restarts. It gives up with
// ErrStreamLost after the policy's retries, and ends its stream cleanly
// when the pipeline stops while it waits, opens or reads, once the stream
// delivered an item; a stream that never opened before the pipeline
// stopped ends with ErrNeverOpened instead, and one that opened but
// delivered nothing with ErrNothingDelivered, so that a run whose camera
// never answered, or never sent a picture, does not pass for one that ran.
type reconnecting[T media.Item] struct {
	// location is the stream's, as messages show it (credentials.Redact).
	location string
	open     func(stop <-chan struct{}) (pipeline.Source[T], error) // opens the stream; a blocking call ends when stop closes
	policy   backoff.Policy
	after    func(time.Duration) <-chan time.Time // the wait's timers; nil: real time

	env     *pipeline.Env
	src     pipeline.Source[T] // nil while the stream is down
	backoff *backoff.Backoff
	opened  int       // how many times the stream was opened
	items   uint64    // how many items it delivered, over all its openings
	lastErr error     // why the stream is down
	downAt  time.Time // when it went down
	startAt time.Time // when Start began opening it
	warn    lograte.Limiter
	// Frames number a source's frames: those of a reopened stream go on
	// from nextFrame, where each opening counts from 0.
	frameBase, nextFrame uint64
}

func newReconnecting[T media.Item](location string, policy backoff.Policy, open func(stop <-chan struct{}) (pipeline.Source[T], error)) (*reconnecting[T], error) {
	b, err := backoff.New(policy, nil)
	if err != nil {
		return nil, err
	}
	return &reconnecting[T]{location: location, open: open, policy: policy, backoff: b,
		warn: lograte.Limiter{Interval: retryWarnInterval}}, nil
}

// Start opens the stream. A stream that is down is an error when the policy
// allows no retries; otherwise a warning, and Next keeps trying.
func (s *reconnecting[T]) Start(env *pipeline.Env) error {
	s.env, s.startAt = env, env.Now()
	if err := s.connect(); err != nil {
		if !retryable(err) {
			return err
		}
		if s.policy.Retries == 0 {
			return s.notRetrying("is down at start", err)
		}
		s.down(err, "stream is down at start; retrying")
	}
	return nil
}

// notRetrying is the error of a stream that failed (what: "is down at
// start", "dropped") when the policy allows no retries.
func (s *reconnecting[T]) notRetrying(what string, err error) error {
	return fmt.Errorf("%w: %q %s, and retries=0: not retrying: %w", ErrStreamLost, s.location, what, err)
}

func (s *reconnecting[T]) Stop() error {
	if s.src == nil {
		return nil
	}
	err := s.src.Stop()
	s.src = nil
	return err
}

// Next returns the stream's next item, across reconnections.
func (s *reconnecting[T]) Next() (T, time.Time, error) {
	for {
		if s.src == nil {
			if err := s.reconnect(); err != nil {
				if err == io.EOF {
					err = s.stoppedEarly(true)
				}
				var zero T
				return zero, time.Time{}, err
			}
		}
		item, due, err := s.src.Next()
		if err == nil {
			s.items++
			if f, ok := any(item).(*media.Frame); ok {
				f.Seq += s.frameBase
				s.nextFrame = f.Seq + 1
			}
			return item, due, nil
		}
		f, ok := s.src.(finite)
		recording := ok && f.Finite()
		if stopErr := s.Stop(); stopErr != nil {
			s.env.Log.Debug().Err(stopErr).Msg("closing the lost stream")
		}
		if s.stopping() { // interrupted as the pipeline stops
			var zero T
			return zero, time.Time{}, s.stoppedEarly(false)
		}
		if recording && err == io.EOF { // at its end
			var zero T
			return zero, time.Time{}, io.EOF
		}
		if recording {
			var zero T
			return zero, time.Time{}, fmt.Errorf("%q, a recording (it has a length), failed part-way, "+
				"and is not reopened: it would start again from its beginning: %w", s.location, err)
		}
		if err == io.EOF {
			err = fmt.Errorf("%q ended", s.location) // a camera's stream has no end of its own
		}
		if !retryable(err) { // reopened, it would fail the same
			var zero T
			return zero, time.Time{}, fmt.Errorf("%w: %q: %w", ErrStreamLost, s.location, err)
		}
		if s.policy.Retries == 0 {
			var zero T
			return zero, time.Time{}, s.notRetrying("dropped", err)
		}
		s.down(err, "stream lost; reconnecting")
	}
}

// stoppedEarly is how the stream ends when the pipeline stops it: io.EOF
// (a clean end) once it delivered an item; else ErrNeverOpened when it
// was down from the start, or ErrNothingDelivered when it opened but gave
// nothing, with why it is down when it was (down: the stop came while it
// waited to reopen).
func (s *reconnecting[T]) stoppedEarly(down bool) error {
	since := s.env.Now().Sub(s.startAt).Round(time.Millisecond)
	switch {
	case s.items > 0:
		return io.EOF
	case s.opened == 0:
		return fmt.Errorf("%w: %q did not open in the %v from the start until the pipeline stopped; the last failure: %w",
			ErrNeverOpened, s.location, since, s.lastErr)
	case down && s.lastErr != nil:
		return fmt.Errorf("%w: %q opened but delivered no %s in the %v from the start until the pipeline stopped; the last failure: %w",
			ErrNothingDelivered, s.location, itemName[T](), since, s.lastErr)
	}
	return nothingDelivered(deliveryEnd{location: s.location, item: itemName[T](), since: since, stopped: true})
}

// itemName names the items of a source of T: frames, or packets in
// passthrough.
func itemName[T media.Item]() string {
	var zero T
	if _, ok := any(zero).(*media.Packet); ok {
		return "packet"
	}
	return "frame"
}

// stopping reports whether the pipeline is stopping.
func (s *reconnecting[T]) stopping() bool { return stopped(s.env) }

// connect opens and starts the stream.
func (s *reconnecting[T]) connect() error {
	src, err := s.open(s.env.Stopping)
	if err != nil {
		return err
	}
	if err := src.Start(s.env); err != nil {
		_ = src.Stop()
		return err
	}
	s.src, s.frameBase = src, s.nextFrame
	s.opened++
	return nil
}

// retryable reports whether opening the stream again may cure err: not
// when its options are wrong (a misspelled option, an unknown format) or
// ask what its codec cannot give (passthrough of HEVC), or its sender
// leaves out what decoding needs (an RTP stream without parameter sets),
// or its .sdp file cannot be read, or the server refuses its credentials,
// or the stream holds no video at all (an audio-only path), which the next
// attempt would meet again (but see reopenable).
func retryable(err error) bool {
	return !errors.Is(err, ffmpeg.ErrBadOption) && !errors.Is(err, ffmpeg.ErrNotH264) &&
		!errors.Is(err, ffmpeg.ErrNoParameterSets) && !errors.Is(err, ffmpeg.ErrSessionFile) &&
		!errors.Is(err, ffmpeg.ErrCameraUnavailable) && !errors.Is(err, ffmpeg.ErrUnauthorized) &&
		!errors.Is(err, ffmpeg.ErrNoVideoStream)
}

// reopenable reports whether an attempt to reopen the stream that failed
// with err is worth another: when err is retryable, or, once the stream
// opened before, an .sdp file that could not be read, since a sender that
// restarts writes its file again (ffmpeg -sdp_file empties it first) and
// the attempt may have come while it was missing or half written, or a
// camera that is not there or busy, since a camera that was unplugged or
// reset comes back at its path, or a server that refused access, since
// the credentials worked before (a camera that reboots may refuse them
// until its accounts are loaded), or a stream without video, since it had
// video before (a relay's path between two publishers, a sender that
// restarted with its sound first). At start each fails at once: it is the
// user's to fix.
func (s *reconnecting[T]) reopenable(err error) bool {
	return retryable(err) || (s.opened > 0 && (errors.Is(err, ffmpeg.ErrSessionFile) || errors.Is(err, ffmpeg.ErrCameraUnavailable) ||
		errors.Is(err, ffmpeg.ErrUnauthorized) || errors.Is(err, ffmpeg.ErrNoVideoStream)))
}

// down notes that the stream went down because of err, and warns.
func (s *reconnecting[T]) down(err error, msg string) {
	s.lastErr, s.downAt = err, s.env.Now()
	s.backoff.Reset()
	s.warn = lograte.Limiter{Interval: retryWarnInterval}
	s.warn.Allow(s.downAt)
	s.env.Log.Warn().Err(err).Str("location", s.location).Msg(msg)
}

// reconnect waits and tries again until the stream is back (nil), the
// retries are spent (ErrStreamLost) or the pipeline stops (io.EOF: the
// stream ends cleanly).
func (s *reconnecting[T]) reconnect() error {
	for {
		wait, ok := s.backoff.Next()
		if !ok {
			attempts := fmt.Sprintf("%d attempts", s.backoff.Attempt())
			if s.backoff.Attempt() == 1 {
				attempts = "1 attempt"
			}
			return fmt.Errorf("%w: %q, after %s to reopen it: %w", ErrStreamLost, s.location, attempts, s.lastErr)
		}
		if backoff.Wait(wait, s.env.Stopping, s.after) != nil {
			return io.EOF
		}
		err := s.connect()
		if err != nil && s.stopping() {
			return io.EOF
		}
		if err != nil && !s.reopenable(err) {
			return fmt.Errorf("%w: %q: %w", ErrStreamLost, s.location, err)
		}
		if err == nil {
			if s.opened > 1 { // open before: a restart, not a late start
				s.env.Restarted()
			}
			s.env.Log.Info().Str("location", s.location).Stringer("down", s.env.Now().Sub(s.downAt)).
				Int("attempts", s.backoff.Attempt()).Msg("stream is back")
			return nil
		}
		s.lastErr = err
		if ok, n := s.warn.Allow(s.env.Now()); ok {
			s.env.Log.Warn().Err(err).Str("location", s.location).Uint64("attempts", n).
				Stringer("down", s.env.Now().Sub(s.downAt)).Msg("stream still down; retrying")
		}
	}
}
