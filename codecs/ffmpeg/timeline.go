package ffmpeg

import (
	"math"
	"time"
)

// noTimestamp is FFmpeg's AV_NOPTS_VALUE: a timestamp the stream does not
// give.
const noTimestamp = math.MinInt64

// AssumedFrameRate is the frame rate of a stream that states none (a raw
// H.264 file without VUI timing): 25 frames/s, as ffprobe assumes.
const AssumedFrameRate = 25.0

// MaxTimestampGap is how far forward the timestamps of an input whose
// format may restart its clock (MPEG-TS: an encoder that restarted, files
// joined) may jump before the jump is taken for a discontinuity and
// re-based, as FFmpeg's -dts_delta_threshold does. A smaller jump is a gap
// in the stream: its pictures keep it.
const MaxTimestampGap = 10 * time.Second

// timeline maps a stream's timestamps, in ticks of its time base, to capture
// times, once: the first presentation timestamp is the moment the reader
// opened, and every later one lies as far after it as the stream says. A
// file's wall clock is read only for that moment, so a file read faster or
// slower than real time keeps its own timing, and a stream without
// timestamps gets them from its frame rate.
//
// A timestamp that goes back by more than a frame (or, for a format that
// may restart its clock, forward by more than MaxTimestampGap) is put a
// frame after the last picture or packet, keeping a packet's composition
// offset, and counted once as repaired. Whether it was one bad timestamp
// or a discontinuity the next one tells, without holding anything back:
// when the next follows the last before it as the stream's clock went, the
// bad one alone was repaired (as FFmpeg's -c copy repairs it); when it
// follows the jumped one, the clock jumped, and the timestamps from the
// jumped one on are re-based, keeping their own spacing. A smaller step
// back is jitter: that one timestamp is repaired.
//
// A live input's discontinuity (an encoder that restarted after an outage)
// is re-based to the moment it is read, so that the outage stays a gap
// (see live).
//
// It is a plain value owned by one Reader.
type timeline struct {
	start    time.Time
	num, den int64 // the time base: num/den seconds per tick
	frame    int64 // ticks per frame, at least 1
	origin   int64 // the timestamp that maps to start
	started  bool
	// shift is added to the stream's timestamps: the sum of the
	// re-basings of its discontinuities.
	shift int64
	// ahead, when positive, is how many ticks forward a timestamp may
	// jump before it is a discontinuity (see mayRestart).
	ahead int64
	// jumps counts the discontinuities re-based; lastJump is how far the
	// stream's clock jumped at the last one from where the timestamp was
	// due (a frame after the last), back when negative.
	jumps    int
	lastJump time.Duration
	// suspect is the timestamp that jumped last, put a frame after the one
	// before it, until the next timestamp says whether the clock jumped.
	suspect suspectJump
	// warned limits the Reader's warnings of jumps.
	warned jumpLog
	// now, when set, is the clock of a live input: read is when the
	// picture or packet being timed was read, and lead how far ahead of
	// its reading any capture time has been at most (what was read while
	// the input opened; never above 0 with notAhead), which a
	// discontinuity keeps.
	now      func() time.Time
	read     time.Time
	lead     time.Duration
	haveLead bool
	clamp    bool // see notAhead
	// The last presentation timestamp of a picture and decode timestamp
	// of a packet given out.
	lastPicture, lastDecode int64
	havePicture, haveDecode bool
	// guessedDecode says the last decode time was made up: the stream
	// gave none; guessedPicture, the last picture's; guessedAll, every
	// picture's so far.
	guessedDecode, guessedPicture, guessedAll bool
	// untimed says every packet so far had neither timestamp.
	untimed bool
	// repaired counts timestamps the stream gave that went back (a picture
	// not after the last, a decode time not after the last, a packet
	// presented before it is decoded) and were replaced.
	repaired int
	// arrival, when set, stamps each picture and packet with its time
	// when it is read, in place of its timestamps (see arriving).
	arrival func() time.Time
	last    time.Time // the last arrival stamp
	// firstRead is when a live input's first packet was read, firstTS its
	// timestamp (see packetRead).
	firstRead time.Time
	firstTS   int64
	readFirst bool
}

// mayRestart makes t re-base a jump forward of more than MaxTimestampGap
// too, for a format whose clock may restart (FFmpeg's AVFMT_TS_DISCONT).
func (t *timeline) mayRestart() {
	t.ahead = t.den * int64(MaxTimestampGap/time.Second) / t.num
}

// presentsFrom says that the stream's first picture to be shown has
// timestamp ts (its start time): a file whose edit list starts it after
// its first keyframe, whose packets before ts are decoded but not shown.
// When the first packet lies before ts, ts is the moment of opening, as it
// is for the first picture a decoding Reader shows; the packets before it
// get capture times before it. It reports whether the first packet does.
func (t *timeline) presentsFrom(ts, first int64) bool {
	if t.started || ts == noTimestamp || first == noTimestamp || first+t.shift >= ts {
		return false
	}
	t.origin, t.started = ts, true
	return true
}

// suspectJump is a timestamp that jumped, waiting for the next to say
// whether the stream's clock did.
type suspectJump struct {
	pending bool
	ref     int64 // the timestamp, as the stream gave it
	last    int64 // the timestamp before it, shifted
	shift   int64 // the shift before it
	step    int64 // how far it jumped from last
}

// live makes t re-base a discontinuity to the moment now gives as it is
// read, moved as far ahead as capture times have been of their reading,
// when that is later than a frame after the last: for a live input, whose
// outage (an encoder that restarted, a network that failed) is a gap in
// time, as a camera's clock keeps it. The lead matters: a live input's
// capture times may run ahead of the moments its packets are read by what
// was read while it opened (see notAhead), and the last packet before an
// outage may be read only once the next comes (MPEG-TS ends a packet when
// the next begins). A
// file's discontinuities go on a frame after the last.
func (t *timeline) live(now func() time.Time) { t.now = now }

// reading notes when a live input's picture or packet is read.
func (t *timeline) reading() {
	if t.now != nil {
		t.read = t.now()
	}
}

// notAhead makes a live t (see live) stamp no picture or packet later
// than the moment it is read: for an input that is read as it is made (a
// pipe, a network stream, a camera), whose capture times cannot be in the
// future. Not for a raw H.264 file, which has no duration either but is
// read faster than real time.
func (t *timeline) notAhead() { t.clamp = true }

// leads notes how far ahead of its reading a live input's capture time
// is, and returns it; with notAhead, never later than its reading. One that
// runs ahead (a writer that sent faster than real time, packets buffered
// before the timeline started) is put at its reading, and the timeline
// starts over that much earlier: those after it keep their spacing, and
// capture times still grow, since the earlier ones were no later than
// their own reading.
func (t *timeline) leads(capture time.Time) time.Time {
	if t.now != nil {
		if ahead := capture.Sub(t.read); t.clamp && ahead > 0 {
			t.start = t.start.Add(-ahead)
			capture = t.read
		}
		if d := capture.Sub(t.read); !t.haveLead || d > t.lead {
			t.lead, t.haveLead = d, true
		}
	}
	return capture
}

// arriving makes t stamp pictures and packets with the time now gives as
// each is read, as GStreamer's do-timestamp does: for a live stream whose
// format carries no timestamps (an MJPEG camera over HTTP), where FFmpeg
// makes them up from an assumed frame rate that is not the camera's.
// Stamps still grow: one that would not follow the last is put just after
// it.
func (t *timeline) arriving(now func() time.Time) { t.arrival = now }

// arrived returns the arrival stamp of the picture or packet read now.
func (t *timeline) arrived() time.Time {
	at := t.arrival()
	if !at.After(t.last) && !t.last.IsZero() {
		at = t.last.Add(time.Nanosecond)
	}
	t.last = at
	return at
}

// newTimeline returns a timeline of a stream with time base num/den seconds
// that starts at start, filling missing timestamps at rate frames/s
// (AssumedFrameRate when rate is not positive).
func newTimeline(start time.Time, num, den int, rate float64) timeline {
	if num <= 0 || den <= 0 {
		num, den = 1, int(time.Second) // no time base: count in nanoseconds
	}
	if rate <= 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		rate = AssumedFrameRate
	}
	frame := max(int64(math.Round(float64(den)/(float64(num)*rate))), 1)
	return timeline{start: start, num: int64(num), den: int64(den), frame: frame}
}

// setRate sets the frame rate that fills missing timestamps, before any
// picture or packet is timed: that of a raw H.264 stream's first SPS, read
// after its probe saw none.
func (t *timeline) setRate(rate float64) {
	if rate > 0 && !math.IsInf(rate, 0) {
		t.frame = max(int64(math.Round(float64(t.den)/(float64(t.num)*rate))), 1)
	}
}

// picture returns the capture time of a decoded picture, whose best-effort
// timestamp is ts. Pictures come in presentation order: a missing
// timestamp, or one not after the last picture's, follows the last picture
// by a frame, so that capture times always grow.
func (t *timeline) picture(ts int64) time.Time {
	if t.arrival != nil {
		return t.arrived()
	}
	t.reading()
	guessed, all := t.guessedPicture, t.guessedAll || !t.havePicture
	t.guessedPicture = ts == noTimestamp
	t.guessedAll = all && t.guessedPicture
	if ts != noTimestamp && t.havePicture {
		t.settle(ts)
		if !guessed {
			t.rebase(ts, t.lastPicture) // then ts follows the last
		}
	}
	ts = t.shifted(ts)
	switch {
	case ts != noTimestamp && t.havePicture && guessed && (all || ts <= t.lastPicture):
		// The last picture's time was made up (the first at 0, another a
		// frame after the one before): the stream's own go on a frame
		// after it, not counted repaired. An RTP stream's parser gives the
		// first picture none.
		t.shift += t.lastPicture + t.frame - ts
		ts = t.lastPicture + t.frame
	case ts != noTimestamp && (!t.havePicture || ts > t.lastPicture):
	case t.havePicture:
		if ts != noTimestamp {
			t.repaired++
		}
		ts = t.lastPicture + t.frame
	default:
		ts = 0
	}
	t.lastPicture, t.havePicture = ts, true
	return t.leads(t.at(ts))
}

// packet returns the presentation (capture) time of a packet passed through
// in decode order, with timestamps pts and dts, and how long after its
// decode time it is presented. Decode times grow: a missing decode
// timestamp is the presentation timestamp for the first packet, else just
// after the last; without either the packet follows the last by a frame. A
// packet is never presented before it is decoded. A packet whose decode
// timestamp (else its presentation timestamp) jumps is re-based (see
// timeline); a repaired packet is counted once.
func (t *timeline) packet(pts, dts int64) (capture time.Time, offset time.Duration) {
	return t.packetOf(pts, dts, false)
}

// packetOf is packet for a packet that the demuxer may have flagged
// outside every edit of an edit list (discard): the packets before the
// first picture an edit shows, which its pictures need. Where such a
// packet jumps, an edit after the first starts (FFmpeg gives each edit's
// packets with their own timestamps): the packets go on a frame after the
// last at once, neither repaired nor a jump.
func (t *timeline) packetOf(pts, dts int64, discard bool) (capture time.Time, offset time.Duration) {
	if t.arrival != nil {
		return t.arrived(), 0
	}
	t.reading()
	rebased := false
	untimed := t.untimed || !t.haveDecode
	t.untimed = untimed && pts == noTimestamp && dts == noTimestamp
	if ref := dts; t.haveDecode {
		if ref == noTimestamp {
			ref = pts
		}
		switch {
		case ref == noTimestamp:
		case untimed:
			// The packets before had no timestamps and went a frame apart
			// from 0: the stream's own go on a frame after the last. An RTP
			// stream's parser gives the first packet none.
			t.shift, rebased = t.lastDecode+t.frame-ref, true
		case discard && t.jumped(ref+t.shift-t.lastDecode):
			t.suspect.pending = false
			t.shift, rebased = t.lastDecode+t.frame-ref, true
		default:
			t.settle(ref)
			rebased = t.rebase(ref, t.lastDecode)
		}
	}
	pts, dts = t.shifted(pts), t.shifted(dts)
	repaired, guessed := false, dts == noTimestamp
	switch {
	case dts == noTimestamp && pts == noTimestamp:
		dts = t.nextDecode(t.frame)
	case dts == noTimestamp && !t.haveDecode:
		dts = pts
	case dts == noTimestamp || (t.haveDecode && dts <= t.lastDecode):
		// Not the stream's fault when the last decode time was guessed
		// (Matroska gives none for the first packets of a stream with
		// B-frames).
		repaired = dts != noTimestamp && !t.guessedDecode
		dts = t.nextDecode(1)
	}
	if pts != noTimestamp && pts < dts {
		repaired = repaired || !guessed
	}
	if pts == noTimestamp || pts < dts {
		pts = dts
	}
	if repaired && !rebased {
		t.repaired++
	}
	t.lastDecode, t.haveDecode, t.guessedDecode = dts, true, guessed
	capture = t.leads(t.at(pts))
	return capture, capture.Sub(t.at(dts))
}

// rebase checks ts, a timestamp as the stream gave it, against last, the
// one before it, shifted: when ts jumps it shifts the timestamps from ts on
// so that ts follows last by a frame (for a live input, is at the moment
// it is read, if later; see live), counts it once as repaired, keeps it as the
// suspect the next timestamp settles, and reports true.
func (t *timeline) rebase(ts, last int64) bool {
	step := ts + t.shift - last
	if !t.jumped(step) {
		return false
	}
	t.suspect = suspectJump{pending: true, ref: ts, last: last, shift: t.shift, step: step}
	to := last + t.frame
	if t.now != nil && t.haveLead {
		to = max(to, t.origin+t.ticks(t.read.Add(t.lead).Sub(t.start)))
	}
	t.shift = to - ts
	t.repaired++
	return true
}

// jumped reports whether a step from one timestamp to the next is a jump.
func (t *timeline) jumped(step int64) bool {
	return step < -t.frame || (t.ahead > 0 && step > t.ahead)
}

// settle says, with ts, the timestamp after a suspect as the stream gave
// it, whether the suspect was a discontinuity: when ts follows it, nearer a
// frame than it follows the timestamp before it on the old clock, the
// clock jumped and its re-basing stays; otherwise the suspect alone was
// bad and the old clock goes on.
func (t *timeline) settle(ts int64) {
	s := t.suspect
	if !s.pending {
		return
	}
	t.suspect.pending = false
	onNew, onOld := ts-s.ref, ts+s.shift-s.last
	if !t.jumped(onNew) && absTicks(onNew-t.frame) < absTicks(onOld-t.frame) {
		t.jumps++
		t.lastJump = t.duration(s.step - t.frame) // from where it was due
		return
	}
	t.shift = s.shift
}

func absTicks(d int64) int64 {
	if d < 0 {
		return -d
	}
	return d
}

// ticks converts a duration to ticks of the time base.
func (t *timeline) ticks(d time.Duration) int64 {
	return int64(math.Round(d.Seconds() * float64(t.den) / float64(t.num)))
}

// shifted returns ts re-based by the discontinuities so far.
func (t *timeline) shifted(ts int64) int64 {
	if ts == noTimestamp {
		return ts
	}
	return ts + t.shift
}

func (t *timeline) nextDecode(step int64) int64 {
	if !t.haveDecode {
		return 0
	}
	return t.lastDecode + step
}

// at maps a timestamp to a capture time; the first one it sees is start,
// or for a live input read as it is made its moment (see packetRead).
func (t *timeline) at(ts int64) time.Time {
	if !t.started {
		t.origin, t.started = ts, true
		if t.clamp {
			t.start = t.firstMoment(ts)
		}
	}
	return t.start.Add(t.duration(ts - t.origin))
}

// packetRead notes the timestamp of a packet of the stream as it is read
// (its presentation timestamp, else its decode timestamp): of a live input
// read as it is made (see notAhead), the first is the moment its timeline
// starts from. Its first picture may come later than its opening: a camera
// joined inside a GOP shows nothing before its next keyframe, a second or
// more on, and a camera's session takes its time to set up.
func (t *timeline) packetRead(pts, dts int64) {
	if !t.clamp || t.readFirst {
		return
	}
	t.readFirst, t.firstRead, t.firstTS = true, t.now(), pts
	if pts == noTimestamp {
		t.firstTS = dts
	}
}

// firstMoment returns the moment of a live input's first timed picture or
// packet, with timestamp ts: as long after its first packet's reading as
// the stream's clock says, when it says (within MaxTimestampGap), else the
// moment it is read. A moment too late is no harm: the first picture was
// read no earlier than it came, and those read after it that lead their
// reading move the start back (see leads); one too early would stay.
func (t *timeline) firstMoment(ts int64) time.Time {
	if t.readFirst && t.firstTS != noTimestamp && ts != noTimestamp && ts >= t.firstTS && ts-t.firstTS <= t.ticks(MaxTimestampGap) {
		return t.firstRead.Add(t.duration(ts - t.firstTS))
	}
	return t.read
}

// duration converts d ticks to a duration.
func (t *timeline) duration(d int64) time.Duration {
	sec := d / t.den * t.num
	rest := d % t.den * t.num // |rest| < den*num: no overflow for sane time bases
	return time.Duration(sec)*time.Second + time.Duration(rest*int64(time.Second)/t.den)
}

// jumpLines is how many jumps jumpLog lets the log say in a row, within
// jumpBurst, before it holds the rest back: each jump of a stream is said,
// but a stream whose timestamps are garbage does not flood the log.
const (
	jumpLines = 5
	jumpBurst = 10 * time.Second
)

// jumpLog limits the lines that say a stream's timestamps jumped to
// jumpLines in any jumpBurst that starts with a line; the next line let
// through says how many it stands for. It is a plain value owned by one
// Reader.
type jumpLog struct {
	since time.Time // the first line of the burst
	lines int       // the lines said since
	held  uint64    // jumps not said since the last line
}

// allow reports whether a jump at now may be said, and how many jumps the
// line stands for: itself and those held back before it.
func (l *jumpLog) allow(now time.Time) (ok bool, count uint64) {
	l.held++
	if d := now.Sub(l.since); l.since.IsZero() || d < 0 || d >= jumpBurst {
		l.since, l.lines = now, 0
	}
	if l.lines >= jumpLines {
		return false, 0
	}
	l.lines++
	count, l.held = l.held, 0
	return true, count
}
