package media

import "testing"

// Pixels that are not square are made square as players show them: the
// width scaled, to an even number, the height kept.
func TestPixelAspectSquareSize(t *testing.T) {
	cases := []struct {
		aspect        PixelAspect
		width, height int
		wantW, wantH  int
	}{
		{PixelAspect{16, 15}, 720, 576, 768, 576},   // PAL 4:3
		{PixelAspect{64, 45}, 720, 576, 1024, 576},  // PAL 16:9
		{PixelAspect{12, 11}, 704, 576, 768, 576},   // a D1 camera's
		{PixelAspect{8, 9}, 720, 480, 640, 480},     // NTSC 4:3
		{PixelAspect{10, 11}, 720, 480, 654, 480},   // 654.5, even
		{PixelAspect{40, 33}, 720, 480, 872, 480},   // NTSC 16:9, 872.7
		{PixelAspect{4, 3}, 1440, 1080, 1920, 1080}, // HDV
		{PixelAspect{1, 1}, 721, 577, 721, 577},     // square: as it is, odd too
		{PixelAspect{}, 721, 577, 721, 577},         // unknown: square
		{PixelAspect{0, 1}, 640, 480, 640, 480},     // FFmpeg's unknown
		{PixelAspect{1, 1000}, 3, 3, 2, 3},          // never below 2
		{PixelAspect{1000, 1}, 640, 480, 16384, 480},
	}
	for _, c := range cases {
		if w, h := c.aspect.SquareSize(c.width, c.height); w != c.wantW || h != c.wantH {
			t.Errorf("%v of %dx%d: %dx%d, want %dx%d", c.aspect, c.width, c.height, w, h, c.wantW, c.wantH)
		}
	}
	if s := (PixelAspect{64, 45}).String(); s != "64:45" {
		t.Errorf("String %q", s)
	}
}

// An aspect is stated in lowest terms within H.264's 16 bits; a picture
// scaled keeps its shape on screen, its pixels stretched the other way;
// a quarter turn swaps the terms; an unknown one stays unknown.
func TestPixelAspectReducedScaledTurned(t *testing.T) {
	cases := []struct {
		got, want PixelAspect
	}{
		{PixelAspect{128, 90}.Reduced(), PixelAspect{64, 45}},
		{PixelAspect{0, 1}.Reduced(), PixelAspect{}},
		{PixelAspect{100000, 3}.Reduced(), PixelAspect{65535, 2}},
		{PixelAspect{64, 45}.Scaled(720, 576, 1024, 576), PixelAspect{1, 1}},
		{PixelAspect{1, 1}.Scaled(1280, 720, 640, 480), PixelAspect{4, 3}},
		{PixelAspect{64, 45}.Scaled(720, 576, 360, 288), PixelAspect{64, 45}},
		{PixelAspect{}.Scaled(1280, 720, 640, 480), PixelAspect{}},
		{PixelAspect{64, 45}.Turned(1), PixelAspect{45, 64}},
		{PixelAspect{64, 45}.Turned(2), PixelAspect{64, 45}},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: %v, want %v", i, c.got, c.want)
		}
	}
}
