package rtsp

import (
	"slices"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testrtsp"
	"github.com/gopline/gopline/media"
)

// BenchmarkRTSPHandOn measures, against the test camera on loopback (10
// frames/s, an IDR a second), how long after the open begins the first
// picture is handed on, and how old each picture is when it is (the
// moment it is handed on less its capture time, which both readers take
// from the moment its first packets came): gopline's reader against
// FFmpeg's RTSP demuxer (codecs/ffmpeg.Reader in passthrough), in the same
// run. Each round reads 20 pictures.
//
//	go test -run XXX -bench BenchmarkRTSPHandOn -benchtime 5x ./codecs/rtsp/
func BenchmarkRTSPHandOn(b *testing.B) {
	const rate, pictures = 10, 20
	units := testrtsp.Clip(b, 2*rate, rate)
	readers := []struct {
		name string
		open func(url string) (func() (*media.Packet, error), func(), error)
	}{
		{"gopline", func(url string) (func() (*media.Packet, error), func(), error) {
			r, err := Open(url)
			if err != nil {
				return nil, nil, err
			}
			return r.ReadPacket, func() { r.Close() }, nil
		}},
		{"ffmpeg", func(url string) (func() (*media.Packet, error), func(), error) {
			r, err := ffmpeg.OpenReader(url, ffmpeg.WithPassthrough())
			if err != nil {
				return nil, nil, err
			}
			return r.ReadPacket, func() { r.Close() }, nil
		}},
	}
	for _, rd := range readers {
		b.Run(rd.name, func(b *testing.B) {
			var firsts, ages []time.Duration
			for b.Loop() {
				cam := testrtsp.Start(b, units, rate)
				start := time.Now()
				read, closeReader, err := rd.open(cam.URL())
				if err != nil {
					b.Fatal(err)
				}
				for n := range pictures {
					p, err := read()
					if err != nil {
						b.Fatal(err)
					}
					now := time.Now()
					if n == 0 {
						firsts = append(firsts, now.Sub(start))
					}
					ages = append(ages, now.Sub(p.CaptureTime))
				}
				closeReader()
				cam.Stop()
			}
			b.ReportMetric(float64(median(firsts))/1e6, "first-ms")
			b.ReportMetric(float64(median(ages))/1e6, "age-ms")
			b.ReportMetric(float64(slices.Max(ages))/1e6, "max-age-ms")
		})
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
