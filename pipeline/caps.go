package pipeline

import (
	"fmt"

	"github.com/gopline/gopline/media"
)

// Kind is what flows over a link: raw pictures or encoded packets.
type Kind uint8

// The kinds of link.
const (
	KindNone   Kind = iota // no input (a source) or no output (a sink)
	KindFrame              // *media.Frame
	KindPacket             // *media.Packet
	// KindAny, as an input, takes frames or packets; as an output it gives
	// whatever the node's input takes (tee, fakesink, stats).
	KindAny
)

// Caps describes one side of an element: the kind it takes or gives and,
// for packets, the codec (media.CodecUnknown: any codec).
type Caps struct {
	Kind  Kind
	Codec media.Codec
}

// None is the Caps of a source's input and of a sink's output.
var None = Caps{}

// Frames is the Caps of raw pictures.
var Frames = Caps{Kind: KindFrame}

// Any is the Caps of an input that takes anything, and of an output that
// gives what its input took.
var Any = Caps{Kind: KindAny}

// Packets returns the Caps of packets of codec c (media.CodecUnknown: any).
func Packets(c media.Codec) Caps { return Caps{Kind: KindPacket, Codec: c} }

// String names the caps as an error message wants them.
func (c Caps) String() string {
	switch c.Kind {
	case KindFrame:
		return "raw frames"
	case KindPacket:
		if c.Codec == media.CodecUnknown {
			return "packets of any codec"
		}
		return c.Codec.String() + " packets"
	case KindAny:
		return "anything"
	}
	return "nothing"
}

// CanFeed reports whether an output with caps c can feed an input with caps in.
func (c Caps) CanFeed(in Caps) bool {
	if c.Kind == KindNone || in.Kind == KindNone {
		return false
	}
	if c.Kind == KindAny || in.Kind == KindAny {
		return true
	}
	if c.Kind != in.Kind {
		return false
	}
	return c.Kind != KindPacket || c.Codec == media.CodecUnknown || in.Codec == media.CodecUnknown || c.Codec == in.Codec
}

// accepts checks one item against input caps at run time (a codec-agnostic
// upstream, such as a subscriber, may deliver any codec).
func (c Caps) accepts(item media.Item) error {
	switch item.(type) {
	case *media.Frame, *media.Packet:
		if c.Kind == KindAny {
			return nil
		}
	}
	switch it := item.(type) {
	case *media.Frame:
		if c.Kind == KindFrame {
			return nil
		}
	case *media.Packet:
		if c.Kind == KindPacket && (c.Codec == media.CodecUnknown || c.Codec == it.Codec) {
			return nil
		}
		if c.Kind == KindPacket {
			return fmt.Errorf("%w: %v packet into an input for %v", ErrMismatch, it.Codec, c)
		}
	}
	return fmt.Errorf("%w: %T into an input for %v", ErrMismatch, item, c)
}
