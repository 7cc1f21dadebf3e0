package ffmpeg

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
)

func TestIsClosingBoundary(t *testing.T) {
	for tail, want := range map[string]bool{
		"\r\n--ffmpeg\r\n":                         true,
		"\r\n--ffmpeg--\r\n":                       true,
		"--ffmpeg":                                 true,
		"\r\n--ffmpeg\r\nContent-type: ima":        false, // cut inside a part's headers
		"\r\n--ffmpeg\r\nContent-type: image/jpeg": false,
		"\r\n--ffmpeg\r\n--ffmpeg\r\n":             false,
		"junk":                                     false,
		"":                                         false,
	} {
		if got := isClosingBoundary([]byte(tail)); got != want {
			t.Errorf("isClosingBoundary(%q) = %v, want %v", tail, got, want)
		}
	}
}

// multipartFile writes a multipart JPEG file of 10 pictures (ffmpeg -f
// mpjpeg, as a saved MJPEG camera stream), changed by edit, and returns
// its path.
func multipartFile(t *testing.T, name string, edit func([]byte) []byte) string {
	t.Helper()
	data, err := os.ReadFile(testclip.Make(t, "saved.mjpeg", 10, 25, "-f", "mpjpeg"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, edit(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A multipart JPEG file read to its closing boundary ends cleanly, decoded
// or passed through, as ffmpeg reads it.
func TestReaderEndsAMultipartJPEGFileAtItsClosingBoundary(t *testing.T) {
	for name, edit := range map[string]func([]byte) []byte{
		"as written": func(b []byte) []byte { return b },
		"close delimiter": func(b []byte) []byte {
			return append(bytes.TrimSuffix(b, []byte("\r\n")), "--\r\n"...)
		},
	} {
		path := multipartFile(t, "clean.mjpeg", edit)
		r := mustReader(t, path)
		if frames := readAllFrames(t, r); len(frames) != 10 || r.Stats().Damage() != 0 {
			t.Errorf("%s: %d pictures, %s; want 10, no damage", name, len(frames), r.Stats())
		}
		p := mustReader(t, path, WithPassthrough())
		n := 0
		for ; ; n++ {
			if _, err := p.ReadPacket(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: packet %d: %v", name, n, err)
			}
		}
		if n != 10 || p.Stats().Damage() != 0 {
			t.Errorf("%s: %d packets, %s; want 10, no damage", name, n, p.Stats())
		}
	}
}

// A multipart JPEG file cut inside its last picture ends with the pictures
// before, the cut one counted truncated, as a raw file's; one cut inside a
// part's headers fails.
func TestReaderReportsAMultipartJPEGFileCutShort(t *testing.T) {
	path := multipartFile(t, "cut.mjpeg", func(b []byte) []byte { return b[:len(b)-500] })
	r := mustReader(t, path)
	if frames := readAllFrames(t, r); len(frames) != 9 || r.Stats().Truncated != 1 || r.Stats().Undecodable != 0 {
		t.Errorf("cut inside a picture: %d pictures, %s; want 9, 1 cut short by the end", len(frames), r.Stats())
	}
	path = multipartFile(t, "headers.mjpeg", func(b []byte) []byte {
		return b[:bytes.LastIndex(b, []byte("Content-type"))+5]
	})
	r = mustReader(t, path)
	frames, err := readAll(t, r)
	if len(frames) != 9 || err == nil || errors.Is(err, io.EOF) {
		t.Errorf("cut inside a part's headers: %d pictures, %v; want 9 and an error", len(frames), err)
	}
}
