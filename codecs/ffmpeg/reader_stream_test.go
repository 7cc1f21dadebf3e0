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
	return twoVideoStreamsOf(t, "0.4")
}

// twoVideoStreamsOf is twoVideoStreams lasting seconds, at 25 pictures a
// second.
func twoVideoStreamsOf(t *testing.T, seconds string) string {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("no ffmpeg")
	}
	path := filepath.Join(t.TempDir(), "two.mkv")
	cmd := []string{"-v", "error", "-f", "lavfi", "-i", "sine=sample_rate=8000:duration=" + seconds,
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=" + seconds, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=" + seconds,
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

// The streams a Reader does not read are left out by the demuxer, not
// read and skipped: of a file of 4 s with sound and a second video stream,
// only the few packets read while probing come through.
func TestReaderLeavesTheOtherStreamsUnread(t *testing.T) {
	path := twoVideoStreamsOf(t, "4")
	for _, opts := range [][]ReaderOption{nil, {WithVideoStream(1)}} {
		r := mustReader(t, path, opts...)
		frames := readAllFrames(t, r)
		for _, f := range frames {
			f.Release()
		}
		// Read and skipped, the other streams would come to 100 pictures
		// and some 40 sound packets.
		if got := r.Stats().OtherStreams; len(frames) != 100 || got > 20 {
			t.Errorf("%d options: %d pictures, and %d packets of other streams read; want 100, and those of the probe at most", len(opts), len(frames), got)
		}
	}
}

// A file's attached picture (a cover or thumbnail, a video stream of
// one picture) is not the stream read by default; asked for by number,
// as ffmpeg's -map 0:v:1, it is.
func TestReaderPassesOverAnAttachedPicture(t *testing.T) {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("no ffmpeg")
	}
	dir := t.TempDir()
	cover, path := filepath.Join(dir, "cover.png"), filepath.Join(dir, "covered.m4v")
	for _, args := range [][]string{
		{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", cover},
		{"-v", "error", "-i", cover, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=0.4",
			"-map", "1", "-map", "0", "-c:v:0", "libx264", "-c:v:1", "png", "-disposition:v:1", "attached_pic", path},
	} {
		if out, err := exec.Command(ff, args...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %v: %v: %s", args, err, out)
		}
	}
	for _, c := range []struct {
		opts          []ReaderOption
		width, frames int
	}{{nil, 160, 10}, {[]ReaderOption{WithVideoStream(1)}, 64, 1}} {
		r := mustReader(t, path, c.opts...)
		frames := readAllFrames(t, r)
		if r.Info().Width != c.width || len(frames) != c.frames {
			t.Errorf("%d options: %d pictures %d wide, want %d %d wide", len(c.opts), len(frames), r.Info().Width, c.frames, c.width)
		}
		for _, f := range frames {
			f.Release()
		}
	}
}
