package ffmpeg

import (
	"net/http"
	"strings"
)

// playlistHeader returns the HTTP header of the Reader's own requests of
// a playlist from the input's options, as FFmpeg's HTTP protocol sends
// them: headers ("Name: value" lines), user_agent (or user-agent),
// referer, and cookies (lines "name=value; path=...", of which the
// name=value pair is sent). A camera that wants a token or a cookie is
// then read by both. A URL's user:password@ is sent as basic
// authentication by both too.
func playlistHeader(options map[string]string) http.Header {
	h := http.Header{}
	for _, line := range strings.FieldsFunc(options["headers"], func(r rune) bool { return r == '\r' || r == '\n' }) {
		name, value, ok := strings.Cut(line, ":")
		if name = strings.TrimSpace(name); ok && name != "" {
			h.Add(name, strings.TrimSpace(value))
		}
	}
	for _, key := range []string{"user-agent", "user_agent"} {
		if v := options[key]; v != "" {
			h.Set("User-Agent", v)
		}
	}
	if v := options["referer"]; v != "" {
		h.Set("Referer", v)
	}
	var cookies []string
	for _, line := range strings.Split(options["cookies"], "\n") {
		pair, _, _ := strings.Cut(line, ";")
		if pair = strings.TrimSpace(pair); strings.Contains(pair, "=") {
			cookies = append(cookies, pair)
		}
	}
	if len(cookies) > 0 {
		h.Set("Cookie", strings.Join(cookies, "; "))
	}
	return h
}
