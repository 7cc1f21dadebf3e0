package rtsp

import (
	"net"
	"os/exec"
	"slices"
	"strconv"
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
// run. Each round reads 40 pictures; the ages are those of the last 20,
// past anything the open held back.
//
//	go test -run XXX -bench BenchmarkRTSPHandOn -benchtime 5x ./codecs/rtsp/
func BenchmarkRTSPHandOn(b *testing.B) {
	const rate = 10
	units := testrtsp.Clip(b, 2*rate, rate)
	for _, rd := range handOnReaders(func(url string) (*Reader, error) { return Open(url) }) {
		b.Run(rd.name, func(b *testing.B) {
			var firsts, ages []time.Duration
			for b.Loop() {
				cam := testrtsp.Start(b, units, rate)
				rd.measure(b, cam.URL(), &firsts, &ages)
				cam.Stop()
			}
			b.ReportMetric(float64(median(firsts))/1e6, "first-ms")
			b.ReportMetric(float64(median(ages))/1e6, "age-ms")
			b.ReportMetric(float64(slices.Max(ages))/1e6, "max-age-ms")
		})
	}
}

// BenchmarkRTPHandOn is BenchmarkRTSPHandOn for H.264 that GStreamer
// sends to an rtp:// port (gst-launch-1.0 videotestsrc is-live=true !
// 320x240 at 10 frames/s ! x264enc tune=zerolatency key-int-max=10 !
// rtph264pay config-interval=-1 ! udpsink): gopline's ListenRTP against
// FFmpeg's reader of the port, in the same run. The sender starts just
// before the reader opens.
//
//	go test -run XXX -bench BenchmarkRTPHandOn -benchtime 5x ./codecs/rtsp/
func BenchmarkRTPHandOn(b *testing.B) {
	gst, err := exec.LookPath("gst-launch-1.0")
	if err != nil {
		b.Skip("gst-launch-1.0 is not installed")
	}
	for _, rd := range handOnReaders(func(url string) (*Reader, error) { return ListenRTP(url, 0) }) {
		b.Run(rd.name, func(b *testing.B) {
			var firsts, ages []time.Duration
			for b.Loop() {
				port := freePortOf(b)
				sender := exec.Command(gst, "-q", "videotestsrc", "is-live=true", "!", "video/x-raw,width=320,height=240,framerate=10/1",
					"!", "x264enc", "tune=zerolatency", "key-int-max=10", "!", "rtph264pay", "config-interval=-1",
					"!", "udpsink", "host=127.0.0.1", "port="+strconv.Itoa(port))
				if err := sender.Start(); err != nil {
					b.Fatal(err)
				}
				rd.measure(b, "rtp://127.0.0.1:"+strconv.Itoa(port), &firsts, &ages)
				_ = sender.Process.Kill()
				_ = sender.Wait()
			}
			b.ReportMetric(float64(median(firsts))/1e6, "first-ms")
			b.ReportMetric(float64(median(ages))/1e6, "age-ms")
		})
	}
}

// freePortOf returns a port of the loopback free for UDP.
func freePortOf(b *testing.B) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// handOnReader opens a reader of a URL, giving its read and its close.
type handOnReader struct {
	name string
	open func(url string) (func() (*media.Packet, error), func(), error)
}

// handOnPictures are the pictures a round reads: the ages are those of
// the last half, past anything the open held back.
const handOnPictures = 40

// measure opens the reader of url, reads handOnPictures, and adds to
// firsts how long after the open began the first came, and to ages how
// old each of the last half was when it came.
func (rd handOnReader) measure(b *testing.B, url string, firsts, ages *[]time.Duration) {
	start := time.Now()
	read, closeReader, err := rd.open(url)
	if err != nil {
		b.Fatal(err)
	}
	defer closeReader()
	for n := range handOnPictures {
		p, err := read()
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		if n == 0 {
			*firsts = append(*firsts, now.Sub(start))
		}
		if n >= handOnPictures/2 {
			*ages = append(*ages, now.Sub(p.CaptureTime))
		}
	}
}

// handOnReaders are gopline's reader, opened by open, and FFmpeg's.
func handOnReaders(open func(url string) (*Reader, error)) []handOnReader {
	return []handOnReader{
		{"gopline", func(url string) (func() (*media.Packet, error), func(), error) {
			r, err := open(url)
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
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
