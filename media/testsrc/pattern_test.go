package testsrc_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

func mustNew(t testing.TB, w, h int, opts ...testsrc.Option) *testsrc.Pattern {
	t.Helper()
	p, err := testsrc.New(w, h, opts...)
	if err != nil {
		t.Fatalf("New(%d, %d): %v", w, h, err)
	}
	return p
}

func samePicture(a, b *media.Frame) bool {
	return bytes.Equal(a.AppendPacked(nil), b.AppendPacked(nil))
}

func TestNewRejectsBadSizesAndFormats(t *testing.T) {
	for _, size := range [][2]int{{0, 10}, {10, 0}, {-2, 4}, {media.MaxDimension + 1, 16}} {
		if _, err := testsrc.New(size[0], size[1]); !errors.Is(err, media.ErrInvalidSize) {
			t.Errorf("New(%dx%d) = %v, want ErrInvalidSize", size[0], size[1], err)
		}
	}
	for _, format := range []media.PixelFormat{media.PixelFormatUnknown, media.PixelFormat(77)} {
		if _, err := testsrc.New(32, 32, testsrc.WithFormat(format)); !errors.Is(err, media.ErrUnknownPixelFormat) {
			t.Errorf("New with format %v = %v, want ErrUnknownPixelFormat", format, err)
		}
	}
}

func TestFrameDefaultsToYUV420PWithSeqAndZeroTime(t *testing.T) {
	p := mustNew(t, 64, 48)
	f := p.Frame(7)
	if f.Format != media.YUV420P || f.Width != 64 || f.Height != 48 || f.Seq != 7 || !f.CaptureTime.IsZero() {
		t.Errorf("frame is %v %dx%d seq %d time %v", f.Format, f.Width, f.Height, f.Seq, f.CaptureTime)
	}
	if err := f.Validate(); err != nil {
		t.Error(err)
	}
	if p.Width() != 64 || p.Height() != 48 || p.Format() != media.YUV420P {
		t.Errorf("pattern reports %v %dx%d", p.Format(), p.Width(), p.Height())
	}
}

func TestFramesAreDeterministic(t *testing.T) {
	for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8} {
		a, b := mustNew(t, 320, 240, testsrc.WithFormat(format)), mustNew(t, 320, 240, testsrc.WithFormat(format))
		for _, n := range []uint64{0, 1, 299, 1 << 40, ^uint64(0)} {
			if !samePicture(a.Frame(n), b.Frame(n)) || !samePicture(a.Frame(n), a.Frame(n)) {
				t.Errorf("%v frame %d differs between calls", format, n)
			}
		}
	}
}

func TestFrameReturnsFreshMemory(t *testing.T) {
	p := mustNew(t, 32, 32)
	a, b := p.Frame(3), p.Frame(3)
	a.Planes[0][0] ^= 0xff
	if a.Planes[0][0] == b.Planes[0][0] {
		t.Error("two frames share memory")
	}
}

func TestConsecutiveFramesDiffer(t *testing.T) {
	p := mustNew(t, 320, 240)
	prev := p.Frame(0)
	for n := uint64(1); n < 100; n++ {
		f := p.Frame(n)
		if samePicture(prev, f) {
			t.Fatalf("frames %d and %d are identical", n-1, n)
		}
		prev = f
	}
}

// boxCentre finds the bouncing box by its orange chroma (U 70, V 190) and
// returns the centre of its pixels at chroma resolution.
func boxCentre(t *testing.T, f *media.Frame) (x, y float64) {
	t.Helper()
	var sx, sy, count float64
	cw, ch := media.YUV420P.PlaneSize(1, f.Width, f.Height)
	for r := range ch {
		us, vs := f.Row(1, r), f.Row(2, r)
		for c := range cw {
			if us[c] == 70 && vs[c] == 190 {
				sx, sy, count = sx+float64(c), sy+float64(r), count+1
			}
		}
	}
	if count == 0 {
		t.Fatal("no box in the frame")
	}
	return sx / count, sy / count
}

func TestContentMoves(t *testing.T) {
	p := mustNew(t, 640, 480)
	a, b := p.Frame(100), p.Frame(101)

	ax, ay := boxCentre(t, a)
	bx, by := boxCentre(t, b)
	if ax == bx || ay == by {
		t.Errorf("box did not move diagonally: (%.1f,%.1f) -> (%.1f,%.1f)", ax, ay, bx, by)
	}

	// The colour bars scroll: a row of the band in frame n+1 is the row of
	// frame n shifted sideways by some pixels.
	rowA, rowB := a.Row(0, 250), b.Row(0, 250)
	shifted := -1
	for s := 1; s < 32 && shifted < 0; s++ {
		if bytes.Equal(rowA[s:s+200], rowB[:200]) || bytes.Equal(rowA[:200], rowB[s:s+200]) {
			shifted = s
		}
	}
	if shifted < 0 {
		t.Error("colour bar row did not move sideways by less than 32 pixels")
	}

	// The background drifts: a patch away from everything else changes.
	if bytes.Equal(a.Row(0, 200)[400:600], b.Row(0, 200)[400:600]) {
		t.Error("background did not change")
	}
}

func TestReadFrameNumberRoundTrip(t *testing.T) {
	sizes := [][2]int{{testsrc.MinCodeWidth, testsrc.MinCodeHeight}, {160, 120}, {320, 240}, {640, 480}, {1280, 720}, {1920, 1080}, {641, 361}}
	numbers := []uint64{0, 1, 299, 65535, 1<<32 + 5, 1 << 63, ^uint64(0)}
	formats := []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8}
	for _, size := range sizes {
		for _, format := range formats {
			p := mustNew(t, size[0], size[1], testsrc.WithFormat(format))
			for _, n := range numbers {
				if got, ok := testsrc.ReadFrameNumber(p.Frame(n)); !ok || got != n {
					t.Errorf("%dx%d %v: frame %d reads as %d, %v", size[0], size[1], format, n, got, ok)
				}
			}
		}
	}
}

func TestReadFrameNumberRefusesWhatItCannotRead(t *testing.T) {
	blank, _ := media.NewFrame(media.YUV420P, 320, 240)
	if n, ok := testsrc.ReadFrameNumber(blank); ok {
		t.Errorf("blank frame reads as %d", n)
	}
	small := mustNew(t, testsrc.MinCodeWidth-2, testsrc.MinCodeHeight).Frame(5)
	if n, ok := testsrc.ReadFrameNumber(small); ok {
		t.Errorf("frame below the minimum size reads as %d", n)
	}
	if _, ok := testsrc.ReadFrameNumber(nil); ok {
		t.Error("nil frame reads")
	}

	// Invert one cell of the grid (the first cell, 8x8 pixels at 8,8 in a
	// 320x240 frame): the check word must catch it.
	f := mustNew(t, 320, 240).Frame(12345)
	for y := 8; y < 16; y++ {
		row := f.Row(0, y)
		for x := 8; x < 16; x++ {
			row[x] = 16 + 235 - row[x]
		}
	}
	if n, ok := testsrc.ReadFrameNumber(f); ok {
		t.Errorf("frame with a flipped bit reads as %d", n)
	}

	// A grey cell is neither black nor white.
	f = mustNew(t, 320, 240).Frame(12345)
	for y := 8; y < 16; y++ {
		row := f.Row(0, y)
		for x := 8; x < 16; x++ {
			row[x] = 126
		}
	}
	if n, ok := testsrc.ReadFrameNumber(f); ok {
		t.Errorf("frame with a grey cell reads as %d", n)
	}
}

// The pattern's frames say what they are: square pixels, and in YUV420P
// the BT.601 matrix in limited range, what an encoder writes into its
// stream; a reused frame is said so again.
func TestFramesSayWhatThePatternIs(t *testing.T) {
	f := mustNew(t, 64, 48).Frame(3)
	want := media.Colour{Matrix: media.ColourSMPTE170M, Range: media.RangeLimited}
	if f.Aspect != (media.PixelAspect{Width: 1, Height: 1}) || f.Colour != want {
		t.Errorf("a frame of pixels %v and colours %v, want 1:1 and %v", f.Aspect, f.Colour, want)
	}
	f.Aspect, f.Colour = media.PixelAspect{Width: 64, Height: 45}, media.Colour{}
	if err := mustNew(t, 64, 48).FrameInto(f, 4); err != nil {
		t.Fatal(err)
	}
	if f.Aspect != (media.PixelAspect{Width: 1, Height: 1}) || f.Colour != want {
		t.Errorf("a frame drawn into says %v, %v", f.Aspect, f.Colour)
	}
}

func TestRGBAndGrayAreConversionsOfYUV(t *testing.T) {
	for _, size := range [][2]int{{320, 240}, {33, 17}} {
		yuv := mustNew(t, size[0], size[1])
		for _, format := range []media.PixelFormat{media.RGB24, media.GRAY8} {
			p := mustNew(t, size[0], size[1], testsrc.WithFormat(format))
			for _, n := range []uint64{0, 77} {
				want, err := yuv.Frame(n).Convert(format)
				if err != nil {
					t.Fatal(err)
				}
				got := p.Frame(n)
				if !samePicture(got, want) {
					t.Errorf("%dx%d %v frame %d differs from converting the YUV420P frame", size[0], size[1], format, n)
				}
				if got.Aspect != want.Aspect || got.Colour != want.Colour {
					t.Errorf("%v frame says %v, %v; converting the YUV420P frame says %v, %v", format, got.Aspect, got.Colour, want.Aspect, want.Colour)
				}
			}
		}
	}
}

func TestFrameIntoReusesAFrameWithoutAllocating(t *testing.T) {
	for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8} {
		p := mustNew(t, 320, 240, testsrc.WithFormat(format))
		dst, _ := media.NewFrame(format, 320, 240)
		dst.CaptureTime = time.Now()
		n := uint64(0)
		allocs := testing.AllocsPerRun(50, func() {
			if err := p.FrameInto(dst, n); err != nil {
				t.Fatal(err)
			}
			n++
		})
		if allocs != 0 {
			t.Errorf("%v: FrameInto allocates %.1f times per frame", format, allocs)
		}
		if dst.Seq != n-1 || !dst.CaptureTime.IsZero() {
			t.Errorf("%v: FrameInto left seq %d time %v", format, dst.Seq, dst.CaptureTime)
		}
		if !samePicture(dst, p.Frame(n-1)) {
			t.Errorf("%v: FrameInto and Frame differ", format)
		}
	}
}

func TestFrameIntoHonoursStrides(t *testing.T) {
	for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8} {
		p := mustNew(t, 35, 21, testsrc.WithFormat(format))
		dst := &media.Frame{Width: 35, Height: 21, Format: format}
		for i := range format.NumPlanes() {
			w, h := format.PlaneSize(i, 35, 21)
			dst.Strides[i] = w + 13
			dst.Planes[i] = bytes.Repeat([]byte{0xAB}, dst.Strides[i]*h)
		}
		if err := p.FrameInto(dst, 9); err != nil {
			t.Fatal(err)
		}
		if !samePicture(dst, p.Frame(9)) {
			t.Errorf("%v: padded frame holds another picture", format)
		}
		for i := range format.NumPlanes() {
			w, _ := format.PlaneSize(i, 35, 21)
			if pad := dst.Planes[i][w : w+13]; !bytes.Equal(pad, bytes.Repeat([]byte{0xAB}, 13)) {
				t.Errorf("%v: plane %d padding overwritten", format, i)
			}
		}
	}
}

func TestFrameIntoRejectsOtherFrames(t *testing.T) {
	p := mustNew(t, 64, 48)
	other, _ := media.NewFrame(media.YUV420P, 64, 50)
	rgb, _ := media.NewFrame(media.RGB24, 64, 48)
	short, _ := media.NewFrame(media.YUV420P, 64, 48)
	short.Planes[2] = short.Planes[2][:10]
	for name, c := range map[string]struct {
		f    *media.Frame
		want error
	}{
		"nil":          {nil, media.ErrFormatMismatch},
		"other size":   {other, media.ErrFormatMismatch},
		"other format": {rgb, media.ErrFormatMismatch},
		"short plane":  {short, media.ErrShortPlane},
	} {
		if err := p.FrameInto(c.f, 1); !errors.Is(err, c.want) {
			t.Errorf("%s: FrameInto = %v, want %v", name, err, c.want)
		}
	}
}

func TestEverySmallSizeDraws(t *testing.T) {
	for w := 1; w <= 40; w++ {
		for h := 1; h <= 40; h += 3 {
			for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24} {
				f := mustNew(t, w, h, testsrc.WithFormat(format)).Frame(uint64(w * h))
				if f == nil || f.Validate() != nil {
					t.Fatalf("%dx%d %v: bad frame", w, h, format)
				}
			}
		}
	}
}

func BenchmarkFrameInto(b *testing.B) {
	for _, size := range [][2]int{{320, 240}, {640, 480}, {1280, 720}} {
		for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8} {
			b.Run(fmt.Sprintf("%dx%d/%v", size[0], size[1], format), func(b *testing.B) {
				p := mustNew(b, size[0], size[1], testsrc.WithFormat(format))
				dst, _ := media.NewFrame(format, size[0], size[1])
				b.SetBytes(int64(format.PictureSize(size[0], size[1])))
				b.ReportAllocs()
				n := uint64(0)
				for b.Loop() {
					_ = p.FrameInto(dst, n)
					n++
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
			})
		}
	}
}

func TestConcurrentFramesAreIdentical(t *testing.T) {
	for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24} {
		p := mustNew(t, 96, 64, testsrc.WithFormat(format))
		want := p.Frame(11).AppendPacked(nil)
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				for range 20 {
					if !bytes.Equal(p.Frame(11).AppendPacked(nil), want) {
						errs <- fmt.Errorf("%v: concurrent frame differs", format)
						return
					}
				}
				errs <- nil
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	}
}
