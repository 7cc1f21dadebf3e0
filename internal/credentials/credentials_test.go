package credentials

import (
	"strings"
	"testing"
)

func TestRedactHidesThePasswordOfEveryURL(t *testing.T) {
	for in, want := range map[string]string{
		"rtsp://admin:s3cret@192.168.1.20:554/stream1": "rtsp://admin:***@192.168.1.20:554/stream1",
		"rtsp://admin:p@ss:w@cam/h264?x=1":             "rtsp://admin:***@cam/h264?x=1",
		"http://u:pw@cam":                              "http://u:***@cam",
		"srt://:k@h:1":                                 "srt://:***@h:1",
		"rtsp://admin@cam/stream":                      "rtsp://admin@cam/stream",
		"rtsp://cam/stream?u=a@b":                      "rtsp://cam/stream?u=a@b",
		"rtsp://cam/path@x:y":                          "rtsp://cam/path@x:y",
		"/dev/video0":                                  "/dev/video0",
		"clip:1.mp4":                                   "clip:1.mp4",
		"":                                             "",
		"Opening 'http://u:pw@cam/seg.ts' for reading":        "Opening 'http://u:***@cam/seg.ts' for reading",
		"from rtsp://a:b@c:554/x and rtsp://d:e@f/y":          "from rtsp://a:***@c:554/x and rtsp://d:***@f/y",
		"method DESCRIBE failed: 401 Unauthorized":            "method DESCRIBE failed: 401 Unauthorized",
		"Connection to tcp://127.0.0.1:8554?timeout=0 failed": "Connection to tcp://127.0.0.1:8554?timeout=0 failed",
		"Opening 'http://cam/a?u=x:y@z' for reading":          "Opening 'http://cam/a?u=x:y@z' for reading",
		// A password with an unescaped "/", "?" or "#" ends the
		// authority early; a parser's error may quote the URL cut there.
		"rtsp://admin:Secr3t/99@127.0.0.1:21752/test": "rtsp://admin:***@127.0.0.1:21752/test",
		"rtsp://admin:Secr3t?99@cam/test":             "rtsp://admin:***@cam/test",
		"rtsp://admin:Secr3t#99@cam/test":             "rtsp://admin:***@cam/test",
		`cannot open "rtsp://admin:1234/5@cam/x"`:     `cannot open "rtsp://admin:***@cam/x"`,
		"rtsp://cam:554/stream@2":                     "rtsp://cam:***@2",
		"rtsp://[::1]:8554/x":                         "rtsp://[::1]:8554/x",
		"rtsp://cam:554/stream":                       "rtsp://cam:554/stream",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMalformedFindsAPasswordThatEndsTheAuthority(t *testing.T) {
	for url, want := range map[string]bool{
		"rtsp://admin:Secr3t/99@127.0.0.1:21752/test": true,
		"rtsp://admin:Secr3t?99@cam/test":             true,
		"rtsp://admin:Secr3t#99@cam/test":             true,
		"rtsp://admin:Secr3t%2F99@cam/test":           false,
		"rtsp://admin:p@ss@cam/test":                  false,
		"rtsp://cam:554/stream@2":                     false,
		"rtsp://cam/stream?u=a@b":                     false,
		"rtsp://[::1]:8554/a@b":                       false,
		"/home/robot/a:b/c@d.mp4":                     false,
	} {
		if got := Malformed(url); got != want {
			t.Errorf("Malformed(%q) = %v, want %v", url, got, want)
		}
	}
}

// Redact takes any text (a location as typed, FFmpeg's lines with what a
// server sent in them) without failing, redacts what it redacted already
// to the same, and leaves no password but "***".
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"rtsp://admin:s3cret@cam:554/x", "rtsp://a:b@c@d/e", "http://u@h", "/dev/video0", "x://:@", "a://b:c@ d://e:f@g"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Redact(s)
		if Redact(r) != r {
			t.Fatalf("Redact(%q) = %q, which it redacts again to %q", s, r, Redact(r))
		}
		for _, span := range PasswordSpans(r) {
			if r[span[0]:span[1]] != "***" {
				t.Fatalf("Redact(%q) = %q keeps the password %q", s, r, r[span[0]:span[1]])
			}
		}
		if !strings.Contains(s, "://") && r != s {
			t.Fatalf("Redact(%q) = %q changed a text without a URL", s, r)
		}
	})
}
