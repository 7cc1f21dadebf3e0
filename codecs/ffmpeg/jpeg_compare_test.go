package ffmpeg

import (
	"fmt"
	"testing"

	"github.com/asticode/go-astiav"
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

// BenchmarkJPEGDecoders measures Go's image/jpeg decoder (codecs/jpeg)
// against FFmpeg's MJPEG decoder on the same JPEG, output as YUV420P
// media.Frames for both (FFmpeg's full-range output goes through swscale).
func BenchmarkJPEGDecoders(b *testing.B) {
	for _, s := range benchSizes {
		e, err := NewJPEGEncoder(s[0], s[1])
		if err != nil {
			b.Fatal(err)
		}
		pkt, err := e.Encode(pattern(b, s[0], s[1]).Frame(0))
		e.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("go-image-jpeg/%dx%d", s[0], s[1]), func(b *testing.B) {
			d, err := jpeg.NewDecoder()
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				if _, err := d.Decode(pkt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
		b.Run(fmt.Sprintf("ffmpeg-mjpeg/%dx%d", s[0], s[1]), func(b *testing.B) {
			codec := astiav.FindDecoder(astiav.CodecIDMjpeg)
			ctx := astiav.AllocCodecContext(codec)
			defer ctx.Free()
			ctx.SetThreadCount(1)
			if err := ctx.Open(codec, nil); err != nil {
				b.Fatal(err)
			}
			pk, fr := astiav.AllocPacket(), astiav.AllocFrame()
			defer pk.Free()
			defer fr.Free()
			sc, err := newScaler(0, 0, media.YUV420P)
			if err != nil {
				b.Fatal(err)
			}
			defer sc.close()
			buf := append(append([]byte(nil), pkt.Data...), make([]byte, packetPadding)...)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := pk.FromData(buf); err != nil {
					b.Fatal(err)
				}
				pk.SetSize(len(pkt.Data))
				err := ctx.SendPacket(pk)
				pk.Unref()
				if err == nil {
					err = ctx.ReceiveFrame(fr)
				}
				if err != nil {
					b.Fatal(err)
				}
				_, err = sc.convert(fr, PixelAspect{})
				fr.Unref()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
