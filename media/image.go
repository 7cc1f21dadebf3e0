package media

import (
	"fmt"
	"image"
)

// Image returns the Frame as an image.Image for PNG or other image encoders:
// an *image.Gray for GRAY8, an *image.RGBA otherwise. The result is a copy.
func (f *Frame) Image() (image.Image, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if f.Format == GRAY8 {
		img := image.NewGray(image.Rect(0, 0, f.Width, f.Height))
		for r := range f.Height {
			copy(img.Pix[r*img.Stride:], f.Row(0, r))
		}
		return img, nil
	}
	rgb := f
	if f.Format != RGB24 {
		var err error
		if rgb, err = f.Convert(RGB24); err != nil {
			return nil, err
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	for r := range f.Height {
		in, out := rgb.Row(0, r), img.Pix[r*img.Stride:]
		for x := range f.Width {
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = in[3*x], in[3*x+1], in[3*x+2], 255
		}
	}
	return img, nil
}

// FrameFromImage converts any image.Image to a Frame in the given format.
func FrameFromImage(img image.Image, format PixelFormat) (*Frame, error) {
	b := img.Bounds()
	rgb, err := NewFrame(RGB24, b.Dx(), b.Dy())
	if err != nil {
		return nil, fmt.Errorf("media: image of %v: %w", b, err)
	}
	for y := range b.Dy() {
		out := rgb.Row(0, y)
		for x := range b.Dx() {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			out[3*x], out[3*x+1], out[3*x+2] = byte(r>>8), byte(g>>8), byte(bl>>8)
		}
	}
	if format == RGB24 {
		return rgb, nil
	}
	return rgb.Convert(format)
}
