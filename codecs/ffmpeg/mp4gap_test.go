package ffmpeg

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A step between two decode times longer than an MP4 sample lasts is
// refused, where FFmpeg's muxer squeezed it to a tick with a warning and
// no error; the longest that fits is written.
func TestMP4WriterRefusesAStepNoSampleLasts(t *testing.T) {
	pkts := encodeClip(t, pattern(t, 160, 120), 3, WithGOP(1))
	w, err := CreateMP4(filepath.Join(t.TempDir(), "x.mp4"), 160, 120)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.WritePacket(pkts[0], 0); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(pkts[1], MaxMP4Step-time.Second); err != nil {
		t.Fatalf("a step of %v: %v", MaxMP4Step-time.Second, err)
	}
	err = w.WritePacket(pkts[2], 2*MaxMP4Step)
	if err == nil || !strings.Contains(err.Error(), "longer than an MP4 sample lasts") {
		t.Fatalf("a step of %v: %v, want it refused", MaxMP4Step+time.Second, err)
	}
	if w.Frames() != 2 {
		t.Fatalf("%d frames written, want 2", w.Frames())
	}
}
