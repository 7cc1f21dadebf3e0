package ffmpeg

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/asticode/go-astiav"
)

// IsSessionFile reports whether url is a session description file (an
// .sdp file, what ffmpeg -f rtp -sdp_file writes): the RTP stream it
// describes is read from the network, though the file is not.
func IsSessionFile(url string) bool {
	return !strings.Contains(url, "://") && strings.HasSuffix(strings.ToLower(url), ".sdp")
}

// sessionFileOptions returns options with the I/O timeout of the Reader
// given to an .sdp file's sdp demuxer as its listen_timeout (in seconds;
// -1 waits for ever), as an rtp:// URL's is, instead of FFmpeg's 10 s:
// it bounds each wait for an RTP packet, at the open and while reading.
// A listen_timeout the caller gave wins, and so does a format they forced
// other than sdp.
func sessionFileOptions(url, format string, options, given map[string]string, timeout time.Duration) map[string]string {
	if !IsSessionFile(url) || (format != "" && format != "sdp") {
		return options
	}
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
	if r.stream.StartTime() == astiav.NoPtsValue && r.stream.CodecParameters().Width() == 0 {
		return fmt.Errorf("%w at the address and port %s describes: no RTP packet came for %v (is the sender running, and sending there? timeout= waits longer, timeout=0s for ever)",
			ErrNothingArrived, r.url, r.cfg.ioTimeout)
	}
	return nil
}
