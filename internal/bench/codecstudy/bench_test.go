package codecstudy

import (
	"testing"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/media"
)

// BenchmarkSeedTable is the seed's storage table at codec level: vtest.avi
// scaled to 320x240, its first 150 frames, encoded with H.264 at gopline's
// defaults and with gopline's JPEG encoder (FFmpeg's MJPEG) at its default
// qscale and at the coarsest qscale whose PSNR matches H.264's; Go's
// image/jpeg at matching PSNR is there for comparison. Each sub-benchmark
// reports bytes and PSNR.
func BenchmarkSeedTable(b *testing.B) {
	path, err := bench.VTestPath()
	if err != nil {
		b.Skip(err)
	}
	frames, err := Clip(path, 320, 240, 150)
	if err != nil {
		b.Fatal(err)
	}
	var h264Bytes int
	var h264PSNR float64
	report := func(b *testing.B, r Result) {
		b.ReportMetric(float64(r.Bytes), "bytes")
		b.ReportMetric(r.LumaPSNR, "dB")
		b.ReportMetric(float64(r.Frames), "frames")
		if h264Bytes > 0 && r.Codec != "h264" {
			b.ReportMetric(100*float64(h264Bytes)/float64(r.Bytes), "h264_%_of_this")
		}
		b.Logf("%s %s: %d frames, %d bytes, %.2f dB, encode %.0f fps, decode %.0f fps",
			r.Codec, r.Setting, r.Frames, r.Bytes, r.LumaPSNR, r.EncodeFPS, r.DecodeFPS)
	}
	b.Run("h264-defaults", func(b *testing.B) {
		for b.Loop() {
			r, err := H264(frames, "defaults")
			if err != nil {
				b.Fatal(err)
			}
			h264Bytes, h264PSNR = r.Bytes, r.LumaPSNR
			report(b, r)
		}
	})
	b.Run("jpeg-default-qscale", func(b *testing.B) {
		for b.Loop() {
			r, err := FFmpegJPEG(frames, ffmpeg.DefaultJPEGQScale)
			if err != nil {
				b.Fatal(err)
			}
			report(b, r)
		}
	})
	matching := func(name string, match func([]*media.Frame, float64) (Result, error)) {
		b.Run(name, func(b *testing.B) {
			if h264PSNR == 0 {
				b.Skip("run with the h264-defaults sub-benchmark")
			}
			for b.Loop() {
				r, err := match(frames, h264PSNR)
				if err != nil {
					b.Fatal(err)
				}
				report(b, r)
			}
		})
	}
	matching("jpeg-matching-h264-psnr", FFmpegJPEGMatching)
	matching("image-jpeg-matching-h264-psnr", JPEGMatching)
}
