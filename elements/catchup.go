package elements

import (
	"time"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// catchUpAfter is how late a camera's decoded picture may be taken by its
// chain (now less when its packets came) before it is dropped
// for a newer one already come: a few frames of a 25 frames/s camera, as
// a live test pattern's pacer lets its chain fall a few frames behind.
const catchUpAfter = 200 * time.Millisecond

// catchUpWarnEvery spaces the warnings of a camera whose chain is behind.
const catchUpWarnEvery = 10 * time.Second

// tooLate reports whether a camera's picture of age age is to be dropped
// for a newer one, when one is there to take instead.
func tooLate(age time.Duration) bool { return age > catchUpAfter }

// inputWaited is how long a reading of FFmpeg's reader must have waited
// for its input to say that nothing was behind it: a read from a backlog
// takes microseconds, one of a camera kept up with most of a frame.
const inputWaited = 2 * time.Millisecond

// backlog tells how far behind its stream the chain of a live input read
// by FFmpeg's reader takes its pictures, where the moment the packets came
// is not known (FFmpeg reads them from the connection as asked): a picture
// taken as long after its capture time as the last one read from an input
// that had to wait for it (whose chain had taken all there was) is not
// behind; one taken later is behind by the difference. Measured against
// such a picture, not the first, the camera's clock drifting from this
// machine's does not count, nor a stream that comes in bursts (a live HLS
// playlist's segments): each burst's first reading waits.
//
// It is a plain value owned by one source.
type backlog struct {
	ref      time.Duration // taken less capture time, of a picture not behind
	haveRef  bool
	last     time.Time     // the last picture's capture time
	interval time.Duration // between the last two pictures' capture times
}

// behind returns how far behind its stream a picture with capture time
// capture is, taken at now after a reading that waited for its input as
// long as waited.
func (b *backlog) behind(now, capture time.Time, waited time.Duration) time.Duration {
	late := now.Sub(capture)
	if waited >= inputWaited || !b.haveRef || late < b.ref {
		b.ref, b.haveRef = late, true
	}
	if !b.last.IsZero() && capture.After(b.last) {
		b.interval = capture.Sub(b.last)
	}
	b.last = capture
	return late - b.ref
}

// newerCame reports whether a picture behind its stream by behind is to
// be dropped for a newer one: it is too late (tooLate), and the stream's
// next picture was due before now, so that one has come (a slow camera, a
// picture every few seconds, is not dropped for one that may be seconds
// away).
func (b *backlog) newerCame(behind time.Duration) bool {
	return tooLate(behind) && behind > b.interval
}

// newestFrame hands on, for f, a live stream's newest picture when its
// chain took f too late (see backlog): FFmpeg's reader decodes the
// pictures read since, and the older are dropped, counted and warned of,
// so that a camera read by FFmpeg whose chain is slower than it stays its
// newest picture behind, not a backlog that grows in its connection. An
// error reading a newer one comes at the next call, f going out first.
func (s *videoSrc[T]) newestFrame(f *media.Frame) *media.Frame {
	for s.backlog.newerCame(s.backlog.behind(s.env.Now(), f.CaptureTime, s.r.ReadTook())) {
		newer, err := s.r.ReadFrame()
		if err != nil {
			s.failed = err
			break
		}
		f.Release()
		f = newer
		droppedForNewer(s.env, &s.behind, s.skips.location)
	}
	return f
}

// droppedForNewer counts a camera's picture dropped for a newer one, and
// warns of those dropped, at most once per its limiter's interval
// (catchUpWarnEvery), naming the camera's location.
func droppedForNewer(env *pipeline.Env, behind *lograte.Limiter, location string) {
	env.Dropped(1)
	if ok, n := behind.Allow(env.Now()); ok {
		env.Log.Warn().Str("location", location).Uint64("dropped_since_last_warning", n).
			Msg("the camera's chain takes its pictures more slowly than they come: dropping the older, handing on the newest")
	}
}
