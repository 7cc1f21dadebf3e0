package ffmpeg

import (
	"fmt"
	"testing"

	"github.com/gopline/gopline/media"
)

var benchSizes = [][2]int{{320, 240}, {640, 480}, {1280, 720}}

// BenchmarkEncode measures libx264 at gopline's defaults (veryfast,
// zerolatency, CRF 23, GOP 30) on the moving test pattern.
func BenchmarkEncode(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(b *testing.B) {
			p := pattern(b, s[0], s[1])
			frames := make([]*media.Frame, 60)
			for i := range frames {
				frames[i] = p.Frame(uint64(i))
			}
			e := mustEncoder(b, s[0], s[1])
			var bytes int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				pkt, err := e.Encode(frames[i%len(frames)])
				if err != nil {
					b.Fatal(err)
				}
				bytes += len(pkt.Data)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
			b.ReportMetric(float64(bytes)/float64(b.N), "bytes/frame")
		})
	}
}

// BenchmarkDecode measures the single-threaded H.264 decoder, its pictures
// handed out as YUV420P media.Frames and released, as a pipeline's sink
// does.
func BenchmarkDecode(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(b *testing.B) {
			pkts := encodeClip(b, pattern(b, s[0], s[1]), 60)
			d := mustDecoder(b)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Restart at a keyframe each lap with continuous Seq.
				src := pkts[i%len(pkts)]
				pkt := *src
				pkt.Seq = uint64(i)
				frames, err := d.Decode(&pkt)
				if err != nil {
					b.Fatal(err)
				}
				for _, f := range frames {
					f.Release()
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
