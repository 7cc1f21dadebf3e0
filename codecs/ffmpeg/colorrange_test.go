package ffmpeg

import (
	"testing"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
)

// A stream of full-range pictures in a pixel format that does not say so
// (VP9 or HEVC flagged full range: yuv420p, not yuvj420p) decodes into
// Frames of gopline's video range, as ffmpeg converts it when told the
// range to make; as it came, its blacks and whites would be crushed by
// every consumer, which takes a Frame's YUV for video range.
func TestReaderConvertsFullRangePicturesOfAnyPixelFormat(t *testing.T) {
	for _, c := range []struct{ name, codec string }{{"full.webm", "libvpx-vp9"}, {"full.mkv", "libx264"}} {
		t.Run(c.name, func(t *testing.T) {
			path := testclip.Make(t, c.name, 3, 25, "-vf", "scale=out_range=full,format=yuv420p", "-c:v", c.codec, "-color_range", "pc")
			f, _ := firstFrame(t, path)
			want := ffmpegCLI(t, "-v", "error", "-i", path, "-frames:v", "1", "-vf", "scale=out_range=tv", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
			ref, err := media.FrameFromPacked(media.YUV420P, f.Width, f.Height, want)
			if err != nil {
				t.Fatal(err)
			}
			if psnr := lumaPSNR(t, f, ref); psnr < 40 {
				t.Errorf("luma PSNR %.1f dB against ffmpeg's decode into video range, want the same picture", psnr)
			}
			rgb, _ := firstFrame(t, path, WithPixelFormat(media.RGB24))
			wantRGB := ffmpegCLI(t, "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-")
			refRGB, err := media.FrameFromPacked(media.RGB24, f.Width, f.Height, wantRGB)
			if err != nil {
				t.Fatal(err)
			}
			psnr, err := media.PlanePSNR(rgb, refRGB, 0)
			if err != nil || psnr < 45 {
				t.Errorf("RGB PSNR %.1f dB against ffmpeg's RGB decode (%v), want the same picture", psnr, err)
			}
		})
	}
}

// RGB Frames of a stream tagged with the BT.709 matrix (a phone's or an
// HD camera's) are converted by that matrix, as ffmpeg converts them, not
// by BT.601's, which shifts every colour.
func TestReaderConvertsToRGBByTheStreamsMatrix(t *testing.T) {
	path := testclip.Make(t, "bt709.mkv", 3, 25, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-colorspace", "bt709")
	f, _ := firstFrame(t, path, WithPixelFormat(media.RGB24))
	want := ffmpegCLI(t, "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-")
	ref, err := media.FrameFromPacked(media.RGB24, f.Width, f.Height, want)
	if err != nil {
		t.Fatal(err)
	}
	if psnr, err := media.PlanePSNR(f, ref, 0); err != nil || psnr < 45 {
		t.Errorf("RGB PSNR %.1f dB against ffmpeg's RGB decode (%v), want the same picture", psnr, err)
	}
}
