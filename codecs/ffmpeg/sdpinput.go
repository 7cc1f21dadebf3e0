package ffmpeg

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/internal/paramsetwatch"
)

// IsSessionFile reports whether url is a session description file (an
// .sdp file, what ffmpeg -f rtp -sdp_file writes): the RTP stream it
// describes is read from the network, though the file is not, so IsNetwork
// counts it as a network input.
func IsSessionFile(url string) bool {
	return !strings.Contains(url, "://") && strings.HasSuffix(strings.ToLower(url), ".sdp")
}

// readsSessionFile reports whether a Reader of url, whose caller forced
// format (or none), reads it as a session file with the sdp demuxer: a
// format forced other than sdp is the caller's choice.
func readsSessionFile(url, format string) bool {
	return IsSessionFile(url) && (format == "" || format == "sdp")
}

// sessionFileOptions returns options with the I/O timeout of the Reader
// given to an .sdp file's sdp demuxer (see withListenTimeout), as an
// rtp:// URL's is, instead of FFmpeg's 10 s. A format the caller forced
// other than sdp leaves options as they are.
func sessionFileOptions(url, format string, options, given map[string]string, timeout time.Duration) map[string]string {
	if !readsSessionFile(url, format) {
		return options
	}
	return withListenTimeout(options, given, timeout)
}

// withListenTimeout returns options with the sdp demuxer's listen_timeout
// (in seconds; -1 waits for ever) set to timeout, the Reader's I/O
// timeout: it bounds each wait for an RTP packet, at the open and while
// reading, of an .sdp file and of an rtp:// URL alike. A listen_timeout
// the caller gave wins. options is not modified.
func withListenTimeout(options, given map[string]string, timeout time.Duration) map[string]string {
	if _, ok := given["listen_timeout"]; ok {
		return options
	}
	options = maps.Clone(options)
	if options == nil {
		options = map[string]string{}
	}
	options["listen_timeout"] = "-1"
	if timeout > 0 {
		options["listen_timeout"] = strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64)
	}
	return options
}

// maxSessionFile is as much of an .sdp file as FFmpeg's sdp demuxer reads
// (its SDP_MAX_SIZE): a session description is a few hundred bytes.
const maxSessionFile = 16 << 10

// ReadSessionFile returns the text of the .sdp file at path, or an
// ErrSessionFile when it cannot be read, or describes no video stream (no
// m=video line): what is wrong is the file, which reading it again would
// meet again, not the network. Its RTP stream is not looked at.
//
// A FIFO is not looked at (no text, no error): what this read took from it
// the demuxer would not get, and its open would wait for a writer past the
// pipeline's stop. The demuxer reads it through the Reader's pipe input
// (see pipeInput).
func ReadSessionFile(path string) ([]byte, error) {
	if st, err := os.Stat(path); err == nil && st.Mode()&os.ModeNamedPipe != 0 {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w (write it with the sender, as ffmpeg -f rtp -sdp_file %s does, or give rtp://IP:PORT without a file)",
			ErrSessionFile, path, err, path)
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, maxSessionFile))
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrSessionFile, path, err)
	}
	if describesVideo(text) {
		return text, nil
	}
	return nil, fmt.Errorf("%w %q: it describes no video stream (no m=video line in its first %d bytes): is it a session description, as ffmpeg -f rtp -sdp_file writes?",
		ErrSessionFile, path, len(text))
}

// describesVideo reports whether the session description text has a video
// stream: an m= line whose media is video.
func describesVideo(text []byte) bool {
	for line := range bytes.Lines(text) {
		if f := sdpFields(line); len(f) >= 2 && f[0] == "m=video" {
			return true
		}
	}
	return false
}

// sdpFields splits a line of a session description as FFmpeg's sdp
// demuxer reads it: at spaces and tabs, those at its start left out (a
// description written by hand, indented).
func sdpFields(line []byte) []string {
	return strings.FieldsFunc(string(line), func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' })
}

// sessionProbe is what the Reader knows of an .sdp file's RTP stream
// while it opens it: as an rtp:// location's session (rtpSession), its
// probe is cut at the I/O timeout and rtpProbeMargin, and its first
// keyframes are watched for parameter sets.
type sessionProbe struct {
	watch paramsetwatch.Watch
	// probeCut: FFmpeg was still reading packets when its look at the
	// stream was cut short, so packets came.
	probeCut bool
}

// sessionWatch returns the parameter set watch of the video stream that
// the session description text describes (its m=video line's first
// payload type): H.264's or H.265's by its a=rtpmap line, and off for any
// other encoding, or when the payload's a=fmtp line carries the parameter
// sets (sprop-parameter-sets, sprop-sps: ffmpeg -sdp_file writes them), as
// FFmpeg then has them from the description and the stream need not.
func sessionWatch(text []byte) paramsetwatch.Watch {
	payload := ""
	for line := range bytes.Lines(text) {
		if f := sdpFields(line); len(f) >= 4 && f[0] == "m=video" {
			payload = f[3]
			break
		}
	}
	if payload == "" {
		return paramsetwatch.Watch{Off: true}
	}
	encoding, outOfBand := "", false
	for line := range bytes.Lines(text) {
		f := sdpFields(line)
		switch {
		case len(f) >= 2 && f[0] == "a=rtpmap:"+payload:
			name, _, _ := strings.Cut(f[1], "/")
			encoding = strings.ToUpper(name)
		case len(f) >= 2 && f[0] == "a=fmtp:"+payload:
			params := strings.Join(f[1:], " ")
			outOfBand = strings.Contains(params, "sprop-parameter-sets=") || strings.Contains(params, "sprop-sps=")
		}
	}
	return paramsetwatch.Watch{HEVC: encoding == "H265", Off: (encoding != "H264" && encoding != "H265") || outOfBand, File: true}
}

// probedSessionFile returns the error of an .sdp file's stream that
// FFmpeg's probe found nothing in: no packet came before listen_timeout
// (the Reader's I/O timeout) ended the wait, as probedRTP says of an
// rtp:// port. Other inputs, and a wait the caller set or made endless,
// pass.
func (r *Reader) probedSessionFile() error {
	if !IsSessionFile(r.url) || r.cfg.ioTimeout == 0 || r.rtp != nil {
		return nil
	}
	if f := r.fc.InputFormat(); f == nil || f.Name() != "sdp" {
		return nil
	}
	if _, ok := r.cfg.inputOptions["listen_timeout"]; ok {
		return nil
	}
	// A probe cut short was reading packets: they came, and their
	// parameter sets may come with a keyframe still to come (a late
	// joiner); the watch fails a stream whose keyframes come without them.
	if r.session != nil && r.session.probeCut {
		return nil
	}
	if r.stream.StartTime() == astiav.NoPtsValue && r.stream.CodecParameters().Width() == 0 {
		return fmt.Errorf("%w at the address and port %s describes: no RTP packet came for %v (is the sender running, and sending there? timeout= waits longer, timeout=0s for ever)",
			ErrNothingArrived, r.shown, r.cfg.ioTimeout)
	}
	return nil
}
