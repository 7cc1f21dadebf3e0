package rtsp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/rs/zerolog"
)

// DefaultTimeout is how long a stream may send nothing before the Reader
// takes it for lost, as gopline's other network inputs wait.
const DefaultTimeout = 3 * time.Second

type config struct {
	timeout   time.Duration
	transport *gortsplib.Transport
	stop      <-chan struct{}
	log       zerolog.Logger
	now       func() time.Time
	pace      time.Duration // WithPace's
	camera    bool          // capture times by the camera's clock (WithCameraClock)
	pinned    []byte        // the rtsps:// camera's certificate's SHA-256 (WithFingerprint)
}

func defaultConfig() config {
	return config{timeout: DefaultTimeout, log: zerolog.Nop(), now: time.Now}
}

// Option configures a Reader.
type Option func(*config) error

// WithTimeout sets how long the server may answer nothing (the connection,
// each request of the opening) before the open fails, and how long the
// stream may send nothing, beyond the camera's picture interval, before it
// is taken for lost: a camera of a picture every 5 s is lost after 5 s
// and the timeout without a packet, one of 25 a second after about the
// timeout (see Reader.Pace). DefaultTimeout; 0 waits for ever.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("%w: timeout %v", ErrBadOption, d)
		}
		c.timeout = d
		return nil
	}
}

// WithPace gives the picture interval of the camera, as an earlier
// session of it measured (Reader.Pace): until two pictures of this one tell
// its own, its stream may send nothing for the timeout plus d, where it
// would otherwise be given twice the timeout.
func WithPace(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("%w: pace %v", ErrBadOption, d)
		}
		c.pace = d
		return nil
	}
}

// transports are the names of FFmpeg's rtsp_transport that WithTransport
// takes.
var transports = map[string]gortsplib.Transport{
	"udp": gortsplib.TransportUDP, "tcp": gortsplib.TransportTCP, "udp_multicast": gortsplib.TransportUDPMulticast,
}

// WithTransport sets how RTP comes, by the names of FFmpeg's rtsp_transport:
// "udp", "tcp" (interleaved in the RTSP connection) or "udp_multicast".
// By default ("") it comes over TCP, and over UDP (then TCP when no packet
// comes) when the server refuses TCP. Over UDP the RTSP client reorders
// packets, and after one that never comes it holds those that follow
// until 64 more have come, with no bound in time: a loss stalls a stream
// of a few packets a picture for seconds (a 10 frames/s camera of one to
// three packets a picture handed on nothing in the 4.7 s it went on after
// one lost packet), which TCP, retransmitting, never does.
func WithTransport(name string) Option {
	return func(c *config) error {
		if name == "" {
			c.transport = nil
			return nil
		}
		t, ok := transports[strings.ToLower(name)]
		if !ok {
			return fmt.Errorf("%w: transport %q (want udp, tcp or udp_multicast)", ErrBadOption, name)
		}
		c.transport = &t
		return nil
	}
}

// WithStop makes an open that waits, and ReadPacket, end when stop closes
// (ReadPacket with io.EOF).
func WithStop(stop <-chan struct{}) Option {
	return func(c *config) error { c.stop = stop; return nil }
}

// WithLogger sends the Reader's lines (a switch from UDP to TCP) to log.
func WithLogger(log zerolog.Logger) Option {
	return func(c *config) error { c.log = log; return nil }
}

// WithCameraClock gives pictures the capture times the camera's own clock
// says, from its RTCP sender reports (each maps an RTP time to the
// camera's wall-clock time, NTP), where by default a picture's time is
// when it came, spaced by its RTP times: cameras kept in step by NTP or
// PTP then line up with each other and with other sensors, whatever the
// network's delay. The stream begins at the first keyframe after the
// camera's first sender report (cameras send one every few seconds); the
// pictures before it count as before the first keyframe. A camera whose
// clock is more than a few seconds off this machine's is said once in
// the log. It takes an RTSP session (Open): a port's sender (ListenRTP,
// ListenSession) is refused with ErrBadOption.
func WithCameraClock() Option {
	return func(c *config) error { c.camera = true; return nil }
}

// WithFingerprint pins an rtsps:// camera's certificate: its SHA-256, in
// hex (64 digits; colons between bytes, as browsers show it, are taken).
// A camera whose certificate is another (a device taking its place, or the
// camera's own new one) is refused with ErrUnauthorized, saying both.
// Without it, an rtsps:// camera's certificate is taken as it is:
// cameras make their own, which nothing could check.
func WithFingerprint(sha256Hex string) Option {
	return func(c *config) error {
		b, err := hex.DecodeString(strings.ReplaceAll(sha256Hex, ":", ""))
		if err != nil || len(b) != sha256.Size {
			return fmt.Errorf("%w: fingerprint %q: want a SHA-256 in hex, 64 digits", ErrBadOption, sha256Hex)
		}
		c.pinned = b
		return nil
	}
}

// WithClock sets the clock that says when each packet came (time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error { c.now = now; return nil }
}
