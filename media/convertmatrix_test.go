package media

import "testing"

// A picture that states BT.709 (an HD camera's, a phone's) converts to
// RGB by BT.709's matrix: its red is red, where BT.601's matrix, taken
// for a picture that states none, makes it a darker, other red.
func TestConvertToRGBByTheStatedMatrix(t *testing.T) {
	// BT.709's red in video range: Y 63, U 102, V 240.
	red := func(c Colour) (r, g, b byte) {
		f, err := NewFrame(YUV420P, 2, 2)
		if err != nil {
			t.Fatal(err)
		}
		fill(f.Planes[0], 63)
		fill(f.Planes[1], 102)
		fill(f.Planes[2], 240)
		f.Colour = c
		rgb, err := f.Convert(RGB24)
		if err != nil {
			t.Fatal(err)
		}
		p := rgb.Row(0, 0)
		return p[0], p[1], p[2]
	}
	if r, g, b := red(Colour{Matrix: ColourBT709, Range: RangeLimited}); r < 250 || g > 3 || b > 3 {
		t.Errorf("BT.709's red converts to %d,%d,%d, want 255,0,0 within 5", r, g, b)
	}
	if r, _, _ := red(Colour{}); r > 240 {
		t.Errorf("a picture stating no matrix converts by BT.601's: red %d, want BT.601's 234", r)
	}
	// BT.2020's red: Y 74, U 97, V 240.
	f, _ := NewFrame(YUV420P, 2, 2)
	fill(f.Planes[0], 74)
	fill(f.Planes[1], 97)
	fill(f.Planes[2], 240)
	f.Colour = Colour{Matrix: ColourBT2020}
	rgb, err := f.Convert(RGB24)
	if err != nil {
		t.Fatal(err)
	}
	if p := rgb.Row(0, 0); p[0] < 250 || p[1] > 3 || p[2] > 3 {
		t.Errorf("BT.2020's red converts to %v, want 255,0,0 within 5", p[:3])
	}
}

// A YUV420P picture that states full range (an application's frames,
// JPEG's range) converts to RGB and GRAY8 as such: its white is white and
// its black black, where video range's scale would clip them.
func TestConvertOfAFullRangePicture(t *testing.T) {
	f, err := NewFrame(YUV420P, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	f.Planes[0][0], f.Planes[0][1], f.Planes[0][f.Strides[0]], f.Planes[0][f.Strides[0]+1] = 0, 128, 200, 255
	fill(f.Planes[1], 128)
	fill(f.Planes[2], 128)
	f.Colour = Colour{Matrix: ColourBT709, Range: RangeFull}
	rgb, err := f.Convert(RGB24)
	if err != nil {
		t.Fatal(err)
	}
	gray, err := f.Convert(GRAY8)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []byte{0, 128, 200, 255} {
		x, y := i%2, i/2
		if got := rgb.Row(0, y)[3*x]; got != want {
			t.Errorf("RGB of luma %d: %d, want %d", want, got, want)
		}
		if got := gray.Row(0, y)[x]; got != want {
			t.Errorf("GRAY8 of luma %d: %d, want %d", want, got, want)
		}
	}
}
