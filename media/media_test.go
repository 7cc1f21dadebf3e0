package media_test

import (
	"errors"
	"image/color"
	"math"
	"testing"

	"github.com/gopline/gopline/media"
)

func mustFrame(t testing.TB, format media.PixelFormat, w, h int) *media.Frame {
	t.Helper()
	f, err := media.NewFrame(format, w, h)
	if err != nil {
		t.Fatalf("NewFrame(%v, %d, %d): %v", format, w, h, err)
	}
	return f
}

// gradient fills an RGB24 frame with smooth colour ramps.
func gradient(t testing.TB, w, h int) *media.Frame {
	f := mustFrame(t, media.RGB24, w, h)
	for y := range h {
		row := f.Row(0, y)
		for x := range w {
			row[3*x] = byte(x * 255 / max(w-1, 1))
			row[3*x+1] = byte(y * 255 / max(h-1, 1))
			row[3*x+2] = byte((x + y) * 255 / max(w+h-2, 1))
		}
	}
	return f
}

func TestNewFrameRejectsBadSizes(t *testing.T) {
	for _, c := range []struct{ w, h int }{{0, 10}, {10, 0}, {-1, 5}, {media.MaxDimension + 1, 8}} {
		if _, err := media.NewFrame(media.YUV420P, c.w, c.h); !errors.Is(err, media.ErrInvalidSize) {
			t.Errorf("NewFrame(%dx%d) = %v, want ErrInvalidSize", c.w, c.h, err)
		}
	}
	if _, err := media.NewFrame(media.PixelFormat(99), 8, 8); !errors.Is(err, media.ErrUnknownPixelFormat) {
		t.Errorf("unknown format: %v", err)
	}
}

func TestFramePlaneSizesForOddDimensions(t *testing.T) {
	f := mustFrame(t, media.YUV420P, 5, 3)
	if len(f.Planes[0]) != 15 || len(f.Planes[1]) != 6 || len(f.Planes[2]) != 6 {
		t.Fatalf("plane sizes %d %d %d, want 15 6 6", len(f.Planes[0]), len(f.Planes[1]), len(f.Planes[2]))
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateFindsShortPlanes(t *testing.T) {
	f := mustFrame(t, media.YUV420P, 16, 16)
	f.Planes[2] = f.Planes[2][:10]
	if err := f.Validate(); !errors.Is(err, media.ErrShortPlane) {
		t.Errorf("short plane: %v", err)
	}
	g := mustFrame(t, media.GRAY8, 16, 16)
	g.Strides[0] = 8
	if err := g.Validate(); !errors.Is(err, media.ErrShortPlane) {
		t.Errorf("short stride: %v", err)
	}
}

func TestCloneAndPackedIgnorePadding(t *testing.T) {
	// A 4x2 GRAY8 frame stored with stride 6 (two bytes of padding per row).
	f := &media.Frame{Width: 4, Height: 2, Format: media.GRAY8}
	f.Planes[0] = []byte{1, 2, 3, 4, 99, 99, 5, 6, 7, 8}
	f.Strides[0] = 6
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	if got := f.AppendPacked(nil); string(got) != string(want) {
		t.Errorf("packed %v, want %v", got, want)
	}
	c := f.Clone()
	if c.Strides[0] != 4 || string(c.Planes[0]) != string(want) {
		t.Errorf("clone stride %d planes %v", c.Strides[0], c.Planes[0])
	}
	back, err := media.FrameFromPacked(media.GRAY8, 4, 2, want)
	if err != nil || string(back.AppendPacked(nil)) != string(want) {
		t.Errorf("FrameFromPacked: %v", err)
	}
	if _, err := media.FrameFromPacked(media.GRAY8, 4, 2, want[:7]); !errors.Is(err, media.ErrShortPlane) {
		t.Errorf("short packed data: %v", err)
	}
}

func TestRGBToYUVRoundTripKeepsPicture(t *testing.T) {
	for _, size := range [][2]int{{64, 48}, {33, 17}} {
		rgb := gradient(t, size[0], size[1])
		yuv, err := rgb.Convert(media.YUV420P)
		if err != nil {
			t.Fatal(err)
		}
		back, err := yuv.Convert(media.RGB24)
		if err != nil {
			t.Fatal(err)
		}
		psnr, err := media.PlanePSNR(rgb, back, 0)
		if err != nil {
			t.Fatal(err)
		}
		if psnr < 35 {
			t.Errorf("%dx%d: RGB->YUV420P->RGB PSNR %.1f dB, want >= 35", size[0], size[1], psnr)
		}
	}
}

func TestKnownColoursConvert(t *testing.T) {
	cases := []struct {
		name    string
		r, g, b byte
		y, u, v byte
	}{
		{"black", 0, 0, 0, 16, 128, 128},
		{"white", 255, 255, 255, 235, 128, 128},
		{"red", 255, 0, 0, 82, 90, 240},
		{"green", 0, 255, 0, 145, 54, 34},
		{"blue", 0, 0, 255, 41, 240, 110},
	}
	near := func(a, b byte) bool { return math.Abs(float64(a)-float64(b)) <= 1 }
	for _, c := range cases {
		rgb := mustFrame(t, media.RGB24, 2, 2)
		for i := 0; i < len(rgb.Planes[0]); i += 3 {
			rgb.Planes[0][i], rgb.Planes[0][i+1], rgb.Planes[0][i+2] = c.r, c.g, c.b
		}
		yuv, err := rgb.Convert(media.YUV420P)
		if err != nil {
			t.Fatal(err)
		}
		y, u, v := yuv.Planes[0][0], yuv.Planes[1][0], yuv.Planes[2][0]
		if !near(y, c.y) || !near(u, c.u) || !near(v, c.v) {
			t.Errorf("%s: YUV %d %d %d, want %d %d %d", c.name, y, u, v, c.y, c.u, c.v)
		}
		back, _ := yuv.Convert(media.RGB24)
		p := back.Planes[0]
		if math.Abs(float64(p[0])-float64(c.r)) > 3 || math.Abs(float64(p[1])-float64(c.g)) > 3 || math.Abs(float64(p[2])-float64(c.b)) > 3 {
			t.Errorf("%s: back to RGB %v", c.name, p[:3])
		}
	}
}

func TestGrayConversionsAgree(t *testing.T) {
	g := mustFrame(t, media.GRAY8, 256, 1)
	for i := range g.Planes[0] {
		g.Planes[0][i] = byte(i)
	}
	yuv, err := g.Convert(media.YUV420P)
	if err != nil {
		t.Fatal(err)
	}
	if yuv.Planes[0][0] != 16 || yuv.Planes[0][255] != 235 || yuv.Planes[1][0] != 128 {
		t.Errorf("gray->yuv: y0 %d y255 %d u %d", yuv.Planes[0][0], yuv.Planes[0][255], yuv.Planes[1][0])
	}
	back, _ := yuv.Convert(media.GRAY8)
	for i, v := range back.Planes[0] {
		if d := int(v) - i; d < -1 || d > 1 {
			t.Fatalf("gray %d came back as %d", i, v)
		}
	}
	rgb, _ := g.Convert(media.RGB24)
	gray, _ := rgb.Convert(media.GRAY8)
	if string(gray.Planes[0]) != string(g.Planes[0]) {
		t.Error("gray->rgb->gray is not the identity")
	}
}

func TestConvertDoesNotModifyInput(t *testing.T) {
	rgb := gradient(t, 16, 16)
	before := rgb.Clone()
	for _, to := range []media.PixelFormat{media.YUV420P, media.GRAY8, media.RGB24} {
		if _, err := rgb.Convert(to); err != nil {
			t.Fatal(err)
		}
	}
	if string(before.Planes[0]) != string(rgb.Planes[0]) {
		t.Error("Convert wrote to its input")
	}
}

func TestImageRoundTrip(t *testing.T) {
	rgb := gradient(t, 20, 10)
	img, err := rgb.Image()
	if err != nil {
		t.Fatal(err)
	}
	if c := color.RGBAModel.Convert(img.At(19, 0)).(color.RGBA); c.R != 255 || c.A != 255 {
		t.Errorf("pixel (19,0) = %v", c)
	}
	back, err := media.FrameFromImage(img, media.RGB24)
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Planes[0]) != string(rgb.Planes[0]) {
		t.Error("RGB24 -> image -> RGB24 changed the picture")
	}
	gray := mustFrame(t, media.GRAY8, 3, 3)
	gimg, _ := gray.Image()
	if _, ok := gimg.(interface{ GrayAt(x, y int) color.Gray }); !ok {
		t.Errorf("GRAY8 image is %T, want *image.Gray", gimg)
	}
}

func TestPSNR(t *testing.T) {
	a := mustFrame(t, media.GRAY8, 10, 10)
	b := a.Clone()
	if p, _ := media.LumaPSNR(a, b); !math.IsInf(p, 1) || media.CapPSNR(p) != media.MaxPSNR {
		t.Errorf("identical: %v", p)
	}
	b.Planes[0][0] = 10 // one pixel off by 10: MSE = 1
	p, err := media.LumaPSNR(a, b)
	if err != nil || math.Abs(p-10*math.Log10(255*255)) > 1e-9 {
		t.Errorf("one pixel off: %v %v", p, err)
	}
	c := mustFrame(t, media.GRAY8, 10, 11)
	if _, err := media.LumaPSNR(a, c); !errors.Is(err, media.ErrFormatMismatch) {
		t.Errorf("size mismatch: %v", err)
	}
}

func TestPacketValidate(t *testing.T) {
	good := media.Packet{Codec: media.H264, Data: []byte{0, 0, 0, 1, 0x65}, Key: true, Seq: 30, GOP: 30, Width: 640, Height: 480}
	if err := good.Validate(); err != nil {
		t.Fatalf("good packet: %v", err)
	}
	cases := []struct {
		name  string
		patch func(p *media.Packet)
		want  error
	}{
		{"unknown codec", func(p *media.Packet) { p.Codec = 0 }, media.ErrUnknownCodec},
		{"no data", func(p *media.Packet) { p.Data = nil }, media.ErrEmptyPacket},
		{"no size", func(p *media.Packet) { p.Width = 0 }, media.ErrInvalidSize},
		{"key not opening its GOP", func(p *media.Packet) { p.GOP = 29 }, media.ErrBadGOP},
		{"GOP ahead", func(p *media.Packet) { p.Key = false; p.GOP = 31 }, media.ErrBadGOP},
		{"jpeg delta", func(p *media.Packet) { p.Codec = media.JPEG; p.Key = false; p.GOP = 29 }, media.ErrBadGOP},
		{"raw short", func(p *media.Packet) { p.Codec = media.Raw; p.Format = media.GRAY8 }, media.ErrShortPlane},
	}
	for _, c := range cases {
		p := good
		c.patch(&p)
		if err := p.Validate(); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestPacketCloneOwnsItsData(t *testing.T) {
	p := &media.Packet{Codec: media.JPEG, Data: []byte{1, 2, 3}, Key: true}
	c := p.Clone()
	c.Data[0] = 9
	if p.Data[0] != 1 {
		t.Error("Clone shares Data with the original")
	}
}

func TestNamesRoundTrip(t *testing.T) {
	for _, c := range []media.Codec{media.H264, media.JPEG, media.Raw} {
		if got, err := media.ParseCodec(c.String()); err != nil || got != c {
			t.Errorf("codec %v: %v %v", c, got, err)
		}
	}
	for _, p := range []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8} {
		if got, err := media.ParsePixelFormat(p.String()); err != nil || got != p {
			t.Errorf("format %v: %v %v", p, got, err)
		}
	}
	if _, err := media.ParseCodec("vp9"); !errors.Is(err, media.ErrUnknownCodec) {
		t.Errorf("vp9: %v", err)
	}
	if _, err := media.ParsePixelFormat("nv12"); !errors.Is(err, media.ErrUnknownPixelFormat) {
		t.Errorf("nv12: %v", err)
	}
	if e1, e2 := media.NewEpoch(), media.NewEpoch(); e1 == 0 || e1 == e2 {
		t.Errorf("epochs %d %d", e1, e2)
	}
}

// EvenSides takes an odd side's last column or row off a copy of the
// Frame's header, sharing its pixels; even sides leave the Frame as it is.
func TestEvenSides(t *testing.T) {
	f, err := media.NewFrame(media.YUV420P, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	even, cut := f.EvenSides()
	if !cut || even == f || even.Width != 4 || even.Height != 2 || f.Width != 5 || f.Height != 3 || &even.Planes[0][0] != &f.Planes[0][0] {
		t.Fatalf("5x3: %dx%d, cut %v (the Frame now %dx%d)", even.Width, even.Height, cut, f.Width, f.Height)
	}
	if same, cut := even.EvenSides(); same != even || cut {
		t.Fatalf("4x2: %p against %p, cut %v", same, even, cut)
	}
}
