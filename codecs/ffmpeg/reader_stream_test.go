package ffmpeg

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// twoVideoStreams writes a file with two video streams, as a camera's main
// and sub streams: 160x120 then 320x240, 10 pictures each, and a sound.
func twoVideoStreams(t *testing.T) string {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("no ffmpeg")
	}
	path := filepath.Join(t.TempDir(), "two.mkv")
	cmd := []string{"-v", "error", "-f", "lavfi", "-i", "sine=sample_rate=8000:duration=0.4",
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=0.4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=0.4",
		"-map", "0:a", "-map", "1:v", "-map", "2:v", "-c:v", "libx264", "-c:a", "pcm_s16le", path}
	if out, err := exec.Command(ff, cmd...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", cmd, err, out)
	}
	return path
}

// WithVideoStream reads the nth video stream of an input that has two,
// decoded or passed through, as ffmpeg -map 0:v:n; the first by default.
func TestReaderReadsTheChosenVideoStream(t *testing.T) {
	path := twoVideoStreams(t)
	for _, c := range []struct {
		opts  []ReaderOption
		width int
	}{
		{nil, 160},
		{[]ReaderOption{WithVideoStream(0)}, 160},
		{[]ReaderOption{WithVideoStream(1)}, 320},
	} {
		r := mustReader(t, path, c.opts...)
		frames := readAllFrames(t, r)
		if r.Info().Width != c.width || len(frames) != 10 || frames[0].Width != c.width {
			t.Errorf("%d options: stream %dx%d, %d frames; want width %d, 10 frames", len(c.opts), r.Info().Width, r.Info().Height, len(frames), c.width)
		}
		for _, f := range frames {
			f.Release()
		}
	}
	r := mustReader(t, path, WithVideoStream(1), WithPassthrough())
	n := 0
	for {
		p, err := r.ReadPacket()
		if err != nil {
			break
		}
		if p.Width != 320 {
			t.Fatalf("packet %d of stream 1 is %dx%d", n, p.Width, p.Height)
		}
		n++
	}
	if n != 10 {
		t.Fatalf("%d packets of stream 1, want 10", n)
	}
}

// A video stream past the last is a bad option, whose error says how many
// video streams the input has.
func TestReaderRefusesAVideoStreamPastTheLast(t *testing.T) {
	path := twoVideoStreams(t)
	_, err := OpenReader(path, WithVideoStream(2))
	if !errors.Is(err, ErrBadOption) || !strings.Contains(err.Error(), "it has 2 video streams") {
		t.Fatalf("stream 2 of two: %v", err)
	}
	if _, err := OpenReader(path, WithVideoStream(-1)); !errors.Is(err, ErrBadOption) {
		t.Fatalf("stream -1: %v", err)
	}
}
