package ffmpeg

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// OpenTimeouts is how many I/O timeouts (WithIOTimeout) a network input
// may take to open: to connect, have the server's answer and let FFmpeg
// look at its first packets. Every read has the I/O timeout, but a server
// that answers a byte at a time (or trickles a playlist, or a header that
// never ends) keeps each read within it and would hold the opening, and
// with it the source, for as long as it likes. An opening that takes
// longer fails with ErrOpenTimeout, which a network source tries again.
// A live HLS playlist has hlsStallTargets of its target durations more,
// as its stall does. An input that waits for its sender (rtp://, udp://, a
// listening URL) waits as its I/O timeout says.
const OpenTimeouts = 5

// The states of an opening bounded by openLimit.
const (
	opening int32 = iota
	openDone
	openExpired
)

// openLimit is how long the input may take to open (0: no bound): for a
// network input read from a server, OpenTimeouts I/O timeouts, and for a
// live HLS playlist hlsStallTargets target durations more; and what it is
// made of, for its error.
func (r *Reader) openLimit() (time.Duration, string) {
	if r.cfg.ioTimeout <= 0 || !fromServer(r.url) {
		return 0, ""
	}
	limit := OpenTimeouts * r.cfg.ioTimeout
	of := fmt.Sprintf("%d times its I/O timeout of %v", OpenTimeouts, r.cfg.ioTimeout)
	if r.hls != nil {
		target := r.hls.target
		if target <= 0 {
			target = hlsAssumedTarget
		}
		limit += hlsStallTargets * target
		of += fmt.Sprintf(" and %d target durations of %v", hlsStallTargets, target)
	}
	return limit, of
}

// fromServer reports whether url is read from a server gopline connects to
// (http://, rtsp://, rtmp://, an srt:// caller...), not one that waits for
// a sender (rtp:// and udp:// ports, listening URLs) nor a local file.
func fromServer(rawURL string) bool {
	if ioTimeoutOption(rawURL) == "" || listens(rawURL) {
		return false
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "rtp", "udp":
		return false
	}
	return true
}

// expireOpening marks an opening still under way as expired, and reports
// whether it was: its interrupt is then the deadline's.
func (r *Reader) expireOpening() bool { return r.opening.CompareAndSwap(opening, openExpired) }

// finishOpening marks the opening done, and returns ErrOpenTimeout when its
// deadline came first: what FFmpeg said then is the interrupt's.
func (r *Reader) finishOpening() error {
	limit, of := r.openLimit()
	if limit == 0 || r.opening.CompareAndSwap(opening, openDone) {
		return nil
	}
	return fmt.Errorf("%w %q: %w: it did not open within %v (%s): its server answers too slowly, or a little at a time",
		ErrOpen, r.shown, ErrOpenTimeout, limit, of)
}
