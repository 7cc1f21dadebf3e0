package media

import "testing"

// A picture converted says what it then holds: made YUV420P from RGB24 it
// is of the BT.601 matrix and video range, made RGB24 it has no matrix
// and is of full range; its primaries, transfer and aspect are kept.
func TestConvertSaysWhatItHolds(t *testing.T) {
	rgb, err := NewFrame(RGB24, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	rgb.Aspect = PixelAspect{64, 45}
	rgb.Colour = Colour{Primaries: ColourBT709, Transfer: ColourBT709, Range: RangeFull}
	yuv, err := rgb.Convert(YUV420P)
	if err != nil {
		t.Fatal(err)
	}
	want := Colour{Primaries: ColourBT709, Transfer: ColourBT709, Matrix: ColourSMPTE170M, Range: RangeLimited}
	if yuv.Colour != want || yuv.Aspect != rgb.Aspect {
		t.Errorf("RGB24 to YUV420P: %v of %v, want %v of %v", yuv.Colour, yuv.Aspect, want, rgb.Aspect)
	}
	back, err := yuv.Convert(RGB24)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Colour{Primaries: ColourBT709, Transfer: ColourBT709, Range: RangeFull}); back.Colour != want {
		t.Errorf("YUV420P to RGB24: %v, want %v", back.Colour, want)
	}
	if c := yuv.Clone(); c.Colour != yuv.Colour || c.Aspect != yuv.Aspect {
		t.Errorf("clone: %v of %v, want %v of %v", c.Colour, c.Aspect, yuv.Colour, yuv.Aspect)
	}
	gray, err := NewFrame(GRAY8, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	y, err := gray.Convert(YUV420P)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Colour{Range: RangeLimited}); y.Colour != want {
		t.Errorf("GRAY8 to YUV420P: %v, want %v (no matrix: its chroma is flat)", y.Colour, want)
	}
}

// A description reads as ffprobe names it; the zero value says nothing.
func TestColourString(t *testing.T) {
	for _, c := range []struct {
		c    Colour
		want string
	}{
		{Colour{}, "unknown/unknown/unknown unknown"},
		{Colour{ColourBT709, ColourBT709, ColourBT709, RangeLimited}, "bt709/bt709/bt709 tv"},
		{Colour{Matrix: ColourBT470BG, Range: RangeFull}, "unknown/unknown/bt470bg pc"},
		{Colour{Primaries: 200}, "200/unknown/unknown unknown"},
	} {
		if got := c.c.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.c, got, c.want)
		}
	}
	if (Colour{}).Known() || !(Colour{Range: RangeLimited}).Known() {
		t.Error("Known")
	}
}
