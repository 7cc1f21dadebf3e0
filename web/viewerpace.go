package web

import (
	"errors"
	"fmt"
	"time"

	"github.com/pion/rtcp"
)

// ViewerInfo is one WebRTC viewer of a topic as /api/topics lists it: what
// the node knows of its link, and whether its picture is thinned.
type ViewerInfo struct {
	// Session names the viewer's WHEP session: the tag of its id, the
	// last part of its Location up to the dot. The rest of the id, which
	// ending the session takes, only the viewer knows.
	Session string `json:"session"`
	// Estimate is the bandwidth, in bits per second, the node estimates the
	// viewer's link carries, from its transport-wide congestion control
	// feedback; the viewer's writes are paced to it. 0 while the viewer has
	// sent no such feedback (it is then neither estimated nor paced).
	Estimate int `json:"estimate"`
	// KeyframesOnly: the viewer is sent keyframes only, one picture a GOP,
	// because its estimate stayed below the stream's bitrate (or, without
	// an estimate, its reports kept saying it lost much of the stream).
	KeyframesOnly bool `json:"keyframes_only"`
	// Dropping: the topic dropped the rest of a GOP for the viewer in the
	// last second, because its writes, paced to its link, fell behind.
	Dropping bool `json:"dropping"`
	// Dropped counts the packets the topic dropped for the viewer.
	Dropped uint64 `json:"dropped"`
	// DeliveryCap is the rate, in bits per second, the viewer's pace is
	// capped at because its feedback said it lost more than half of what
	// it was sent in the last second: a quarter above what its link
	// delivered, for 10 s, after which it is lifted gradually (not shown
	// here). 0 while not capped; DeliveryCaps counts the times it was.
	DeliveryCap  int    `json:"delivery_cap"`
	DeliveryCaps uint64 `json:"delivery_caps"`
	// Resent counts the packets resent at the viewer's NACKs, and
	// ResendsRefused those its NACKs asked for and the node refused: each
	// packet is resent twice at most, and a viewer a quarter of what it is
	// sent; a resend that would wait more than two frames' time at the
	// viewer's pace is refused too.
	Resent         uint64 `json:"resent"`
	ResendsRefused uint64 `json:"resends_refused"`
}

// errSessionClosed ends a write that waited for its pace when the session
// closed.
var errSessionClosed = errors.New("web: the viewer's session closed")

// waitToSend waits until n bytes may go to the viewer at its pace, once
// it sends transport-wide feedback: burstPace times its estimate while the
// last sample found the estimate carries the stream, its estimate
// otherwise (paceRate). It returns errSessionClosed when the session
// closes first.
func (s *whepSession) waitToSend(n int) error {
	d := s.pacer.take(time.Now(), n, s.paceRate())
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-s.closing:
		return errSessionClosed
	}
}

// paceRate is the viewer's pace before its cap, in bits per second
// (paceRate of its estimate): 0 while it sends no transport-wide feedback.
func (s *whepSession) paceRate() int {
	return paceRate(s.bwe.GetTargetBitrate(), s.feedback.Load(), s.carries.Load())
}

// delivered takes one of the viewer's transport-wide feedback reports,
// received at now, for its deliveryCap.
func (s *whepSession) delivered(now time.Time, fb *rtcp.TransportLayerCC) {
	received, lost := feedbackCounts(fb)
	switch s.pacer.feedback(now, received, lost) {
	case capOn:
		rate, _ := s.pacer.capStatus(now)
		s.log.Debug().Str("topic", s.topic).Str("session", sessionTag(s.id)).Int("cap", rate).
			Msg("viewer: the viewer lost more than half of what it was sent in the last second; its pace is capped near what its link delivered")
	case capOff:
		s.log.Debug().Str("topic", s.topic).Str("session", sessionTag(s.id)).Msg("viewer: the viewer's delivery cap ends; its estimate paces it")
	}
}

// watch samples the viewer's estimate every estimateEvery until the
// session closes.
func (s *whepSession) watch() {
	t := time.NewTicker(estimateEvery)
	defer t.Stop()
	for {
		select {
		case <-s.closing:
			return
		case now := <-t.C:
			s.sample(now)
		}
	}
}

// sample compares the viewer's estimate with the stream's bitrate, which
// thins the viewer's stream to keyframes when it stays short (lossPacer)
// and paces it in bursts while it carries the stream (paceRate), and keeps
// what it saw for the viewer's status.
func (s *whepSession) sample(now time.Time) {
	stream, dropped := s.topicStats()
	estimate, feedback := s.bwe.GetTargetBitrate(), s.feedback.Load()
	if feedback {
		s.paceMu.Lock()
		s.paced(s.pace.estimated(now, estimate, stream), func() string { return thinnedByEstimate(s.topic, estimate, stream) })
		s.paceMu.Unlock()
	}
	s.carries.Store(feedback && stream > 0 && !estimateShort(estimate, stream, false))
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.status
	st.Estimate = 0
	if feedback {
		st.Estimate = estimate
	}
	st.KeyframesOnly = s.keyframesOnly.Load()
	st.Dropping = dropped > st.Dropped
	st.Dropped = max(dropped, st.Dropped)
	st.DeliveryCap, st.DeliveryCaps = s.pacer.capStatus(now)
	rc := s.resends.counts()
	st.Resent, st.ResendsRefused = rc.Resent, rc.Refused
	if slow := st.KeyframesOnly || st.DeliveryCaps > 0; s.refusals.sampled(rc.Refused, slow) {
		ev := s.log.Debug()
		ok, viewers := s.resendWarn.allow(now)
		if ok {
			ev = s.log.Warn()
		}
		ev.Str("topic", s.topic).Str("session", sessionTag(s.id)).Uint64("resent", rc.Resent).Uint64("refused", rc.Refused).
			Uint64("viewers", viewers).
			Msg(refusedResendsWarning(s.topic, rc, slow, st.Estimate))
	}
}

// topicStats returns the topic's bitrate, in bits per second, and how many
// packets it dropped for the viewer; zeros when its broker does not say.
func (s *whepSession) topicStats() (bitrate float64, dropped uint64) {
	s.mu.Lock()
	f := s.feed
	s.mu.Unlock()
	st, err := s.bus.Stats(s.topic)
	if err != nil || f == nil {
		return 0, 0
	}
	for _, sub := range st.Subscribers {
		if sub.Subscriber.Equal(f.pid) {
			dropped = sub.Dropped
		}
	}
	return st.ByteRate * 8, dropped
}

// info is the viewer's status.
func (s *whepSession) info() ViewerInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Session = sessionTag(s.id)
	return st
}

// thinnedByEstimate says why a WebRTC viewer of topic, whose estimate is
// estimate bits/s of a stream of stream bits/s, is sent keyframes only.
func thinnedByEstimate(topic string, estimate int, stream float64) string {
	return fmt.Sprintf("WebRTC viewer of %s: its link's estimated bandwidth (%s) stayed below the stream's bitrate (%s) "+
		"for %d s: its link does not carry the stream, so the node sends it keyframes only, one picture a GOP, "+
		"until its estimate is a quarter above the stream's for %d s", topic, bitrateText(float64(estimate)), bitrateText(stream),
		lossyReportsToThin, clearReportsToResume)
}

// bitrateText writes a bitrate in bits per second as kbit/s or Mbit/s.
func bitrateText(bps float64) string {
	if bps >= 1e6 {
		return fmt.Sprintf("%.1f Mbit/s", bps/1e6)
	}
	return fmt.Sprintf("%.0f kbit/s", bps/1e3)
}
