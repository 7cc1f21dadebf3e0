package rtsp

import (
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
)

// cameraOff is how far off this machine's clock a camera's may be before
// the log says so: more than a network's delay and a picture's encoding.
const cameraOff = 5 * time.Second

// cameraClock gives pictures the camera's times (WithCameraClock): from
// the first keyframe that comes after the camera's first sender report,
// each picture's time is the camera's time of its RTP time (its
// presentation). Decode times only go forward: a sender report that moves
// the camera's mapping back by a little (its RTP clock and its wall clock
// drift apart) gives a picture it would decode at or before the last one
// a microsecond after it.
//
// The zero value is ready to use.
type cameraClock struct {
	started bool      // a keyframe after the first sender report came
	last    time.Time // the last picture's decode time
	said    bool      // the camera's offset was said
}

// at returns the time of p, the picture at RTP time ts, ended by the
// packet in; false while the stream has not begun (no sender report yet,
// or none of its pictures a keyframe since).
func (c *cameraClock) at(p *media.Packet, in received, ts uint32, shown string, log *zerolog.Logger) (time.Time, bool) {
	if in.camera.IsZero() || (!c.started && !p.Key) {
		return time.Time{}, false
	}
	c.started = true
	t := in.camera.Add(-ticks(int64(int32(in.pkt.Timestamp - ts))))
	if off := t.Sub(in.at); !c.said && (off > cameraOff || off < -cameraOff) {
		c.said = true
		log.Warn().Str("location", shown).Dur("camera_minus_here", off.Round(time.Millisecond)).
			Msg("the camera's clock is far off this machine's: its pictures keep the camera's times (the camera's clock was asked for)")
	}
	if decode := t.Add(-p.CompositionOffset); !decode.After(c.last) {
		t = t.Add(c.last.Add(time.Microsecond).Sub(decode))
	}
	c.last = t.Add(-p.CompositionOffset)
	return t, true
}

// senderReports keeps the camera's clock as its latest RTCP sender report
// gives it: the wall-clock time (NTP) of an RTP time. gortsplib's own
// reading of a report (PacketNTP, v4.16) takes NTP's fraction of a second
// for nanoseconds, up to 4.3 s off. It is safe for concurrent use: reports
// and RTP come on goroutines of their own over UDP.
type senderReports struct {
	mu  sync.Mutex
	ntp time.Time // the camera's time of rtp
	rtp uint32
}

// add takes a sender report's NTP time (seconds since 1900 in its upper
// 32 bits, the fraction of a second in 2^-32 in its lower) of RTP time rtp.
func (s *senderReports) add(ntp uint64, rtp uint32) {
	sec, frac := int64(ntp>>32)-ntpEpoch, ntp&0xffffffff
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ntp, s.rtp = time.Unix(sec, int64(frac*1e9>>32)), rtp
}

// at returns the camera's time of RTP time ts (90 kHz), zero before the
// first report.
func (s *senderReports) at(ts uint32) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ntp.IsZero() {
		return time.Time{}
	}
	return s.ntp.Add(ticks(int64(int32(ts - s.rtp))))
}

// ntpEpoch is 1970 in NTP's seconds, which count from 1900.
const ntpEpoch = 2208988800
