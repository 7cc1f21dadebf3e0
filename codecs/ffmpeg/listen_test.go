package ffmpeg

import "testing"

func TestListensTellsTheLocationsThatWaitForASender(t *testing.T) {
	for url, want := range map[string]bool{
		"tcp://0.0.0.0:5000?listen=1":                     true,
		"tcp://0.0.0.0:5000?listen=2":                     true,
		"tcp://0.0.0.0:5000?listen=0":                     false,
		"tcp://cam:5000":                                  false,
		"srt://:9000?mode=listener":                       true,
		"srt://0.0.0.0:9000?mode=listener&latency=200000": true,
		"srt://cam:9000":                                  false,
		"srt://cam:9000?mode=caller":                      false,
		"rtmp://0.0.0.0/live/cam?listen=1":                true,
		"http://0.0.0.0:8080/cam?listen=1":                true,
		"udp://0.0.0.0:5000":                              false,
		"rtp://0.0.0.0:5000":                              false,
		"clip.mp4":                                        false,
		"listen=1.ts":                                     false,
	} {
		if got := listens(url); got != want {
			t.Errorf("listens(%q) = %v, want %v", url, got, want)
		}
	}
}
