package export_test

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
)

// BenchmarkTimeToPictureAfterSeek measures what a player or an export pays
// to show the picture at a random instant: seek to the keyframe at or before
// it, then decode from there up to the instant, in a 1-minute and a 60-minute
// recording of 640x480 H.264 at 30 fps, GOP 30. The recordings repeat one
// real encoded GOP with advancing Seq and capture times, so every GOP
// decodes.
func BenchmarkTimeToPictureAfterSeek(b *testing.B) {
	const w, h, fps, gop = 640, 480, 30, 30
	pat, err := testsrc.New(w, h)
	if err != nil {
		b.Fatal(err)
	}
	enc, err := ffmpeg.NewH264Encoder(w, h, ffmpeg.WithGOP(gop))
	if err != nil {
		b.Fatal(err)
	}
	var one []*media.Packet
	for i := range gop {
		p, err := enc.Encode(pat.Frame(uint64(i)))
		if err != nil {
			b.Fatal(err)
		}
		one = append(one, p)
	}
	enc.Close()
	start := time.Unix(1_700_000_000, 0)
	for _, minutes := range []int{1, 60} {
		b.Run(fmt.Sprintf("%dmin", minutes), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "long.gopline")
			rec, err := storage.Open(path, storage.WithSync(storage.SyncNone))
			if err != nil {
				b.Fatal(err)
			}
			if err := rec.CreateStream(storage.StreamInfo{Name: "/cam", Codec: media.H264, Width: w, Height: h, Created: start}); err != nil {
				b.Fatal(err)
			}
			frames := minutes * 60 * fps
			for i := range frames {
				p := *one[i%gop]
				p.Seq, p.GOP = uint64(i), uint64(i-i%gop)
				p.CaptureTime = start.Add(time.Duration(i) * time.Second / fps)
				if err := rec.Append("/cam", &p); err != nil {
					b.Fatal(err)
				}
			}
			if err := rec.Close(); err != nil {
				b.Fatal(err)
			}
			if rec, err = storage.Open(path, storage.WithReadOnly()); err != nil {
				b.Fatal(err)
			}
			defer rec.Close()
			rng := rand.New(rand.NewPCG(1, uint64(minutes)))
			b.ResetTimer()
			for range b.N {
				at := start.Add(time.Duration(rng.IntN(frames)) * time.Second / fps)
				if f := pictureAt(b, rec, at); f == nil {
					b.Fatal("no picture")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/picture")
		})
	}
}

// pictureAt seeks and decodes up to the picture captured at t.
func pictureAt(b *testing.B, rec *storage.Recording, t time.Time) *media.Frame {
	c, err := rec.Seek("/cam", t)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()
	var last *media.Frame
	for {
		p, err := c.Next()
		if errors.Is(err, io.EOF) || (err == nil && p.CaptureTime.After(t)) {
			return last
		}
		if err != nil {
			b.Fatal(err)
		}
		frames, err := dec.Decode(p)
		if err != nil {
			b.Fatal(err)
		}
		if len(frames) > 0 {
			last = frames[len(frames)-1]
		}
	}
}
