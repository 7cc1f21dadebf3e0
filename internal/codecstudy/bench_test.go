package codecstudy

import (
	"testing"
)

// BenchmarkSeedTable is the seed's storage table at codec level: vtest.avi
// scaled to 320x240, its first 150 frames, encoded with H.264 at gopline's
// defaults and with JPEG at its default quality and at the lowest quality
// whose PSNR matches H.264's. Each sub-benchmark reports bytes and PSNR.
func BenchmarkSeedTable(b *testing.B) {
	path, err := VTestPath()
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
		for i := 0; i < b.N; i++ {
			r, err := H264(frames, "defaults")
			if err != nil {
				b.Fatal(err)
			}
			h264Bytes, h264PSNR = r.Bytes, r.LumaPSNR
			report(b, r)
		}
	})
	b.Run("jpeg-default-quality", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			r, err := JPEG(frames, 75)
			if err != nil {
				b.Fatal(err)
			}
			report(b, r)
		}
	})
	b.Run("jpeg-matching-h264-psnr", func(b *testing.B) {
		if h264PSNR == 0 {
			b.Skip("run with the h264-defaults sub-benchmark")
		}
		for i := 0; i < b.N; i++ {
			r, err := JPEGMatching(frames, h264PSNR)
			if err != nil {
				b.Fatal(err)
			}
			report(b, r)
		}
	})
}
