// Package codecs defines what every gopline encoder and decoder offers, so
// that actors and pipelines handle H.264, JPEG and raw pictures alike.
//
// Implementations live in sub-packages: codecs/jpeg (pure Go) and
// codecs/ffmpeg (libx264, FFmpeg's decoders and demuxers; the only package of
// gopline that uses cgo). codecs/h264 holds the H.264 bitstream syntax.
package codecs

import (
	"errors"

	"github.com/gopline/gopline/media"
)

// Encoder turns Frames into Packets, exactly one Packet per Frame, in order.
//
// An Encoder is not safe for concurrent use; one goroutine (one actor) owns
// it. The returned Packet and its Data belong to the caller.
type Encoder interface {
	// Encode encodes one frame. The frame's size and pixel format must be
	// the ones the encoder was opened with. The encoder does not keep f.
	Encode(f *media.Frame) (*media.Packet, error)
	// ForceKeyframe makes the next encoded frame a keyframe.
	ForceKeyframe()
	// Close frees the encoder's resources; the encoder is unusable afterwards.
	Close() error
}

// Decoder turns Packets into Frames.
//
// A Decoder is not safe for concurrent use. It never keeps p or p.Data past
// the call, and never writes to them. The returned Frames belong to the caller.
type Decoder interface {
	// Decode decodes one packet and returns the pictures it completes: one
	// for the streams gopline encodes, none or several for streams with
	// reordering. A corrupt packet returns an error wrapping ErrCorrupt and
	// leaves the decoder usable: decoding resumes at the next keyframe.
	Decode(p *media.Packet) ([]*media.Frame, error)
	// Close frees the decoder's resources; the decoder is unusable afterwards.
	Close() error
}

// Discarder is a Decoder that can decode a packet only for its effect on
// the decoder's state, without producing pictures: cheaper when the
// pictures are not wanted (the older pictures of a replayed GOP). Its
// errors are Decode's.
type Discarder interface {
	DecodeDiscard(p *media.Packet) error
}

// Flusher is a Decoder that holds pictures back (a stream with reordering)
// and can give them out: Flush returns them, in presentation order, at the
// end of a stream or before a restart of it. Afterwards the decoder waits
// for a keyframe, as at the start. The returned Frames belong to the caller.
type Flusher interface {
	Flush() ([]*media.Frame, error)
}

// Sentinel errors shared by all codecs.
var (
	// ErrCorrupt means a packet could not be decoded: damaged, truncated or
	// not of the codec. The decoder stays usable.
	ErrCorrupt = errors.New("codecs: corrupt packet")
	// ErrFrameMismatch means a frame's size or pixel format differs from the
	// encoder's.
	ErrFrameMismatch = errors.New("codecs: frame does not match the encoder")
	// ErrNeedKeyframe means a decoder skipped a delta packet because it is
	// waiting for a keyframe: at the start, after damage, after a hole in
	// Seq or after a new Epoch. It is expected, not damage.
	ErrNeedKeyframe = errors.New("codecs: waiting for a keyframe")
	// ErrDuplicate means a decoder skipped a packet it already had: one
	// at or before the last packet of its chain (see media.Chain). It
	// changes nothing.
	ErrDuplicate = errors.New("codecs: duplicate packet")
	// ErrWrongCodec means a packet of another codec reached a decoder.
	ErrWrongCodec = errors.New("codecs: packet of another codec")
	// ErrClosed means the codec was used after Close.
	ErrClosed = errors.New("codecs: codec is closed")
)
