package ffmpeg

import (
	"path/filepath"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
)

// A stream of pixels that are not square (a PAL camera's 16:9 at 64:45)
// decodes into Frames of square pixels, the picture ffmpeg scales to the
// size players show, turned after it where the stream is to be shown
// turned; WithoutSquarePixels keeps the coded size, and WithSize's size
// is taken as it is. Each Frame says the shape of its pixels: 1:1 made
// square, the stream's as coded, turned with the picture, and scaled so
// that the picture shows in its shape.
func TestReaderMakesPixelsSquare(t *testing.T) {
	path := testclip.Make(t, "sar.mp4", 3, 25, "-vf", "setsar=64/45", "-c:v", "libx264", "-pix_fmt", "yuv420p")
	f, info := firstFrame(t, path)
	if info.PixelAspect != (PixelAspect{Width: 64, Height: 45}) || info.Width != 160 || info.Height != 120 {
		t.Fatalf("info %+v; want 160x120 of pixels 64:45", info)
	}
	if f.Width != 228 || f.Height != 120 {
		t.Fatalf("a %dx%d frame, want 228x120 (160 times 64/45, even)", f.Width, f.Height)
	}
	if f.Aspect != (PixelAspect{Width: 1, Height: 1}) {
		t.Errorf("a frame made square says its pixels are %v, want 1:1", f.Aspect)
	}
	want := ffmpegCLI(t, "-v", "error", "-i", path, "-frames:v", "1", "-vf", "scale=228:120:flags=bilinear",
		"-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
	ref, err := media.FrameFromPacked(media.YUV420P, 228, 120, want)
	if err != nil {
		t.Fatal(err)
	}
	if psnr := lumaPSNR(t, f, ref); psnr < 35 {
		t.Errorf("luma PSNR %.1f dB against ffmpeg's picture scaled to square pixels", psnr)
	}
	if f, _ := firstFrame(t, path, WithoutSquarePixels()); f.Width != 160 || f.Height != 120 || f.Aspect != (PixelAspect{Width: 64, Height: 45}) {
		t.Errorf("without square pixels: a %dx%d frame of pixels %v, want 160x120 as coded, of 64:45", f.Width, f.Height, f.Aspect)
	}
	// 160x120 at 64:45 shows 256:135; 100x50 shows so at 128:135.
	if f, _ := firstFrame(t, path, WithSize(100, 50)); f.Width != 100 || f.Height != 50 || f.Aspect != (PixelAspect{Width: 128, Height: 135}) {
		t.Errorf("WithSize(100, 50): a %dx%d frame of pixels %v, want 128:135", f.Width, f.Height, f.Aspect)
	}
	turned := filepath.Join(t.TempDir(), "sar-rotate90.mp4")
	ffmpegCLI(t, "-v", "error", "-i", path, "-c", "copy", "-metadata:s:v:0", "rotate=90", turned)
	if f, _ := firstFrame(t, turned); f.Width != 120 || f.Height != 228 {
		t.Errorf("turned: a %dx%d frame, want 120x228 (made square, then turned)", f.Width, f.Height)
	}
	if f, _ := firstFrame(t, turned, WithoutSquarePixels()); f.Width != 120 || f.Height != 160 || f.Aspect != (PixelAspect{Width: 45, Height: 64}) {
		t.Errorf("turned as coded: a %dx%d frame of pixels %v, want 120x160 of 45:64", f.Width, f.Height, f.Aspect)
	}
}

// A Decoder made WithSquarePixels makes the pictures of an SPS that states
// pixels of 64:45 square; by default, or at WithOutputSize's size, it
// keeps the size asked for.
func TestDecoderWithSquarePixels(t *testing.T) {
	path := testclip.Make(t, "sar.mp4", 3, 25, "-vf", "setsar=64/45", "-c:v", "libx264", "-pix_fmt", "yuv420p")
	pkts := readPackets(t, path)
	for _, c := range []struct {
		opts          []DecoderOption
		width, height int
		aspect        PixelAspect
	}{
		{[]DecoderOption{WithSquarePixels()}, 228, 120, PixelAspect{Width: 1, Height: 1}},
		{nil, 160, 120, PixelAspect{Width: 64, Height: 45}},
		{[]DecoderOption{WithSquarePixels(), WithOutputSize(80, 60)}, 80, 60, PixelAspect{Width: 64, Height: 45}},
	} {
		for i, f := range decodeAll(t, mustDecoder(t, c.opts...), pkts) {
			if f.Width != c.width || f.Height != c.height || f.Aspect != c.aspect {
				t.Fatalf("%d options: picture %d is %dx%d of pixels %v, want %dx%d of %v", len(c.opts), i, f.Width, f.Height, f.Aspect, c.width, c.height, c.aspect)
			}
		}
	}
}
