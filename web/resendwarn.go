package web

import (
	"fmt"
	"sync"
	"time"

	"github.com/gopline/gopline/internal/lograte"
)

// A viewer on a slow link asks for many of its lost packets again and
// again (a pion or browser client repeats its NACKs every 100 ms or so),
// and most are refused (resendLedger, sendPace): thousands a viewer,
// which its status counts (resends_refused). The log says it once a
// viewer, and, across a handler's viewers, at most once per
// clientWarnEvery, saying how many viewers the warning stands for, and
// what the user can do about it.

// warnLimiter is a lograte.Limiter that a handler's viewers share: each
// viewer's estimate watch runs on its own goroutine. A nil warnLimiter
// lets every warning through.
type warnLimiter struct {
	mu sync.Mutex
	l  lograte.Limiter
}

// newWarnLimiter returns a warnLimiter that lets one warning through per
// interval.
func newWarnLimiter(interval time.Duration) *warnLimiter {
	return &warnLimiter{l: lograte.Limiter{Interval: interval}}
}

// allow reports whether a warning at now may be logged, and how many it
// stands for (lograte.Limiter.Allow).
func (w *warnLimiter) allow(now time.Time) (bool, uint64) {
	if w == nil {
		return true, 1
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.l.Allow(now)
}

// refusedResendsWarning says what a WebRTC viewer of topic whose NACKs
// were refused as rc counts means and what to do: slow is whether its
// link is known to carry less than the stream (it is sent keyframes only,
// or its pace was capped), estimate its estimate in bits per second (0:
// none).
func refusedResendsWarning(topic string, rc resendCounts, slow bool, estimate int) string {
	asked := fmt.Sprintf("WebRTC viewer of %s asked again for lost packets the node refused to resend (%d refused, %d resent; "+
		"each packet is resent twice at most, a quarter of what the viewer is sent, none later than two frames at its pace)",
		topic, rc.Refused, rc.Resent)
	if slow {
		link := "its link loses much of the stream"
		if estimate > 0 {
			link = fmt.Sprintf("its link carries about %s, less than the stream", bitrateText(float64(estimate)))
		}
		return asked + ": " + link + ", so its picture stutters whatever is resent. " +
			"For a smooth picture, give the viewer a faster link, or publish the topic at a lower bitrate (the encoder's rate or crf) for it"
	}
	return asked + ", though its link seems to carry the stream: a link that loses packets without slowing down " +
		"(Wi-Fi, a lossy VPN), or a client that asks for more than it lost; check the viewer's network and software"
}

// refusalWatch decides when a viewer's refused resends are worth its one
// warning: at once when its link is known to be slow (the warning then
// says so), else after lossyReportsToThin samples of refusals, the time
// the node takes to find a slow link slow: a slow link's first refusals
// come before that, and would be warned of as a link that carries the
// stream. It is plain state for the viewer's estimate watch.
type refusalWatch struct {
	samples int // the samples that saw refusals
	warned  bool
}

// sampled takes one sample of the viewer: refused resends counted so far,
// and whether its link is known slow. It reports whether to warn now,
// once a viewer.
func (w *refusalWatch) sampled(refused uint64, slow bool) bool {
	if w.warned || refused == 0 {
		return false
	}
	w.samples++
	if slow || w.samples > lossyReportsToThin {
		w.warned = true
	}
	return w.warned
}
