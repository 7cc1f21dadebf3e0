package ffmpeg

import (
	"maps"
	"testing"
)

// A network stream's probe ends with its parameters, unless the caller
// gave a probe of their own; other inputs keep FFmpeg's probe, and the
// caller's map is left as it was.
func TestLiveProbeOptionsShortenTheProbeOfNetworkStreamsAlone(t *testing.T) {
	for _, c := range []struct {
		url   string
		given map[string]string
		want  string // fpsprobesize, "" for none added
	}{
		{"tcp://127.0.0.1:5000?listen=1", nil, "0"},
		{"udp://127.0.0.1:5000", map[string]string{"buffer_size": "65536"}, "0"},
		{"rtsp://cam/1", map[string]string{"rtsp_transport": "tcp"}, "0"},
		{"rtp://127.0.0.1:5000", nil, "0"},
		{"/tmp/cam.sdp", map[string]string{"protocol_whitelist": "file,udp,rtp"}, "0"},
		{"srt://127.0.0.1:9000?mode=listener", nil, "0"},
		{"clip.mp4", nil, ""},
		{"-", nil, ""},
		{"/dev/video0", nil, ""},
		{"rtsp://cam/1", map[string]string{"analyzeduration": "10000000"}, ""},
		{"udp://127.0.0.1:5000", map[string]string{"probesize": "10000000"}, ""},
		{"tcp://cam:5000", map[string]string{"fpsprobesize": "20"}, "20"},
	} {
		given := maps.Clone(c.given)
		got := liveProbeOptions(c.url, c.given, c.given)
		if got["fpsprobesize"] != c.want {
			t.Errorf("%s %v: fpsprobesize %q, want %q", c.url, c.given, got["fpsprobesize"], c.want)
		}
		if !maps.Equal(given, c.given) {
			t.Errorf("%s: the caller's options became %v", c.url, c.given)
		}
	}
}
