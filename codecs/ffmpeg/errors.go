package ffmpeg

import (
	"errors"
	"syscall"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/internal/paramsetwatch"
)

// Sentinel errors of this package. Errors that come from FFmpeg itself wrap
// an astiav.Error, which errors.As finds.
var (
	// ErrOpen means an input could not be opened: a missing or unreadable
	// file, an unknown device, an unreachable URL. The error names the input.
	ErrOpen = errors.New("ffmpeg: cannot open input")
	// ErrNoVideoStream means an input holds no video stream.
	ErrNoVideoStream = errors.New("ffmpeg: no video stream")
	// ErrNoVideoFrames means an input ended without a single picture (an
	// empty file, or nothing but damage); the error names the input and
	// what was skipped.
	ErrNoVideoFrames = errors.New("ffmpeg: no video frames")
	// ErrNotH264 means passthrough was asked of a stream that is neither
	// H.264 nor MJPEG (HEVC, say): a choice to change, since opening the
	// stream again cannot help. The error names the codec.
	ErrNotH264 = errors.New("ffmpeg: stream is not H.264 or MJPEG")
	// ErrNoOutput means the encoder did not return the one access unit that
	// a frame must give (a setting that delays output was forced in).
	ErrNoOutput = errors.New("ffmpeg: encoder returned no access unit for the frame")
	// ErrCodecNotFound means this FFmpeg build lacks a codec gopline needs.
	ErrCodecNotFound = errors.New("ffmpeg: codec not available in this FFmpeg build")
	// ErrBadOption means an encoder, decoder or reader option is out of
	// range, or an input's options or URL name an option, a format or a
	// protocol the FFmpeg gopline runs with does not have: trying again
	// cannot help.
	ErrBadOption = errors.New("ffmpeg: bad option")
	// ErrNothingArrived means nothing came to an rtp:// port within the
	// Reader's I/O timeout: no sender, or one sending elsewhere. The error
	// names the address.
	ErrNothingArrived = errors.New("ffmpeg: nothing arrived")
	// ErrSessionFile means an .sdp file cannot be read (missing,
	// unreadable) or is no session description FFmpeg can read (no
	// m=video line, not SDP): what is wrong is the file, not the network,
	// so a network source does not try it again at start. The error names
	// the file.
	ErrSessionFile = errors.New("ffmpeg: bad session file")
	// ErrCameraUnavailable means a camera's device did not open for a
	// cause outside the input: it is not there (unplugged, numbered anew,
	// not given to a container), this user may not open it, or another
	// process has it. The error says which, and names the video devices
	// there are. A camera source does not try it again at start, where it
	// is the user's to fix, but does once the camera streamed: a camera
	// that drops comes back at the same path, or not at all.
	ErrCameraUnavailable = errors.New("ffmpeg: camera unavailable")
	// ErrUnauthorized means a network camera or server refused the input
	// (401 Unauthorized: no credentials, or the URL's are wrong; 403
	// Forbidden: its user may not open that stream). The error says which,
	// and what to give. A network source does not try it again at start,
	// where it is the user's to fix, but does once the stream opened.
	ErrUnauthorized = errors.New("ffmpeg: the server refused access")
	// ErrOpenTimeout means a network input did not open within
	// OpenTimeouts I/O timeouts: its server answered too slowly, or a
	// little at a time. A network source tries it again.
	ErrOpenTimeout = errors.New("ffmpeg: opening timed out")
	// ErrNoParameterSets means an H.264 or H.265 stream received over RTP
	// has keyframes without the SPS and PPS to decode them, which only its
	// sender can put in (or its .sdp file, out of band). The error says
	// what to set. It is paramsetwatch's, which gopline's own RTP reader
	// gives too.
	ErrNoParameterSets = paramsetwatch.ErrNoParameterSets
)

// withErrno returns err, an error of FFmpeg's, so that errors.Is finds the
// system's error number it stands for too (AVERROR(ENOSPC) as
// syscall.ENOSPC): a writer's caller can tell a full disk from a bad
// stream.
func withErrno(err error) error {
	var av astiav.Error
	if !errors.As(err, &av) || av >= 0 || av < -4095 { // FFmpeg's own codes are tags far below
		return err
	}
	return errnoError{err: err, errno: syscall.Errno(-av)}
}

// errnoError is an error of FFmpeg's that stands for a system error.
type errnoError struct {
	err   error
	errno syscall.Errno
}

func (e errnoError) Error() string   { return e.err.Error() }
func (e errnoError) Unwrap() []error { return []error{e.err, e.errno} }
