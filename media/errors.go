package media

import "errors"

// Sentinel errors returned by validation and conversion. Callers test them
// with errors.Is; the returned errors wrap them with the details.
var (
	// ErrInvalidSize means a width or height is zero, negative, above
	// MaxDimension, or not allowed by the pixel format.
	ErrInvalidSize = errors.New("media: invalid picture size")

	// ErrUnknownPixelFormat means a PixelFormat value or name is not one gopline knows.
	ErrUnknownPixelFormat = errors.New("media: unknown pixel format")

	// ErrUnknownCodec means a Codec value or name is not one gopline knows.
	ErrUnknownCodec = errors.New("media: unknown codec")

	// ErrShortPlane means a Frame plane holds fewer bytes than its stride and
	// height require, or a stride is smaller than the plane's row.
	ErrShortPlane = errors.New("media: plane too short for its size")

	// ErrEmptyPacket means a Packet carries no data.
	ErrEmptyPacket = errors.New("media: packet has no data")

	// ErrBadGOP means a Packet's GOP does not fit its Seq: a keyframe must
	// open its own GOP (GOP == Seq), and a delta's GOP cannot lie ahead of it.
	ErrBadGOP = errors.New("media: packet GOP does not fit its Seq")

	// ErrFormatMismatch means two Frames cannot be compared or combined
	// because their sizes or pixel formats differ.
	ErrFormatMismatch = errors.New("media: frames differ in size or format")
)
