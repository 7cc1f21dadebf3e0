package ffmpeg

import (
	"fmt"
	"testing"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/media"
)

// BenchmarkJPEGEncoders measures the two JPEG encoders on the same frames in
// one run: Go's image/jpeg (codecs/jpeg, quality 75 and 90) and FFmpeg's
// MJPEG (JPEGEncoder, qscale 4). Each reports frames/s, bytes per frame and
// the luma PSNR of its output decoded by codecs/jpeg, so that speed is
// compared at a known quality.
func BenchmarkJPEGEncoders(b *testing.B) {
	for _, s := range benchSizes {
		p := pattern(b, s[0], s[1])
		frames := make([]*media.Frame, 30)
		for i := range frames {
			frames[i] = p.Frame(uint64(i))
		}
		for _, q := range []int{75, 90} {
			b.Run(fmt.Sprintf("go-image-jpeg-q%d/%dx%d", q, s[0], s[1]), func(b *testing.B) {
				e, err := jpeg.NewEncoder(jpeg.WithQuality(q))
				if err != nil {
					b.Fatal(err)
				}
				benchJPEGEncoder(b, e, frames)
			})
		}
		b.Run(fmt.Sprintf("ffmpeg-mjpeg-q%d/%dx%d", DefaultJPEGQScale, s[0], s[1]), func(b *testing.B) {
			e, err := NewJPEGEncoder(s[0], s[1])
			if err != nil {
				b.Fatal(err)
			}
			benchJPEGEncoder(b, e, frames)
		})
	}
}

func benchJPEGEncoder(b *testing.B, e codecs.Encoder, frames []*media.Frame) {
	defer e.Close()
	d, err := jpeg.NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	var bytes int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pkt, err := e.Encode(frames[i%len(frames)])
		if err != nil {
			b.Fatal(err)
		}
		bytes += len(pkt.Data)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/frame")
	var sum float64
	for _, f := range frames[:5] {
		pkt, err := e.Encode(f)
		if err != nil {
			b.Fatal(err)
		}
		out, err := d.Decode(pkt)
		if err != nil {
			b.Fatal(err)
		}
		psnr, err := media.LumaPSNR(f, out[0])
		if err != nil {
			b.Fatal(err)
		}
		sum += media.CapPSNR(psnr)
	}
	b.ReportMetric(sum/5, "dB")
}
