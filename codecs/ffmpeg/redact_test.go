package ffmpeg

import (
	"bufio"
	"errors"
	"net"
	"net/textproto"
	"strings"
	"testing"
)

func TestRedactHidesAURLsPassword(t *testing.T) {
	for in, want := range map[string]string{
		"rtsp://admin:s3cret@192.168.1.20:554/stream1": "rtsp://admin:***@192.168.1.20:554/stream1",
		"rtsp://admin:p@ss:w@cam/h264?x=1":             "rtsp://admin:***@cam/h264?x=1",
		"http://u:pw@cam":                              "http://u:***@cam",
		"rtsp://admin@cam/stream":                      "rtsp://admin@cam/stream",
		"rtsp://cam/stream?u=a@b":                      "rtsp://cam/stream?u=a@b",
		"rtsp://cam/path@x:y":                          "rtsp://cam/path@x:y",
		"/dev/video0":                                  "/dev/video0",
		"clip:1.mp4":                                   "clip:1.mp4",
		"":                                             "",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactTextHidesThePasswordOfEveryURLInALine(t *testing.T) {
	for in, want := range map[string]string{
		"Opening 'http://u:pw@cam/seg.ts' for reading":        "Opening 'http://u:***@cam/seg.ts' for reading",
		"from rtsp://a:b@c:554/x and rtsp://d:e@f/y":          "from rtsp://a:***@c:554/x and rtsp://d:***@f/y",
		"rtsp://admin:p@ss@cam/stream":                        "rtsp://admin:***@cam/stream",
		"method DESCRIBE failed: 401 Unauthorized":            "method DESCRIBE failed: 401 Unauthorized",
		"Connection to tcp://127.0.0.1:8554?timeout=0 failed": "Connection to tcp://127.0.0.1:8554?timeout=0 failed",
		"Opening 'http://cam/a?u=x:y@z' for reading":          "Opening 'http://cam/a?u=x:y@z' for reading",
	} {
		if got := redactText(in); got != want {
			t.Errorf("redactText(%q) = %q, want %q", in, got, want)
		}
	}
}

// refusingCamera answers RTSP's OPTIONS and refuses everything else with
// status (401 with a digest challenge, or 403), as a camera does to a
// client without the right credentials. It returns the camera's address.
func refusingCamera(t *testing.T, status string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := textproto.NewReader(bufio.NewReader(c))
				for {
					line, err := r.ReadLine()
					if err != nil {
						return
					}
					h, err := r.ReadMIMEHeader()
					if err != nil {
						return
					}
					reply := "RTSP/1.0 " + status + "\r\nCSeq: " + h.Get("Cseq") + "\r\n"
					switch {
					case strings.HasPrefix(line, "OPTIONS"):
						reply = "RTSP/1.0 200 OK\r\nCSeq: " + h.Get("Cseq") + "\r\nPublic: DESCRIBE, SETUP, PLAY\r\n"
					case strings.HasPrefix(status, "401"):
						reply += "WWW-Authenticate: Digest realm=\"camera\", nonce=\"0123456789abcdef\"\r\n"
					}
					if _, err := c.Write([]byte(reply + "\r\n")); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// A camera that refuses the credentials fails the open at once, saying
// what to give, and never shows the password.
func TestReaderOfACameraThatRefusesAccessSaysWhatToGive(t *testing.T) {
	unauthorized, forbidden := refusingCamera(t, "401 Unauthorized"), refusingCamera(t, "403 Forbidden")
	for url, says := range map[string]string{
		"rtsp://admin:s3cret@" + unauthorized + "/stream": `refused the user "admin" and its password`,
		"rtsp://admin@" + unauthorized + "/stream":        `gives the user "admin" alone`,
		"rtsp://" + unauthorized + "/stream":              "asks for a user and password",
		"rtsp://admin:s3cret@" + forbidden + "/stream":    "refuses it this stream",
	} {
		_, err := OpenReader(url)
		if !errors.Is(err, ErrOpen) || !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), says) {
			t.Errorf("%s: %v, want ErrUnauthorized saying %q", Redact(url), err, says)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// Redact and redactText take any text (a location as typed, FFmpeg's lines
// with what a server sent in them) without failing, redact what they
// redacted already to the same, and leave no password of a URL they find.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"rtsp://admin:s3cret@cam:554/x", "rtsp://a:b@c@d/e", "http://u@h", "/dev/video0", "x://:@", "a://b:c@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Redact(s)
		if Redact(r) != r {
			t.Fatalf("Redact(%q) = %q, which it redacts again to %q", s, r, Redact(r))
		}
		if _, _, password, _ := userinfo(r); password && !strings.Contains(r, ":***@") {
			t.Fatalf("Redact(%q) = %q keeps a password", s, r)
		}
		if text := redactText(s); redactText(text) != text {
			t.Fatalf("redactText(%q) = %q, which it redacts again to %q", s, text, redactText(text))
		}
	})
}
