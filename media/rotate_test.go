package media

import (
	"bytes"
	"errors"
	"testing"
)

// frameOf returns a packed frame whose planes hold planes' bytes.
func frameOf(t *testing.T, format PixelFormat, w, h int, planes ...[]byte) *Frame {
	t.Helper()
	var data []byte
	for _, p := range planes {
		data = append(data, p...)
	}
	f, err := FrameFromPacked(format, w, h, data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// RotateInto turns every plane as FFmpeg's transpose (clock, cclock) and
// hflip+vflip do: pixels of several bytes stay whole, and a YUV420P
// picture's halved chroma planes turn with its luma.
func TestRotateIntoTurnsEveryPlaneClockwise(t *testing.T) {
	gray := []byte{
		1, 2, 3,
		4, 5, 6,
	}
	rgb := []byte{
		1, 1, 1, 2, 2, 2, 3, 3, 3,
		4, 4, 4, 5, 5, 5, 6, 6, 6,
	}
	// 3x3 YUV420P: 2x2 chroma planes.
	yuvY := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}
	yuvU := []byte{10, 11, 12, 13}
	yuvV := []byte{20, 21, 22, 23}
	cases := []struct {
		name   string
		src    *Frame
		turns  int
		w, h   int
		planes [][]byte
	}{
		{"gray 0", frameOf(t, GRAY8, 3, 2, gray), 0, 3, 2, [][]byte{gray}},
		{"gray 90", frameOf(t, GRAY8, 3, 2, gray), 1, 2, 3, [][]byte{{4, 1, 5, 2, 6, 3}}},
		{"gray 180", frameOf(t, GRAY8, 3, 2, gray), 2, 3, 2, [][]byte{{6, 5, 4, 3, 2, 1}}},
		{"gray 270", frameOf(t, GRAY8, 3, 2, gray), 3, 2, 3, [][]byte{{3, 6, 2, 5, 1, 4}}},
		{"rgb 90", frameOf(t, RGB24, 3, 2, rgb), 1, 2, 3, [][]byte{{4, 4, 4, 1, 1, 1, 5, 5, 5, 2, 2, 2, 6, 6, 6, 3, 3, 3}}},
		{"rgb 270", frameOf(t, RGB24, 3, 2, rgb), 3, 2, 3, [][]byte{{3, 3, 3, 6, 6, 6, 2, 2, 2, 5, 5, 5, 1, 1, 1, 4, 4, 4}}},
		{"yuv 90", frameOf(t, YUV420P, 3, 3, yuvY, yuvU, yuvV), 1, 3, 3,
			[][]byte{{7, 4, 1, 8, 5, 2, 9, 6, 3}, {12, 10, 13, 11}, {22, 20, 23, 21}}},
		{"yuv 180", frameOf(t, YUV420P, 3, 3, yuvY, yuvU, yuvV), 2, 3, 3,
			[][]byte{{9, 8, 7, 6, 5, 4, 3, 2, 1}, {13, 12, 11, 10}, {23, 22, 21, 20}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := c.src.Clone()
			dst, err := NewFrame(c.src.Format, c.w, c.h)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.src.RotateInto(dst, c.turns); err != nil {
				t.Fatal(err)
			}
			for i, want := range c.planes {
				if !bytes.Equal(dst.Planes[i], want) {
					t.Errorf("plane %d = %v, want %v", i, dst.Planes[i], want)
				}
			}
			if !bytes.Equal(c.src.AppendPacked(nil), before.AppendPacked(nil)) {
				t.Error("the source was modified")
			}
		})
	}
}

// A source or destination with padded rows turns the same as a packed one,
// and four quarter turns give the picture back.
func TestRotateIntoHonoursStridesAndComesFullCircle(t *testing.T) {
	src, err := NewFrame(YUV420P, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range src.Format.NumPlanes() {
		for j := range src.Planes[i] {
			src.Planes[i][j] = byte(17*i + j)
		}
	}
	padded := func(f *Frame) *Frame {
		p := &Frame{Width: f.Width, Height: f.Height, Format: f.Format}
		for i := range f.Format.NumPlanes() {
			w, h := f.Format.PlaneSize(i, f.Width, f.Height)
			p.Strides[i] = w + 7
			p.Planes[i] = make([]byte, p.Strides[i]*h)
			for r := range h {
				copy(p.Planes[i][r*p.Strides[i]:], f.Row(i, r))
			}
		}
		return p
	}
	cur := padded(src)
	for turn := range 4 {
		w, h := RotatedSize(cur.Width, cur.Height, 1)
		next, err := NewFrame(cur.Format, w, h)
		if err != nil {
			t.Fatal(err)
		}
		if err := cur.RotateInto(next, 1); err != nil {
			t.Fatalf("turn %d: %v", turn, err)
		}
		cur = padded(next)
	}
	if !bytes.Equal(cur.AppendPacked(nil), src.AppendPacked(nil)) {
		t.Fatal("four quarter turns changed the picture")
	}
}

// A destination of the wrong size or format, or a turn out of range, is an
// error, not a write out of bounds.
func TestRotateIntoRefusesAMismatchedDestination(t *testing.T) {
	src, _ := NewFrame(YUV420P, 4, 2)
	same, _ := NewFrame(YUV420P, 4, 2)
	turned, _ := NewFrame(YUV420P, 2, 4)
	gray, _ := NewFrame(GRAY8, 2, 4)
	if err := src.RotateInto(same, 1); !errors.Is(err, ErrFormatMismatch) {
		t.Errorf("a quarter turn into the unturned size: %v", err)
	}
	if err := src.RotateInto(gray, 1); !errors.Is(err, ErrFormatMismatch) {
		t.Errorf("into another format: %v", err)
	}
	if err := src.RotateInto(turned, 4); err == nil {
		t.Error("4 quarter turns: no error")
	}
	if err := src.RotateInto(turned, 3); err != nil {
		t.Errorf("a valid turn: %v", err)
	}
}

// BenchmarkRotateInto turns a 640x480 YUV420P picture (a phone clip's
// size class) by a quarter turn.
func BenchmarkRotateInto(b *testing.B) {
	src, _ := NewFrame(YUV420P, 640, 480)
	dst, _ := NewFrame(YUV420P, 480, 640)
	for b.Loop() {
		if err := src.RotateInto(dst, 1); err != nil {
			b.Fatal(err)
		}
	}
}
