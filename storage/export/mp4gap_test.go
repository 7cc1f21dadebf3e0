package export_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// makeRecordingWithAGap writes a second of stream (camera: H.264 with a
// keyframe every gop pictures; jpegStream: JPEG), its pictures from
// picture gapAt on captured gap later, and returns its path, closed.
func makeRecordingWithAGap(t *testing.T, stream string, gapAt int, gap time.Duration) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gap.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	codec, encode := media.H264, func(*media.Frame) (*media.Packet, error) { return nil, nil }
	if stream == camera {
		enc, err := ffmpeg.NewH264Encoder(testWidth, testHeight, ffmpeg.WithGOP(gop), ffmpeg.WithFrameRate(fps))
		if err != nil {
			t.Fatal(err)
		}
		defer enc.Close()
		encode = enc.Encode
	} else {
		enc, err := ffmpeg.NewJPEGEncoder(testWidth, testHeight)
		if err != nil {
			t.Fatal(err)
		}
		defer enc.Close()
		codec, encode = media.JPEG, enc.Encode
	}
	if err := rec.CreateStream(storage.StreamInfo{Name: stream, Codec: codec, Width: testWidth, Height: testHeight}); err != nil {
		t.Fatal(err)
	}
	p := testPattern(t)
	for i := range 2 * gop {
		f := p.Frame(uint64(i))
		f.CaptureTime = frameTime(i)
		if i >= gapAt {
			f.CaptureTime = f.CaptureTime.Add(gap)
		}
		pkt, err := encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Append(stream, pkt); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// A gap longer than an MP4 sample lasts (2^31-1 ticks of 90 kHz, 6h37m)
// fails the export, naming the pictures either side, and writes nothing:
// FFmpeg's muxer warned of it ("Packet duration ... out of range") and
// squeezed it to a tick, and the export said it wrote a file of a day.
// The part after the gap starts at its first keyframe. A gap that fits is
// exported as it was (TestMP4OfAStreamWithAGapLastsItsPresentationSpan).
func TestMP4RefusesAGapLongerThanAnMP4Holds(t *testing.T) {
	const day = 24 * time.Hour
	for _, c := range []struct {
		name   string
		stream string
		gapAt  int // the first picture after the gap
		next   int // the first keyframe from it on
	}{
		{"h264, the gap before a keyframe", camera, fps, fps},
		{"h264, the gap within a GOP", camera, 10, fps},
		{"jpeg, encoded", jpegStream, 10, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := openRecording(t, makeRecordingWithAGap(t, c.stream, c.gapAt, day))
			dir := t.TempDir()
			path := filepath.Join(dir, "cam.mp4")
			_, err := export.MP4(t.Context(), rec, c.stream, time.Time{}, time.Time{}, path, nil)
			var gap *export.GapError
			if !errors.Is(err, export.ErrGapTooLong) || !errors.As(err, &gap) {
				t.Fatalf("export of a stream with a gap of a day: %v, want ErrGapTooLong", err)
			}
			before, after, next := frameTime(c.gapAt-1), frameTime(c.gapAt).Add(day), frameTime(c.next).Add(day)
			if gap.Stream != c.stream || !gap.Before.Equal(before) || !gap.After.Equal(after) || !gap.Next.Equal(next) ||
				gap.Gap != after.Sub(before) || !gap.Origin.Equal(t0) {
				t.Fatalf("%+v; want %s from %v to %v, the next keyframe at %v", gap, c.stream, before, after, next)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: %v, want no file", path, err)
			}
			noTempFiles(t, dir)
		})
	}
	if ffmpeg.MP4StepFits(ffmpeg.MaxMP4Step+time.Second) || !ffmpeg.MP4StepFits(ffmpeg.MaxMP4Step-time.Second) {
		t.Errorf("an MP4 holds steps up to %v", ffmpeg.MaxMP4Step)
	}
}
