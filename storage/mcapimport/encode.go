package mcapimport

import (
	"errors"
	"fmt"

	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/media"
)

// Encoder encodes one topic's pictures as H.264 (codecs/ffmpeg's
// H264Encoder is one): one access unit in Annex B for every frame, no
// B-frames.
type Encoder interface {
	Encode(f *media.Frame) (*media.Packet, error)
	Close() error
}

// encoding is a topic's JPEG or raw pictures (PNG, depth and raw ones
// become raw) on their way to H.264 (Options.Encode).
type encoding struct {
	open          func(width, height int) (Encoder, error)
	enc           Encoder
	width, height int // enc's picture size
	jpeg          *jpeg.Decoder
	from          string // what the pictures were: "jpeg", "raw rgb24"
}

// encoded returns pkt, a JPEG or raw picture, encoded as H.264 by an
// Encoder opened at its size (again at each change of it). A picture of
// an odd width or height loses its last column or row: H.264's 4:2:0
// pictures have even sides.
func (e *encoding) encoded(pkt *media.Packet) (*media.Packet, error) {
	var f *media.Frame
	switch pkt.Codec {
	case media.JPEG:
		if e.jpeg == nil {
			dec, err := jpeg.NewDecoder()
			if err != nil {
				return nil, err
			}
			e.jpeg = dec
		}
		frames, err := e.jpeg.Decode(pkt)
		if err != nil {
			return nil, err
		}
		if len(frames) != 1 {
			return nil, errors.New("a JPEG picture that gives no picture")
		}
		f = frames[0]
	case media.Raw:
		var err error
		if f, err = media.FrameFromPacked(pkt.Format, pkt.Width, pkt.Height, pkt.Data); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("a %v picture to encode", pkt.Codec)
	}
	if e.from == "" {
		e.from = pkt.Codec.String()
		if pkt.Codec == media.Raw {
			e.from += " " + pkt.Format.String()
		}
	}
	even, _ := f.EvenSides()
	if e.enc == nil || even.Width != e.width || even.Height != e.height {
		if e.enc != nil {
			e.enc.Close()
			e.enc = nil
		}
		enc, err := e.open(even.Width, even.Height)
		if err != nil {
			return nil, err
		}
		e.enc, e.width, e.height = enc, even.Width, even.Height
	}
	return e.enc.Encode(even)
}

// close closes the Encoder.
func (e *encoding) close() {
	if e.enc != nil {
		e.enc.Close()
		e.enc = nil
	}
}
