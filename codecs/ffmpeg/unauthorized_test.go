package ffmpeg

import (
	"bufio"
	"errors"
	"net"
	"net/textproto"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/credentials"
)

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
			t.Errorf("%s: %v, want ErrUnauthorized saying %q", credentials.Redact(url), err, says)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// A server without a stream at the path fails the open saying what a 404
// means to a source that keeps trying it: a path to check, or one nothing
// publishes yet.
func TestReaderOfAPathThatIsNotThereSaysWhatItMeans(t *testing.T) {
	addr := refusingCamera(t, "404 Not Found")
	_, err := OpenReader("rtsp://" + addr + "/typo")
	if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), credentials.NotFoundHint) {
		t.Fatalf("OpenReader = %v, want it to say what the 404 means", err)
	}
}
