package ffmpeg

import (
	"net/url"
	"strings"
)

// listens reports whether opening rawURL waits for a sender to connect,
// as ffmpeg -i does for tcp://...?listen=1 (or 2), srt://...?mode=listener,
// and rtmp:// or http:// with listen=1. The wait is no part of the stream:
// its first picture is timed from the connection on, not from the start
// of the wait.
func listens(rawURL string) bool {
	scheme, _, ok := strings.Cut(rawURL, "://")
	if !ok {
		return false
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	q := u.Query()
	switch strings.ToLower(scheme) {
	case "srt":
		return q.Get("mode") == "listener"
	case "tcp", "rtmp", "rtmps", "http", "https":
		l := q.Get("listen")
		return l != "" && l != "0"
	}
	return false
}
