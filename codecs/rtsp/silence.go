package rtsp

import (
	"fmt"
	"time"
)

// paceWindow is how many of a camera's latest picture intervals its pace
// is the longest of: a trigger-driven camera's pictures come unevenly, and
// its stream may be silent as long as its longest recent wait, while one
// that slowed for a moment (a reboot of its encoder, a burst of motion)
// stops counting a few pictures later.
const paceWindow = 8

// maxPace bounds how far apart a camera's pictures may be taken to come,
// and so how long its stream may send nothing before it is taken for
// lost: a minute beyond timeout=. A camera slower than a picture a minute
// needs a longer timeout=.
const maxPace = time.Minute

// pace measures how far apart a stream's pictures come, and from it how
// long the stream may send nothing before it is taken for lost: timeout=
// plus the longest of its latest picture intervals, so that a camera of a
// picture every 5 s (a time-lapse, a trigger) is not lost between two
// pictures, and one of 25 pictures a second that stops is lost after
// about timeout=, as before. Until two pictures tell the pace, it is taken
// to be the pace known from an earlier session of the camera (given), or
// else timeout= itself.
//
// It is a plain value owned by the Reader's reading goroutine.
type pace struct {
	timeout time.Duration
	given   time.Duration // WithPace's
	last    time.Time     // when the latest picture began to come
	recent  [paceWindow]time.Duration
	n       int // intervals measured
}

// picture notes that a picture began to come at at.
func (p *pace) picture(at time.Time) {
	if !p.last.IsZero() && at.After(p.last) {
		p.recent[p.n%paceWindow] = at.Sub(p.last)
		p.n++
	}
	p.last = at
}

// known reports whether the stream's own pictures told its pace.
func (p *pace) known() bool { return p.n > 0 }

// interval is the stream's pace: the longest of its latest picture
// intervals, or, before two pictures came, the one given or timeout=; at
// most maxPace.
func (p *pace) interval() time.Duration {
	if p.n == 0 {
		if p.given > 0 {
			return min(p.given, maxPace)
		}
		return min(p.timeout, maxPace)
	}
	var longest time.Duration
	for _, d := range p.recent[:min(p.n, paceWindow)] {
		longest = max(longest, d)
	}
	return min(longest, maxPace)
}

// bound is how long the stream may send nothing before it is lost.
func (p *pace) bound() time.Duration { return p.timeout + p.interval() }

// next is the pace to give the camera's next session (WithPace): the one
// measured; or, when the stream went silent before two pictures told it,
// twice the one taken, and at least twice timeout= (a fast camera's pace
// from before a reboot that now takes its time), at most maxPace: a camera
// slower than that, which answered its session's opening and so is
// there, is given the time to show its pace.
func (p *pace) next(silent bool) time.Duration {
	switch {
	case p.n > 0:
		return p.interval()
	case !silent:
		return p.given
	}
	return min(2*max(p.interval(), p.timeout), maxPace)
}

// says is how the bound reads in a message.
func (p *pace) says() string {
	if p.known() {
		return fmt.Sprintf("timeout= %v plus the camera's picture interval, %v", p.timeout, shown(p.interval()))
	}
	if p.given > 0 {
		return fmt.Sprintf("timeout= %v plus the picture interval of the camera's last session, %v, until its pictures tell it", p.timeout, p.interval())
	}
	return fmt.Sprintf("timeout= %v, twice over until two pictures tell the camera's pace", p.timeout)
}

// shown is how a duration of the bound reads: to a tenth of a second
// from a second on, else to the millisecond.
func shown(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// heard notes that the stream sent something at at: a packet, or the
// answer to PLAY. Any goroutine.
func (r *Reader) heard(at time.Time) { r.lastHeard.Store(at.UnixNano()) }

// watchSilence returns what fires when the stream may have sent nothing
// for its bound: nil with no timeout, before the stream began (a port's
// first packet is awaitFirst's), once it was taken for lost, and while
// ReadPacket is behind (waiting): packets that wait are taken first, and
// a connection that waits for ReadPacket (held) is not silent. The
// silence is then timed once ReadPacket took what came: from the last
// packet, or from the end of the connection's wait (queue).
func (r *Reader) watchSilence() <-chan time.Time {
	if r.cfg.timeout == 0 || r.silent > 0 || r.lastHeard.Load() == 0 || r.behind() {
		return nil
	}
	r.silence.Reset(max(r.untilSilent(), 0))
	return r.silence.C
}

// behind reports whether ReadPacket is behind: packets wait for it, or
// the connection does (held). Call it from ReadPacket's goroutine.
func (r *Reader) behind() bool { return len(r.pkts) > 0 || r.held.Load() }

// untilSilent is how long from now the stream may still send nothing.
func (r *Reader) untilSilent() time.Duration {
	return time.Unix(0, r.lastHeard.Load()).Add(r.pace.bound()).Sub(r.cfg.now())
}

// checkSilence is called when the stream may have sent nothing for its
// bound: if so, it ends the connection, and ReadPacket, once it took what
// came before, fails with the silence (lost).
func (r *Reader) checkSilence() {
	silent := r.cfg.now().Sub(time.Unix(0, r.lastHeard.Load()))
	if silent < r.pace.bound() || r.behind() {
		return // a packet came meanwhile, or ReadPacket is behind
	}
	r.silent = silent
	r.closeConn()
}

// notePace logs the silence bound when the stream's pace first tells it,
// and when it moves by more than a quarter: at info when the pace adds
// more than a quarter of timeout= to it (a slow camera), else at debug.
// With no timeout there is no bound to log.
func (r *Reader) notePace() {
	if r.cfg.timeout == 0 {
		return
	}
	bound := r.pace.bound()
	if r.logged > 0 && bound < r.logged*5/4 && bound > r.logged*3/4 {
		return
	}
	r.logged = bound
	ev := r.log().Debug()
	if r.pace.interval() > r.cfg.timeout/4 {
		ev = r.log().Info()
	}
	ev.Str("location", r.shown).Stringer("picture_interval", shown(r.pace.interval())).
		Stringer("silence_bound", shown(bound)).
		Msgf("the camera sends a picture every %v: its stream is taken for lost after %v without a packet (%s)",
			shown(r.pace.interval()), shown(bound), r.pace.says())
}

// Pace is the picture interval the camera's next session is to start from
// (WithPace): the one this session measured; or, when its stream went
// silent before two pictures told it, twice the one taken, so that a
// camera slower than timeout= is given the time to show its pace at its
// next opening. Call it once ReadPacket failed or the Reader is closed.
func (r *Reader) Pace() time.Duration { return r.pace.next(r.silent > 0) }

// lost is the error of a connection that ended: the unit it was sending is
// counted Truncated.
func (r *Reader) lost() error {
	if r.units.open {
		r.units.end()
		r.stats.Truncated++
	}
	if r.silent > 0 {
		return fmt.Errorf("%w: %q sent nothing for %v, its bound: %s",
			ErrStreamLost, r.shown, shown(r.silent), r.pace.says())
	}
	return fmt.Errorf("%w: %q: %w", ErrStreamLost, r.shown, redacted{r.err})
}
