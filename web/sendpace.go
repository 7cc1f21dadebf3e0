package web

import (
	"sync"
	"time"
)

// maxResendLag is how long a resend may wait for its turn at the viewer's
// pace: two frames of a 30 fps stream. A resend that would wait longer
// repairs a picture the viewer has long given up on (a browser's jitter
// buffer holds a few frames), and only delays the pictures after it, so
// it is refused, and counted so.
const maxResendLag = 66 * time.Millisecond

// sendPace is one viewer's pace on the wire, shared by what it is sent
// first (the session's writer) and what is resent at its NACKs (the
// resendGuard): both book their bytes in one sendBucket, so that resends
// add nothing to a burst the link cannot carry, and both count what they
// send for the viewer's deliveryCap, which, fed the viewer's feedback,
// lowers the pace while most of what is sent is lost. Its methods may be
// called from any goroutine.
type sendPace struct {
	mu     sync.Mutex
	bucket sendBucket
	cap    deliveryCap
}

// take books n bytes of the viewer's stream to be sent at rate bits per
// second (paceRate of its estimate; 0 paces nothing), or at its cap when
// that is lower, and returns how long after now they may go.
func (p *sendPace) take(now time.Time, n, rate int) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cap.wrote(now, n)
	return p.bucket.take(now, n, p.capped(now, rate))
}

// takeResend books n bytes of a resend as take does, unless they would
// wait more than maxResendLag behind what is booked already: then it books
// nothing and returns false.
func (p *sendPace) takeResend(now time.Time, n, rate int) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rate = p.capped(now, rate)
	if p.bucket.due(now, rate) > maxResendLag {
		return 0, false
	}
	p.cap.wrote(now, n)
	return p.bucket.take(now, n, rate), true
}

// capped returns rate, or the viewer's cap, or its ramp after the cap,
// when that is lower (deliveryCap.ceiling). An unpaced viewer (rate 0: no
// feedback) is never capped. The caller holds mu.
func (p *sendPace) capped(now time.Time, rate int) int {
	if c, ok := p.cap.ceiling(now); ok && rate > 0 {
		return min(rate, c)
	}
	return rate
}

// feedback takes one of the viewer's transport-wide feedback reports,
// received at now, which says received of its packets arrived and lost did
// not, and returns what changes in its cap.
func (p *sendPace) feedback(now time.Time, received, lost int) capChange {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cap.feedback(now, received, lost)
}

// capStatus returns the viewer's cap at now, in bits per second (0 when
// not capped), and how many times it was capped.
func (p *sendPace) capStatus(now time.Time) (rate int, caps uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rate, _ = p.cap.limit(now)
	return rate, p.cap.caps
}
