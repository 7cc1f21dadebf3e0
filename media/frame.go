package media

import (
	"fmt"
	"time"
)

// MaxDimension bounds a picture's width and height. It is H.264 level 6.2's
// largest frame side (8192 pixels) with headroom, and keeps size arithmetic
// far from overflow.
const MaxDimension = 16384

// MaxPlanes is the most planes any PixelFormat has.
const MaxPlanes = 3

// Frame is one raw picture.
//
// Plane i holds Format.PlaneSize(i, Width, Height) rows of bytes; row r of
// plane i starts at Planes[i][r*Strides[i]]. Strides may be larger than the
// row (padding). A Frame belongs to whoever holds it: a stage that hands a
// Frame on no longer reads or writes it. A Frame from a FramePool also
// counts its holders (Retain, Release); copies of its header share its
// pixels and its holders.
type Frame struct {
	Width, Height int
	Format        PixelFormat
	Planes        [MaxPlanes][]byte
	Strides       [MaxPlanes]int

	// Seq numbers the frames of a source, from 0, +1 per frame.
	Seq uint64
	// CaptureTime is when the picture was taken (for a file: the start of
	// reading plus the frame's presentation time).
	CaptureTime time.Time
	// Concealed marks a picture that a decoder rebuilt around damage (error
	// concealment): parts of it may be smeared or stale.
	Concealed bool
	// Aspect is the shape of its pixels and Colour what its values mean,
	// as its source states them (zero: it states nothing); an H.264
	// encoder writes them into its stream for players to show the picture
	// in its shape and colours. A stage that changes the picture's shape
	// or colours says so here.
	Aspect PixelAspect
	Colour Colour

	buf *pixels // the pixels' holders and owner; nil for frames of plain Go memory
}

// EvenSides returns f less its last column when its width is odd and less
// its last row when its height is odd, as a copy of its header (the pixels
// and their holders shared), and whether it cut: H.264's 4:2:0 pictures
// have even sides. A Frame whose sides are even is returned as it is.
func (f *Frame) EvenSides() (*Frame, bool) {
	if f.Width%2 == 0 && f.Height%2 == 0 {
		return f, false
	}
	even := *f
	even.Width, even.Height = f.Width&^1, f.Height&^1
	return &even, true
}

// NewFrame allocates a zeroed width x height Frame with packed planes.
func NewFrame(format PixelFormat, width, height int) (*Frame, error) {
	if err := checkSize(format, width, height); err != nil {
		return nil, err
	}
	f := &Frame{Width: width, Height: height, Format: format}
	buf := make([]byte, format.PictureSize(width, height))
	for i := range format.NumPlanes() {
		w, h := format.PlaneSize(i, width, height)
		f.Planes[i], buf = buf[:w*h:w*h], buf[w*h:]
		f.Strides[i] = w
	}
	return f, nil
}

func checkSize(format PixelFormat, width, height int) error {
	if !format.Valid() {
		return fmt.Errorf("%w: %v", ErrUnknownPixelFormat, format)
	}
	if width <= 0 || height <= 0 || width > MaxDimension || height > MaxDimension {
		return fmt.Errorf("%w: %dx%d (want 1..%d on each side)", ErrInvalidSize, width, height, MaxDimension)
	}
	return nil
}

// Validate checks that the Frame's format is known, its size is in range and
// every plane holds the bytes its stride and height need.
func (f *Frame) Validate() error {
	if err := checkSize(f.Format, f.Width, f.Height); err != nil {
		return err
	}
	for i := range f.Format.NumPlanes() {
		w, h := f.Format.PlaneSize(i, f.Width, f.Height)
		if f.Strides[i] < w {
			return fmt.Errorf("%w: plane %d stride %d < row %d", ErrShortPlane, i, f.Strides[i], w)
		}
		if need := f.Strides[i]*(h-1) + w; len(f.Planes[i]) < need {
			return fmt.Errorf("%w: plane %d has %d bytes, needs %d", ErrShortPlane, i, len(f.Planes[i]), need)
		}
	}
	return nil
}

// Row returns row r of plane i, without its padding. It aliases the Frame.
func (f *Frame) Row(i, r int) []byte {
	w, _ := f.Format.PlaneSize(i, f.Width, f.Height)
	off := r * f.Strides[i]
	return f.Planes[i][off : off+w]
}

// Clone returns a deep copy of f with packed planes.
func (f *Frame) Clone() *Frame {
	c := &Frame{Width: f.Width, Height: f.Height, Format: f.Format, Seq: f.Seq, CaptureTime: f.CaptureTime, Aspect: f.Aspect, Colour: f.Colour}
	buf := make([]byte, f.Format.PictureSize(f.Width, f.Height))
	for i := range f.Format.NumPlanes() {
		w, h := f.Format.PlaneSize(i, f.Width, f.Height)
		c.Planes[i], buf = buf[:w*h:w*h], buf[w*h:]
		c.Strides[i] = w
		for r := range h {
			copy(c.Planes[i][r*w:(r+1)*w], f.Row(i, r))
		}
	}
	return c
}

// AppendPacked appends the picture to dst with its planes packed without
// padding, in plane order (the layout of a Raw packet), and returns the result.
func (f *Frame) AppendPacked(dst []byte) []byte {
	for i := range f.Format.NumPlanes() {
		_, h := f.Format.PlaneSize(i, f.Width, f.Height)
		for r := range h {
			dst = append(dst, f.Row(i, r)...)
		}
	}
	return dst
}

// FrameFromPacked returns a Frame whose planes alias data, a packed picture as
// AppendPacked writes it.
func FrameFromPacked(format PixelFormat, width, height int, data []byte) (*Frame, error) {
	if err := checkSize(format, width, height); err != nil {
		return nil, err
	}
	if need := format.PictureSize(width, height); len(data) != need {
		return nil, fmt.Errorf("%w: %v %dx%d needs %d bytes, got %d", ErrShortPlane, format, width, height, need, len(data))
	}
	f := &Frame{Width: width, Height: height, Format: format}
	for i := range format.NumPlanes() {
		w, h := format.PlaneSize(i, width, height)
		f.Planes[i], data = data[:w*h:w*h], data[w*h:]
		f.Strides[i] = w
	}
	return f, nil
}
