package media

import "runtime"

// PixelOwner owns pixel memory that Go did not allocate: a codec's
// reference-counted picture, shared with the codec, that a Frame's planes
// point into (see NewOwnedFrame). gopline's FFmpeg codecs hand out such
// frames so that a picture crosses from a decoder to an encoder without
// being copied.
type PixelOwner interface {
	// FreePixels gives the memory back. It is called exactly once, when
	// the frame's last holder releases it, or, for a frame some holder
	// never released, by the garbage collector's cleanup once no copy of
	// the frame's header is reachable. It may be called from any
	// goroutine.
	FreePixels()
}

// NewOwnedFrame returns a Frame with one holder whose planes are memory
// owned by owner. f gives the size, the format, the planes and the strides,
// and the returned Frame copies them; f's other fields are copied as they
// are. The planes stay valid until the Frame's last holder releases it:
// then owner.FreePixels is called, and no copy of the Frame's header may be
// read any more.
//
// A holder that never calls Release must keep the Frame, not only a plane,
// reachable while it reads the pixels: a plane slice of memory Go did not
// allocate does not keep that memory alive, and once no header is
// reachable the garbage collector frees it (which is what keeps releasing
// optional).
//
// On error owner is not taken: the caller still frees it.
func NewOwnedFrame(f Frame, owner PixelOwner) (*Frame, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	out := f
	out.buf = &pixels{owner: owner}
	out.buf.holders.Store(1)
	out.buf.cleanup = runtime.AddCleanup(out.buf, func(o PixelOwner) { o.FreePixels() }, owner)
	return &out, nil
}

// Owner returns the PixelOwner of a Frame made by NewOwnedFrame (or a copy
// of its header), nil for others. A codec uses it to recognise its own
// pictures and take them without copying; the owner stays the Frame's, and
// is valid as long as the Frame is.
func (f *Frame) Owner() PixelOwner {
	if f.buf == nil {
		return nil
	}
	return f.buf.owner
}
