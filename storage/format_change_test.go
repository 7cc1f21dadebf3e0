package storage_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

func TestAppendRefusesPacketsOfAnotherFormatThanTheStreams(t *testing.T) {
	rec, path := MustOpen(t)
	createCamera(t, rec) // H.264, 320x240
	gray := storage.StreamInfo{Name: "/gray", Codec: media.Raw, Format: media.GRAY8, Width: 4, Height: 2}
	if err := rec.CreateStream(gray); err != nil {
		t.Fatal(err)
	}
	s := newSynth()
	if err := rec.Append("/camera", s.packet(0)); err != nil {
		t.Fatal(err)
	}
	larger := s.packet(1)
	larger.Width, larger.Height = 640, 480
	largerKey := s.packet(10)
	largerKey.Width, largerKey.Height = 640, 480
	jpeg := s.packet(10)
	jpeg.Codec = media.JPEG
	rgb := &media.Packet{Codec: media.Raw, Format: media.RGB24, Key: true, Data: make([]byte, 24), Width: 4, Height: 2,
		CaptureTime: epoch2024}
	for _, tc := range []struct {
		name, stream string
		p            *media.Packet
		says         string
	}{
		{"a delta of another size", "/camera", larger, "320x240, the packet's 640x480"},
		{"a keyframe of another size", "/camera", largerKey, "320x240, the packet's 640x480"},
		{"another codec", "/camera", jpeg, "the stream is h264, the packet jpeg"},
		{"another pixel format", "/gray", rgb, "pixel format is gray8, the packet's rgb24"},
	} {
		err := rec.Append(tc.stream, tc.p)
		if !errors.Is(err, storage.ErrFormatChanged) || !errors.Is(err, storage.ErrBadPacket) {
			t.Errorf("%s: %v, want ErrFormatChanged and ErrBadPacket", tc.name, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, tc.says) {
			t.Errorf("%s: %q does not name the file and say %q", tc.name, msg, tc.says)
		}
	}
	// Nothing refused reached the stream, and it goes on in its own format.
	appendAll(t, rec, "/camera", s, 1, 12)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	rec = mustOpenPath(t, path)
	if got := readStream(t, rec, "/camera"); len(got) != 12 {
		t.Fatalf("the stream holds %d packets, want 12", len(got))
	} else {
		for _, g := range got {
			if g.p.Width != 320 || g.p.Height != 240 {
				t.Fatalf("stored a %dx%d packet in a 320x240 stream", g.p.Width, g.p.Height)
			}
		}
	}
}

func TestAStreamCreatedWithoutASizeTakesItsFirstPacketsAcrossReopens(t *testing.T) {
	rec, path := MustOpen(t)
	info := cameraInfo()
	info.Width, info.Height = 0, 0
	if err := rec.CreateStream(info); err != nil {
		t.Fatal(err)
	}
	s := newSynth() // 320x240
	appendAll(t, rec, "/camera", s, 0, 5)
	other := s.packet(10)
	other.Width, other.Height = 160, 120
	if err := rec.Append("/camera", other); !errors.Is(err, storage.ErrFormatChanged) {
		t.Fatalf("a 160x120 keyframe after 320x240 packets: %v, want ErrFormatChanged", err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	rec = mustOpenPath(t, path)
	if err := rec.Append("/camera", other); !errors.Is(err, storage.ErrFormatChanged) {
		t.Fatalf("after reopening: a 160x120 keyframe: %v, want ErrFormatChanged", err)
	}
	appendAll(t, rec, "/camera", s, 5, 12)
}

// A keyframe captured more than TimeStepTolerance before the stream's
// latest packet is refused as a clock that stepped back, naming the step,
// across a reopening too; a smaller step, and deltas, are stored.
func TestAppendRefusesAKeyframeWhoseClockSteppedBack(t *testing.T) {
	rec, path := MustOpen(t)
	createCamera(t, rec)
	s := newSynth() // GOPs of 10 at 30 frames/s
	appendAll(t, rec, "/camera", s, 0, 15)
	late := s.packet(15)
	late.CaptureTime = late.CaptureTime.Add(-time.Minute) // a delta: B-frames present earlier pictures later
	if err := rec.Append("/camera", late); err != nil {
		t.Fatalf("a delta captured a minute earlier: %v, want it stored", err)
	}
	back := s.packet(20)
	back.CaptureTime = s.packet(14).CaptureTime.Add(-storage.TimeStepTolerance - time.Second)
	err := rec.Append("/camera", back)
	if !errors.Is(err, storage.ErrTimeWentBack) || !errors.Is(err, storage.ErrFormatChanged) || !errors.Is(err, storage.ErrBadPacket) ||
		!strings.Contains(err.Error(), "a keyframe captured 2s before") {
		t.Fatalf("a keyframe 2 s before the latest packet: %v, want ErrTimeWentBack naming the step", err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	rec = mustOpenPath(t, path)
	if err := rec.Append("/camera", back); !errors.Is(err, storage.ErrTimeWentBack) {
		t.Fatalf("after reopening: %v, want ErrTimeWentBack", err)
	}
	slewed := s.packet(20)
	slewed.CaptureTime = s.packet(14).CaptureTime.Add(-storage.TimeStepTolerance / 2)
	if err := rec.Append("/camera", slewed); err != nil {
		t.Fatalf("a keyframe half the tolerance before the latest packet: %v, want it stored", err)
	}
}
