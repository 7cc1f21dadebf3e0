package jpeg_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

// Compile-time checks that the codecs implement gopline's interfaces.
var (
	_ codecs.Encoder = (*jpeg.Encoder)(nil)
	_ codecs.Decoder = (*jpeg.Decoder)(nil)
)

func mustEncoder(t testing.TB, opts ...jpeg.Option) *jpeg.Encoder {
	t.Helper()
	e, err := jpeg.NewEncoder(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func mustDecoder(t testing.TB, opts ...jpeg.DecoderOption) *jpeg.Decoder {
	t.Helper()
	d, err := jpeg.NewDecoder(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// pattern returns frame n of the test pattern in the given format.
func pattern(t testing.TB, w, h int, format media.PixelFormat, n uint64) *media.Frame {
	t.Helper()
	p, err := testsrc.New(w, h, testsrc.WithFormat(format))
	if err != nil {
		t.Fatal(err)
	}
	return p.Frame(n)
}

func encode(t testing.TB, e *jpeg.Encoder, f *media.Frame) *media.Packet {
	t.Helper()
	p, err := e.Encode(f)
	if err != nil {
		t.Fatalf("Encode(%v %dx%d): %v", f.Format, f.Width, f.Height, err)
	}
	return p
}

func decodeOne(t testing.TB, d *jpeg.Decoder, p *media.Packet) *media.Frame {
	t.Helper()
	frames, err := d.Decode(p)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(frames) != 1 {
		t.Fatalf("Decode returned %d frames, want 1", len(frames))
	}
	if err := frames[0].Validate(); err != nil {
		t.Fatalf("decoded frame: %v", err)
	}
	return frames[0]
}

func lumaPSNR(t testing.TB, a, b *media.Frame) float64 {
	t.Helper()
	psnr, err := media.LumaPSNR(a, b)
	if err != nil {
		t.Fatal(err)
	}
	return psnr
}

func TestNewEncoderRejectsBadQuality(t *testing.T) {
	for _, q := range []int{-1, 0, 101, 1000} {
		if _, err := jpeg.NewEncoder(jpeg.WithQuality(q)); !errors.Is(err, jpeg.ErrInvalidOption) {
			t.Errorf("quality %d: %v, want ErrInvalidOption", q, err)
		}
	}
	for _, q := range []int{1, 50, 100} {
		if _, err := jpeg.NewEncoder(jpeg.WithQuality(q)); err != nil {
			t.Errorf("quality %d: %v", q, err)
		}
	}
}

func TestEncodeDecodeKeepsThePicture(t *testing.T) {
	for _, size := range [][2]int{{320, 240}, {640, 480}} {
		src := pattern(t, size[0], size[1], media.YUV420P, 1234)
		p := encode(t, mustEncoder(t), src)
		got := decodeOne(t, mustDecoder(t), p)
		psnr := lumaPSNR(t, src, got)
		t.Logf("%dx%d quality %d: %d bytes, luma PSNR %.1f dB", size[0], size[1], jpeg.DefaultQuality, len(p.Data), psnr)
		if psnr < 30 {
			t.Errorf("%dx%d: luma PSNR %.1f dB, want >= 30", size[0], size[1], psnr)
		}
		if n, ok := testsrc.ReadFrameNumber(got); !ok || n != 1234 {
			t.Errorf("%dx%d: decoded frame number %d, %v", size[0], size[1], n, ok)
		}
	}
}

func TestHigherQualityGivesHigherPSNRAndMoreBytes(t *testing.T) {
	src := pattern(t, 320, 240, media.YUV420P, 50)
	d := mustDecoder(t)
	prevPSNR, prevBytes := 0.0, 0
	for _, q := range []int{10, 30, 50, 75, 90, 95} {
		p := encode(t, mustEncoder(t, jpeg.WithQuality(q)), src)
		psnr := lumaPSNR(t, src, decodeOne(t, d, p))
		t.Logf("quality %3d: %6d bytes, luma PSNR %.2f dB", q, len(p.Data), psnr)
		if psnr <= prevPSNR || len(p.Data) <= prevBytes {
			t.Errorf("quality %d: %.2f dB and %d bytes, not above the lower quality's %.2f dB and %d bytes",
				q, psnr, len(p.Data), prevPSNR, prevBytes)
		}
		prevPSNR, prevBytes = psnr, len(p.Data)
	}
}

func TestEncodeFillsThePacket(t *testing.T) {
	e := mustEncoder(t)
	now := time.Now()
	var epoch uint64
	for i := range uint64(3) {
		f := pattern(t, 64, 48, media.YUV420P, 100+i)
		f.CaptureTime = now.Add(time.Duration(i) * time.Second)
		p := encode(t, e, f)
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		if p.Codec != media.JPEG || !p.Key || p.Seq != i || p.GOP != i || p.Width != 64 || p.Height != 48 || !p.CaptureTime.Equal(f.CaptureTime) {
			t.Errorf("packet %d: %+v", i, *p)
		}
		if i == 0 {
			epoch = p.Epoch
		} else if p.Epoch != epoch {
			t.Errorf("epoch changed within one encoder: %d then %d", epoch, p.Epoch)
		}
		if !bytes.HasPrefix(p.Data, []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0}) {
			t.Errorf("packet does not open with SOI and a JFIF APP0: % x", p.Data[:12])
		}
		if !bytes.HasSuffix(p.Data, []byte{0xff, 0xd9}) {
			t.Error("packet does not end with EOI")
		}
	}
	e.ForceKeyframe() // a no-op, but part of the interface
	if p := encode(t, mustEncoder(t), pattern(t, 64, 48, media.YUV420P, 0)); p.Epoch == epoch || p.Seq != 0 {
		t.Errorf("second encoder: epoch %d (first %d), seq %d", p.Epoch, epoch, p.Seq)
	}
}

func TestPacketDataIsTheCallersOwn(t *testing.T) {
	e := mustEncoder(t)
	f := pattern(t, 64, 48, media.YUV420P, 1)
	a := encode(t, e, f)
	want := bytes.Clone(a.Data)
	b := encode(t, e, pattern(t, 64, 48, media.YUV420P, 2))
	if !bytes.Equal(a.Data, want) {
		t.Error("a later Encode changed an earlier packet's data")
	}
	for i := range b.Data {
		b.Data[i] = 0
	}
	if !bytes.Equal(a.Data, want) {
		t.Error("two packets share data")
	}
}

func TestEncodeDoesNotModifyTheFrame(t *testing.T) {
	for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8} {
		f := pattern(t, 48, 32, format, 3)
		before := f.Clone()
		encode(t, mustEncoder(t), f)
		if !bytes.Equal(f.AppendPacked(nil), before.AppendPacked(nil)) {
			t.Errorf("%v: Encode changed its frame", format)
		}
	}
}

func TestOddSizesRoundTrip(t *testing.T) {
	d := mustDecoder(t)
	for _, size := range [][2]int{{33, 17}, {1, 1}, {7, 3}, {2, 9}, {161, 121}} {
		for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8} {
			src := pattern(t, size[0], size[1], format, 7)
			p := encode(t, mustEncoder(t, jpeg.WithQuality(95)), src)
			got := decodeOne(t, d, p)
			if got.Width != size[0] || got.Height != size[1] || got.Format != media.YUV420P {
				t.Fatalf("%v %dx%d came back as %v %dx%d", format, size[0], size[1], got.Format, got.Width, got.Height)
			}
			want, err := src.Convert(media.YUV420P)
			if err != nil {
				t.Fatal(err)
			}
			if psnr := lumaPSNR(t, want, got); psnr < 30 {
				t.Errorf("%v %dx%d: luma PSNR %.1f dB, want >= 30", format, size[0], size[1], psnr)
			}
		}
	}
}

// solid returns a w x h RGB24 frame of one colour.
func solid(t testing.TB, w, h int, r, g, b byte) *media.Frame {
	f, err := media.NewFrame(media.RGB24, w, h)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(f.Planes[0]); i += 3 {
		f.Planes[0][i], f.Planes[0][i+1], f.Planes[0][i+2] = r, g, b
	}
	return f
}

func near(a, b byte, tolerance int) bool {
	d := int(a) - int(b)
	return d >= -tolerance && d <= tolerance
}

// TestColoursSurvive checks the range conversions both ways: limited-range
// YUV420P in and out, and RGB24 in and out, for saturated colours, black and
// white.
func TestColoursSurvive(t *testing.T) {
	colours := []struct {
		name    string
		r, g, b byte
	}{
		{"red", 255, 0, 0}, {"green", 0, 255, 0}, {"blue", 0, 0, 255},
		{"black", 0, 0, 0}, {"white", 255, 255, 255}, {"orange", 255, 128, 0},
	}
	yuvDec := mustDecoder(t)
	rgbDec := mustDecoder(t, jpeg.WithOutputFormat(media.RGB24))
	for _, c := range colours {
		rgb := solid(t, 32, 32, c.r, c.g, c.b)
		yuv, err := rgb.Convert(media.YUV420P)
		if err != nil {
			t.Fatal(err)
		}
		wantY, wantU, wantV := yuv.Planes[0][0], yuv.Planes[1][0], yuv.Planes[2][0]
		for _, in := range []*media.Frame{yuv, rgb} {
			p := encode(t, mustEncoder(t, jpeg.WithQuality(90)), in)
			got := decodeOne(t, yuvDec, p)
			y, u, v := got.Planes[0][16*32+16], got.Planes[1][8*16+8], got.Planes[2][8*16+8]
			if !near(y, wantY, 2) || !near(u, wantU, 3) || !near(v, wantV, 3) {
				t.Errorf("%s from %v: YUV %d %d %d, want %d %d %d", c.name, in.Format, y, u, v, wantY, wantU, wantV)
			}
			back := decodeOne(t, rgbDec, p)
			px := back.Planes[0][3*(16*32+16):]
			if !near(px[0], c.r, 4) || !near(px[1], c.g, 4) || !near(px[2], c.b, 4) {
				t.Errorf("%s from %v: RGB %v, want %d %d %d", c.name, in.Format, px[:3], c.r, c.g, c.b)
			}
		}
	}
}

func TestGrayFramesMakeGrayscaleJPEGs(t *testing.T) {
	src := pattern(t, 64, 48, media.GRAY8, 5)
	p := encode(t, mustEncoder(t), src)
	if !bytes.Contains(p.Data, []byte{0xff, 0xc0, 0x00, 0x0b, 8, 0, 48, 0, 64, 1}) {
		t.Error("no one-component SOF0 in a GRAY8 frame's JPEG")
	}
	gray := decodeOne(t, mustDecoder(t, jpeg.WithOutputFormat(media.GRAY8)), p)
	if psnr := lumaPSNR(t, src, gray); psnr < 30 {
		t.Errorf("gray round trip: %.1f dB", psnr)
	}
	yuv := decodeOne(t, mustDecoder(t), p)
	for i := 1; i <= 2; i++ {
		if bytes.Count(yuv.Planes[i], []byte{128}) != len(yuv.Planes[i]) {
			t.Errorf("grayscale JPEG decoded with chroma plane %d not all 128", i)
		}
	}
}

func TestEncodeRejectsBadFrames(t *testing.T) {
	short := pattern(t, 64, 48, media.YUV420P, 0)
	short.Planes[1] = short.Planes[1][:5]
	unknown := &media.Frame{Width: 4, Height: 4, Format: media.PixelFormat(42)}
	for name, f := range map[string]*media.Frame{"nil": nil, "short plane": short, "unknown format": unknown} {
		if _, err := mustEncoder(t).Encode(f); !errors.Is(err, codecs.ErrFrameMismatch) {
			t.Errorf("%s: %v, want ErrFrameMismatch", name, err)
		}
	}
}

func TestEncodeAcceptsChangingSizes(t *testing.T) {
	e, d := mustEncoder(t), mustDecoder(t)
	for i, size := range [][2]int{{64, 48}, {32, 32}, {64, 48}} {
		p := encode(t, e, pattern(t, size[0], size[1], media.YUV420P, uint64(i)))
		if got := decodeOne(t, d, p); got.Width != size[0] || got.Height != size[1] || p.Seq != uint64(i) {
			t.Errorf("frame %d: %dx%d seq %d", i, got.Width, got.Height, p.Seq)
		}
	}
}

func TestClosedCodecsRefuseWork(t *testing.T) {
	e, d := mustEncoder(t), mustDecoder(t)
	p := encode(t, e, pattern(t, 16, 16, media.YUV420P, 0))
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Encode(pattern(t, 16, 16, media.YUV420P, 1)); !errors.Is(err, codecs.ErrClosed) {
		t.Errorf("Encode after Close: %v", err)
	}
	if _, err := d.Decode(p); !errors.Is(err, codecs.ErrClosed) {
		t.Errorf("Decode after Close: %v", err)
	}
	if e.Close() != nil || d.Close() != nil {
		t.Error("second Close failed")
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, size := range [][2]int{{320, 240}, {640, 480}, {1280, 720}} {
		for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24} {
			b.Run(fmt.Sprintf("%dx%d/%v", size[0], size[1], format), func(b *testing.B) {
				f := pattern(b, size[0], size[1], format, 0)
				e := mustEncoder(b)
				b.ReportAllocs()
				var bytes int
				for b.Loop() {
					p, err := e.Encode(f)
					if err != nil {
						b.Fatal(err)
					}
					bytes += len(p.Data)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
				b.ReportMetric(float64(bytes)/float64(b.N), "bytes/frame")
			})
		}
	}
}

// TestFrameNumbersSurviveLowQuality checks that the test pattern's frame
// number code, which end-to-end tests rely on, reads back from JPEGs far
// worse than anyone would stream.
func TestFrameNumbersSurviveLowQuality(t *testing.T) {
	d := mustDecoder(t)
	for _, size := range [][2]int{{testsrc.MinCodeWidth, testsrc.MinCodeHeight}, {160, 120}, {320, 240}, {1280, 720}} {
		for _, q := range []int{5, 15, 50} {
			for _, n := range []uint64{0, 299, 1<<40 + 3} {
				p := encode(t, mustEncoder(t, jpeg.WithQuality(q)), pattern(t, size[0], size[1], media.YUV420P, n))
				if got, ok := testsrc.ReadFrameNumber(decodeOne(t, d, p)); !ok || got != n {
					t.Errorf("%dx%d quality %d: frame %d reads as %d, %v", size[0], size[1], q, n, got, ok)
				}
			}
		}
	}
}
